"""Home visits: who is due, recording a visit, and overdue reminders."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse

from community.errors import DomainError, NotAllowed
from community.models import Notification
from grids.models import CarePlan, ResidentTag, Visit
from grids.selectors import visits_due
from grids.services import visit_record, visits_notify_overdue
from grids.services.visits import OVERDUE_LINE
from grids.tasks import notify_overdue_visits
from tests.conftest import SHANGHAI
from tests.grids.factories import ResidentFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 23)


@pytest.fixture
def clock(time_machine):
    """This module's day: the world is built on it, so a resident tagged by a
    factory is tagged on TODAY, not on the day the suite runs."""
    time_machine.move_to(datetime(2026, 11, 23, 9, tzinfo=SHANGHAI))
    return time_machine


@pytest.fixture
def today(clock) -> date:
    return TODAY


def _tagged_since(resident, tag: str, since: date) -> None:
    ResidentTag.objects.filter(resident=resident).delete()
    row = ResidentTag.objects.create(resident=resident, tag=tag)
    ResidentTag.objects.filter(pk=row.pk).update(since=since)


def test_a_resident_never_visited_is_due_from_the_day_they_were_tagged(gw, today):
    _tagged_since(gw.elder_1, "living_alone", today - timedelta(days=2))
    due = visits_due(gw.worker_1, today)
    assert [v.resident for v in due] == [gw.elder_1]
    assert due[0].overdue_days == 2
    assert due[0].last_visit is None


def test_after_a_visit_the_next_is_due_by_the_care_plan(gw, today):
    _tagged_since(gw.elder_1, "living_alone", today - timedelta(days=30))
    visit_record(actor=gw.worker_1, resident=gw.elder_1, visited_on=today, card_left=True)
    assert visits_due(gw.worker_1, today) == []  # next visit in 7 days
    soon = visits_due(gw.worker_1, today + timedelta(days=5))
    assert soon[0].due_on == today + timedelta(days=7)
    assert not soon[0].is_overdue


def test_a_communitys_care_plan_overrides_the_default(gw, today):
    _tagged_since(gw.elder_1, "chronic_illness", today - timedelta(days=60))
    visit_record(actor=gw.worker_1, resident=gw.elder_1, visited_on=today - timedelta(days=10))
    assert visits_due(gw.worker_1, today) == []  # default: every 30 days
    CarePlan.objects.create(community=gw.grid_1.community, tag="chronic_illness", interval_days=7)
    assert visits_due(gw.worker_1, today)[0].overdue_days == 3


def test_the_most_frequent_tag_sets_the_pace(gw, today):
    _tagged_since(gw.elder_1, "chronic_illness", today - timedelta(days=60))
    ResidentTag.objects.create(resident=gw.elder_1, tag="living_alone")
    visit_record(actor=gw.worker_1, resident=gw.elder_1, visited_on=today - timedelta(days=8))
    assert visits_due(gw.worker_1, today)[0].overdue_days == 1  # weekly, not monthly


def test_each_worker_sees_their_own_grids_visits_and_the_secretary_all(gw, today):
    _tagged_since(gw.elder_1, "living_alone", today)
    _tagged_since(gw.elder_2, "living_alone", today)
    assert [v.resident for v in visits_due(gw.worker_1, today)] == [gw.elder_1]
    assert [v.resident for v in visits_due(gw.worker_2, today)] == [gw.elder_2]
    assert {v.resident for v in visits_due(gw.secretary_x, today)} == {gw.elder_1, gw.elder_2}
    assert visits_due(gw.officer, today) == []


def test_a_visit_to_a_resident_of_another_grid_is_refused(gw, today):
    with pytest.raises(NotAllowed, match="第二网格"):
        visit_record(actor=gw.worker_1, resident=gw.elder_2, visited_on=today)
    assert not Visit.objects.exists()


@pytest.mark.parametrize("days", [1, 15])
def test_a_visit_in_the_future_or_weeks_ago_is_refused(gw, today, days):
    when = today + timedelta(days=1) if days == 1 else today - timedelta(days=days)
    with pytest.raises(DomainError):
        visit_record(actor=gw.worker_1, resident=gw.elder_1, visited_on=when)
    assert not Visit.objects.exists()


# --- Overdue reminders -------------------------------------------------------------


def test_overdue_visits_notify_the_worker_once_then_the_secretary(gw, today):
    _tagged_since(gw.elder_1, "living_alone", today - timedelta(days=1))
    assert visits_notify_overdue(today=today) == 1
    note = Notification.objects.get(recipient=gw.worker_1)
    assert gw.elder_1.name in note.title
    assert str(gw.elder_1.household) in note.title
    assert note.link == reverse("grids:visits")
    # The next morning: nothing new for the same missed visit.
    assert visits_notify_overdue(today=today + timedelta(days=1)) == 0
    assert not Notification.objects.filter(recipient=gw.secretary_x).exists()
    # Three days late: the secretary hears of it, once.
    assert visits_notify_overdue(today=today + timedelta(days=2)) == 1
    assert visits_notify_overdue(today=today + timedelta(days=3)) == 0
    escalated = Notification.objects.get(recipient=gw.secretary_x)
    assert escalated.kind == "visit.overdue.escalated"


def test_after_a_visit_the_next_missed_one_is_a_new_reminder(gw, today):
    _tagged_since(gw.elder_1, "living_alone", today - timedelta(days=1))
    visits_notify_overdue(today=today)
    visit_record(actor=gw.worker_1, resident=gw.elder_1, visited_on=today)
    assert visits_notify_overdue(today=today + timedelta(days=8)) == 1
    assert Notification.objects.filter(recipient=gw.worker_1).count() == 2


def test_the_beat_task_sends_the_reminders_every_morning(gw, today, settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["notify-overdue-visits"]
    assert schedule["task"] == notify_overdue_visits.name
    assert schedule["schedule"].hour == {8}
    _tagged_since(gw.elder_1, "living_alone", today - timedelta(days=1))
    notify_overdue_visits.delay()
    assert Notification.objects.filter(recipient=gw.worker_1, kind="visit.overdue").exists()


# --- Pages ---------------------------------------------------------------------------


def test_worker_records_a_visit_from_the_due_list(client, gw, today):
    _tagged_since(gw.elder_1, "living_alone", today - timedelta(days=3))
    client.force_login(gw.worker_1)
    page = client.get(reverse("grids:visits")).content.decode()
    assert "逾期 3 天" in page
    response = client.post(
        reverse("grids:visit-new", args=[gw.elder_1.pk]),
        {
            "visited_on": "2026-11-23",
            "condition": "胸闷，已叮嘱注意保暖",
            "needs": "代买药品",
            "follow_up": "周五再去",
            "card_left": "on",
        },
        follow=True,
    )
    assert response.request["PATH_INFO"] == reverse("grids:visits")
    visit = Visit.objects.get()
    assert visit.card_left
    assert visit.worker == gw.worker_1
    page = response.content.decode()
    assert f"已登记对{gw.elder_1.name}的走访" in page
    assert 'data-testid="visit-due"' not in page  # next visit is a week away


def test_a_secretary_outside_the_grid_gets_a_clear_message_not_a_visit(client, gw, today):
    client.force_login(gw.secretary_x)
    response = client.post(
        reverse("grids:visit-new", args=[gw.elder_1.pk]), {"visited_on": "2026-11-23"}
    )
    assert response.status_code == 200
    assert "不是您的网格" in response.content.decode()
    assert not Visit.objects.exists()


def test_another_grids_worker_cannot_open_the_visit_form(client, gw, today):
    client.force_login(gw.worker_2)
    assert client.get(reverse("grids:visit-new", args=[gw.elder_1.pk])).status_code == 404


def test_visits_page_query_count_does_not_grow(client, gw, today, django_assert_num_queries):
    for _ in range(30):
        resident = ResidentFactory(household__unit=gw.elder_1.household.unit)
        ResidentTag.objects.create(resident=resident, tag="living_alone")
    client.force_login(gw.worker_1)
    # session, user, memberships; residents with last visit; their tags;
    # care plans; unread count
    with django_assert_num_queries(7):
        page = client.get(reverse("grids:visits")).content.decode()
    assert page.count('data-testid="visit-due"') == 31


def test_the_visit_form_offers_today_in_a_date_the_phone_can_read(client, gw, today):
    client.force_login(gw.worker_1)
    page = client.get(reverse("grids:visit-new", args=[gw.elder_1.pk])).content.decode()
    assert 'type="date"' in page
    assert 'value="2026-11-23"' in page


def test_a_double_submitted_visit_is_one_visit(gw, today):
    first = visit_record(actor=gw.worker_1, resident=gw.elder_1, visited_on=today)
    second = visit_record(actor=gw.worker_1, resident=gw.elder_1, visited_on=today)
    assert first == second
    assert Visit.objects.count() == 1


@pytest.mark.parametrize(
    ("who", "shown"), [("worker_1", True), ("officer", False), ("dispatcher", False)]
)
def test_what_a_visit_found_is_health_data(client, gw, today, who, shown):
    visit_record(
        actor=gw.worker_1, resident=gw.elder_1, visited_on=today, condition="血压偏高，已提醒服药"
    )
    client.force_login(getattr(gw, who))
    page = client.get(reverse("grids:resident-detail", args=[gw.elder_1.pk]))
    if page.status_code == 200:
        assert ("血压偏高" in page.content.decode()) is shown
    api = client.get("/api/v1/visits/").json()["results"]
    if api:
        assert (api[0]["condition"] == "血压偏高，已提醒服药") is shown


def test_visits_api_records_a_visit_in_your_grid_only(client, gw, today):
    client.force_login(gw.worker_1)
    ok = client.post("/api/v1/visits/", {"resident": gw.elder_1.pk, "visited_on": "2026-11-23"})
    assert ok.status_code == 201
    other = client.post("/api/v1/visits/", {"resident": gw.elder_2.pk, "visited_on": "2026-11-23"})
    assert other.status_code == 400  # not visible to worker 1: unknown resident
    assert Visit.objects.count() == 1


def test_visits_api_list_query_count(client, gw, today, django_assert_num_queries):
    for n in range(30):
        resident = ResidentFactory(household__unit=gw.elder_1.household.unit)
        visit_record(
            actor=gw.worker_1, resident=resident, visited_on=today - timedelta(days=n % 10)
        )
    client.force_login(gw.worker_1)
    # session, user, memberships; grid duties (access); count; page of visits
    # with worker and resident's building
    with django_assert_num_queries(6):
        data = client.get("/api/v1/visits/").json()
    assert data["count"] == 30
    assert len(data["results"]) == 20


def test_many_overdue_visits_reach_the_secretary_as_one_digest_once(gw, today):
    """46 overdue visits in one run: one message to the secretary listing them all
    (one to each grid worker for their own), and nothing new the next run."""
    for i in range(46):
        building = gw.building_1 if i % 2 else gw.building_2
        elder = ResidentFactory(household__unit=building.units.first(), name=f"老人{i:02d}")
        _tagged_since(elder, "living_alone", today - timedelta(days=10 + i))
    ResidentTag.objects.filter(resident=gw.elder_1).delete()
    assert visits_notify_overdue(today=today) == 3
    digest = Notification.objects.get(recipient=gw.secretary_x)
    assert digest.kind == "visit.overdue.escalated"
    assert digest.title.startswith("46 ")
    assert digest.title.endswith("…")
    lines = digest.body.splitlines()
    assert len(lines) == 46
    assert lines[0].startswith("老人45")  # most overdue first
    assert "55" in lines[0]
    assert digest.link == reverse("grids:visits")
    assert Notification.objects.get(recipient=gw.worker_1).body.count("\n") == 22  # 23 lines
    assert Notification.objects.get(recipient=gw.worker_2).body.count("\n") == 22
    # The next run, and the one after: the same missed visits are not told again.
    assert visits_notify_overdue(today=today) == 0
    assert visits_notify_overdue(today=today + timedelta(days=1)) == 0
    assert Notification.objects.count() == 3


def test_a_digest_lists_only_the_visits_not_yet_told(gw, today):
    _tagged_since(gw.elder_1, "living_alone", today - timedelta(days=8))
    visits_notify_overdue(today=today)
    newcomer = ResidentFactory(household__unit=gw.building_1.units.first(), name="新来的")
    _tagged_since(newcomer, "living_alone", today - timedelta(days=8))
    assert visits_notify_overdue(today=today) == 2  # worker and secretary, newcomer only
    latest = Notification.objects.filter(recipient=gw.worker_1).order_by("-id").first()
    # In the reader's language (the portal's), whatever the catalogue says.
    line = str(OVERDUE_LINE) % {"name": "新来的", "home": newcomer.household, "days": 8}
    assert latest.body.splitlines() == [line]


@pytest.mark.parametrize("field", ["condition", "needs", "follow_up"])
def test_visits_api_refuses_100_kb_of_text_naming_the_field(client, gw, today, field):
    client.force_login(gw.worker_1)
    client.cookies["django_language"] = "en"
    visit = {"resident": gw.elder_1.pk, "visited_on": "2026-11-23"}
    response = client.post("/api/v1/visits/", {**visit, field: "走" * 100_000})
    assert response.status_code == 400
    assert response.json() == {field: ["Ensure this field has no more than 4000 characters."]}
    assert not Visit.objects.exists()
    at_the_limit = client.post("/api/v1/visits/", {**visit, field: "走" * 4000})
    assert at_the_limit.status_code == 201


def test_the_visit_page_refuses_100_kb_of_text_and_keeps_nothing(client, gw, today):
    client.force_login(gw.worker_1)
    response = client.post(
        reverse("grids:visit-new", args=[gw.elder_1.pk]),
        {"visited_on": "2026-11-23", "condition": "胸闷" * 50_000},
    )
    assert response.status_code == 200
    assert "不超过 4000 字符 (目前字符数 100000)" in response.content.decode()
    assert not Visit.objects.exists()
