"""Scheduling rules as pure functions: plain dataclasses in, results out, no ORM.

* ``clashes`` refuses a session whose trainer, venue or attendees are busy at an overlapping time;
  between two in-person sessions at different places a trainer or attendee also needs the travel
  buffer.
* ``window_warnings`` warns when a session lies outside its audience's window (``training.windows``).
* ``propose_slots`` lists free slots for a month that never clash and respect the windows, best first.
* ``repeat`` expands a repeating class into its occurrences.

All datetimes are timezone-aware; wall-clock rules use the county's zone (``AudienceWindows.tz``).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .windows import AudienceWindows

# Values of training.models.Audience and Venue.Kind (kept as plain strings: no ORM here).
GRANDPARENTS, PARENTS, TEACHERS = "grandparents", "parents", "teachers"
VILLAGE_HALL, SCHOOL, EMPLOYER_SITE, REMOTE = "village_hall", "school", "employer_site", "remote"
AT_HOME_KINDS = frozenset({VILLAGE_HALL, SCHOOL})
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


@dataclass(frozen=True)
class Party:
    """A trainer or an attendee; equal by ``key`` (e.g. ``user:7``, ``guardian:12``)."""

    key: str
    name: str = field(default="", compare=False)


@dataclass(frozen=True)
class Place:
    key: str
    name: str = field(default="", compare=False)
    kind: str = field(default=VILLAGE_HALL, compare=False)
    village: str = field(default="", compare=False)  # region key of the village, if in one
    township: str = field(default="", compare=False)  # region key of the township


@dataclass(frozen=True)
class Booking:
    """A session (existing or proposed) as far as clashes and windows go."""

    start: dt.datetime
    end: dt.datetime
    place: Place
    label: str = ""
    key: str = ""
    trainers: frozenset[Party] = frozenset()
    attendees: frozenset[Party] = frozenset()
    audience: str = ""
    # Where the invited people live: warnings and fit prefer places in or near these.
    home_villages: frozenset[str] = frozenset()
    home_townships: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Clash:
    kind: str  # "trainer" | "venue" | "attendee"
    other: Booking
    parties: tuple[Party, ...]
    travel_only: bool  # the times do not overlap, but there is no time to travel between the places
    message: str


@dataclass(frozen=True)
class WindowWarning:
    code: str
    message: str


def local(moment: dt.datetime, windows: AudienceWindows) -> dt.datetime:
    return moment.astimezone(windows.tz)


def describe_time(start: dt.datetime, end: dt.datetime, windows: AudienceWindows) -> str:
    """``12月8日（周二）09:00-10:30`` in the county's local time."""
    s, e = local(start, windows), local(end, windows)
    return _("%(month)d月%(day)d日（%(weekday)s）%(start)s-%(end)s") % {
        "month": s.month,
        "day": s.day,
        "weekday": _(WEEKDAYS[s.weekday()]),
        "start": s.strftime("%H:%M"),
        "end": e.strftime("%H:%M"),
    }


def _overlaps(a: Booking, b: Booking, gap: dt.timedelta) -> bool:
    return a.start < b.end + gap and b.start < a.end + gap


def _travel_gap(a: Booking, b: Booking, buffer: dt.timedelta) -> dt.timedelta:
    """Travel time is needed only between two different in-person places."""
    if a.place == b.place or REMOTE in (a.place.kind, b.place.kind):
        return dt.timedelta(0)
    return buffer


def _names(parties: Iterable[Party]) -> str:
    return _("、").join(sorted(p.name or p.key for p in parties))


def clashes(
    proposal: Booking,
    bookings: Iterable[Booking],
    windows: AudienceWindows,
    *,
    buffer: dt.timedelta | None = None,
) -> list[Clash]:
    """Every trainer, venue and attendee clash of ``proposal`` with ``bookings`` (itself excluded by key)."""
    gap_default = windows.travel_buffer if buffer is None else buffer
    found: list[Clash] = []
    for other in bookings:
        if proposal.key and other.key == proposal.key:
            continue
        gap = _travel_gap(proposal, other, gap_default)
        if not _overlaps(proposal, other, gap):
            continue
        overlap = _overlaps(proposal, other, dt.timedelta(0))
        when = describe_time(other.start, other.end, windows)
        args: dict[str, str | int] = {"when": when, "other": other.label, "place": other.place.name}
        if overlap and other.place == proposal.place:
            found.append(
                Clash("venue", other, (), False, _("场地“%(place)s”在%(when)s已被“%(other)s”占用。") % args)
            )
        for kind, mine, theirs in (
            ("trainer", proposal.trainers, other.trainers),
            ("attendee", proposal.attendees, other.attendees),
        ):
            shared = tuple(sorted(mine & theirs, key=lambda p: p.key))
            if not shared:
                continue
            args["names"] = _names(shared)
            if overlap:
                text = (
                    _("培训师%(names)s在%(when)s已有“%(other)s”（%(place)s）。")
                    if kind == "trainer"
                    else _("学员%(names)s在%(when)s已报名“%(other)s”（%(place)s）。")
                ) % args
            else:
                args["minutes"] = int(gap.total_seconds() // 60)
                text = (
                    _(
                        "培训师%(names)s在%(when)s有“%(other)s”（%(place)s），两地之间不足%(minutes)d分钟路程。"
                    )
                    if kind == "trainer"
                    else _(
                        "学员%(names)s在%(when)s有“%(other)s”（%(place)s），两地之间不足%(minutes)d分钟路程。"
                    )
                ) % args
            found.append(Clash(kind, other, shared, not overlap, text))
    return found


# --- audience windows -------------------------------------------------------------------------------


def _days(booking: Booking, windows: AudienceWindows) -> list[dt.date]:
    first, last = local(booking.start, windows).date(), local(booking.end, windows).date()
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def _near_home(booking: Booking) -> bool | None:
    """None when nobody's home is known; otherwise whether the place is in their village or township."""
    if not (booking.home_villages or booking.home_townships):
        return None
    place = booking.place
    return bool(
        (place.village and place.village in booking.home_villages)
        or (place.township and place.township in booking.home_townships)
    )


def _grandparent_warnings(booking: Booking, windows: AudienceWindows) -> list[WindowWarning]:
    warnings: list[WindowWarning] = []
    start, end = local(booking.start, windows), local(booking.end, windows)
    day_start, day_end = windows.grandparent_day
    if start.date() != end.date() or start.time() < day_start or end.time() > day_end:
        warnings.append(
            WindowWarning(
                "grandparents_daytime",
                _("祖辈培训宜安排在白天%(start)s-%(end)s之间，便于老人往返。")
                % {"start": day_start.strftime("%H:%M"), "end": day_end.strftime("%H:%M")},
            )
        )
    peak = [d for d in _days(booking, windows) if windows.in_farming_peak(d)]
    if peak:
        warnings.append(
            WindowWarning(
                "grandparents_farming",
                _("%(month)d月%(day)d日正值农忙，祖辈很难抽出时间。")
                % {"month": peak[0].month, "day": peak[0].day},
            )
        )
    if booking.place.kind == REMOTE:
        warnings.append(
            WindowWarning("grandparents_remote", _("祖辈多数不便参加线上培训，请安排在村里或学校面授。"))
        )
    elif booking.place.kind == EMPLOYER_SITE or _near_home(booking) is False:
        warnings.append(
            WindowWarning("grandparents_far", _("场地离祖辈居住的村较远，请选在他们所在的村或乡镇。"))
        )
    return warnings


def _parent_warnings(booking: Booking, windows: AudienceWindows) -> list[WindowWarning]:
    days = _days(booking, windows)
    kind = booking.place.kind
    at_home = kind in AT_HOME_KINDS | {REMOTE} and all(windows.in_spring_festival(d) for d in days)
    near_work = kind in {EMPLOYER_SITE, REMOTE} and all(d.weekday() >= 5 for d in days)
    if at_home or near_work:
        return []
    return [
        WindowWarning(
            "parents_window",
            _("外出务工家长通常只能在周末到务工企业附近参加，或在春节返乡期间在家乡参加。"),
        )
    ]


def _teacher_warnings(booking: Booking, windows: AudienceWindows) -> list[WindowWarning]:
    outside = [d for d in _days(booking, windows) if not windows.in_school_vacation(d)]
    if not outside:
        return []
    return [
        WindowWarning(
            "teachers_vacation",
            _("教师培训宜安排在学校假期，%(month)d月%(day)d日不在假期内。")
            % {"month": outside[0].month, "day": outside[0].day},
        )
    ]


_WARNINGS = {GRANDPARENTS: _grandparent_warnings, PARENTS: _parent_warnings, TEACHERS: _teacher_warnings}


def window_warnings(booking: Booking, windows: AudienceWindows) -> list[WindowWarning]:
    """Warnings (not refusals): the session may still be scheduled, but the audience will struggle to come."""
    rule = _WARNINGS.get(booking.audience)
    return rule(booking, windows) if rule else []


# --- proposing slots ----------------------------------------------------------------------------------

PREFERRED_START = {
    GRANDPARENTS: dt.time(9, 0),
    PARENTS: dt.time(14, 0),
    TEACHERS: dt.time(9, 0),
}
DEFAULT_PREFERRED_START = dt.time(9, 0)


def fit(booking: Booking, windows: AudienceWindows) -> int:
    """Lower is better: half-hours away from the audience's preferred start, plus distance from home."""
    start = local(booking.start, windows)
    preferred = PREFERRED_START.get(booking.audience, DEFAULT_PREFERRED_START)
    minutes = abs((start.hour * 60 + start.minute) - (preferred.hour * 60 + preferred.minute))
    score = minutes // 30
    place = booking.place
    if place.village and place.village in booking.home_villages:
        return score
    if _near_home(booking) is None or (place.township and place.township in booking.home_townships):
        return score + 2
    return score + 4


@dataclass(frozen=True)
class SlotRequest:
    audience: str
    duration: dt.timedelta
    places: tuple[Place, ...]
    trainers: frozenset[Party]
    label: str = ""
    attendees: frozenset[Party] = frozenset()
    home_villages: frozenset[str] = frozenset()
    home_townships: frozenset[str] = frozenset()
    earliest: dt.datetime | None = None  # no slot starts before this (usually now)


@dataclass(frozen=True)
class Slot:
    start: dt.datetime
    end: dt.datetime
    place: Place
    fit: int


def _grid(
    day: dt.date, windows: AudienceWindows, first: dt.time, last: dt.time, step: dt.timedelta
) -> list[dt.datetime]:
    moment = dt.datetime.combine(day, first, tzinfo=windows.tz)
    stop = dt.datetime.combine(day, last, tzinfo=windows.tz)
    starts: list[dt.datetime] = []
    while moment <= stop:
        starts.append(moment)
        moment += step
    return starts


def propose_slots(
    request: SlotRequest,
    bookings: Sequence[Booking],
    windows: AudienceWindows,
    *,
    year: int,
    month: int,
    limit: int = 20,
    step: dt.timedelta = dt.timedelta(minutes=30),
    first_start: dt.time = dt.time(8, 0),
    last_start: dt.time = dt.time(20, 0),
) -> list[Slot]:
    """Free slots in ``month``: no clash, no window warning; the best start per day and place, best first."""
    by_day: dict[dt.date, list[Booking]] = defaultdict(list)
    for booking in bookings:
        for day in _days(booking, windows):
            for near in (day - dt.timedelta(days=1), day, day + dt.timedelta(days=1)):
                by_day[near].append(booking)
    best: dict[tuple[dt.date, str], Slot] = {}
    for number in range(1, calendar.monthrange(year, month)[1] + 1):
        day = dt.date(year, month, number)
        for start in _grid(day, windows, first_start, last_start, step):
            if request.earliest is not None and start < request.earliest:
                continue
            for place in request.places:
                candidate = Booking(
                    start=start,
                    end=start + request.duration,
                    place=place,
                    label=request.label,
                    trainers=request.trainers,
                    attendees=request.attendees,
                    audience=request.audience,
                    home_villages=request.home_villages,
                    home_townships=request.home_townships,
                )
                if window_warnings(candidate, windows) or clashes(candidate, by_day.get(day, ()), windows):
                    continue
                slot = Slot(candidate.start, candidate.end, place, fit(candidate, windows))
                current = best.get((day, place.key))
                if current is None or slot.fit < current.fit:
                    best[(day, place.key)] = slot
    ordered = sorted(best.values(), key=lambda s: (s.fit, s.start, s.place.name, s.place.key))
    return ordered[:limit]


def repeat(
    start: dt.datetime, end: dt.datetime, *, every: dt.timedelta, count: int, windows: AudienceWindows
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Occurrences of a repeating class at the same local wall-clock time."""
    if count < 1 or every <= dt.timedelta(0):
        raise ValueError("a series needs at least one occurrence and a positive interval")
    s, e = local(start, windows), local(end, windows)
    return [(s + every * n, e + every * n) for n in range(count)]
