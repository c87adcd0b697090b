"""Small text helpers: joining items in the active language, and the one normaliser of personal names."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from django.utils.translation import gettext, pgettext


def join_items(items: Iterable[object]) -> str:
    """Join list items with the active language's separator ("、" in Chinese, ", " in English)."""
    return pgettext("list separator", "、").join(str(i) for i in items)


def join_clauses(items: Iterable[object]) -> str:
    """Join independent clauses ("；" in Chinese, "; " in English)."""
    return pgettext("clause separator", "；").join(str(i) for i in items)


# --- personal names ---------------------------------------------------------------------------------

NAME_DOT = "\u00b7"  # · the separator of minority and foreign names, as in 阿依古丽·买买提
NAME_DOT_VARIANTS = str.maketrans(dict.fromkeys("\u30fb\u2022\u2027\uff65", NAME_DOT))  # ・ • ‧ ･
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
TAGS = range(0xE0000, 0xE0080)  # language tags: invisible, and partly unassigned (Cn)


class InvalidName(ValueError):
    """A name that cannot be stored; ``message`` says why, in the active language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def invisible_character(text: str) -> str | None:
    """The first control, format (zero-width, direction marks, BOM, soft hyphen), line/paragraph
    separator or tag character of ``text``, or None."""
    for ch in text:
        if unicodedata.category(ch) in REFUSED_CATEGORIES or ord(ch) in TAGS:
            return ch
    return None


def invisible_name_message(ch: str) -> str:
    return gettext("姓名中含有不可见或控制字符（U+%(code)04X），请删除后重新输入。") % {"code": ord(ch)}


def normalise_name(text: str) -> str:
    """THE rule for a person's name, for every form, the API and the import: Unicode NFC; the name dots
    ・ • ‧ ･ become ·; spaces (any Unicode space) trimmed and collapsed to one. Invisible and control
    characters are refused (InvalidName), never dropped; rare and CJK Extension characters (䶮, 𠈌) stay."""
    ch = invisible_character(text)
    if ch is not None:
        raise InvalidName(invisible_name_message(ch))
    text = unicodedata.normalize("NFC", text).translate(NAME_DOT_VARIANTS)
    return " ".join(text.split())
