"""Training objects of the test world: a grandparent class in county K inviting village v1 (c1's
guardian g1 enrolled), a session in county K2, and a material of K's program. Synthetic names only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from lbc.models import Region


def add_training(world: Any) -> None:
    from training.enrolment import Person, enrol_person
    from training.models import Audience, Material, Program, Session, Venue
    from training.storage import material_storage

    def session(county: Region, village: Region, trainer: Any, days: int) -> Session:
        program = Program.objects.create(
            county=county, name="隔代教养：和孙辈好好说话", audience=Audience.GRANDPARENTS,
            level=Program.Level.GOVERNMENT,
        )  # fmt: skip
        venue = Venue.objects.create(
            name=f"{village.name}村委会活动室", kind=Venue.Kind.VILLAGE_HALL, region=village, capacity=30
        )
        day = timezone.localdate() + dt.timedelta(days=days)
        # On a Sunday, which no scheduling test books (they book Mondays to Saturdays): at today + 10
        # days the session fell on the Tuesday they book whenever today was a Saturday.
        day += dt.timedelta(days=(6 - day.weekday()) % 7)
        start = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 30)))
        created = Session.objects.create(
            program=program, venue=venue, starts_at=start, ends_at=start + dt.timedelta(minutes=90),
            capacity=20, audience=Audience.GRANDPARENTS, format=Session.Format.VILLAGE,
        )  # fmt: skip
        created.trainers.set([trainer])
        created.villages.set([village])
        return created

    from lbc.models import Role
    from tests.factories import make_user

    other_trainer = make_user("other_trainer_k2", Role.TRAINER, region=world.county2)
    world.ts1 = session(world.county, world.v1, world.user("trainer"), 10)
    world.ts3 = session(world.county2, world.v3, other_trainer, 10)
    enrol_person(world.ts1, Person(guardian=world.g1), by=world.user("trainer"))
    world.tm1 = Material(
        program=world.ts1.program, title="祖辈课堂讲义", original_name="handout.txt",
        content_type="text/plain", size=12, sha256="0" * 64,
    )  # fmt: skip
    # One shared file for every world built (the permission matrix builds hundreds), written once.
    storage, name = material_storage(), "materials/test-world/handout.txt"
    if not storage.exists(name):
        storage.save(name, ContentFile(b"synthetic..."))
    world.tm1.file.name = name
    world.tm1.save()
