"""A grid worker walks a patrol on her phone; the secretary sees the coverage."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from grids.models import PatrolCheckIn
from tests.e2e.test_sign_in import PHONE, _no_sideways_scroll, _sign_in

pytestmark = pytest.mark.e2e


def test_grid_worker_walks_a_patrol_with_her_phones_location(
    browser, live_server, demo, screenshot
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

    check_in = PatrolCheckIn.objects.get()
    assert check_in.note == "单元门口有飞线充电"
    assert check_in.latitude == Decimal("35.405123")
    assert check_in.longitude == Decimal("116.587456")

    page.get_by_test_id("end-patrol").click()
    expect(page.locator("main")).to_contain_text("巡查已结束")
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
