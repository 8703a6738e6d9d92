"""Importing households and residents from Excel: all or nothing, and idempotent."""

from __future__ import annotations

import io
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from grids.importing import TEMPLATE_COLUMNS, import_residents, template_workbook
from grids.models import Household, Resident

pytestmark = pytest.mark.django_db

HEADER = ["楼号", "单元", "门牌号", "姓名", "手机号", "性别", "出生年份", "重点人群"]


def _xlsx(rows: list[list[object]], header: list[str] | None = None) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(header or HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def test_the_template_has_the_chinese_header():
    sheet = load_workbook(io.BytesIO(template_workbook())).active
    assert [c.value for c in sheet[1]] == HEADER
    assert [str(c) for c in TEMPLATE_COLUMNS] == HEADER


def test_a_clean_file_imports_households_residents_and_tags(gw):
    community = gw.grid_1.community
    result = import_residents(
        community=community,
        file=_xlsx(
            [
                [1, 1, "301", "孙大爷", "13700001111", "男", 1941, "独居老人，慢性病"],
                [1, 1, "301", "孙奶奶", "", "女", 1943, ""],
                [2, 1, "502", "钱阿姨", "", "", "", "腿脚不便"],
            ]
        ),
    )
    assert result.ok, result.errors
    assert (result.households_created, result.residents_created) == (2, 3)
    grandpa = Resident.objects.get(name="孙大爷")
    assert grandpa.household.unit.building == gw.building_1
    assert set(grandpa.tags.values_list("tag", flat=True)) == {"living_alone", "chronic_illness"}


def test_importing_again_updates_and_never_duplicates(gw):
    community = gw.grid_1.community
    rows = [[1, 1, "301", "孙大爷", "13700001111", "男", 1941, "独居老人"]]
    import_residents(community=community, file=_xlsx(rows))
    rows[0][4] = "13700002222"
    rows[0][7] = "困难老人"
    again = import_residents(community=community, file=_xlsx(rows))
    assert (again.residents_created, again.residents_updated) == (0, 1)
    assert Resident.objects.filter(name="孙大爷").count() == 1
    grandpa = Resident.objects.get(name="孙大爷")
    assert grandpa.phone == "13700002222"
    assert list(grandpa.tags.values_list("tag", flat=True)) == ["in_difficulty"]


def test_one_bad_row_imports_nothing_and_every_problem_is_reported(gw):
    before = (Household.objects.count(), Resident.objects.count())
    result = import_residents(
        community=gw.grid_1.community,
        file=_xlsx(
            [
                [1, 1, "301", "孙大爷", "13700001111", "男", 1941, ""],
                [99, 1, "101", "无楼", "", "", "", ""],
                [1, 1, "302", "", "12345", "未知", "一九四一", "独居"],
            ]
        ),
    )
    assert not result.ok
    problems = {(e.row, e.column) for e in result.errors}
    assert (3, "楼号") in problems
    assert {(4, "姓名"), (4, "手机号"), (4, "性别"), (4, "出生年份"), (4, "重点人群")} <= problems
    assert (Household.objects.count(), Resident.objects.count()) == before


def test_wrong_columns_are_refused_with_what_is_missing(gw):
    result = import_residents(
        community=gw.grid_1.community, file=_xlsx([[1]], header=["楼号", "姓名"])
    )
    assert not result.ok
    assert "单元" in result.errors[0].problem


def test_a_file_that_is_not_excel_is_refused(gw):
    result = import_residents(community=gw.grid_1.community, file=io.BytesIO(b"name,phone\n"))
    assert result.errors[0].problem == "这不是 Excel（.xlsx）文件。"


def test_the_command_imports_with_a_progress_bar_and_fails_on_bad_rows(gw, tmp_path):
    good = tmp_path / "good.xlsx"
    good.write_bytes(_xlsx([[1, 1, "301", "孙大爷", "", "", "", ""]]).getvalue())
    out = StringIO()
    call_command("import_residents", str(good), community=gw.grid_1.community.name, stdout=out)
    assert "1 new residents" in out.getvalue()
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(_xlsx([[1, 1, "301", "", "", "", "", ""]]).getvalue())
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_residents", str(bad), community=gw.grid_1.community.name)


def test_the_admin_import_page_reports_row_errors(client, gw):
    client.force_login(gw.admin)
    assert client.get("/admin/grids/resident/import/").status_code == 200
    template = client.get("/admin/grids/resident/import/template.xlsx")
    assert template["Content-Type"].startswith("application/vnd.openxmlformats")
    response = client.post(
        "/admin/grids/resident/import/",
        {
            "community": gw.grid_1.community.pk,
            "file": SimpleUploadedFile(
                "r.xlsx", _xlsx([[1, 1, "301", "", "", "", "", ""]]).getvalue()
            ),
        },
    )
    page = response.content.decode()
    assert 'data-testid="import-errors"' in page
    assert "姓名" in page
    ok = client.post(
        "/admin/grids/resident/import/",
        {
            "community": gw.grid_1.community.pk,
            "file": SimpleUploadedFile(
                "r.xlsx", _xlsx([[1, 1, "301", "孙大爷", "", "", "", ""]]).getvalue()
            ),
        },
    )
    assert ok.status_code == 302
    assert Resident.objects.filter(name="孙大爷").exists()


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        (["²", 1, "301", "孙大爷"], "楼号"),
        ([1, 40000, "301", "孙大爷"], "单元"),
        ([1, 9, "301", "孙大爷"], "单元"),  # a unit building 1 does not have
        ([1, 1, "301", "孙大爷", "", "", "１９４１"], "出生年份"),
    ],
)
def test_odd_numbers_are_row_problems_not_crashes(gw, cells, column):
    result = import_residents(community=gw.grid_1.community, file=_xlsx([cells]))
    assert [(e.row, e.column) for e in result.errors] == [(2, column)]
    assert not Resident.objects.filter(name="孙大爷").exists()


def test_a_damaged_xlsx_is_refused_not_a_crash(gw):
    good = _xlsx([[1, 1, "301", "孙大爷"]]).getvalue()
    damaged = io.BytesIO(good[: len(good) // 2])
    result = import_residents(community=gw.grid_1.community, file=damaged)
    assert result.errors[0].problem == "这不是 Excel（.xlsx）文件。"


def test_an_english_header_is_accepted_and_the_template_is_always_chinese(gw):
    from django.utils import translation

    english = [
        "Building number",
        "Unit",
        "Room",
        "Name",
        "Mobile number",
        "Gender",
        "Year of birth",
        "Care tags",
    ]
    result = import_residents(
        community=gw.grid_1.community, file=_xlsx([[1, 1, "301", "孙大爷"]], header=english)
    )
    assert result.ok, result.errors
    with translation.override("en"):
        sheet = load_workbook(io.BytesIO(template_workbook())).active
    assert [c.value for c in sheet[1]] == HEADER
