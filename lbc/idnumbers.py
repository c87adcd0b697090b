"""Chinese resident identity numbers (GB 11643-1999): check digit, birth date and sex."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
# Full-width digits and X, as typed with a Chinese input method; rejected, never silently converted.
FULL_WIDTH = frozenset("０１２３４５６７８９Ｘｘ")


class InvalidIdNumber(ValueError):
    """Carries a user-facing Chinese message."""


@dataclass(frozen=True)
class IdNumber:
    value: str
    birth_date: dt.date
    sex: str  # "M" or "F"
    region_code: str


def check_char(first17: str) -> str:
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def parse_id_number(raw: str) -> IdNumber:
    from django.utils.translation import gettext as _

    value = raw.strip().upper()
    if any(ch in FULL_WIDTH for ch in value):
        raise InvalidIdNumber(_("身份证号码中含有全角字符，请使用半角数字和X重新输入。"))
    if len(value) != 18:
        raise InvalidIdNumber(_("身份证号码应为18位，当前为%(n)d位。") % {"n": len(value)})
    # isdigit() alone accepts full-width and other Unicode digits; only ASCII ones are valid here.
    if not value[:17].isascii() or not value[:17].isdigit() or value[17] not in "0123456789X":
        raise InvalidIdNumber(_("身份证号码前17位应为数字，最后一位为数字或X。"))
    if check_char(value[:17]) != value[17]:
        raise InvalidIdNumber(_("身份证号码校验位不正确，请核对后重新输入。"))
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidIdNumber(_("身份证号码中的出生日期无效。")) from None
    sex = "M" if int(value[16]) % 2 == 1 else "F"
    return IdNumber(value=value, birth_date=birth, sex=sex, region_code=value[:6])


def mask_id_number(value: str) -> str:
    """The number as lists show it: region code and last four kept, the eight birth-date digits starred.

    The one masking rule for every output path (HTML lists, the API's lists).
    """
    return f"{value[:6]}{'*' * 8}{value[-4:]}" if len(value) == 18 else value


def make_id_number(region_code: str, birth: dt.date, sequence: int, sex: str) -> str:
    """Build a valid synthetic number (for tests and the demo only)."""
    seq = sequence % 1000
    if (seq % 2 == 1) != (sex == "M"):
        seq = (seq + 1) % 1000
    first17 = f"{region_code[:6]:0>6}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)
