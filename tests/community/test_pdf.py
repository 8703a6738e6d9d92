"""The shared PDF font: embedded, a subset, and no crash on a character it lacks."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from community.pdf import CJK_FONT, FONT_FILE, cjk_canvas, fit_text
from tests.pdffonts import assert_fonts_embedded, pdf_fonts


def _page(text: str) -> bytes:
    out = io.BytesIO()
    canvas = cjk_canvas(out, pagesize=A4)
    fit_text(canvas, text, x=50, y=700, size=12, max_width=400)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def test_a_page_carries_a_subset_of_the_font_and_nothing_else():
    content = _page("第一网格 网格员：陈晓雨 13800138000")
    assert_fonts_embedded(content)
    (name,) = pdf_fonts(content)
    assert name.endswith("+NotoSansSC-Regular")  # a subset, named as subsets are
    assert len(content) < 60_000  # the glyphs used, not the 2 MB font


def test_a_character_outside_the_font_prints_as_a_box_without_failing():
    # 𠀀 (CJK extension B), an emoji and a rare GB2312 character the font lacks.
    content = _page("居民 𠀀😀劐 已登记")
    assert_fonts_embedded(content)


def test_the_check_catches_a_font_left_to_the_reader():
    # What the PDFs used before: the CID font STSong-Light and ReportLab's Helvetica.
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4)
    canvas.setFont("STSong-Light", 12)
    canvas.drawString(50, 700, "便民联系卡")
    canvas.showPage()
    canvas.save()
    assert pdf_fonts(out.getvalue()) == {"/Helvetica": False, "/STSong-Light": False}


def test_the_font_file_is_truetype_and_small():
    with FONT_FILE.open("rb") as f:
        assert f.read(4) == b"\x00\x01\x00\x00"  # glyf outlines; ReportLab cannot subset CFF
    assert FONT_FILE.stat().st_size < 3_000_000
    assert pdfmetrics.getFont(CJK_FONT).face.name == b"NotoSansSC-Regular"
