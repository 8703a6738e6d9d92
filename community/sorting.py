"""Sort keys for Chinese names: people by pinyin, numbered things by their number.

The database sorts text by code point (SQLite) or by its collation
(PostgreSQL), and neither puts 第二 before 第三 or 李 before 王 by sound. So the
order is kept in a column of its own, written whenever the name is, and both
databases sort that column the same way: it holds only lower-case ASCII letters
and tone digits, so a C collation and an ICU or glibc one agree.
"""

from __future__ import annotations

import re
from typing import Any

from pypinyin import Style, lazy_pinyin

# Room enough to order by: two people whose first 30-odd syllables agree are rare.
NAME_SORT_LENGTH = 200

# The reading of a character as a surname where it differs from its everyday one
# (pypinyin reads the word, not the name): 单 is Shàn, not dān; 曾 Zēng, not céng.
SURNAME_READINGS = {
    "单": "shan4",
    "曾": "zeng1",
    "解": "xie4",
    "仇": "qiu2",
    "区": "ou1",
    "查": "zha1",
    "朴": "piao2",
    "覃": "qin2",
    "乐": "yue4",
    "盖": "ge3",
    "缪": "miao4",
    "翟": "zhai2",
    "种": "chong2",
    "重": "chong2",
    "纪": "ji3",
    "秘": "bi4",
    "華": "hua4",
    "华": "hua4",
    "尉": "yu4",
    "长": "zhang3",
    "员": "yun4",
    "宓": "fu2",
    "召": "shao4",
    "繁": "po2",
}


def pinyin_key(name: str) -> str:
    """``name`` as toned pinyin, syllable after syllable (陈晓雨: chen2xiao3yu3).

    Each syllable ends in its tone digit, which sorts below every letter, so
    李 (li3) comes before 林 (lin2) with no separator needed. Letters and digits
    outside Chinese are kept in lower case; spaces and punctuation are dropped.
    """
    name = name.strip()
    if not name:
        return ""
    syllables = lazy_pinyin(name, style=Style.TONE3, neutral_tone_with_five=True)
    first = SURNAME_READINGS.get(name[0])
    if first and syllables and re.fullmatch(r"[a-z]+[1-5]", syllables[0]):
        syllables[0] = first
    key = "".join(ch for ch in "".join(syllables).lower() if ch.isalnum())
    return key[:NAME_SORT_LENGTH]


_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_DIGITS |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUMBER = re.compile(r"[0-9０-９]+|[零〇一二两三四五六七八九十百千]+")


def keep_name_sort(instance: Any, name: str, save_kwargs: dict[str, Any]) -> None:
    """Before ``instance`` is saved: its ``name_sort`` spelled from ``name`` (a save
    limited by ``update_fields`` saves the key with the name).

    Called from ``save()`` (User, Volunteer) rather than a service: people are
    written by services, the admin, the demo seed, imports and the test factories,
    and a key one of them missed would misplace that person in every list without
    anyone seeing why. It is not a rule of the domain, only the name spelled for
    sorting, like a slug.
    """
    key = pinyin_key(name)
    if key != instance.name_sort:
        instance.name_sort = key
        update_fields = save_kwargs.get("update_fields")
        if update_fields is not None:
            save_kwargs["update_fields"] = {*update_fields, "name_sort"}


def _chinese_number(text: str) -> int:
    """一 → 1, 十二 → 12, 二十 → 20, 一百零五 → 105, 三〇一 → 301 (digit by digit)."""
    if not any(ch in _UNITS for ch in text):
        return int("".join(str(_DIGITS[ch]) for ch in text))
    total, digit = 0, None
    for ch in text:
        if ch in _UNITS:
            total += (1 if digit is None else digit) * _UNITS[ch]
            digit = None
        else:
            digit = _DIGITS[ch]
    return total + (digit or 0)


def number_in_name(name: str) -> int | None:
    """The first number written in ``name``, in digits or in Chinese numerals
    (第三网格: 3, 第十二网格: 12, 3号网格: 3), or None if it has none."""
    match = _NUMBER.search(name)
    if match is None:
        return None
    text = match.group()
    if text[0].isdigit():
        return int(text)  # int() reads full-width digits too
    return _chinese_number(text)
