"""The volunteer reports as an Excel file (openpyxl)."""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from community.spreadsheets import append_row
from volunteers.models import HoursEntry
from volunteers.selectors import Report


def report_workbook(data: Report, entries: Iterable[HoursEntry]) -> bytes:
    """Hours per volunteer and per team, person-times per project, and every ledger row."""
    wb = Workbook()
    people = wb.active
    assert people is not None
    people.title = _("Volunteers")[:31]
    title = _("Volunteer service hours")
    append_row(people, [f"{title} {data.since:%Y-%m-%d} – {data.until:%Y-%m-%d}"])
    people["A1"].font = Font(bold=True, size=14)
    append_row(people, [_("Volunteer"), _("Activities"), _("Hours")])
    for row in data.by_volunteer:
        append_row(people, [row["volunteer__name"], row["times"], float(row["hours"])])
    teams = wb.create_sheet(_("Teams")[:31])
    append_row(teams, [_("Team"), _("Volunteers"), _("Hours")])
    for row in data.by_team:
        append_row(teams, [row["activity__team__name"], row["volunteers"], float(row["hours"])])
    projects = wb.create_sheet(_("Projects")[:31])
    append_row(
        projects,
        [
            _("Service project"),
            _("Team"),
            _("Activities"),
            _("Person-times served"),
            _("People signed up and served"),
            _("Served without signing up"),
            _("Volunteer person-times"),
        ],
    )
    for p in data.by_project:
        append_row(
            projects,
            [p.project, p.team, p.activities, p.served, p.people, p.walk_ins, p.volunteer_times],
        )
    ledger = wb.create_sheet(_("Ledger")[:31])
    append_row(
        ledger,
        [
            _("Date"),
            _("Volunteer"),
            _("Team"),
            _("Activity"),
            _("Service project"),
            _("Kind"),
            _("Hours"),
            _("Reason"),
            _("Recorded by"),
        ],
    )
    for e in entries:
        append_row(
            ledger,
            [
                f"{e.served_on:%Y-%m-%d}",
                e.volunteer.name,
                e.activity.team.name,
                e.activity.title,
                e.activity.project.name,
                str(e.get_kind_display()),
                float(e.hours),
                e.reason,
                str(e.recorded_by or ""),
            ],
        )
    for sheet in wb.worksheets:
        sheet.column_dimensions["A"].width = 20
        sheet.column_dimensions["D"].width = 24
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
