"""The mediator records a case from the first visit to the signed agreement and the
follow-up; the resident who is a party sees the outcome and the agreement, not the record."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from mediation.models import MediationCase
from tests.e2e.test_sign_in import DESK, PHONE, _no_sideways_scroll, _sign_in

pytestmark = pytest.mark.e2e


def _open(page, action: str):
    panel = page.get_by_test_id(f"action-{action}")
    if panel.get_attribute("open") is None:
        panel.locator("summary").click()
    return panel


def test_mediator_records_a_case_to_a_signed_agreement_and_a_follow_up(
    browser, live_server, demo, screenshot
):
    context = browser.new_context(viewport=DESK)
    page = context.new_page()
    _sign_in(page, live_server.url, "tiaojie")  # 吴秀英, mediator of 御景花园
    page.get_by_test_id("mediation-panel").get_by_role("link", name="受理案件").click()

    form = page.get_by_test_id("case-form")
    form.get_by_label("案件来源").select_option(label="来访")
    form.get_by_label("纠纷类型").select_option(label="损害赔偿")
    form.get_by_label("纠纷经过").fill(
        "访客夜里倒车刮了张阿姨家门口停着的电动汽车，在雨刮器上留了电话，第二天还没人联系。"
    )
    parties = form.get_by_test_id("party")
    parties.nth(0).locator('[name="parties-0-name"]').fill("张桂兰")
    # Her mobile finds her resident record, and so her portal account.
    parties.nth(0).locator('[name="parties-0-phone"]').fill("13800000035")
    parties.nth(1).locator('[name="parties-1-name"]').fill("孙女士（访客）")
    parties.nth(1).locator('[name="parties-1-phone"]').fill("13912349999")
    screenshot(page, "1-open")
    form.get_by_test_id("save-case").click()
    expect(page.get_by_test_id("case-status")).to_have_text("待调解")
    case = MediationCase.objects.get(facts__startswith="访客夜里倒车")
    assert page.get_by_test_id("case-number").inner_text() == case.number

    panel = _open(page, "session")
    panel.locator('[name="session-attendees"]').fill("张桂兰、孙女士、调解员吴秀英")
    panel.locator('[name="session-record"]').fill("孙女士道歉，愿意承担修车费；张阿姨同意。")
    panel.get_by_test_id("do-session").click()
    expect(page.get_by_test_id("case-status")).to_have_text("调解中")
    expect(page.get_by_test_id("session")).to_have_count(1)

    panel = _open(page, "agree")
    panel.locator('[name="agree-kind"]').select_option(label="书面协议")
    panel.locator('[name="agree-terms"]').fill("孙女士承担维修费1200元，修好后凭发票当面付清。")
    panel.locator('[name="agree-performance"]').fill("4S店维修，社区调解室当面结算")
    panel.get_by_test_id("do-agree").click()
    # Without a date by which it is carried out, the agreement is refused, text kept.
    expect(panel.get_by_test_id("field-error")).to_be_visible()
    expect(panel.locator('[name="agree-terms"]')).to_have_value(
        "孙女士承担维修费1200元，修好后凭发票当面付清。"
    )
    panel.locator('[name="agree-perform_by"]').fill("2030-01-15")
    panel.get_by_test_id("do-agree").click()
    expect(page.get_by_test_id("case-status")).to_have_text("已达成协议")
    screenshot(page, "2-agreement")

    pdf = page.request.get(f"{live_server.url}/mediation/{case.pk}/agreement.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    assert "人民调解协议书" in text
    assert "孙女士承担维修费1200元" in text

    panel = _open(page, "follow_up")
    panel.get_by_label("是").check()
    panel.locator('[name="follow_up-note"]').fill("车已修好，费用已付清。")
    panel.get_by_test_id("do-follow_up").click()
    expect(page.get_by_test_id("case-status")).to_have_text("已回访")
    expect(page.get_by_test_id("follow-up")).to_contain_text("正在履行")
    screenshot(page, "3-followed-up")

    # The resident, a party, sees the outcome and the agreement on her phone.
    resident = browser.new_context(viewport=PHONE, is_mobile=True).new_page()
    _sign_in(resident, live_server.url, "jumin")
    resident.goto(f"{live_server.url}/mediation/{case.pk}/")
    expect(resident.get_by_test_id("agreement")).to_contain_text("孙女士承担维修费1200元")
    assert resident.get_by_test_id("session").count() == 0
    assert resident.get_by_test_id("facts").count() == 0
    assert _no_sideways_scroll(resident)
    screenshot(resident, "4-party")
