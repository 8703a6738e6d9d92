"""The community's daily summary sheet as an Excel file (openpyxl)."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from community.spreadsheets import append_row
from petitions.selectors import DailySummary


def summary_workbook(s: DailySummary) -> bytes:
    """One sheet per part: what came in, what the community kept, what went up."""
    wb = Workbook()
    came = wb.active
    assert came is not None
    came.title = _("Came in")[:31]
    # One msgid with placeholders: a _() inside an f-string is never extracted.
    title = _("%(community)s %(day)s daily summary") % {
        "community": s.community,
        "day": f"{s.day:%Y-%m-%d}",
    }
    append_row(came, [title])
    came["A1"].font = Font(bold=True, size=14)
    header = [
        _("Reference"),
        _("Time"),
        _("Grid"),
        _("Building"),
        _("Category"),
        _("Channel"),
        _("Requester"),
        _("What is the matter"),
        _("Status"),
    ]
    append_row(came, header)
    for p in s.came_in:
        append_row(
            came,
            [
                p.reference,
                f"{timezone.localtime(p.created_at):%H:%M}",
                p.grid.name,
                str(p.building),
                str(p.get_category_display()),
                str(p.get_channel_display()),
                p.requester_name,
                p.description,
                str(p.get_status_display()),
            ],
        )
    for title, events in (
        (_("Kept in the community"), s.kept),
        (_("Went up to the street"), s.went_up),
    ):
        sheet = wb.create_sheet(title[:31])
        append_row(
            sheet, [_("Reference"), _("Time"), _("Step"), _("By"), _("Reason"), _("Building")]
        )
        for e in events:
            append_row(
                sheet,
                [
                    e.petition.reference,
                    f"{timezone.localtime(e.created_at):%H:%M}",
                    str(e.get_action_display()),
                    str(e.actor or ""),
                    e.reason,
                    str(e.petition.building),
                ],
            )
    totals = wb.create_sheet(_("Totals")[:31])
    append_row(totals, [_("Grid"), _("Came in")])
    for name, n in s.by_grid:
        append_row(totals, [name, n])
    append_row(totals, [])
    append_row(totals, [_("Category"), _("Came in")])
    for label, n in s.by_category:
        append_row(totals, [label, n])
    append_row(totals, [])
    append_row(totals, [_("Still open in the community"), s.open_total])
    for sheet in wb.worksheets:
        sheet.column_dimensions["A"].width = 18
        sheet.column_dimensions["H"].width = 40
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
