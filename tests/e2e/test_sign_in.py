"""A grid worker on a phone and a secretary at a desk sign in and find their way."""

from __future__ import annotations

import pytest

from community.management.commands.seed_demo import DEFAULT_PASSWORD

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
NARROW = {"width": 360, "height": 740}
DESK = {"width": 1280, "height": 800}


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _sign_in(page, base: str, login: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("用户名或手机号").fill(login)
    page.get_by_label("密码").fill(DEFAULT_PASSWORD)
    page.locator("main").get_by_role("button", name="登录").click()


def test_grid_worker_signs_in_on_a_phone_and_switches_language(
    browser, live_server, demo, screenshot
):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    _sign_in(page, live_server.url, "13800000031")  # 陈晓雨 signs in with her mobile number

    heading = page.get_by_test_id("home-heading")
    assert heading.inner_text() == "陈晓雨，您好"
    assert page.url.endswith("/home/grid_worker/")
    assert page.get_by_test_id("unread-count").inner_text() == "1"
    assert _no_sideways_scroll(page)
    screenshot(page, "zh")

    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("language-switch").last.click()
    assert page.get_by_test_id("home-heading").inner_text() == "Hello, 陈晓雨"
    assert page.locator("html").get_attribute("lang") == "en"
    assert _no_sideways_scroll(page)
    screenshot(page, "en")

    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("language-switch").last.click()
    assert page.get_by_test_id("home-heading").inner_text() == "陈晓雨，您好"
    context.close()


def test_pages_fit_a_360px_phone(browser, live_server, demo, screenshot):
    context = browser.new_context(viewport=NARROW, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    assert _no_sideways_scroll(page)
    _sign_in(page, live_server.url, "shuji")
    for path in ("/", "/notifications/"):
        page.goto(live_server.url + path)
        assert _no_sideways_scroll(page), path
    screenshot(page, "notifications")
    context.close()


def test_secretary_at_a_desk_reads_a_notification_and_opens_the_community(
    browser, live_server, demo, screenshot
):
    context = browser.new_context(viewport=DESK)
    page = context.new_page()
    _sign_in(page, live_server.url, "shuji")
    assert page.get_by_test_id("home-heading").inner_text() == "李书华，您好"
    screenshot(page, "home")

    page.get_by_test_id("bell").click()
    notification = page.get_by_test_id("notification").first
    assert "御景花园社区" in notification.inner_text()
    notification.get_by_role("button").click()
    # The notification links to the secretary's page; it is now read.
    assert page.url.endswith("/home/secretary/")
    assert page.get_by_test_id("unread-count").count() == 0

    page.get_by_role("link", name="御景花园社区").first.click()
    assert page.get_by_test_id("community-name").inner_text() == "御景花园社区"
    assert "陈晓雨" in page.content()
    screenshot(page, "community")
    context.close()


def test_wrong_password_shows_a_clear_message(browser, live_server, demo):
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名或手机号").fill("wangge")
    page.get_by_label("密码").fill("not-the-password")
    page.locator("main").get_by_role("button", name="登录").click()
    assert "用户名、手机号或密码不正确" in page.get_by_test_id("login-error").inner_text()
    page.close()
