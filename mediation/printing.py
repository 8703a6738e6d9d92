"""The written mediation agreement (人民调解协议书) as a PDF for the parties to sign.

The document is a Chinese form whatever the reader's language: its headings are
the ones the mediation law's model agreement uses, so they are written here in
Chinese rather than translated.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from community.pdf import CJK_FONT, cjk_document
from mediation.models import Agreement, MediationCase

BODY = ParagraphStyle("body", fontName=CJK_FONT, fontSize=11.5, leading=19, wordWrap="CJK")
HEAD = ParagraphStyle("head", parent=BODY, fontSize=12.5, leading=22, spaceBefore=6)
TITLE = ParagraphStyle("title", parent=BODY, fontSize=20, leading=28, alignment=1)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=10, leading=15)


def _p(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _date(d: object) -> str:
    return f"{d:%Y年%m月%d日}"


def agreement_pdf(case: MediationCase, agreement: Agreement) -> bytes:
    """Parties, facts and responsibilities, what was agreed, how/where/by when, signatures."""
    out = io.BytesIO()
    doc = cjk_document(
        out,
        pagesize=A4,
        leftMargin=22 * mm,
        rightMargin=22 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=f"人民调解协议书 {case.number}",
    )
    parties = list(case.parties.all())
    mediators = "、".join(m.name or m.username for m in case.mediators.all())
    story = [
        _p("人民调解协议书", TITLE),
        _p(f"{case.community.name}人民调解委员会　　编号：{case.number}", SMALL),
        Spacer(1, 4 * mm),
        _p("当事人", HEAD),
    ]
    for party in parties:
        line = f"{party.get_role_display()}：{party.name}"
        if party.phone:
            line += f"　联系电话：{party.phone}"
        if party.address:
            line += f"　住址：{party.address}"
        story.append(_p(line))
    story += [
        _p("纠纷主要事实、争议事项及各方责任", HEAD),
        _p(agreement.facts),
        _p("经调解，自愿达成如下协议", HEAD),
        _p(agreement.terms),
        _p("履行方式、地点、期限", HEAD),
        _p(f"{agreement.performance}　履行期限：{_date(agreement.perform_by)}前"),
        Spacer(1, 3 * mm),
        _p(
            "本协议自各方当事人签名、人民调解员签名并加盖人民调解委员会印章之日起生效。"
            f"当事人可自本协议生效之日起三十日内（{_date(agreement.confirm_by)}前）"
            "共同向人民法院申请司法确认。本协议一式"
            f"{len(parties) + 1}份，当事人各执一份，人民调解委员会留存一份。",
            SMALL,
        ),
        Spacer(1, 8 * mm),
    ]
    signatures = [[f"{p.get_role_display()}（签名）：", "", "日期："] for p in parties]
    signatures.append(["人民调解员（签名）：", mediators, "日期："])
    table = Table(signatures, colWidths=[48 * mm, 62 * mm, 40 * mm], rowHeights=14 * mm)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), CJK_FONT, 11),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LINEBELOW", (1, 0), (1, -1), 0.5, "#000000"),
            ]
        )
    )
    story += [
        table,
        Spacer(1, 10 * mm),
        _p(f"（人民调解委员会印章）　　　　{_date(agreement.agreed_on)}", BODY),
    ]
    doc.build(story)
    return out.getvalue()
