"""Printables of the grids app: the contact card (便民联系卡) and building QR posters."""

from __future__ import annotations

import io

from django.core import signing
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from community.models import User
from community.pdf import CJK_FONT, cjk_canvas, draw_qr, fit_text
from grids.models import Building, Grid

CARD_W, CARD_H = 90 * mm, 54 * mm  # a business card
CARDS_ACROSS, CARDS_DOWN = 2, 5  # ten to an A4 sheet
POSTER_SALT = "grids.building-poster"


def building_token(building: Building) -> str:
    """The code in a building's QR poster: signed, so ids cannot be guessed, and
    carrying the poster's serial, so renewing the poster revokes the old code.
    The first poster's code is the building's id alone (posters printed before
    serials existed keep working until the first renewal)."""
    value = str(building.pk)
    if building.poster_serial > 1:
        value += f".{building.poster_serial}"
    return signing.Signer(salt=POSTER_SALT).sign(value)


def building_from_token(token: str) -> tuple[int, int] | None:
    """The building id and poster serial in a poster code, or None if forged."""
    try:
        value = signing.Signer(salt=POSTER_SALT).unsign(token)
        pk, _dot, serial = value.partition(".")
        return int(pk), int(serial or 1)
    except (signing.BadSignature, ValueError):
        return None


def contact_cards(*, worker: User, grid: Grid) -> bytes:
    """An A4 sheet of ten contact cards to hand out; the QR code saves the
    worker's name and number to a phone's contacts (MECARD)."""
    out = io.BytesIO()
    canvas = cjk_canvas(out, pagesize=A4)
    canvas.setTitle(_("Contact cards: %(name)s") % {"name": worker})
    page_w, page_h = A4
    left = (page_w - CARDS_ACROSS * CARD_W) / 2
    top = (page_h - CARDS_DOWN * CARD_H) / 2
    mecard = f"MECARD:N:{worker};TEL:{worker.phone or ''};NOTE:{grid.community} {grid};;"
    for row in range(CARDS_DOWN):
        for col in range(CARDS_ACROSS):
            x = left + col * CARD_W
            y = top + row * CARD_H
            canvas.setLineWidth(0.3)
            canvas.setDash(2, 2)
            canvas.rect(x, y, CARD_W, CARD_H)  # cut marks
            canvas.setDash()
            pad = 5 * mm
            text_w = CARD_W - 2 * pad - 26 * mm
            fit_text(
                canvas,
                _("Convenience contact card"),
                x=x + pad,
                y=y + CARD_H - 10 * mm,
                size=12,
                max_width=text_w,
            )
            fit_text(
                canvas,
                f"{grid.community}  {grid}",
                x=x + pad,
                y=y + CARD_H - 17 * mm,
                size=8,
                max_width=text_w,
            )
            fit_text(
                canvas,
                _("Grid worker: %(name)s") % {"name": worker},
                x=x + pad,
                y=y + CARD_H - 27 * mm,
                size=11,
                max_width=text_w,
            )
            fit_text(
                canvas,
                worker.phone or "",
                x=x + pad,
                y=y + CARD_H - 37 * mm,
                size=15,
                max_width=text_w,
            )
            fit_text(
                canvas,
                _("Call me for anything in your building."),
                x=x + pad,
                y=y + pad,
                size=7,
                max_width=text_w,
            )
            draw_qr(canvas, mecard, x=x + CARD_W - pad - 24 * mm, y=y + pad + 8 * mm, size=24 * mm)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def building_poster(*, building: Building, url: str, board_url: str = "") -> bytes:
    """An A4 poster for a building's entrance: scan to reach its grid worker
    (and, once requests are online, to send one for this building)."""
    out = io.BytesIO()
    canvas = cjk_canvas(out, pagesize=A4)
    canvas.setTitle(_("QR poster: %(building)s") % {"building": building})
    page_w, page_h = A4
    margin = 20 * mm
    fit_text(
        canvas,
        f"{building.community}  {building}",
        x=margin,
        y=page_h - 35 * mm,
        size=30,
        max_width=page_w - 2 * margin,
    )
    fit_text(
        canvas,
        _("Scan to reach your grid worker"),
        x=margin,
        y=page_h - 52 * mm,
        size=20,
        max_width=page_w - 2 * margin,
    )
    side = 120 * mm
    draw_qr(canvas, url, x=(page_w - side) / 2, y=page_h / 2 - side / 2 - 10 * mm, size=side)
    canvas.setFont(CJK_FONT, 11)
    canvas.drawCentredString(page_w / 2, 40 * mm, str(building.grid))
    canvas.drawCentredString(page_w / 2, 32 * mm, _("Small matters don't leave the compound."))
    if board_url:
        canvas.setFont(CJK_FONT, 9)
        canvas.drawCentredString(
            page_w / 2, 22 * mm, _("Public board: %(url)s") % {"url": board_url}
        )
    canvas.showPage()
    canvas.save()
    return out.getvalue()
