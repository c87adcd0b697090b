"""The columns of the import template, derived from a campaign's instruments.

Header labels are a file format, not interface text: a file filled in under any interface language
must carry the same header, so they are fixed Chinese strings and deliberately not translated.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from screening.models import Campaign
from screening.scoring.instruments import get_instrument


class Kind(StrEnum):
    ID_NUMBER = "id_number"
    NAME = "name"
    BIRTH_DATE = "birth_date"
    GRADE = "grade"
    CLASS = "class"
    ADMINISTERED_ON = "administered_on"
    ANSWER = "answer"
    SECONDS = "seconds"


@dataclass(frozen=True)
class Column:
    label: str
    kind: Kind
    code: str = ""
    version: str = ""
    item: int = 0
    # Optional columns may be left out of the file; present ones must keep the template's order.
    optional: bool = False


FIXED = (
    Column("身份证号码", Kind.ID_NUMBER),
    Column("姓名", Kind.NAME),
    Column("出生日期", Kind.BIRTH_DATE),
    Column("年级", Kind.GRADE),
    Column("班级", Kind.CLASS),
    Column("施测日期", Kind.ADMINISTERED_ON),
)


def item_label(code: str, item: int) -> str:
    return f"{code} 第{item}题"


def seconds_label(code: str) -> str:
    return f"{code} 用时（秒）"


def template_columns(campaign: Campaign) -> tuple[Column, ...]:
    """Identity columns, one column per item of every campaign instrument, then optional timings."""
    answers: list[Column] = []
    timings: list[Column] = []
    for code, version in campaign.instrument_keys():
        instrument = get_instrument(code, version)
        answers.extend(
            Column(item_label(instrument.code, n), Kind.ANSWER, instrument.code, instrument.version, n)
            for n in instrument.item_numbers
        )
        timings.append(
            Column(
                seconds_label(instrument.code),
                Kind.SECONDS,
                instrument.code,
                instrument.version,
                optional=True,
            )
        )
    return (*FIXED, *answers, *timings)
