"""Printable PDFs with Chinese text: the shared bits (font, canvas, QR codes).

Every PDF carries its own font. ReportLab's built-in CID font STSong-Light is not
embedded: the reader must supply the glyphs, and one without an Asian font pack
(many phones, Acrobat without its language kit) shows the card with its text
missing. So the text is set in Noto Sans SC, a TrueType font shipped in
``community/fonts/`` (2.9 MB: GB2312 and the other characters in common use,
ASCII and punctuation; its README says how it was made). ReportLab embeds a
subset holding only the glyphs a document uses, so a PDF grows by tens of
kilobytes, not by the font. A character outside the font (a
rare name character, an emoji) prints as the font's empty box rather than
failing the document.

ReportLab also starts every page in Helvetica, which it never embeds (one of
the 14 standard fonts); the canvas and the document below start in our font
instead, so a PDF names no font it does not carry.

QR codes are drawn as vector squares, sharp at any print size.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import segno
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import SimpleDocTemplate

FONT_FILE = Path(__file__).resolve().parent / "fonts" / "NotoSansSC-Regular-subset.ttf"
CJK_FONT = "NotoSansSC"
pdfmetrics.registerFont(TTFont(CJK_FONT, str(FONT_FILE)))


def cjk_canvas(out: IO[bytes], *, pagesize: tuple[float, float]) -> Canvas:
    """A canvas whose every page starts in the embedded Chinese font."""
    return Canvas(out, pagesize=pagesize, initialFontName=CJK_FONT)


def cjk_document(out: IO[bytes], **kwargs: Any) -> SimpleDocTemplate:
    """A flowing document whose pages start in the embedded Chinese font
    (paragraph and table styles name ``CJK_FONT`` themselves)."""
    return SimpleDocTemplate(out, initialFontName=CJK_FONT, **kwargs)


def draw_qr(canvas: Canvas, content: str, *, x: float, y: float, size: float) -> None:
    """Draw ``content`` as a QR code whose lower-left corner is (x, y)."""
    qr = segno.make(content, error="m", micro=False)
    matrix = list(qr.matrix)
    border = 2
    modules = len(matrix) + 2 * border
    step = size / modules
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    for row, line in enumerate(matrix):
        for col, dark in enumerate(line):
            if dark:
                canvas.rect(
                    x + (col + border) * step,
                    y + size - (row + border + 1) * step,
                    step,
                    step,
                    stroke=0,
                    fill=1,
                )
    canvas.restoreState()


def fit_text(
    canvas: Canvas, text: str, *, x: float, y: float, size: float, max_width: float
) -> None:
    """Draw one line, shrinking the font until it fits ``max_width``."""
    while size > 6 and pdfmetrics.stringWidth(text, CJK_FONT, size) > max_width:
        size -= 0.5
    canvas.setFont(CJK_FONT, size)
    canvas.drawString(x, y, text)
