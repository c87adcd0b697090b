"""Password rules in the interface's language, and one rule Django lacks: no "word + year" passwords.

Django's own length message has no Simplified Chinese translation in 5.2 (users saw English), so the
length rule is restated here. Passwords such as ``qingshi2026`` (a place name and the current year)
are the first thing an attacker tries against a county's accounts.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# Letters (a word, a name, a place in pinyin), then a year from 1950 to 2099, then at most some punctuation.
WORD_AND_YEAR = re.compile(r"[A-Za-z]+[-_.@]?(?:19[5-9]\d|20\d\d)[!@#$%^&*.?_-]*")


class MinimumLengthValidator:
    def __init__(self, min_length: int = 10) -> None:
        self.min_length = min_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(
                ngettext(
                    "密码太短：至少需要%(min_length)d个字符。", "密码太短：至少需要%(min_length)d个字符。",
                    self.min_length,
                ) % {"min_length": self.min_length},
                code="password_too_short",
            )

    def get_help_text(self) -> str:
        return ngettext("密码至少需要%(min_length)d个字符。", "密码至少需要%(min_length)d个字符。",
                        self.min_length) % {"min_length": self.min_length}


class WordAndYearValidator:
    """Refuse a password that is only letters followed by a year (``qingshi2026``, ``Zhang1985!``)."""

    def validate(self, password: str, user: Any = None) -> None:
        if WORD_AND_YEAR.fullmatch(password):
            raise ValidationError(
                _("密码不能只是“字母加年份”（例如地名拼音加今年的年份），这类密码最先被猜到。"
                  "请在中间加入其他单词、数字或符号。"),
                code="password_word_and_year",
            )

    def get_help_text(self) -> str:
        return _("不能只是“字母加年份”。")
