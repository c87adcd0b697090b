"""Rows to the dataclasses of the pure scheduling rules (``training.scheduling``): bookings, places,
parties, a county's audience windows, and the trainers a county may schedule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Prefetch

from lbc.access import Can, roles_with
from lbc.models import Membership, Region, School
from training.models import CountyTrainingConfig, Enrolment, Session, Venue
from training.scheduling import (
    Booking,
    Party,
    Place,
)
from training.windows import DEFAULT_WINDOWS, AudienceWindows, parse_windows


def windows_for(county: Region | int) -> AudienceWindows:
    county_id = county if isinstance(county, int) else county.pk
    config = CountyTrainingConfig.objects.filter(county_id=county_id).first()
    if config is None:
        return DEFAULT_WINDOWS
    return parse_windows(
        grandparent_day_start=config.grandparent_day_start,
        grandparent_day_end=config.grandparent_day_end,
        farming_peaks=config.farming_peaks,
        spring_festival=config.spring_festival,
        school_vacations=config.school_vacations,
        travel_buffer_minutes=config.travel_buffer_minutes,
        reminder_days_before=config.reminder_days_before,
    )


def place_of(venue: Venue) -> Place:
    region = venue.region
    village = f"region:{region.pk}" if region.level == Region.Level.VILLAGE else ""
    township_id = region.ancestor_at(Region.Level.TOWNSHIP)
    return Place(
        key=f"venue:{venue.pk}",
        name=venue.name,
        kind=venue.kind,
        village=village,
        township=f"region:{township_id}" if township_id else "",
    )


def trainer_party(user: Any) -> Party:
    return Party(f"user:{user.pk}", user.get_full_name() or user.get_username())


def attendee_key(enrolment: Enrolment) -> str:
    if enrolment.guardian_id:
        return f"guardian:{enrolment.guardian_id}"
    if enrolment.parent_id:
        return f"parent:{enrolment.parent_id}"
    if enrolment.user_id:
        return f"user:{enrolment.user_id}"
    return f"enrolment:{enrolment.pk}"  # a walk-in is known only by this enrolment


def attendee_party(enrolment: Enrolment) -> Party:
    return Party(attendee_key(enrolment), enrolment.person_name)


def homes_of(villages: Iterable[Region], schools: Iterable[School]) -> tuple[frozenset[str], frozenset[str]]:
    village_keys = {f"region:{v.pk}" for v in villages}
    townships = {f"region:{v.parent_id}" for v in villages}
    for school in schools:
        townships.add(f"region:{school.township_id}")
        if school.region.level == Region.Level.VILLAGE:
            village_keys.add(f"region:{school.region_id}")
    return frozenset(village_keys), frozenset(townships)


def booking_of(session: Session) -> Booking:
    """A stored session as a booking; trainers, villages, schools and enrolments should be prefetched."""
    villages, townships = homes_of(session.villages.all(), session.schools.all())
    return Booking(
        start=session.starts_at,
        end=session.ends_at,
        place=place_of(session.venue),
        label=session.program.name,
        key=f"session:{session.pk}",
        trainers=frozenset(trainer_party(u) for u in session.trainers.all()),
        attendees=frozenset(
            attendee_party(e) for e in session.enrolments.all() if e.status == Enrolment.Status.ENROLLED
        ),
        audience=session.audience,
        home_villages=villages,
        home_townships=townships,
    )


def sessions_between(start: dt.datetime, end: dt.datetime) -> Any:
    """Scheduled sessions overlapping [start, end], ready for ``booking_of``."""
    return (
        Session.objects.filter(status=Session.Status.SCHEDULED, starts_at__lt=end, ends_at__gt=start)
        .select_related("program", "venue__region")
        .prefetch_related(
            "trainers",
            "villages",
            "schools__region",
            Prefetch(
                "enrolments",
                queryset=Enrolment.objects.filter(status=Enrolment.Status.ENROLLED).select_related(
                    "guardian", "parent", "user"
                ),
            ),
        )
    )


def bookings_between(
    start: dt.datetime, end: dt.datetime, *, margin: dt.timedelta = dt.timedelta(days=1)
) -> list[Booking]:
    return [booking_of(s) for s in sessions_between(start - margin, end + margin)]


def trainers_of_county(county: Region | int) -> Any:
    """Users holding a current membership that manages the county's training (trainers)."""
    county_id = county if isinstance(county, int) else county.pk
    return get_user_model().objects.filter(
        pk__in=Membership.objects.current()
        .filter(role__in=roles_with(Can.MANAGE_TRAINING), region_id=county_id)
        .values("user_id")
    )
