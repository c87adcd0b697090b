"""The test clock: every test runs at an explicit instant (time-machine), never at the real date.

The default instant is a Tuesday morning in term time in Shanghai. A test that needs another
instant says so with ``@pytest.mark.clock("2026-12-05T10:00+08:00")`` or moves the ``clock``
fixture (``clock.move_to(...)``). The clock ticks from that instant, so durations still pass.

``AWKWARD`` are the instants at which every calendar rule is exercised (tests/lbc/test_calendar.py
and the per-rule tests that take ``awkward_instant``).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Tuesday 1 December 2026, 10:00 in Shanghai: a school day in term, outside every audience window
# (farming peaks, Spring Festival, school vacations) for the next several weeks.
DEFAULT_INSTANT = dt.datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)
# For tests whose expectations hold only in term time, away from every audience window: they pin it
# with ``@pytest.mark.clock(TERM_TIME)`` so a run at another default instant (``--clock``) keeps them.
TERM_TIME = DEFAULT_INSTANT


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


# Each named instant is local time in Shanghai.
AWKWARD: dict[str, dt.datetime] = {
    "saturday": local(2026, 12, 5, 10, 0),
    "sunday": local(2026, 12, 6, 14, 0),
    "monday_0030": local(2026, 12, 7, 0, 30),  # still Sunday 16:30 in UTC
    "wednesday_1630": local(2026, 12, 9, 16, 30),  # the school-day end used by deadlines
    "friday_1630": local(2026, 12, 11, 16, 30),  # the school-day end before a weekend
    "new_years_eve_2350": local(2026, 12, 31, 23, 50),
    "spring_festival_eve": local(2027, 2, 5, 10, 0),  # 除夕 2027, in the school winter holiday
    "summer_holiday": local(2027, 7, 20, 10, 0),
    "farming_peak": local(2027, 6, 1, 10, 0),  # a Tuesday in the summer harvest
}


def parse_instant(value: str | dt.datetime) -> dt.datetime:
    """An aware instant from ``2026-12-05T10:00+08:00`` (a naive value is Shanghai time)."""
    instant = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=SHANGHAI)
    return instant
