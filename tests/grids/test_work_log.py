"""The daily work log (五勤): what a worker did, counted per kind and month, with
patrols, home visits and hazards reported counted in the kind they belong to."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from importlib import import_module

import pytest
from django.apps import apps
from django.urls import reverse

from community.errors import DomainError, NotAllowed
from grids.models import WorkCategory, WorkLogEntry
from grids.selectors import work_tally
from grids.services import hazard_report, patrol_check_in, patrol_end, patrol_start, worklog_add
from grids.services.visits import visit_record
from tests.conftest import SHANGHAI

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 23)
KINDS = ["patrol", "prevent", "talk", "visit", "serve"]


@pytest.fixture(autouse=True)
def clock(time_machine):
    """This module's day (a Monday); the world is built on it."""
    time_machine.move_to(datetime(2026, 11, 23, 10, tzinfo=SHANGHAI))
    return time_machine


def _counts(tally, worker) -> dict[str, int]:
    row = {t.worker: t for t in tally}[worker]
    return dict(zip(KINDS, row.counts, strict=True))


def _a_month_of_work(gw) -> None:
    """worker_1: two patrols, a hazard, a visit and one log entry of each of three
    kinds; worker_2: a patrol and a talk."""
    for _ in range(2):
        patrol = patrol_start(worker=gw.worker_1, grid=gw.grid_1)
        patrol_check_in(patrol=patrol, actor=gw.worker_1, building=gw.building_1)
        patrol_end(patrol=patrol, actor=gw.worker_1)
    hazard_report(
        actor=gw.worker_1, building=gw.building_1, kind="flying_wire", description="三楼飞线充电"
    )
    visit_record(actor=gw.worker_1, resident=gw.elder_1, visited_on=TODAY, condition="精神不错")
    worklog_add(actor=gw.worker_1, grid=gw.grid_1, category="serve", note="帮张奶奶代缴水费")
    worklog_add(actor=gw.worker_1, grid=gw.grid_1, category="talk", note="宣讲防诈骗")
    worklog_add(actor=gw.worker_1, grid=gw.grid_1, category="prevent", note="提醒住户勿飞线充电")
    patrol_end(patrol=patrol_start(worker=gw.worker_2, grid=gw.grid_2), actor=gw.worker_2)
    worklog_add(actor=gw.worker_2, grid=gw.grid_2, category="talk", note="调解楼上漏水")


def test_the_kinds_are_the_five_diligences_in_the_reports_order():
    # 勤巡查、勤防范、勤说事、勤走访、勤服务
    assert WorkCategory.values == KINDS


def test_patrols_visits_and_hazards_count_in_their_kind_with_the_log(gw):
    _a_month_of_work(gw)
    tally = work_tally(gw.secretary_x, TODAY)
    assert _counts(tally, gw.worker_1) == {
        "patrol": 2,
        "prevent": 2,  # the hazard reported and the prevention talk logged
        "talk": 1,
        "visit": 1,
        "serve": 1,
    }
    assert _counts(tally, gw.worker_2) == {
        "patrol": 1,
        "prevent": 0,
        "talk": 1,
        "visit": 0,
        "serve": 0,
    }
    assert [t.total for t in tally] == [7, 2]  # the busiest first


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("worker_1", {"worker_1"}),  # their own work only
        ("worker_2", {"worker_2"}),
        ("party_leader_1", set()),  # a colleague on grid 1 counts their own (none)
        ("secretary_x", {"worker_1", "worker_2"}),  # her community's workers
        ("dispatcher", {"worker_1", "worker_2"}),  # the street, its communities
        ("secretary_y", set()),  # another community
    ],
)
def test_the_tally_is_scoped_to_whose_work_the_viewer_answers_for(gw, who, sees):
    _a_month_of_work(gw)
    tally = work_tally(getattr(gw, who), TODAY)
    assert {t.worker.username for t in tally} == sees


def test_the_tally_counts_one_calendar_month_in_shanghai(gw, time_machine):
    # 31 October, 23:30 in Shanghai is 15:30 UTC: October's work, not November's.
    time_machine.move_to(datetime(2026, 10, 31, 23, 30, tzinfo=SHANGHAI))
    patrol_end(patrol=patrol_start(worker=gw.worker_1, grid=gw.grid_1), actor=gw.worker_1)
    time_machine.move_to(datetime(2026, 11, 1, 0, 30, tzinfo=SHANGHAI))
    patrol_end(patrol=patrol_start(worker=gw.worker_1, grid=gw.grid_1), actor=gw.worker_1)
    worklog_add(
        actor=gw.worker_1, grid=gw.grid_1, category="serve", note="代办", done_on=date(2026, 10, 30)
    )
    time_machine.move_to(datetime(2026, 11, 23, 10, tzinfo=SHANGHAI))
    assert _counts(work_tally(gw.worker_1, date(2026, 11, 1)), gw.worker_1)["patrol"] == 1
    october = _counts(work_tally(gw.worker_1, date(2026, 10, 1)), gw.worker_1)
    assert (october["patrol"], october["serve"]) == (1, 1)


def test_work_in_another_grid_a_resident_elsewhere_or_a_future_day_is_refused(gw):
    with pytest.raises(NotAllowed):
        worklog_add(actor=gw.worker_1, grid=gw.grid_2, category="serve", note="x")
    with pytest.raises(DomainError):
        worklog_add(
            actor=gw.worker_1, grid=gw.grid_1, category="serve", note="x", resident=gw.elder_2
        )
    with pytest.raises(DomainError):
        worklog_add(
            actor=gw.worker_1,
            grid=gw.grid_1,
            category="serve",
            note="x",
            done_on=TODAY + timedelta(days=1),
        )
    with pytest.raises(DomainError):
        worklog_add(actor=gw.worker_1, grid=gw.grid_1, category="serve", note="  ")
    assert not WorkLogEntry.objects.exists()


def test_the_old_kinds_are_moved_to_the_five_diligences():
    """The data migration's mapping, run on rows with the old values (and back)."""
    migration = import_module("grids.migrations.0012_work_log_five_diligences")
    assert migration.FORWARD == {
        "errand": "serve",
        "other": "serve",
        "policy_talk": "talk",
        "mediation": "talk",
        "prevention": "prevent",
    }
    assert set(migration.FORWARD.values()) <= set(KINDS)
    assert set(migration.BACKWARD) == set(KINDS)


def test_the_data_migration_rewrites_stored_rows(gw):
    migration = import_module("grids.migrations.0012_work_log_five_diligences")
    entries = [
        worklog_add(actor=gw.worker_1, grid=gw.grid_1, category="serve", note=str(n))
        for n in range(5)
    ]
    for entry, old in zip(entries, migration.FORWARD, strict=True):
        WorkLogEntry.objects.filter(pk=entry.pk).update(category=old)
    migration._remap(migration.FORWARD)(apps, None)
    assert [WorkLogEntry.objects.get(pk=e.pk).category for e in entries] == [
        "serve",
        "serve",
        "talk",
        "talk",
        "prevent",
    ]


def test_the_work_log_page(client, gw):
    client.force_login(gw.worker_1)
    page = client.get(reverse("grids:work-log")).content.decode()
    # The form offers the five kinds, in order, and the tally has a column for each.
    for kind in KINDS:
        assert f'<option value="{kind}"' in page
    response = client.post(
        reverse("grids:work-log"),
        {"grid": gw.grid_1.pk, "category": "serve", "done_on": "2026-11-23", "note": "代买药品"},
        follow=True,
    )
    page = response.content.decode()
    assert "已记录" in page
    assert page.count('data-testid="log-entry"') == 1
    assert page.count('data-testid="tally-row"') == 1
    empty = client.post(
        reverse("grids:work-log"),
        {"grid": gw.grid_1.pk, "category": "serve", "done_on": "2026-11-23", "note": ""},
    )
    assert "该字段是必填项" in empty.content.decode()
    assert WorkLogEntry.objects.count() == 1


def test_the_page_turns_to_an_earlier_month_and_never_a_later_one(client, gw, time_machine):
    time_machine.move_to(datetime(2026, 10, 12, 10, tzinfo=SHANGHAI))
    patrol_end(patrol=patrol_start(worker=gw.worker_1, grid=gw.grid_1), actor=gw.worker_1)
    time_machine.move_to(datetime(2026, 11, 23, 10, tzinfo=SHANGHAI))
    client.force_login(gw.worker_1)
    url = reverse("grids:work-log")

    now = client.get(url).content.decode()
    assert 'data-testid="tally-row"' not in now
    assert "?month=2026-10" in now
    assert 'data-testid="next-month"' not in now

    october = client.get(url, {"month": "2026-10"}).content.decode()
    assert october.count('data-testid="tally-row"') == 1
    assert "?month=2026-11" in october

    # A month to come or a month that is no month: this month, never an error.
    for month in ("2027-01", "2026-13", "0001-01", "十一月", "9" * 60):
        response = client.get(url, {"month": month})
        assert response.status_code == 200
        assert "2026-11" in response.content.decode().split('data-testid="tally-month"')[1][:80]


def test_work_log_page_query_count_does_not_grow(client, gw, django_assert_num_queries):
    for n in range(30):
        worklog_add(actor=gw.worker_1, grid=gw.grid_1, category="serve", note=f"代办{n}")
        worklog_add(actor=gw.worker_2, grid=gw.grid_2, category="talk", note=f"宣讲{n}")
    for _ in range(5):
        patrol_end(patrol=patrol_start(worker=gw.worker_1, grid=gw.grid_1), actor=gw.worker_1)
    visit_record(actor=gw.worker_1, resident=gw.elder_1, visited_on=TODAY)
    client.force_login(gw.secretary_x)
    # session, user, memberships; may log (exists: no, the secretary staffs no
    # grid, so no form); the tally (one UNION ALL of log entries, patrols,
    # hazards and visits) and its workers; the 20 latest entries with worker,
    # grid, resident; unread count
    with django_assert_num_queries(8):
        page = client.get(reverse("grids:work-log")).content.decode()
    assert page.count('data-testid="log-entry"') == 20
    assert page.count('data-testid="tally-row"') == 2


def test_workers_with_equal_tallies_are_listed_in_pinyin_order(client, gw):
    # 陈 (chén) before 张 (zhāng); in code-point order and by account, 张 comes first.
    for worker, name in ((gw.worker_1, "张伟"), (gw.worker_2, "陈静")):
        worker.name = name
        worker.save()
    worklog_add(actor=gw.worker_1, grid=gw.grid_1, category="serve", note="代买药品")
    worklog_add(actor=gw.worker_2, grid=gw.grid_2, category="talk", note="宣讲防诈骗")
    tally = work_tally(gw.secretary_x, TODAY)
    assert [t.worker.name for t in tally] == ["陈静", "张伟"]
    client.force_login(gw.secretary_x)
    page = client.get(reverse("grids:work-log")).content.decode()
    rows = page.split('data-testid="tally-row"')[1:]
    assert ["陈静" in rows[0], "张伟" in rows[1]] == [True, True]
    # More work still comes first, whatever the name.
    worklog_add(actor=gw.worker_1, grid=gw.grid_1, category="serve", note="代缴水费")
    assert [t.worker.name for t in work_tally(gw.secretary_x, TODAY)] == ["张伟", "陈静"]
