"""The volunteer's hours statement (志愿服务时长证明) as a PDF.

A Chinese form whatever the reader's language, like the mediation agreement:
its headings are written here in Chinese rather than translated, and the words
that come from the catalogue (the kind of volunteer) are taken in Chinese too,
however the reader set the portal's language.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils import timezone, translation
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from community.pdf import CJK_FONT, cjk_document
from volunteers.models import HoursEntry, HoursKind, Volunteer

BODY = ParagraphStyle("body", fontName=CJK_FONT, fontSize=11, leading=18, wordWrap="CJK")
CELL = ParagraphStyle("cell", parent=BODY, fontSize=9.5, leading=13)
TITLE = ParagraphStyle("title", parent=BODY, fontSize=20, leading=28, alignment=1)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=9.5, leading=14)


def _p(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _date(d: date) -> str:
    return f"{d:%Y年%m月%d日}"


def _hours(h: Decimal) -> str:
    return f"{h:.1f}"


def hours_statement_pdf(
    volunteer: Volunteer, entries: list[HoursEntry], teams: list[str], since: date, until: date
) -> bytes:
    """Who, which teams, each activity served with its hours (corrections shown as
    such), the total, and room for the community's seal."""
    out = io.BytesIO()
    doc = cjk_document(
        out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"志愿服务时长证明 {volunteer.name}",
    )
    with translation.override("zh-hans"):
        kind = str(volunteer.get_kind_display())
    total = sum((e.hours for e in entries), Decimal(0))
    activities = len({e.signup_id for e in entries if e.kind == HoursKind.ATTENDANCE})
    story = [
        _p("志愿服务时长证明", TITLE),
        Spacer(1, 4 * mm),
        _p(
            f"兹证明 {volunteer.name}（{kind}）"
            f"为{volunteer.community.name}志愿者"
            + (f"，所属队伍：{'、'.join(teams)}" if teams else "")
            + f"。{_date(since)}至{_date(until)}，"
            f"共参加志愿服务活动 {activities} 次，累计志愿服务时长 {_hours(total)} 小时。"
        ),
        Spacer(1, 4 * mm),
    ]
    rows = [["日期", "活动", "服务项目", "时长（小时）", "备注"]]
    for e in entries:
        note = e.reason if e.kind == HoursKind.ATTENDANCE else f"更正：{e.reason}"
        rows.append(
            [
                f"{e.served_on:%Y-%m-%d}",
                _p(e.activity.title, CELL),
                _p(e.activity.project.name, CELL),
                _hours(e.hours),
                _p(note, CELL),
            ]
        )
    rows.append(["合计", "", "", _hours(total), ""])
    table = Table(rows, colWidths=[24 * mm, 52 * mm, 36 * mm, 22 * mm, 36 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), CJK_FONT, 9.5),
                ("GRID", (0, 0), (-1, -1), 0.4, "#888888"),
                ("BACKGROUND", (0, 0), (-1, 0), "#eeeeee"),
                ("ALIGN", (3, 0), (3, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story += [
        table,
        Spacer(1, 6 * mm),
        _p(
            "服务时长依据活动签到、签退及队长考勤记录计入；如有更正，以追加记录方式登记，原记录保留。",
            SMALL,
        ),
        Spacer(1, 14 * mm),
        _p(f"{volunteer.community.name}居民委员会（盖章）"),
        _p(_date(timezone.localdate())),
    ]
    doc.build(story)
    return out.getvalue()
