"""On phones: the team leader plans an activity and shows its QR code; a volunteer
signs up (once: the page then shows her place), checks in by opening the address
the code carries, checks out the same way when she leaves, and gets her hours
statement."""

from __future__ import annotations

import io
from datetime import datetime, time
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.test_sign_in import NARROW, PHONE, _no_sideways_scroll, _sign_in
from volunteers.models import Activity, SignUpStatus, Volunteer
from volunteers.selectors import total_hours

pytestmark = pytest.mark.e2e

TITLE = "楼道杂物清理（5号楼）"


def test_volunteer_signs_up_checks_in_and_out_by_qr_and_gets_her_hours_statement(
    browser, live_server, demo, screenshot
):
    # Ten in the morning: the activity at 10:30 is still to come, and its check-in
    # opens now (half an hour before the start).
    morning = timezone.make_aware(datetime.combine(timezone.localdate(), time(10)))
    with time_machine.travel(morning, tick=True) as clock:
        jumin = Volunteer.objects.get(user__username="jumin")
        hours_before = total_hours(jumin)

        # 郑海燕, the team leader, plans a clean-up for 10:30 on her phone.
        leader = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
        _sign_in(leader, live_server.url, "zhiyuan")
        leader.get_by_test_id("volunteers-panel").get_by_test_id("new-activity").click()
        form = leader.get_by_test_id("activity-form")
        form.locator('[name="project"]').select_option(label="运河情志愿服务队 · 楼道环境整治")
        form.locator('[name="title"]').fill(TITLE)
        form.locator('[name="place"]').fill("5号楼一单元楼道")
        form.locator('[name="day"]').fill(f"{timezone.localdate():%Y-%m-%d}")
        form.locator('[name="starts"]').fill("10:30")
        form.locator('[name="ends"]').fill("12:00")
        form.locator('[name="capacity"]').fill("6")
        form.locator('[name="audience"][value="team"]').check()
        assert _no_sideways_scroll(leader)
        form.get_by_test_id("save-activity").click()
        expect(leader.get_by_test_id("activity-title")).to_have_text(TITLE)
        qr = leader.get_by_test_id("checkin-qr")
        expect(qr.locator("svg")).to_be_visible()
        checkin_url = leader.get_by_test_id("checkin-url").get_attribute("href")
        assert checkin_url == qr.get_attribute("data-url")
        assert _no_sideways_scroll(leader)
        screenshot(leader, "1-leader-qr")
        activity = Activity.objects.get(title=TITLE)

        # 张桂兰, a member of the team, finds it from her home page and signs up.
        phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
        _sign_in(phone, live_server.url, "jumin")
        phone.get_by_test_id("volunteers-panel").get_by_test_id("volunteer-activities").click()
        phone.get_by_test_id("activity").filter(has_text=TITLE).get_by_role("link").click()
        expect(phone.get_by_test_id("serve-help")).to_be_visible()  # what serving means
        phone.get_by_test_id("sign-up-serve").click()
        expect(phone.get_by_test_id("my-signup")).to_have_count(1)
        # Signed up: the page shows her place and its cancel button, not the sign-up again.
        expect(phone.get_by_test_id("my-signup-status")).to_have_text("已报名")
        expect(phone.get_by_test_id("do-cancel")).to_be_visible()
        expect(phone.get_by_test_id("sign-up-serve")).to_have_count(0)
        signup = activity.signups.get()
        assert (signup.volunteer, signup.status) == (jumin, SignUpStatus.SIGNED_UP)
        assert _no_sideways_scroll(phone)
        screenshot(phone, "2-signed-up")

        # At the stairwell she scans the leader's code: her phone opens its address.
        phone.goto(checkin_url)
        assert _no_sideways_scroll(phone)
        screenshot(phone, "3-check-in")
        phone.get_by_test_id("do-check-in").click()
        expect(phone.get_by_test_id("activity-title")).to_have_text(TITLE)
        signup.refresh_from_db()
        assert signup.status == SignUpStatus.CHECKED_IN
        assert total_hours(jumin) == hours_before  # the hours come when she checks out

        # At 12:05 she leaves and scans the code again: it offers check-out.
        clock.move_to(timezone.make_aware(datetime.combine(timezone.localdate(), time(12, 5))))
        phone.goto(checkin_url)
        expect(phone.get_by_test_id("do-check-in")).to_have_count(0)
        assert _no_sideways_scroll(phone)
        screenshot(phone, "3b-check-out")
        phone.get_by_test_id("do-check-out").click()
        expect(phone.get_by_test_id("activity-title")).to_have_text(TITLE)
        signup.refresh_from_db()
        assert signup.status == SignUpStatus.ATTENDED
        assert total_hours(jumin) == hours_before + Decimal("1.5")

        # Her hours, and the statement to print.
        phone.get_by_test_id("nav-mine").click()
        phone.get_by_test_id("my-hours").click()
        expect(phone.get_by_test_id("total-hours")).to_have_text(str(hours_before + Decimal("1.5")))
        expect(phone.get_by_test_id("hours-entry").first).to_contain_text(TITLE)
        assert _no_sideways_scroll(phone)
        screenshot(phone, "4-hours")
        href = phone.get_by_test_id("statement-pdf").get_attribute("href")
        pdf = phone.request.get(f"{live_server.url}{href}")
        assert pdf.headers["content-type"] == "application/pdf"
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
        assert "志愿服务时长证明" in text
        assert "张桂兰" in text
        assert TITLE in text

        # The pages fit a 360-pixel phone too.
        narrow = browser.new_context(viewport=NARROW, is_mobile=True, has_touch=True).new_page()
        _sign_in(narrow, live_server.url, "zhiyuan")
        for path in (
            "/volunteers/",
            f"/volunteers/activities/{activity.pk}/",
            "/volunteers/teams/",
            f"/volunteers/teams/{activity.team_id}/",
            "/volunteers/reports/",
            f"/volunteers/people/{jumin.pk}/",
            urlsplit(checkin_url).path,
        ):
            narrow.goto(live_server.url + path)
            assert _no_sideways_scroll(narrow), path
        screenshot(narrow, "5-report-360")
