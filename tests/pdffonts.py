"""What a PDF reader without an Asian font pack needs: every font carried in the file.

The check ``pdffonts`` makes, walked with pypdf: each page's /Resources /Font,
and for a composite (Type0) font its descendant; a font is embedded when its
descriptor holds the font program (FontFile, FontFile2 or FontFile3).
"""

from __future__ import annotations

import io
from typing import cast

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject


def _embedded(font: DictionaryObject) -> bool:
    if font.get("/Subtype") == "/Type0":
        descendants = cast(ArrayObject, font["/DescendantFonts"].get_object())
        return all(_embedded(d.get_object()) for d in descendants)
    descriptor = font.get("/FontDescriptor")
    if descriptor is None:  # the 14 standard fonts have none: never embedded
        return False
    descriptor = descriptor.get_object()
    return any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


def pdf_fonts(content: bytes) -> dict[str, bool]:
    """Every font the PDF's pages use, by its base name, with whether it is embedded."""
    fonts: dict[str, bool] = {}
    for page in PdfReader(io.BytesIO(content)).pages:
        resources = page.get("/Resources")
        font_dict = resources.get_object().get("/Font") if resources is not None else None
        for ref in (font_dict.get_object() if font_dict is not None else {}).values():
            font = ref.get_object()
            fonts[str(font.get("/BaseFont"))] = _embedded(font)
    return fonts


def assert_fonts_embedded(content: bytes) -> None:
    fonts = pdf_fonts(content)
    assert fonts, "the PDF has no font at all"
    missing = sorted(name for name, embedded in fonts.items() if not embedded)
    assert not missing, f"fonts not embedded: {missing}"
