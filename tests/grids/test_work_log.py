"""The daily work log (五勤): what a worker did, counted per kind."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse

from community.errors import DomainError, NotAllowed
from grids.models import WorkLogEntry
from grids.selectors import worklog_tally
from grids.services import worklog_add
from tests.conftest import SHANGHAI

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def clock(time_machine):
    """This module's day (a Monday); the world is built on it."""
    time_machine.move_to(datetime(2026, 11, 23, 10, tzinfo=SHANGHAI))
    return time_machine


def test_a_worker_logs_work_and_it_is_counted_per_kind(gw):
    worklog_add(actor=gw.worker_1, grid=gw.grid_1, category="errand", note="帮张奶奶代缴水费")
    worklog_add(actor=gw.worker_1, grid=gw.grid_1, category="errand", note="代办老年证")
    worklog_add(actor=gw.worker_1, grid=gw.grid_1, category="policy_talk", note="宣讲防诈骗")
    worklog_add(actor=gw.worker_2, grid=gw.grid_2, category="mediation", note="调解楼上漏水")
    tally = {t.worker: t for t in worklog_tally(gw.secretary_x, TODAY.replace(day=1), TODAY)}
    assert tally[gw.worker_1].counts[:3] == [2, 1, 0]
    assert tally[gw.worker_1].total == 3
    assert tally[gw.worker_2].total == 1
    # A worker's own tally holds only their own work.
    assert [t.worker for t in worklog_tally(gw.worker_1, TODAY.replace(day=1), TODAY)] == [
        gw.worker_1
    ]


def test_work_in_another_grid_a_resident_elsewhere_or_a_future_day_is_refused(gw):
    with pytest.raises(NotAllowed):
        worklog_add(actor=gw.worker_1, grid=gw.grid_2, category="errand", note="x")
    with pytest.raises(DomainError):
        worklog_add(
            actor=gw.worker_1, grid=gw.grid_1, category="errand", note="x", resident=gw.elder_2
        )
    with pytest.raises(DomainError):
        worklog_add(
            actor=gw.worker_1,
            grid=gw.grid_1,
            category="errand",
            note="x",
            done_on=TODAY + timedelta(days=1),
        )
    with pytest.raises(DomainError):
        worklog_add(actor=gw.worker_1, grid=gw.grid_1, category="errand", note="  ")
    assert not WorkLogEntry.objects.exists()


def test_the_work_log_page(client, gw):
    client.force_login(gw.worker_1)
    response = client.post(
        reverse("grids:work-log"),
        {"grid": gw.grid_1.pk, "category": "errand", "done_on": "2026-11-23", "note": "代买药品"},
        follow=True,
    )
    page = response.content.decode()
    assert "已记录" in page
    assert page.count('data-testid="log-entry"') == 1
    empty = client.post(
        reverse("grids:work-log"),
        {"grid": gw.grid_1.pk, "category": "errand", "done_on": "2026-11-23", "note": ""},
    )
    assert "该字段是必填项" in empty.content.decode()
    assert WorkLogEntry.objects.count() == 1


def test_work_log_page_query_count_does_not_grow(client, gw, django_assert_num_queries):
    for n in range(30):
        worklog_add(actor=gw.worker_1, grid=gw.grid_1, category="errand", note=f"代办{n}")
        worklog_add(actor=gw.worker_2, grid=gw.grid_2, category="policy_talk", note=f"宣讲{n}")
    client.force_login(gw.secretary_x)
    # session, user, memberships; may log (exists: no, the secretary staffs no
    # grid, so no form); the tally and its workers; the 20 latest entries with
    # worker, grid, resident; unread count
    with django_assert_num_queries(8):
        page = client.get(reverse("grids:work-log")).content.decode()
    assert page.count('data-testid="log-entry"') == 20
