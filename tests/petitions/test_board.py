"""A community's public board (公示): structure and staff, this month's handled
requests without anything that identifies a person, the three rates, cached."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from grids.models import Duty, GridStaff
from grids.printing import building_token
from petitions.models import Category
from tests.community.factories import UserFactory
from tests.petitions.conftest import move, walk_to

NOW = "2026-11-23 10:00 +0800"


@pytest.fixture(autouse=True)
def clock(time_machine):
    # This module's clock, stopped before the world is built: "this month" is
    # November 2026.
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture(autouse=True)
def _english_pages(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def board(client, pw):
    return client.get(reverse("public-board", args=[pw.building_1.community_id]))


def handled(pw, **kwargs):
    """A request of the tenant's, handled in the community and rated satisfied."""
    p = pw.submit(**kwargs)
    p = move(p, pw.gw.worker_1, "accept")
    p = move(p, pw.gw.secretary_x, "assign", assignee=pw.gw.worker_1)
    p = move(p, pw.gw.worker_1, "resolve", result="已处理")
    return p


def test_the_board_shows_the_grids_and_their_staff_without_signing_in(client, pw):
    cadre = UserFactory(username="cadre", name="周干部")
    GridStaff.objects.create(grid=pw.gw.grid_1, user=cadre, duty=Duty.CADRE)
    community = pw.building_1.community
    community.phone = "0537-1234567"
    community.save()
    page = board(client, pw).content.decode()
    for text in (
        "第一网格",
        "第二网格",
        str(pw.gw.worker_1),
        str(pw.gw.party_leader_1),
        "周干部",
        "0537-1234567",
        str(pw.building_1),
    ):
        assert text in page
    assert "警务网格" not in page  # overlay grids are not on the 公示牌 of basic grids


def test_handled_requests_show_no_name_phone_or_free_text(client, pw):
    p = handled(
        pw,
        description="3单元王建国家门口飞线充电，电话13955556666",
        category=Category.SAFETY,
    )
    p = move(p, pw.gw.worker_1, "callback", note="已回访王建国 13955556666")
    p.requester_name = "王建国"
    p.requester_phone = "13955556666"
    p.save(update_fields=["requester_name", "requester_phone"])
    # The reply text too: what the handler wrote names the person.
    p.result = "已为王建国（13955556666）拆除飞线"
    p.save(update_fields=["result"])
    page = board(client, pw).content.decode()
    assert 'data-testid="board-row"' in page
    for secret in ("王建国", "13955556666", "飞线", "已处理", "已回访", str(pw.tenant)):
        assert secret not in page
    row = page.split('data-testid="board-row"')[1].split("</tr>")[0]
    assert "Safety hazard" in row
    assert str(pw.building_1) in row
    assert "by the community" in row


def test_only_this_community_and_this_month_s_handled_requests(client, pw, time_machine):
    # Handled last month: not on this month's board.
    time_machine.move_to("2026-10-20 10:00 +0800", tick=False)
    handled(pw, category=Category.UTILITIES)
    time_machine.move_to(NOW, tick=False)
    handled(pw, category=Category.SANITATION)
    pw.submit(category=Category.FACILITIES)  # open, not handled
    # Another community's handled request.
    y = pw.gw.outsider.household.unit.building
    other = pw.submit(actor=pw.resident_y, building=y, category=Category.PROPERTY)
    move(other, pw.gw.secretary_y, "accept")
    page = board(client, pw).content.decode()
    assert page.count('data-testid="board-row"') == 1
    assert "Sanitation and environment" in page
    for absent in ("Water, power, gas, heating", "Public facilities", "Property management"):
        assert absent not in page


def test_days_to_handle_and_a_department_s_outcome(client, pw, time_machine):
    p = pw.submit()
    time_machine.shift(timedelta(days=2, hours=3))
    walk_to(pw, p, "called_back")
    page = board(client, pw).content.decode()
    row = page.split('data-testid="board-row"')[1].split("</tr>")[0]
    assert "<td>3</td>" in row  # two days and three hours: the third day
    assert pw.city.name in row


def test_the_three_rates_of_this_month(client, pw):
    p = handled(pw)
    p = move(p, pw.gw.worker_1, "callback", note="满意")
    move(p, pw.tenant, "rate", rating="satisfied")
    pw.submit()  # filed, not accepted yet: counts in the resolution rate only
    response = board(client, pw)
    rates = response.context["board"].rates
    assert (rates.total, rates.resolved, rates.rated, rates.satisfied) == (2, 1, 1, 1)
    page = response.content.decode()
    assert "Satisfaction rate: <strong>100%" in page
    assert "Resolution rate: <strong>50%" in page


def test_an_unknown_community_is_404(client, pw):
    assert client.get(reverse("public-board", args=[99999])).status_code == 404


def test_the_board_is_cached_for_ten_minutes(client, pw, time_machine, django_assert_num_queries):
    handled(pw)
    # Built once: the community, the secretaries, the rates, the handled
    # requests, the grids with their buildings and staff (3).
    with django_assert_num_queries(7):
        assert board(client, pw).status_code == 200
    handled(pw, category=Category.OTHER)
    with django_assert_num_queries(0):
        page = board(client, pw).content.decode()
    assert page.count('data-testid="board-row"') == 1
    time_machine.shift(timedelta(minutes=11))
    page = board(client, pw).content.decode()
    assert page.count('data-testid="board-row"') == 2


def test_the_query_count_does_not_grow_with_the_rows(client, pw, django_assert_num_queries):
    for _ in range(25):
        handled(pw)
    for n in range(8):
        grid_staff = UserFactory(username=f"extra{n}")
        GridStaff.objects.create(grid=pw.gw.grid_2, user=grid_staff, duty=Duty.OVERLAY_STAFF)
    with django_assert_num_queries(7):
        page = board(client, pw).content.decode()
    assert page.count('data-testid="board-row"') == 25


def test_the_cache_is_per_language(client, pw):
    handled(pw)
    assert "Safety hazard" in board(client, pw).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert "Safety hazard" not in board(client, pw).content.decode()


def test_the_building_page_links_to_the_board(client, pw):
    page = client.get(reverse("building-public", args=[building_token(pw.building_1)]))
    assert reverse("public-board", args=[pw.building_1.community_id]) in page.content.decode()


def test_this_month_starts_in_shanghai(pw, time_machine):
    from petitions.board import month_start

    # 1 December 00:30 in Shanghai is still 30 November in UTC.
    time_machine.move_to("2026-12-01 00:30 +0800", tick=False)
    assert month_start().date().isoformat() == "2026-12-01"
    assert timezone.localdate().month == 12
