"""Pure scheduling rules: clashes, audience windows, slot proposals and series (no database)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from training.scheduling import (
    Booking,
    Party,
    Place,
    SlotRequest,
    clashes,
    fit,
    propose_slots,
    repeat,
    window_warnings,
)
from training.windows import CHINA, DEFAULT_WINDOWS, AudienceWindows, DateRange, MonthDayRange

W = DEFAULT_WINDOWS
HALL = Place("venue:1", "一村村委会", "village_hall", village="region:11", township="region:1")
SCHOOL = Place("venue:2", "一乡中心学校", "school", township="region:1")
FACTORY = Place("venue:3", "东莞某电子厂", "employer_site")
ONLINE = Place("venue:4", "线上课堂", "remote")
WANG = Party("user:1", "王老师")
LI = Party("user:2", "李老师")
GRANNY = Party("guardian:9", "王奶奶")


def at(y: int, m: int, d: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hour, minute, tzinfo=CHINA)


def booking(start: dt.datetime, minutes: int = 90, place: Place = HALL, **kw: object) -> Booking:
    return Booking(start=start, end=start + dt.timedelta(minutes=minutes), place=place, **kw)  # type: ignore[arg-type]


EXISTING = booking(
    at(2026, 12, 8, 9),
    label="祖辈学堂",
    key="session:1",
    trainers=frozenset({WANG}),
    attendees=frozenset({GRANNY}),
)


# --- clashes ---------------------------------------------------------------------------------------


def test_it_refuses_a_trainer_who_is_teaching_elsewhere_at_an_overlapping_time() -> None:
    proposal = booking(at(2026, 12, 8, 10), place=SCHOOL, trainers=frozenset({WANG, LI}))
    (clash,) = clashes(proposal, [EXISTING], W)
    assert clash.kind == "trainer" and clash.parties == (WANG,) and not clash.travel_only
    assert clash.message == "培训师王老师在12月8日（周二）09:00-10:30已有“祖辈学堂”（一村村委会）。"


def test_it_refuses_a_venue_that_is_taken() -> None:
    (clash,) = clashes(booking(at(2026, 12, 8, 10), trainers=frozenset({LI})), [EXISTING], W)
    assert clash.kind == "venue"
    assert "场地“一村村委会”在12月8日（周二）09:00-10:30已被“祖辈学堂”占用" in clash.message


def test_it_refuses_an_attendee_enrolled_at_an_overlapping_time() -> None:
    proposal = booking(at(2026, 12, 8, 9, 30), place=SCHOOL, attendees=frozenset({GRANNY}))
    (clash,) = clashes(proposal, [EXISTING], W)
    assert clash.kind == "attendee" and "学员王奶奶" in clash.message


def test_back_to_back_sessions_need_travel_time_between_different_places_only() -> None:
    right_after = at(2026, 12, 8, 10, 30)
    elsewhere = booking(right_after, place=SCHOOL, trainers=frozenset({WANG}))
    (clash,) = clashes(elsewhere, [EXISTING], W)
    assert clash.travel_only and "不足30分钟路程" in clash.message
    assert clashes(booking(right_after, trainers=frozenset({WANG})), [EXISTING], W) == []
    assert clashes(booking(right_after, place=ONLINE, trainers=frozenset({WANG})), [EXISTING], W) == []
    assert (
        clashes(booking(at(2026, 12, 8, 11), place=SCHOOL, trainers=frozenset({WANG})), [EXISTING], W) == []
    )
    assert clashes(elsewhere, [EXISTING], W, buffer=dt.timedelta(0)) == []


def test_a_session_does_not_clash_with_itself_or_with_sessions_sharing_nobody() -> None:
    assert clashes(EXISTING, [EXISTING], W) == []
    assert clashes(booking(at(2026, 12, 8, 9), place=SCHOOL, trainers=frozenset({LI})), [EXISTING], W) == []


# --- audience windows ------------------------------------------------------------------------------------


def codes(b: Booking, windows: AudienceWindows = W) -> set[str]:
    return {w.code for w in window_warnings(b, windows)}


def test_grandparents_are_warned_about_evenings_farming_peaks_remote_and_distant_places() -> None:
    home = {"home_villages": frozenset({"region:11"}), "home_townships": frozenset({"region:1"})}
    assert codes(booking(at(2026, 12, 8, 9), audience="grandparents", **home)) == set()
    assert codes(booking(at(2026, 12, 8, 19), audience="grandparents", **home)) == {"grandparents_daytime"}
    assert codes(booking(at(2026, 12, 8, 15, 30), audience="grandparents", **home)) == {
        "grandparents_daytime"
    }
    assert codes(booking(at(2026, 6, 2, 9), audience="grandparents", **home)) == {"grandparents_farming"}
    assert codes(booking(at(2026, 12, 8, 9), place=ONLINE, audience="grandparents")) == {
        "grandparents_remote"
    }
    far = Place("venue:5", "三乡文化站", "village_hall", village="region:33", township="region:3")
    assert codes(booking(at(2026, 12, 8, 9), place=far, audience="grandparents", **home)) == {
        "grandparents_far"
    }
    assert codes(booking(at(2026, 12, 8, 9), place=SCHOOL, audience="grandparents", **home)) == set()


def test_migrant_parents_fit_weekends_near_work_or_spring_festival_at_home() -> None:
    saturday, tuesday = at(2026, 12, 12, 14), at(2026, 12, 8, 14)
    assert codes(booking(saturday, place=FACTORY, audience="parents")) == set()
    assert codes(booking(tuesday, place=FACTORY, audience="parents")) == {"parents_window"}
    assert codes(booking(saturday, audience="parents")) == {"parents_window"}
    assert codes(booking(at(2027, 2, 8, 10), audience="parents")) == set()  # home for Spring Festival


def test_teachers_fit_school_vacations_and_the_county_can_move_them() -> None:
    assert codes(booking(at(2026, 12, 8, 9), audience="teachers")) == {"teachers_vacation"}
    assert codes(booking(at(2027, 7, 10, 9), audience="teachers")) == set()
    county = AudienceWindows(school_vacations=(DateRange(dt.date(2026, 12, 7), dt.date(2026, 12, 9)),))
    assert codes(booking(at(2026, 12, 8, 9), audience="teachers"), county) == set()


def test_other_audiences_have_no_window() -> None:
    assert codes(booking(at(2026, 12, 8, 21), audience="community_staff")) == set()
    assert codes(booking(at(2026, 6, 1, 21), audience="volunteers")) == set()


def test_farming_peaks_may_wrap_over_new_year() -> None:
    winter = MonthDayRange((12, 20), (1, 10))
    assert dt.date(2026, 12, 25) in winter and dt.date(2027, 1, 5) in winter
    assert dt.date(2027, 1, 11) not in winter


# --- proposals ---------------------------------------------------------------------------------------------


def request(**kw: object) -> SlotRequest:
    base: dict[str, object] = {
        "audience": "grandparents",
        "duration": dt.timedelta(minutes=90),
        "places": (HALL, SCHOOL),
        "trainers": frozenset({WANG}),
        "home_villages": frozenset({"region:11"}),
        "home_townships": frozenset({"region:1"}),
    }
    return SlotRequest(**{**base, **kw})  # type: ignore[arg-type]


def test_proposals_respect_the_windows_and_come_best_first() -> None:
    slots = propose_slots(request(), [EXISTING], W, year=2026, month=12, limit=200)
    assert slots
    for slot in slots:
        candidate = booking(
            slot.start,
            place=slot.place,
            audience="grandparents",
            trainers=frozenset({WANG}),
            home_villages=frozenset({"region:11"}),
            home_townships=frozenset({"region:1"}),
        )
        assert window_warnings(candidate, W) == []
        assert clashes(candidate, [EXISTING], W) == []
        assert slot.fit == fit(candidate, W)
    assert [s.fit for s in slots] == sorted(s.fit for s in slots)
    assert slots[0].place == HALL and slots[0].start.astimezone(CHINA).time() == dt.time(9, 0)
    assert len({(s.start.date(), s.place) for s in slots}) == len(slots)  # one per day and place


def test_proposals_skip_the_past_and_a_month_of_farming() -> None:
    june = propose_slots(request(), [], W, year=2026, month=6, limit=100)
    assert all(not W.in_farming_peak(s.start.date()) for s in june)
    later = propose_slots(request(earliest=at(2026, 12, 20, 0)), [], W, year=2026, month=12)
    assert all(s.start >= at(2026, 12, 20, 0) for s in later)


times = st.builds(
    lambda day, half_hours, length: (at(2026, 12, day, 7) + dt.timedelta(minutes=30 * half_hours), length),
    st.integers(1, 31),
    st.integers(0, 28),
    st.integers(1, 8),
)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            times,
            st.sampled_from([HALL, SCHOOL, FACTORY]),
            st.sets(st.sampled_from([WANG, LI])),
            st.sets(st.sampled_from([GRANNY, Party("guardian:8", "李奶奶")])),
        ),
        max_size=25,
    ),
    st.sampled_from(["grandparents", "parents", "teachers", "volunteers"]),
)
def test_proposed_slots_never_clash_with_a_random_schedule(rows: list, audience: str) -> None:  # type: ignore[type-arg]
    schedule = [
        booking(
            start,
            30 * length,
            place=place,
            key=f"session:{n}",
            trainers=frozenset(trainers),
            attendees=frozenset(attendees),
        )
        for n, ((start, length), place, trainers, attendees) in enumerate(rows)
    ]
    wanted = request(audience=audience, places=(HALL, SCHOOL, FACTORY, ONLINE), attendees=frozenset({GRANNY}))
    for slot in propose_slots(wanted, schedule, W, year=2026, month=12, limit=1000):
        candidate = booking(
            slot.start,
            90,
            place=slot.place,
            trainers=wanted.trainers,
            attendees=wanted.attendees,
            audience=audience,
            home_villages=wanted.home_villages,
            home_townships=wanted.home_townships,
        )
        assert clashes(candidate, schedule, W) == []
        assert window_warnings(candidate, W) == []


# --- series ---------------------------------------------------------------------------------------------


def test_a_weekly_class_repeats_at_the_same_local_time() -> None:
    occurrences = repeat(
        at(2026, 12, 8, 9), at(2026, 12, 8, 10, 30), every=dt.timedelta(days=7), count=6, windows=W
    )
    assert len(occurrences) == 6
    assert occurrences[-1] == (at(2027, 1, 12, 9), at(2027, 1, 12, 10, 30))
