"""When a warning is due, and when an unanswered one climbs the ladder. Pure functions.

Deadlines follow SCREENING.md section 2; the day counts (ORANGE school days, YELLOW and GREY days)
are the county's ``Thresholds`` (edited on the threshold page); the timings below are
``WarningSettings``, overridable per county (``CountyWarningSettings``). School days are Monday to
Friday: the platform holds no school calendar, so a holiday counts as a school day (stricter, never
later).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from screening.scoring.tiers import DEFAULT_THRESHOLDS, Thresholds, Tier

# States in which nobody has yet taken the warning on at its current level.
UNACKNOWLEDGED = frozenset({"raised", "escalated", "transferred"})
# Taken on, but the response (intervention) has not started yet.
ACKNOWLEDGED = frozenset({"acknowledged", "assigned"})
TOP_LEVEL = 2  # county


@dataclass(frozen=True)
class WarningSettings:
    """County-configurable warning timings (defaults chosen here; SCREENING.md gives no figures)."""

    school_day_start_hour: int = 7  # children are at school from here to the end of the school day
    school_day_start_minute: int = 30
    school_day_end_hour: int = 16  # "before the child goes home": end of the school day, local time
    school_day_end_minute: int = 30
    # A RED entered outside school hours (before school, after school, on a weekend): due this many
    # hours later.
    red_outside_school_hours: int = 3
    # How long each level has to acknowledge before the warning goes one level up, by tier.
    ack_red_acute_minutes: int = 15
    ack_red_minutes: int = 60
    ack_orange_minutes: int = 24 * 60
    ack_yellow_minutes: int = 3 * 24 * 60
    ack_grey_minutes: int = 3 * 24 * 60

    def __post_init__(self) -> None:
        if not (0 <= self.school_day_end_hour <= 23 and 0 <= self.school_day_end_minute <= 59):
            raise ValueError(_("放学时间无效"))
        if not (0 <= self.school_day_start_hour <= 23 and 0 <= self.school_day_start_minute <= 59):
            raise ValueError(_("到校时间无效"))
        if self.school_day_start >= self.school_day_end:
            raise ValueError(_("到校时间应早于放学时间"))
        values = (
            self.red_outside_school_hours,
            self.ack_red_acute_minutes,
            self.ack_red_minutes,
            self.ack_orange_minutes,
            self.ack_yellow_minutes,
            self.ack_grey_minutes,
        )
        if min(values) < 0:
            raise ValueError(_("期限不能为负数"))

    def ack_window(self, tier: str) -> dt.timedelta:
        minutes = {
            Tier.RED_ACUTE: self.ack_red_acute_minutes,
            Tier.RED: self.ack_red_minutes,
            Tier.ORANGE: self.ack_orange_minutes,
            Tier.YELLOW: self.ack_yellow_minutes,
        }.get(Tier(tier), self.ack_grey_minutes)
        return dt.timedelta(minutes=minutes)

    @property
    def school_day_start(self) -> dt.time:
        return dt.time(self.school_day_start_hour, self.school_day_start_minute)

    @property
    def school_day_end(self) -> dt.time:
        return dt.time(self.school_day_end_hour, self.school_day_end_minute)


DEFAULT_SETTINGS = WarningSettings()

HOUR = 60
DAY_MINUTES = 24 * HOUR
# What a county may set (stored units: minutes, or hours for ``red_outside_school_hours``). From
# SCREENING.md section 2: RED_ACUTE is immediate, RED is seen the same school day, ORANGE within 3 school
# days, YELLOW within 2 weeks, GREY re-administered within 2 weeks; an acknowledgement window longer
# than the response itself would let a warning sit unseen past its deadline.
BOUNDS: dict[str, tuple[int, int]] = {
    "red_outside_school_hours": (1, 6),
    "ack_red_acute_minutes": (5, 30),
    "ack_red_minutes": (10, 2 * HOUR),
    "ack_orange_minutes": (HOUR, 3 * DAY_MINUTES),
    "ack_yellow_minutes": (HOUR, 14 * DAY_MINUTES),
    "ack_grey_minutes": (HOUR, 14 * DAY_MINUTES),
}
SCHOOL_DAY_START = (dt.time(5, 0), dt.time(12, 0))
SCHOOL_DAY_END = (dt.time(12, 0), dt.time(20, 0))
# Acknowledgement windows never grow as the tier gets worse.
ACK_ORDER = ("ack_red_acute_minutes", "ack_red_minutes", "ack_orange_minutes", "ack_yellow_minutes")


def _duration(name: str, value: int) -> str:
    if name == "red_outside_school_hours":
        return _("%(n)d小时") % {"n": value}
    if value % HOUR == 0 and value >= HOUR:
        return _("%(n)d小时") % {"n": value // HOUR}
    return _("%(n)d分钟") % {"n": value}


def bound_errors(ws: WarningSettings) -> dict[str, str]:
    """Each setting outside what SCREENING.md allows, with the reason in Chinese (empty: all fine)."""
    errors: dict[str, str] = {}
    for name, (low, high) in BOUNDS.items():
        value = getattr(ws, name)
        if not low <= value <= high:
            errors[name] = _("应在%(low)s到%(high)s之间。") % {
                "low": _duration(name, low), "high": _duration(name, high),
            }
    if "ack_red_minutes" in errors:
        errors["ack_red_minutes"] = _(
            "红色预警必须当天处置：确认时限应在%(low)s到%(high)s之间。"
        ) % {"low": _duration("ack_red_minutes", BOUNDS["ack_red_minutes"][0]),
             "high": _duration("ack_red_minutes", BOUNDS["ack_red_minutes"][1])}
    if not SCHOOL_DAY_START[0] <= ws.school_day_start <= SCHOOL_DAY_START[1]:
        errors["school_day_start"] = _("到校时间应在05:00到12:00之间。")
    if not SCHOOL_DAY_END[0] <= ws.school_day_end <= SCHOOL_DAY_END[1]:
        errors["school_day_end"] = _("放学时间应在12:00到20:00之间。")
    for shorter, longer in itertools.pairwise(ACK_ORDER):
        if longer not in errors and shorter not in errors and getattr(ws, longer) < getattr(ws, shorter):
            errors[longer] = _("较轻等级的确认时限不能短于较重等级的确认时限。")
    return errors


def settings_from(values: Mapping[str, Any]) -> WarningSettings:
    known = {f.name for f in dataclasses.fields(WarningSettings)}
    return dataclasses.replace(DEFAULT_SETTINGS, **{k: int(v) for k, v in values.items() if k in known})


def is_school_day(day: dt.date) -> bool:
    return day.weekday() < 5


def add_school_days(day: dt.date, count: int) -> dt.date:
    """The ``count``-th school day after ``day`` (``count`` 0: ``day`` itself, or the next school day)."""
    while not is_school_day(day):
        day += dt.timedelta(days=1)
    for _step in range(count):
        day += dt.timedelta(days=1)
        while not is_school_day(day):
            day += dt.timedelta(days=1)
    return day


def previous_school_day(day: dt.date) -> dt.date:
    """``day`` itself if it is a school day, else the last school day before it."""
    while not is_school_day(day):
        day -= dt.timedelta(days=1)
    return day


def _end_of(day: dt.date, ws: WarningSettings) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, ws.school_day_end))


def _on_a_school_day(moment: dt.datetime, ws: WarningSettings) -> dt.datetime:
    """A deadline counted in calendar days that lands on a weekend moves back to the end of the
    school day before it: the counsellor works on school days, and earlier is never wrong."""
    day = timezone.localtime(moment).date()
    if is_school_day(day):
        return moment
    return _end_of(previous_school_day(day), ws)


def due_at(
    tier: str,
    raised_at: dt.datetime,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    ws: WarningSettings = DEFAULT_SETTINGS,
) -> dt.datetime:
    """The response deadline of a warning of ``tier`` raised at ``raised_at`` (aware datetime)."""
    local = timezone.localtime(raised_at)
    # Before the end of a school day (also before school starts: that day counts for ORANGE).
    in_school_day = is_school_day(local.date()) and local.time() < ws.school_day_end
    if tier == Tier.RED_ACUTE:
        return raised_at
    if tier == Tier.RED:
        # "Before the child goes home" only while the child is at school; at 00:30 on a Monday the
        # child is at home exactly as on Sunday at 23:50, so both get the same few hours.
        if in_school_day and local.time() >= ws.school_day_start:
            return _end_of(local.date(), ws)
        return raised_at + dt.timedelta(hours=ws.red_outside_school_hours)
    if tier == Tier.ORANGE:
        start = local.date() if in_school_day else add_school_days(local.date() + dt.timedelta(days=1), 0)
        return _end_of(add_school_days(start, thresholds.orange_school_days), ws)
    if tier == Tier.YELLOW:
        return _on_a_school_day(raised_at + dt.timedelta(days=thresholds.yellow_contact_days), ws)
    return _on_a_school_day(raised_at + dt.timedelta(days=thresholds.grey_readminister_days), ws)


def next_escalation_at(
    *, state: str, tier: str, level: int, level_since: dt.datetime, due: dt.datetime, ws: WarningSettings
) -> dt.datetime | None:
    """When the warning goes one level up if nothing happens; None once it is at the county or in hand.

    Unacknowledged: after the level's acknowledgement window (at the school level also at the
    deadline, whichever is first). Acknowledged but nothing started: at the deadline (a higher level
    first gets its own acknowledgement window). In intervention or follow-up: never by the clock.
    """
    if level >= TOP_LEVEL:
        return None
    window_end = level_since + ws.ack_window(tier)
    if state in UNACKNOWLEDGED:
        return min(window_end, due) if level == 0 else window_end
    if state in ACKNOWLEDGED:
        return due if level == 0 else max(due, window_end)
    return None


def is_overdue(*, state: str, due: dt.datetime, now: dt.datetime) -> bool:
    """Past the deadline with the response not started."""
    return (state in UNACKNOWLEDGED or state in ACKNOWLEDGED) and now > due
