"""Audience windows: when and where each audience can come. Pure data and parsing, no ORM.

The defaults below are typical dates for a county in central China; every county overrides them in
its ``CountyTrainingConfig`` row (farming peaks, Spring Festival return, school vacations differ by
crop and by province). ``parse_windows`` turns that row's values into ``AudienceWindows``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

CHINA = ZoneInfo("Asia/Shanghai")


class WindowConfigError(ValueError):
    """A county's window configuration is malformed; the message is Chinese and names the value."""


@dataclass(frozen=True)
class DateRange:
    """Inclusive range of dates."""

    start: dt.date
    end: dt.date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end


@dataclass(frozen=True)
class MonthDayRange:
    """An inclusive range of (month, day) that repeats every year; may wrap over New Year."""

    start: tuple[int, int]
    end: tuple[int, int]

    def __contains__(self, day: object) -> bool:
        if not isinstance(day, dt.date):
            return False
        md = (day.month, day.day)
        if self.start <= self.end:
            return self.start <= md <= self.end
        return md >= self.start or md <= self.end


@dataclass(frozen=True)
class AudienceWindows:
    grandparent_day: tuple[dt.time, dt.time] = (dt.time(9, 0), dt.time(16, 30))
    farming_peaks: tuple[MonthDayRange, ...] = ()
    spring_festival: Mapping[int, DateRange] = field(default_factory=dict)
    school_vacations: tuple[DateRange, ...] = ()
    travel_buffer: dt.timedelta = dt.timedelta(minutes=30)
    reminder_days_before: int = 2
    # Local time of the county: windows are wall-clock times there.
    tz: dt.tzinfo = CHINA

    def in_farming_peak(self, day: dt.date) -> bool:
        return any(day in peak for peak in self.farming_peaks)

    def in_spring_festival(self, day: dt.date) -> bool:
        return any(day in window for window in self.spring_festival.values())

    def in_school_vacation(self, day: dt.date) -> bool:
        return any(day in vacation for vacation in self.school_vacations)


# Summer harvest and planting (夏收夏种) and autumn harvest (秋收秋种) of a wheat-rice county.
DEFAULT_FARMING_PEAKS = (MonthDayRange((5, 25), (6, 15)), MonthDayRange((9, 20), (10, 20)))
# Migrant parents are home from about ten days before Spring Festival to a week after it.
DEFAULT_SPRING_FESTIVAL = {
    2026: DateRange(dt.date(2026, 2, 7), dt.date(2026, 2, 25)),  # Spring Festival 2026-02-17
    2027: DateRange(dt.date(2027, 1, 27), dt.date(2027, 2, 14)),  # 2027-02-06
    2028: DateRange(dt.date(2028, 1, 16), dt.date(2028, 2, 3)),  # 2028-01-26
}
DEFAULT_SCHOOL_VACATIONS = (
    DateRange(dt.date(2026, 1, 24), dt.date(2026, 3, 1)),
    DateRange(dt.date(2026, 7, 4), dt.date(2026, 8, 31)),
    DateRange(dt.date(2027, 1, 23), dt.date(2027, 2, 21)),
    DateRange(dt.date(2027, 7, 3), dt.date(2027, 8, 31)),
)
DEFAULT_WINDOWS = AudienceWindows(
    farming_peaks=DEFAULT_FARMING_PEAKS,
    spring_festival=DEFAULT_SPRING_FESTIVAL,
    school_vacations=DEFAULT_SCHOOL_VACATIONS,
)


def _date(raw: Any, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError:
        raise WindowConfigError(
            _("%(what)s的日期“%(value)s”格式不对，应为 2027-01-27 这样的年-月-日。")
            % {"what": what, "value": raw}
        ) from None


def _month_day(raw: Any, what: str) -> tuple[int, int]:
    try:
        month, day = (int(part) for part in str(raw).split("-"))
        dt.date(2024, month, day)  # a leap year, so 02-29 is allowed
    except ValueError:
        raise WindowConfigError(
            _("%(what)s的日期“%(value)s”格式不对，应为 05-25 这样的月-日。") % {"what": what, "value": raw}
        ) from None
    return month, day


def _pairs(raw: Any, what: str) -> list[tuple[Any, Any]]:
    if not isinstance(raw, list) or not all(isinstance(r, dict) and {"start", "end"} <= set(r) for r in raw):
        raise WindowConfigError(_("%(what)s应为若干个包含开始和结束日期的时段。") % {"what": what})
    return [(r["start"], r["end"]) for r in raw]


def _ordered(rng: DateRange, what: str) -> DateRange:
    if rng.end < rng.start:
        raise WindowConfigError(_("%(what)s的结束日期早于开始日期。") % {"what": what})
    return rng


def parse_farming_peaks(raw: Any) -> tuple[MonthDayRange, ...]:
    what = _("农忙时段")
    return tuple(MonthDayRange(_month_day(s, what), _month_day(e, what)) for s, e in _pairs(raw, what))


def parse_spring_festival(raw: Any) -> dict[int, DateRange]:
    what = _("春节返乡时段")
    if not isinstance(raw, dict):
        raise WindowConfigError(_("%(what)s应为按年份列出的时段。") % {"what": what})
    windows: dict[int, DateRange] = {}
    for year, value in raw.items():
        ((start, end),) = _pairs([value], what)
        windows[int(year)] = _ordered(DateRange(_date(start, what), _date(end, what)), what)
    return windows


def parse_school_vacations(raw: Any) -> tuple[DateRange, ...]:
    what = _("学校假期")
    return tuple(_ordered(DateRange(_date(s, what), _date(e, what)), what) for s, e in _pairs(raw, what))


def parse_windows(
    *,
    grandparent_day_start: dt.time | None = None,
    grandparent_day_end: dt.time | None = None,
    farming_peaks: Sequence[Any] | None = None,
    spring_festival: Mapping[str, Any] | None = None,
    school_vacations: Sequence[Any] | None = None,
    travel_buffer_minutes: int | None = None,
    reminder_days_before: int | None = None,
    defaults: AudienceWindows = DEFAULT_WINDOWS,
) -> AudienceWindows:
    """A county's windows: each value given (non-empty) replaces the default, the rest stay default."""
    start = grandparent_day_start or defaults.grandparent_day[0]
    end = grandparent_day_end or defaults.grandparent_day[1]
    if end <= start:
        raise WindowConfigError(_("祖辈培训最晚结束时间应晚于最早开始时间。"))
    return AudienceWindows(
        grandparent_day=(start, end),
        farming_peaks=parse_farming_peaks(list(farming_peaks)) if farming_peaks else defaults.farming_peaks,
        spring_festival=parse_spring_festival(dict(spring_festival))
        if spring_festival
        else defaults.spring_festival,
        school_vacations=parse_school_vacations(list(school_vacations))
        if school_vacations
        else defaults.school_vacations,
        travel_buffer=dt.timedelta(minutes=travel_buffer_minutes)
        if travel_buffer_minutes is not None
        else defaults.travel_buffer,
        reminder_days_before=reminder_days_before or defaults.reminder_days_before,
        tz=defaults.tz,
    )
