"""The desk's sheets and filters: grids in their natural order, people by pinyin, in Chinese."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from community.models import Role
from grids.models import Duty, GridStaff
from petitions.forms import MoveForm
from tests.community.factories import person
from tests.grids.factories import BuildingFactory, GridFactory

pytestmark = pytest.mark.django_db

# In code-point order these read 第一 第三 第二 第十.
NATURAL = ["第一网格", "第二网格", "第三网格", "第十网格"]


@pytest.fixture
def four_grids(pw):
    community = pw.gw.grid_1.community
    tenth = GridFactory(community=community, name="第十网格")
    third = GridFactory(community=community, name="第三网格")
    for grid, number in ((tenth, 10), (third, 3)):
        building = BuildingFactory(grid=grid, community=community, number=number)
        pw.submit(building=building)
    pw.submit(building=pw.gw.building_2)
    pw.submit()
    return pw


def test_the_summary_sheet_counts_grids_in_order_under_a_chinese_title(client, four_grids):
    pw = four_grids
    client.force_login(pw.gw.secretary_x)  # the portal speaks Chinese by default
    book = load_workbook(io.BytesIO(client.get(reverse("petitions:summary-xlsx")).content))
    title = book.worksheets[0]["A1"].value
    assert title == "御景花园社区 2026-06-01 每日汇总"
    totals = list(book.worksheets[-1].iter_rows(values_only=True))
    grids = [name for name, *_rest in totals[1:5]]
    assert grids == NATURAL


def test_the_list_filter_offers_grids_in_order(client, four_grids):
    client.force_login(four_grids.gw.secretary_x)
    page = client.get(reverse("petitions:list")).content.decode()
    select = re.search(r'<select name="grid".*?</select>', page, re.S)
    assert select is not None
    options = re.findall(r"<option value=\"\d+\"[^>]*>([^<]+)</option>", select.group())
    assert options == NATURAL


def test_the_rates_table_lists_grids_in_order(client, four_grids):
    client.force_login(four_grids.gw.secretary_x)
    tables = dict(client.get(reverse("petitions:rates")).context["tables"])
    assert [r.name for r in tables["grid"]] == NATURAL


def test_the_secretary_picks_whom_to_assign_from_a_list_in_pinyin_order(pw):
    community = pw.gw.grid_1.community
    for name in ["张三", "王五", "李四"]:  # code-point order: 张 李 王
        grid = GridFactory(community=community)
        GridStaff.objects.create(
            grid=grid, user=person(Role.GRID_WORKER, community, name=name), duty=Duty.GRID_WORKER
        )
    form = MoveForm(action="assign", petition=pw.submit(), user=pw.gw.secretary_x)
    names = [u.name for u in form.fields["assignee"].queryset]
    picked = [n for n in names if n in ("张三", "王五", "李四")]
    assert picked == ["李四", "王五", "张三"]
