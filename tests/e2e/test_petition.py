"""One request walks the whole road, each step by its own person in their own browser:
resident (phone) → grid worker (phone) → secretary → street dispatcher → department
handler → street → grid worker's callback → the resident's rating."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from petitions.models import Petition
from tests.e2e.test_sign_in import DESK, PHONE, _no_sideways_scroll, _sign_in
from tests.photos import phone_jpeg

pytestmark = pytest.mark.e2e


NARROW = {"width": 360, "height": 740}


def _as(browser, live_server, login: str, viewport: dict):
    context = browser.new_context(viewport=viewport, is_mobile=viewport in (PHONE, NARROW))
    page = context.new_page()
    _sign_in(page, live_server.url, login)
    return page


def _open(page, action: str):
    """A move's panel on the request's page, opened if it is not already."""
    panel = page.get_by_test_id(f"action-{action}")
    if panel.get_attribute("open") is None:
        panel.locator("summary").click()
    return panel


def _do(page, action: str, **fields: str) -> None:
    """Fill in a move's panel and press its button."""
    panel = _open(page, action)
    for name, value in fields.items():
        field = panel.locator(f'[name="{action}-{name}"]')
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)
    panel.get_by_test_id(f"do-{action}").click()


def test_a_request_travels_grid_community_street_department_and_back(
    browser, live_server, demo, screenshot, tmp_path
):
    photo = tmp_path / "IMG_2001.jpg"
    photo.write_bytes(phone_jpeg().read())

    # The resident reports from her phone; her building is chosen already.
    resident = _as(browser, live_server, "jumin", PHONE)
    resident.get_by_test_id("new-request").click()
    form = resident.get_by_test_id("intake-form")
    form.get_by_label("诉求类别").select_option(label="安全隐患")
    assert "1号楼" in form.get_by_label("楼栋").locator("option:checked").inner_text()
    form.get_by_label("诉求内容").fill("3单元门口的插线板泡在雪里，孩子上学经过，太危险了")
    form.get_by_label("照片（最多 6 张）").set_input_files(str(photo))
    form.get_by_label("紧急：现在就有危险").check()
    assert _no_sideways_scroll(resident)
    screenshot(resident, "0-resident-form")
    resident.get_by_test_id("submit-request").click()
    # With a photo the page sends the form itself (shrinking the photo first), so
    # wait for the answer: the request filed, or the possible duplicates.
    resident.locator('[data-testid="duplicates"], [data-testid="reference"]').first.wait_for()
    if resident.get_by_test_id("duplicates").count():
        # The demo has open safety requests at building 1: this one is different.
        resident.get_by_test_id("submit-request").click()
    expect(resident.locator("main")).to_contain_text("已提交，已通知您的网格员")
    p = Petition.objects.get(description__startswith="3单元门口的插线板")
    assert resident.get_by_test_id("reference").inner_text() == p.reference
    assert _no_sideways_scroll(resident)
    screenshot(resident, "1-resident-filed")
    url = f"{live_server.url}/requests/{p.pk}/"

    # The grid worker of building 1 accepts it on her phone.
    worker = _as(browser, live_server, "wangge", PHONE)
    worker.goto(url)
    _do(worker, "accept")
    expect(worker.get_by_test_id("status")).to_have_text("网格已受理")
    assert _no_sideways_scroll(worker)
    screenshot(worker, "2-worker-accepted")

    # On the narrowest phone the resident sees it at the community's desk, and by when.
    narrow = _as(browser, live_server, "jumin", NARROW)
    narrow.goto(url)
    steps = narrow.get_by_test_id("stepper").locator("li")
    expect(steps).to_have_count(5)
    expect(steps.nth(1)).to_have_attribute("aria-current", "step")
    expect(narrow.get_by_test_id("progress-due")).to_be_visible()
    assert _no_sideways_scroll(narrow)
    screenshot(narrow, "2a-resident-progress-360")
    # Her list is her own: no staff filters.
    narrow.goto(f"{live_server.url}/requests/")
    expect(narrow.get_by_test_id("resident-tabs")).to_be_visible()
    assert narrow.get_by_test_id("filters").count() == 0
    assert _no_sideways_scroll(narrow)
    screenshot(narrow, "2b-resident-list-360")

    # The secretary sends it up: the property company will not move it.
    secretary = _as(browser, live_server, "shuji", DESK)
    secretary.goto(url)
    _do(
        secretary,
        "escalate",
        reason="涉及供电线路，需街道协调",
        internal_note="物业已两次推诿",
    )
    expect(secretary.get_by_test_id("status")).to_have_text("已上报街道")
    screenshot(secretary, "3-secretary-escalated")

    # The street dispatches a work order to city management.
    street = _as(browser, live_server, "jiedao", DESK)
    street.goto(url)
    department = p.community.street.departments.get(memberships__user__username="chengguan")
    _do(street, "dispatch", department=department.name)
    expect(street.get_by_test_id("status")).to_have_text("已派单")
    expect(street.get_by_test_id("deadline")).to_be_visible()
    screenshot(street, "4-street-dispatched")

    # The department signs for it, fixes it and replies with a photo.
    handler = _as(browser, live_server, "chengguan", DESK)
    handler.goto(url)
    _do(handler, "sign")
    expect(handler.get_by_test_id("status")).to_have_text("部门办理中")
    panel = _open(handler, "reply")
    panel.locator('[name="reply-result"]').fill("已收起插线板，为3单元门口加装防水插座")
    panel.locator('input[type="file"]').set_input_files(str(photo))
    panel.get_by_test_id("do-reply").click()
    expect(handler.get_by_test_id("status")).to_have_text("部门已回复")
    screenshot(handler, "5-department-replied")

    # The street accepts the reply.
    street.reload()
    _do(street, "approve")
    expect(street.get_by_test_id("status")).to_have_text("已办结，待回访")

    # The grid worker calls the resident back.
    worker.reload()
    _do(worker, "callback", note="张阿姨说插座装好了，孩子走路安全了")
    expect(worker.get_by_test_id("status")).to_have_text("已回访，待评价")

    # The resident rates it and sees every public step, but no internal note.
    resident.goto(url)
    panel = _open(resident, "rate")
    panel.get_by_label("满意", exact=True).check()
    panel.locator('[name="rate-comment"]').fill("处理很快，谢谢")
    panel.get_by_test_id("do-rate").click()
    expect(resident.get_by_test_id("status")).to_have_text("已结案")
    steps = resident.get_by_test_id("event")
    expect(steps).to_have_count(9)
    assert resident.get_by_test_id("internal-note").count() == 0
    expect(resident.get_by_test_id("result")).to_contain_text("防水插座")
    assert _no_sideways_scroll(resident)
    screenshot(resident, "6-resident-rated")

    # Staff see the internal note on the same timeline.
    secretary.reload()
    notes = secretary.get_by_test_id("internal-note")
    expect(notes.filter(has_text="物业已两次推诿")).to_have_count(1)
    # What the resident said on the callback is a note for staff too (not shared).
    expect(notes.filter(has_text="张阿姨说插座装好了")).to_have_count(1)
    p.refresh_from_db()
    assert (p.status, p.rating) == ("closed", "satisfied")
