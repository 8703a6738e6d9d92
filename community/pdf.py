"""Printable PDFs with Chinese text: the shared bits (font, QR codes).

ReportLab's built-in CID font STSong-Light renders Chinese without shipping a
font file; the PDF reader supplies the glyphs (every Chinese-capable reader has
them). QR codes are drawn as vector squares, sharp at any print size.
"""

from __future__ import annotations

import segno
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

CJK_FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


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
