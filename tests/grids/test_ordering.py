"""Grids in their natural order (第一、第二、第三), not by code point (一 三 二)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from grids.models import Grid
from tests.grids.factories import GridFactory

pytestmark = pytest.mark.django_db


def _in_order(text: str, *names: str) -> bool:
    positions = [text.index(n) for n in names]
    return positions == sorted(positions)


@pytest.fixture
def more_grids(gw):
    """第十 and 第三 after 第一 and 第二: by code point the order would be 一 三 二 十."""
    community = gw.grid_1.community
    return GridFactory(community=community, name="第十网格"), GridFactory(
        community=community, name="第三网格"
    )


def test_a_grid_takes_its_position_from_the_number_in_its_name(gw, more_grids):
    tenth, third = more_grids
    assert (gw.grid_1.position, gw.grid_2.position, third.position, tenth.position) == (1, 2, 3, 10)
    names = [g.name for g in Grid.objects.filter(community=gw.grid_1.community, kind="basic")]
    assert names == ["第一网格", "第二网格", "第三网格", "第十网格"]


def test_a_grid_without_a_number_follows_the_last_and_a_set_position_is_kept(gw, more_grids):
    east = GridFactory(community=gw.grid_1.community, name="东区网格")
    assert east.position == 11  # after 第十网格
    first = GridFactory(community=gw.grid_1.community, name="西区网格", position=1)
    assert first.position == 1
    east.name = "东区网格（新）"
    east.save()
    east.refresh_from_db()
    assert east.position == 11


def test_the_grids_page_and_the_home_page_list_grids_in_order(client, gw, more_grids):
    client.force_login(gw.secretary_x)
    for url in (reverse("grids:overview"), reverse("role-home", args=["secretary"])):
        page = client.get(url).content.decode()
        assert _in_order(page, "第一网格", "第二网格", "第三网格", "第十网格"), url


def test_the_coverage_page_lists_grids_in_order(client, gw, more_grids):
    client.force_login(gw.secretary_x)
    page = client.get(reverse("grids:coverage")).content.decode()
    assert _in_order(page, "第一网格", "第二网格", "第三网格", "第十网格")


def test_the_admin_lists_grids_in_order(client, gw, more_grids):
    client.force_login(gw.admin)
    page = client.get(reverse("admin:grids_grid_changelist")).content.decode()
    assert _in_order(page, "第一网格", "第二网格", "第三网格", "第十网格")
