"""Seeding the synthetic county in one transaction, and resetting a SQLite demo database."""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass, field

from django.apps import apps
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from lbc import audit, hooks
from lbc.demo.harm_reports import seed_harm_reports
from lbc.models import Child, ChildGuardian, Guardian, Household, Parent, Region

from .constants import BULK_BATCH, COUNTY_CODE, DEFAULT_CHILDREN, DEMO_TIME_OF_DAY
from .county import CountyLayout, build_county
from .families import Population, PopulationBuilder
from .personas import choose_scopes, create_personas, require_demo_mode


@dataclass
class SeedResult:
    counts: dict[str, int]
    seconds: float
    steps: dict[str, dict[str, int]] = field(default_factory=dict)  # app label -> its step's counts


def demo_county_exists() -> bool:
    return Region.objects.filter(code=COUNTY_CODE).exists()


def can_reset() -> bool:
    """Only the embedded SQLite database may be wiped by the demo command."""
    return connection.vendor == "sqlite"


def reset_database() -> None:
    """Empty every table (the audit log too, hence maintenance mode). SQLite demo databases only."""
    require_demo_mode()
    if not can_reset():
        raise RuntimeError("The demo reset empties the whole database and is allowed on SQLite only.")
    with audit.audit_maintenance():
        call_command("flush", interactive=False, verbosity=0)


def _save(population: Population) -> None:
    # In this order: each row's foreign keys point at rows saved before it.
    Household.objects.bulk_create(population.households, batch_size=BULK_BATCH)
    Child.objects.bulk_create(population.children, batch_size=BULK_BATCH)
    Guardian.objects.bulk_create(population.guardians, batch_size=BULK_BATCH)
    ChildGuardian.objects.bulk_create(population.links, batch_size=BULK_BATCH)
    Parent.objects.bulk_create(population.parents, batch_size=BULK_BATCH)


def _counts(layout: CountyLayout, population: Population, users: int) -> dict[str, int]:
    return {
        "townships": len(layout.townships),
        "villages": sum(len(t.villages) for t in layout.townships),
        "schools": len(layout.schools),
        "classes": sum(len(ks) for ks in layout.classes.values()),
        "organisations": sum(len(orgs) for orgs in layout.employers.values()) + 1,
        "households": len(population.households),
        "children": len(population.children),
        "guardians": len(population.guardians),
        "parents": len(population.parents),
        "users": users,
    }


def seed_demo_county(*, seed: int = 1, children: int = DEFAULT_CHILDREN,
                     today: dt.date | None = None) -> SeedResult:
    """Create the whole synthetic county. The same seed (and day) gives the same data.

    Everything is laid out as of ``today`` at 10:00 local time (``demo_instant``), whatever the hour
    and weekday it runs: a county seeded on a Saturday at 07:30 has the shape of one seeded on a
    Tuesday morning."""
    require_demo_mode()
    started = time.perf_counter()
    rng = random.Random(seed)
    day = today or timezone.localdate()
    with transaction.atomic():
        layout = build_county(rng, day)
        population = PopulationBuilder(rng, layout, day).build(children)
        _save(population)
        users = create_personas(choose_scopes(layout, population.children, rng), layout.university, day)
        counts = _counts(layout, population, len(users))
        audit.record("lbc.demo.seeded", detail=counts)
        counts |= seed_harm_reports(users)
        county = hooks.DemoCounty(layout.county, seed, day, demo_instant(day), users)
        steps = {step.app: step.seed(county) for step in demo_steps()}
    return SeedResult(counts, time.perf_counter() - started, steps)


def demo_instant(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, DEMO_TIME_OF_DAY))


def demo_steps() -> list[hooks.DemoStep]:
    """Each installed app's demo step (``lbc.hooks.demo_steps``), in the order of INSTALLED_APPS."""
    order = [config.label for config in apps.get_app_configs()]
    return sorted(hooks.demo_steps, key=lambda step: order.index(step.app))
