"""County window settings: defaults, overrides and clear Chinese messages for bad values."""

from __future__ import annotations

import datetime as dt

import pytest

from training.windows import DEFAULT_WINDOWS, WindowConfigError, parse_windows


def test_empty_settings_keep_every_default() -> None:
    assert parse_windows() == DEFAULT_WINDOWS


def test_given_values_replace_the_defaults() -> None:
    windows = parse_windows(
        grandparent_day_start=dt.time(8, 30),
        farming_peaks=[{"start": "04-20", "end": "05-10"}],
        spring_festival={"2027": {"start": "2027-01-30", "end": "2027-02-12"}},
        school_vacations=[{"start": "2027-01-20", "end": "2027-02-25"}],
        travel_buffer_minutes=45,
        reminder_days_before=3,
    )
    assert windows.grandparent_day == (dt.time(8, 30), dt.time(16, 30))
    assert windows.in_farming_peak(dt.date(2027, 5, 1)) and not windows.in_farming_peak(dt.date(2027, 6, 1))
    assert windows.in_spring_festival(dt.date(2027, 1, 30)) and not windows.in_spring_festival(
        dt.date(2027, 1, 29)
    )
    assert windows.in_school_vacation(dt.date(2027, 2, 25))
    assert windows.travel_buffer == dt.timedelta(minutes=45) and windows.reminder_days_before == 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"farming_peaks": [{"start": "13-01", "end": "05-10"}]}, "农忙时段的日期“13-01”格式不对"),
        (
            {"school_vacations": [{"start": "2027-02-25", "end": "2027-01-20"}]},
            "学校假期的结束日期早于开始日期",
        ),
        ({"spring_festival": {"2027": {"start": "2027/01/30", "end": "2027-02-12"}}}, "春节返乡时段的日期"),
        ({"farming_peaks": ["05-01"]}, "农忙时段应为若干个包含开始和结束日期的时段"),
        ({"grandparent_day_start": dt.time(17, 0)}, "祖辈培训最晚结束时间应晚于最早开始时间"),
    ],
)
def test_bad_settings_are_refused_with_a_message_naming_them(kwargs: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(WindowConfigError, match=message):
        parse_windows(**kwargs)
