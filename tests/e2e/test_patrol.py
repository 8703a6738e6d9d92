"""A grid worker walks a patrol on her phone, reports a hazard with a photo and
records a due visit; the secretary sees the coverage."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from grids.models import Hazard, PatrolCheckIn
from tests.e2e.test_sign_in import NARROW, PHONE, _no_sideways_scroll, _sign_in
from tests.photos import phone_jpeg

pytestmark = pytest.mark.e2e


def test_grid_worker_walks_a_patrol_with_a_hazard_photo_and_a_due_visit(
    browser, live_server, demo, screenshot, tmp_path
):
    context = browser.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        geolocation={"latitude": 35.405123, "longitude": 116.587456},
        permissions=["geolocation"],
    )
    page = context.new_page()
    _sign_in(page, live_server.url, "wangge")  # 陈晓雨, grid 1 of 御景花园
    assert "第一网格" in page.get_by_test_id("my-grid").inner_text()

    page.get_by_test_id("patrol-link").click()
    page.get_by_test_id("start-patrol").click()
    assert page.get_by_test_id("patrol-heading").inner_text() == "第一网格"
    assert page.get_by_test_id("stop").count() == 4  # buildings 1-4
    assert _no_sideways_scroll(page)

    first = page.get_by_test_id("stop").first
    first.locator("textarea").fill("单元门口有飞线充电")
    first.get_by_role("button", name="在此签到").click()
    # The form waits for the phone's position, then posts: wait for the answer.
    expect(page.locator("main")).to_contain_text("已在1号楼签到")
    screenshot(page, "checked-in")

    check_in = PatrolCheckIn.objects.get(patrol__status="in_progress")  # the demo's have ended
    assert check_in.note == "单元门口有飞线充电"
    assert check_in.latitude == Decimal("35.405123")
    assert check_in.longitude == Decimal("116.587456")

    # A hazard at building 1, with a photo from the phone's camera.
    photo = tmp_path / "IMG_0001.jpg"
    photo.write_bytes(phone_jpeg().read())
    first.get_by_test_id("report-hazard").click()
    page.get_by_label("类别").select_option("flying_wire")
    page.get_by_label("严重程度").select_option("high")
    page.get_by_label("发现的情况").fill("三楼窗口飞线给电动车充电")
    page.get_by_label("照片（最多 6 张）").set_input_files(str(photo))
    page.get_by_test_id("save-hazard").click()
    expect(page.locator("main")).to_contain_text("隐患已登记")
    expect(page.get_by_test_id("hazard-photo")).to_have_count(1)
    assert _no_sideways_scroll(page)
    screenshot(page, "hazard")
    hazard = Hazard.objects.get(description="三楼窗口飞线给电动车充电")
    assert hazard.patrol == check_in.patrol  # found on this patrol
    assert hazard.building.number == 1

    # Back to the running patrol in one tap, from the hazard's page (at 360 px too).
    page.set_viewport_size(NARROW)
    expect(page.get_by_test_id("continue-patrol")).to_be_visible()
    assert page.get_by_test_id("continue-patrol").bounding_box()["height"] >= 44
    assert _no_sideways_scroll(page)
    screenshot(page, "patrol-bar-360")
    page.get_by_test_id("continue-patrol").click()
    page.get_by_test_id("end-patrol").click()
    expect(page.locator("main")).to_contain_text("巡查已结束")
    # The patrol's record: the check-in with its place, the hazard found on it.
    expect(page.get_by_test_id("check-in")).to_have_count(1)
    expect(page.get_by_test_id("check-in-place")).to_have_text("35.405123, 116.587456")
    expect(page.get_by_test_id("patrol-hazard")).to_have_count(1)
    expect(page.get_by_test_id("continue-patrol")).to_have_count(0)
    assert _no_sideways_scroll(page)
    screenshot(page, "record-360")
    page.set_viewport_size(PHONE)

    # The month's five diligences, the patrol just walked among them.
    page.goto(f"{live_server.url}/grids/log/")
    expect(page.get_by_test_id("tally-row")).to_have_count(1)
    for size in (NARROW, PHONE):
        page.set_viewport_size(size)
        assert _no_sideways_scroll(page)
    screenshot(page, "work-log")

    # Then the visits due today: record one.
    page.goto(f"{live_server.url}/")
    page.get_by_test_id("visits-link").click()
    due = page.get_by_test_id("visit-due")
    first_due = due.first
    name = first_due.locator(".resident-name").inner_text()
    count = due.count()
    first_due.get_by_role("link", name="登记走访").click()
    page.get_by_label("身体和生活情况").fill("精神不错，叮嘱天冷注意保暖")
    page.get_by_label("已留便民联系卡").check()
    page.get_by_role("button", name="保存走访").click()
    expect(page.locator("main")).to_contain_text(f"已登记对{name}的走访")
    expect(page.get_by_test_id("visit-due")).to_have_count(count - 1)
    screenshot(page, "visits")
    context.close()

    desk = browser.new_context(viewport={"width": 1280, "height": 800})
    secretary = desk.new_page()
    _sign_in(secretary, live_server.url, "shuji")
    secretary.goto(f"{live_server.url}/grids/coverage/")
    first_grid = secretary.get_by_test_id("coverage").first
    assert "1号楼" in first_grid.inner_text()
    assert "1号楼" not in first_grid.get_by_test_id("missed").inner_text()
    screenshot(secretary, "coverage")
    desk.close()
