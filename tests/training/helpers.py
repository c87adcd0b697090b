"""Builders for training tests. All names and phone numbers are synthetic."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from lbc.models import Region
from tests.factories import make_user
from training.models import Audience, Program, Venue
from training.services.sessions import Scheduled, schedule_series

_seq = itertools.count(1)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """An aware datetime at local wall-clock time on ``day``."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def next_weekday(weekday: int, *, after: dt.date | None = None, weeks: int = 1) -> dt.date:
    """The first ``weekday`` (0 = Monday) at least ``weeks`` weeks after ``after`` (default today)."""
    start = (after or timezone.localdate()) + dt.timedelta(days=7 * (weeks - 1) + 1)
    return start + dt.timedelta(days=(weekday - start.weekday()) % 7)


def make_program(county: Region, audience: str = Audience.GRANDPARENTS, **overrides: Any) -> Program:
    return Program.objects.create(
        county=county,
        name=overrides.pop("name", f"测试培训{next(_seq)}"),
        audience=audience,
        level=overrides.pop("level", Program.Level.GOVERNMENT),
        session_minutes=overrides.pop("session_minutes", 90),
        **overrides,
    )


def make_venue(
    region: Region, kind: str = Venue.Kind.VILLAGE_HALL, capacity: int = 40, **overrides: Any
) -> Venue:
    return Venue.objects.create(
        name=overrides.pop("name", f"测试场地{next(_seq)}"),
        kind=kind,
        region=region,
        capacity=capacity,
        **overrides,
    )


def make_trainer(county: Region, username: str | None = None) -> Any:
    from lbc.models import Role

    return make_user(username or f"trainer{next(_seq)}", Role.TRAINER, region=county)


def schedule(
    program: Program, venue: Venue, trainers: list[Any], start: dt.datetime, minutes: int = 90, **kwargs: Any
) -> Scheduled:
    return schedule_series(
        program,
        by=trainers[0],
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=minutes),
        venue=venue,
        trainers=trainers,
        **kwargs,
    )
