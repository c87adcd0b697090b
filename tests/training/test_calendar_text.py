"""The iCalendar text: RFC 5545 line ends, folding at 75 octets inside Chinese text, escaping, UTC times."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from training.calendar import Event, calendar_text, escape_text, fold, new_token, token_digest

SHANGHAI = ZoneInfo("Asia/Shanghai")
STAMP = dt.datetime(2026, 12, 4, 8, 0, tzinfo=dt.UTC)


def event(**overrides: object) -> Event:
    values: dict[str, object] = {
        "uid": "0b7f0c1e-1111-4222-8333-444455556666@lbc",
        "summary": "隔代教养：和孙辈好好说话",
        "starts_at": dt.datetime(2026, 10, 14, 9, 30, tzinfo=SHANGHAI),
        "ends_at": dt.datetime(2026, 10, 14, 11, 0, tzinfo=SHANGHAI),
        "location": "一村村委会活动室",
    }
    values.update(overrides)
    return Event(**values)  # type: ignore[arg-type]


def test_every_line_ends_with_crlf_and_the_calendar_is_framed() -> None:
    text = calendar_text([event()], name="我的培训日程", stamp=STAMP)
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert text.count("BEGIN:VEVENT") == text.count("END:VEVENT") == 1


def test_times_are_written_in_utc() -> None:
    text = calendar_text([event()], name="x", stamp=STAMP)
    assert "DTSTART:20261014T013000Z" in text  # 09:30 in Shanghai
    assert "DTEND:20261014T030000Z" in text
    assert "DTSTAMP:20261204T080000Z" in text


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError):
        calendar_text([event(starts_at=dt.datetime(2026, 10, 14, 9, 30))], name="x", stamp=STAMP)  # noqa: DTZ001


def test_long_chinese_lines_fold_at_75_octets_without_breaking_a_character() -> None:
    line = "SUMMARY:" + "䶮山村祖辈课堂" * 10
    folded = fold(line)
    physical = folded.split("\r\n")
    assert len(physical) > 1
    assert all(len(p.encode("utf-8")) <= 75 for p in physical)
    assert all(p.startswith(" ") for p in physical[1:])
    assert "".join(p[1:] if i else p for i, p in enumerate(physical)) == line


def test_text_values_are_escaped() -> None:
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    text = calendar_text([event(location="一村, 村委会; 二楼")], name="x", stamp=STAMP)
    assert "LOCATION:一村\\, 村委会\\; 二楼" in text


def test_a_cancelled_session_is_published_as_cancelled() -> None:
    text = calendar_text([event(cancelled=True, sequence=2)], name="x", stamp=STAMP)
    assert "STATUS:CANCELLED" in text and "SEQUENCE:2" in text


def test_tokens_are_long_random_and_stored_as_digests() -> None:
    a, b = new_token(), new_token()
    assert a != b and len(a) >= 43
    assert token_digest(a) != a and len(token_digest(a)) == 64
    assert token_digest(a) == token_digest(a)
