"""Importing households and residents from an Excel sheet.

The sheet has one resident a row under a fixed header (TEMPLATE_COLUMNS; the
template is made by ``template_workbook``). The whole file is checked first;
if any row is wrong, nothing is imported and every problem is reported with
its row and column. A clean file is imported in one transaction. Importing
the same file again updates what changed and adds nothing twice: a household
is its building, unit and room; a resident is their household and name.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook

from community.models import Community
from grids.models import Building, BuildingUnit, CareTag, Gender, Household, Resident, ResidentTag

# The header the template has and an import expects, in this order.
TEMPLATE_COLUMNS = [
    gettext_lazy("Building number"),
    gettext_lazy("Unit"),
    gettext_lazy("Room"),
    gettext_lazy("Name"),
    gettext_lazy("Mobile number"),
    gettext_lazy("Gender"),
    gettext_lazy("Year of birth"),
    gettext_lazy("Care tags"),
]
# A community of the seeds' size (1,800 residents) fits with room to spare;
# the admin page imports within one web request, so the file stays modest.
MAX_ROWS = 5_000
NUMBER = re.compile(r"[0-9]{1,4}")
PHONE = re.compile(r"^1[3-9]\d{9}$")


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    problem: str


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    households_created: int = 0
    residents_created: int = 0
    residents_updated: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class ParsedRow:
    row: int
    building: int
    unit: int
    room: str
    name: str
    phone: str
    gender: str
    birth_year: int | None
    tags: frozenset[str]


def _header(language: str) -> list[str]:
    with translation.override(language):
        return [str(c) for c in TEMPLATE_COLUMNS]


def template_workbook() -> bytes:
    """An empty sheet with the (Chinese) header and one example row."""
    with translation.override("zh-hans"):
        return _template()


def _template() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Residents")
    sheet.append([str(c) for c in TEMPLATE_COLUMNS])
    sheet.append(
        [
            1,
            1,
            "101",
            _("Zhang Guilan"),
            "13800138000",
            _("Female"),
            1948,
            f"{CareTag.LIVING_ALONE.label}, {CareTag.CHRONIC_ILLNESS.label}",
        ]
    )
    for column in "ABCDEFGH":
        sheet.column_dimensions[column].width = 16
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _rows(file: IO[bytes]) -> Iterator[tuple[int, list[str]]]:
    book = load_workbook(file, read_only=True, data_only=True)
    sheet = book.worksheets[0]
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = [_cell(v) for v in values]
        if any(cells):
            yield number, cells


def _parse(number: int, cells: list[str], errors: list[RowError]) -> ParsedRow | None:
    cells = (cells + [""] * len(TEMPLATE_COLUMNS))[: len(TEMPLATE_COLUMNS)]
    building, unit, room, name, phone, gender, birth_year, tags = cells
    names = [str(c) for c in TEMPLATE_COLUMNS]
    before = len(errors)

    def bad(column: int, problem: str) -> None:
        errors.append(RowError(number, names[column], problem))

    if not NUMBER.fullmatch(building):
        bad(0, _("a building number is needed, e.g. 11"))
    if not NUMBER.fullmatch(unit):
        bad(1, _("a unit number is needed, e.g. 2"))
    if not room or len(room) > 10:
        bad(2, _("a room is needed, e.g. 301"))
    if not name or len(name) > 50:
        bad(3, _("a name is needed (at most 50 characters)"))
    if phone and not PHONE.match(phone):
        bad(4, _("not an 11-digit mobile number"))
    genders = {
        str(Gender.FEMALE.label): Gender.FEMALE,
        str(Gender.MALE.label): Gender.MALE,
        "女": Gender.FEMALE,
        "男": Gender.MALE,
    }
    if gender and gender not in genders:
        bad(5, _("write 男 or 女, or leave it empty"))
    year: int | None = None
    if birth_year:
        if NUMBER.fullmatch(birth_year) and 1900 <= int(birth_year) <= timezone.localdate().year:
            year = int(birth_year)
        else:
            bad(6, _("a year such as 1948"))
    labels = {str(c.label): c.value for c in CareTag} | {
        "独居老人": CareTag.LIVING_ALONE,
        "困难老人": CareTag.IN_DIFFICULTY,
        "腿脚不便": CareTag.LIMITED_MOBILITY,
        "慢性病": CareTag.CHRONIC_ILLNESS,
    }
    found: set[str] = set()
    for label in filter(None, (t.strip() for t in re.split(r"[,，、;；]", tags))):
        if label in labels:
            found.add(labels[label])
        else:
            bad(7, _("unknown care tag “%(tag)s”") % {"tag": label})
    if len(errors) > before:
        return None
    return ParsedRow(
        row=number,
        building=int(building),
        unit=int(unit),
        room=room,
        name=name,
        phone=phone,
        gender=genders.get(gender, ""),
        birth_year=year,
        tags=frozenset(found),
    )


def import_residents(
    *,
    community: Community,
    file: IO[bytes],
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Check the whole sheet, then import it in one transaction (or not at all)."""
    result = ImportResult()
    try:
        rows = list(itertools.islice(_rows(file), MAX_ROWS + 2))
    except Exception:  # noqa: BLE001 - zip, XML and cell errors all mean "not a readable .xlsx"
        result.errors.append(RowError(0, "", _("This is not an Excel (.xlsx) file.")))
        return result
    if not rows:
        result.errors.append(RowError(0, "", _("The file is empty.")))
        return result
    header_row, header = rows[0]
    # The Chinese header of the template, or the same in English.
    headers = [_header(language) for language in ("zh-hans", "en")]
    expected = headers[0]
    if header[: len(expected)] not in headers:
        missing = [c for c in expected if c not in header]
        result.errors.append(
            RowError(
                header_row,
                "",
                _("The columns must be, in order: %(expected)s. Missing: %(missing)s.")
                % {"expected": "、".join(expected), "missing": "、".join(missing) or "—"},
            )
        )
        return result
    body = rows[1:]
    if len(body) > MAX_ROWS:
        result.errors.append(
            RowError(0, "", _("At most %(n)d rows in one file.") % {"n": MAX_ROWS})
        )
        return result

    buildings = {b.number: b for b in Building.objects.filter(community=community)}
    units = set(
        BuildingUnit.objects.filter(building__community=community).values_list(
            "building__number", "number"
        )
    )
    parsed: list[ParsedRow] = []
    seen: dict[tuple[int, int, str, str], int] = {}
    for number, cells in body:
        row = _parse(number, cells, result.errors)
        if row is None:
            continue
        if row.building not in buildings:
            result.errors.append(
                RowError(
                    number,
                    str(TEMPLATE_COLUMNS[0]),
                    _("%(community)s has no building %(n)d")
                    % {"community": community, "n": row.building},
                )
            )
            continue
        if (row.building, row.unit) not in units:
            # A typo must not invent a unit; new units are added in the admin.
            result.errors.append(
                RowError(
                    number,
                    str(TEMPLATE_COLUMNS[1]),
                    _("building %(b)d has no unit %(u)d") % {"b": row.building, "u": row.unit},
                )
            )
            continue
        key = (row.building, row.unit, row.room, row.name)
        if key in seen:
            result.errors.append(
                RowError(
                    number,
                    str(TEMPLATE_COLUMNS[3]),
                    _("the same person as row %(row)d") % {"row": seen[key]},
                )
            )
            continue
        seen[key] = number
        parsed.append(row)
    if result.errors:
        return result

    with transaction.atomic():
        _write(parsed, buildings, result, progress)
    return result


def _write(
    rows: list[ParsedRow],
    buildings: dict[int, Building],
    result: ImportResult,
    progress: Callable[[int, int], None] | None,
) -> None:
    units: dict[tuple[int, int], BuildingUnit] = {}
    households: dict[tuple[int, int, str], Household] = {}
    for done, row in enumerate(rows, start=1):
        building = buildings[row.building]
        unit = units.get((row.building, row.unit))
        if unit is None:
            unit = BuildingUnit.objects.get(building=building, number=row.unit)
            units[(row.building, row.unit)] = unit
        household = households.get((row.building, row.unit, row.room))
        if household is None:
            household, created = Household.objects.get_or_create(unit=unit, room=row.room)
            result.households_created += created
            households[(row.building, row.unit, row.room)] = household
        # The first of that name in the household is the one (a household
        # entered by hand may hold two of the same name; never make a third).
        resident = (
            Resident.objects.filter(household=household, name=row.name).order_by("pk").first()
        )
        if resident is None:
            resident = Resident.objects.create(
                household=household,
                name=row.name,
                phone=row.phone,
                gender=row.gender,
                birth_year=row.birth_year,
            )
            result.residents_created += 1
        else:
            resident.phone, resident.gender, resident.birth_year = (
                row.phone,
                row.gender,
                row.birth_year,
            )
            resident.save(update_fields=["phone", "gender", "birth_year", "updated_at"])
            result.residents_updated += 1
        current = set(resident.tags.values_list("tag", flat=True))
        ResidentTag.objects.filter(resident=resident, tag__in=current - row.tags).delete()
        ResidentTag.objects.bulk_create(
            ResidentTag(resident=resident, tag=tag) for tag in row.tags - current
        )
        if progress:
            progress(done, len(rows))
