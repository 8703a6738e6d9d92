"""Residents reach the portal on a phone (390 × 844), with the codes read from the
console SMS backend, as a developer running `make run` would read them in the log.

A newcomer opens an account by SMS code, says where she lives, her grid worker
confirms it, she files a request with a photo from her phone, and later resets a
forgotten password. A neighbour without an account reports a problem from the
building's poster, reads the notices for her building, follows the request by the link
the SMS brought, and opens the community's public board.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from community.management.commands.seed_demo import DEFAULT_PASSWORD
from community.sms import ConsoleBackend

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
NEWCOMER = "13955550101"
NEIGHBOUR = "13955550202"


def _phone_context(browser):
    return browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)


def _last_code(phone: str) -> str:
    sent = [m for m in ConsoleBackend.outbox if m.phone == phone and m.code]
    assert sent, f"no code was sent to {phone}"
    return sent[-1].code


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _phone_photo(tmp_path) -> str:
    """A 4000 × 3000 JPEG with detail in it, the size a phone camera sends (several MB)."""
    image = Image.effect_noise((4000, 3000), 90).convert("RGB")
    path = tmp_path / "IMG_2041.jpg"
    image.save(path, "JPEG", quality=95)
    return str(path)


def _sign_in(page, base: str, login: str, password: str = DEFAULT_PASSWORD) -> None:
    page.goto(f"{base}/login/")
    page.locator("input[name=username]").fill(login)
    page.locator("input[name=password]").fill(password)
    page.locator("main button[type=submit]").first.click()
    page.wait_for_load_state()


def test_a_newcomer_signs_up_claims_her_home_files_a_request_and_resets_her_password(
    browser, live_server, demo, screenshot, tmp_path, time_machine
):
    from grids.models import Household
    from petitions.models import Petition

    home = Household.objects.select_related("unit__building").get(
        unit__building__number=3, unit__number=1, room="1001"
    )
    base = live_server.url
    context = _phone_context(browser)
    page = context.new_page()

    # The login page leads a resident without an account to sign-up.
    page.goto(f"{base}/login/")
    page.locator('a[href="/account/sign-up/"]').click()
    page.locator("input[name=phone]").fill(NEWCOMER)
    page.get_by_test_id("send-code").click()
    assert page.get_by_test_id("enter-code").is_visible()
    assert _fits(page)
    screenshot(page, "sign-up-code")
    page.locator("input[name=code]").fill(_last_code(NEWCOMER))
    page.locator("input[name=name]").fill("林小雨")
    page.locator("input[name=password1]").fill("Yujing-garden-3")
    page.locator("input[name=password2]").fill("Yujing-garden-3")
    page.get_by_test_id("submit-code").click()
    assert page.get_by_test_id("home-heading").inner_text() == "林小雨，您好"

    # Not linked yet: she says where she lives.
    page.get_by_test_id("claim-link").click()
    page.locator("select[name=community]").select_option(str(home.unit.building.community_id))
    page.locator("input[name=building]").fill("3")
    page.locator("input[name=unit]").fill("1")
    page.locator("input[name=room]").fill("1001")
    page.locator("input[name=name]").fill("林小雨")
    page.get_by_test_id("claim-submit").click()
    assert page.get_by_test_id("claim-pending").is_visible()
    screenshot(page, "claim-pending")

    # Her grid worker (building 3 is in the first grid) confirms it on his phone.
    worker = _phone_context(browser).new_page()
    _sign_in(worker, base, "wangge")
    worker.goto(f"{base}/grids/claims/")
    worker.get_by_test_id("claim-list").locator("a").first.click()
    assert "林小雨" in worker.get_by_test_id("claim-detail").inner_text()
    worker.get_by_test_id("claim-confirm").click()
    # Back on the list, nobody is waiting any more.
    assert "没有待确认的住户" in worker.get_by_test_id("claim-list").inner_text()
    worker.context.close()

    page.goto(f"{base}/grids/my-home/")
    assert "1001" in page.get_by_test_id("claim-linked").inner_text()

    # She files a request with a photo straight from her camera; the page shrinks
    # it before it goes, so what the server keeps is at most 1,600 px long.
    page.goto(f"{base}/requests/new/")
    page.locator("select[name=category]").select_option(index=2)  # 0: "please choose"
    page.locator("textarea[name=description]").fill("3号楼1单元楼道灯坏了，晚上看不见台阶。")
    page.get_by_test_id("photo-input").set_input_files(_phone_photo(tmp_path))
    page.get_by_test_id("submit-request").click()
    page.get_by_test_id("reference").wait_for()
    reference = page.get_by_test_id("reference").inner_text().strip()
    assert _fits(page)
    screenshot(page, "request-filed")
    filed = Petition.objects.get(reference=reference)
    assert filed.requester.phone == NEWCOMER
    photo = filed.photos.get()
    with Image.open(photo.image.path) as kept:
        assert max(kept.size) <= 1600
    context.close()

    # Three weeks later she has forgotten the password and resets it by SMS code.
    time_machine.move_to(timezone.now() + timedelta(days=21))
    page = _phone_context(browser).new_page()
    page.goto(f"{base}/login/")
    page.locator('a[href="/account/reset/"]').click()
    page.locator("input[name=phone]").fill(NEWCOMER)
    page.get_by_test_id("send-code").click()
    page.locator("input[name=code]").fill(_last_code(NEWCOMER))
    page.locator("input[name=password1]").fill("Canal-love-2027")
    page.locator("input[name=password2]").fill("Canal-love-2027")
    page.get_by_test_id("submit-code").click()
    assert page.get_by_test_id("home-heading").inner_text() == "林小雨，您好"
    page.context.clear_cookies()
    _sign_in(page, base, NEWCOMER, "Canal-love-2027")
    assert page.get_by_test_id("home-heading").inner_text() == "林小雨，您好"
    page.context.close()


def test_a_neighbour_reports_from_the_poster_and_follows_it_without_an_account(
    browser, live_server, demo, screenshot, tmp_path
):
    from grids.models import Building
    from grids.printing import building_token
    from petitions.models import Petition

    building = Building.objects.get(number=11, community__name="御景花园社区")
    base = live_server.url
    page = _phone_context(browser).new_page()

    # The poster's code opens the building's page: who to call, and the notices
    # taped up in the stairwell (here the outage at building 11).
    page.goto(f"{base}/b/{building_token(building)}/")
    notices = page.get_by_test_id("building-notices")
    assert "疫苗接种" in notices.inner_text()  # the community's, pinned, open
    outage = notices.get_by_test_id("building-notice").filter(has_text="11号楼停电检修通知")
    outage.locator("summary").click()
    assert "电梯暂停使用" in outage.inner_text()
    assert _fits(page)
    screenshot(page, "poster-0")

    # Screen 1: what and where (the building comes from the poster), with a photo.
    page.get_by_test_id("report-here").click()
    assert _fits(page)
    page.locator("select[name=category]").select_option(index=2)  # 0: "please choose"
    page.locator("textarea[name=description]").fill("11号楼门口的电动车充电桩有一个不通电。")
    page.get_by_test_id("photo-input").set_input_files(_phone_photo(tmp_path))
    screenshot(page, "poster-1")
    page.get_by_test_id("poster-next").click()

    # Screen 2: the mobile number; screen 3: the code from the SMS.
    page.get_by_test_id("poster-phone-form").locator("input[name=phone]").fill(NEIGHBOUR)
    page.get_by_test_id("poster-send-code").click()
    page.get_by_test_id("poster-code-form").locator("input[name=code]").fill(_last_code(NEIGHBOUR))
    screenshot(page, "poster-3")
    page.get_by_test_id("poster-file").click()

    # Filed: the SMS brings a link to follow it.
    follow_sms = [m for m in ConsoleBackend.outbox if m.phone == NEIGHBOUR and not m.code]
    assert follow_sms, "no follow link was sent"
    link = re.search(r"https?://\S+", follow_sms[-1].text)
    assert link
    filed = Petition.objects.get(requester_phone=NEIGHBOUR)
    assert filed.channel == "poster"
    assert filed.photos.count() == 1
    with Image.open(filed.photos.get().image.path) as kept:
        assert max(kept.size) <= 1600

    # Later, on the same phone, from the SMS: the request's progress, no sign-in.
    fresh = _phone_context(browser).new_page()
    path = "/" + link.group(0).split("://", 1)[1].split("/", 1)[1]
    fresh.goto(base + path)
    assert filed.reference in fresh.get_by_test_id("reference").inner_text()
    assert fresh.get_by_test_id("timeline").is_visible()
    assert _fits(fresh)
    assert fresh.get_by_test_id("stepper").is_visible()
    screenshot(fresh, "follow")

    # A day later it is still not accepted: she urges it from the link, on a
    # 360 px phone without JavaScript (a plain form), once.
    Petition.objects.filter(pk=filed.pk).update(due_at=timezone.now() - timedelta(hours=1))
    bare = browser.new_context(
        viewport={"width": 360, "height": 780}, locale="zh-CN", java_script_enabled=False
    )
    plain = bare.new_page()
    plain.goto(base + path)
    assert plain.get_by_test_id("stepper").is_visible()
    assert plain.get_by_test_id("progress-due").is_visible()
    urge = plain.get_by_test_id("do-urge")
    assert urge.bounding_box()["height"] >= 44
    urge.click()
    plain.wait_for_load_state()
    assert plain.get_by_test_id("urged-today").is_visible()
    assert plain.get_by_test_id("do-urge").count() == 0
    assert filed.events.filter(action="urge").count() == 1
    assert _fits(plain)
    screenshot(plain, "follow-urged-360")
    bare.close()

    # The community's public board: who serves the grids, what was handled.
    fresh.goto(f"{base}/board/{building.community_id}/")
    assert fresh.get_by_test_id("board-grids").is_visible()
    assert NEIGHBOUR not in fresh.content()
    assert _fits(fresh)
    screenshot(fresh, "board")
    fresh.context.close()
    page.context.close()
