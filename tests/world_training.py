"""Training objects of the test world: a grandparent class in county K inviting village v1 (c1's
guardian g1 enrolled), a session in county K2, a material of K's program, and a questionnaire of
each county (tq1 in K, tq3 in K2). Synthetic names only.

The classes are on the Sunday 8-14 days after the world's day (tests.clock), at 09:30: training
tests book their own sessions on Mondays to Saturdays, so none clashes with the world's whatever the
day the world is built on.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from lbc.models import Region
from tests.training.helpers import next_weekday

SUNDAY = 6


def add_training(world: Any) -> None:
    from training.enrolment import Person, enrol_person
    from training.models import Audience, Material, Program, Questionnaire, QuestionnaireItem, Session, Venue
    from training.storage import material_storage

    def session(county: Region, village: Region, trainer: Any) -> Session:
        program = Program.objects.create(
            county=county, name="隔代教养：和孙辈好好说话", audience=Audience.GRANDPARENTS,
            level=Program.Level.GOVERNMENT,
        )  # fmt: skip
        venue = Venue.objects.create(
            name=f"{village.name}村委会活动室", kind=Venue.Kind.VILLAGE_HALL, region=village, capacity=30
        )
        day = next_weekday(SUNDAY, weeks=2)
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
    world.ts1 = session(world.county, world.v1, world.user("trainer"))
    world.ts3 = session(world.county2, world.v3, other_trainer)
    enrol_person(world.ts1, Person(guardian=world.g1), by=world.user("trainer"))
    # The set-up pages' objects: each county's program, venue and questionnaire.
    world.tp1, world.tp3 = world.ts1.program, world.ts3.program
    world.tv1, world.tv3 = world.ts1.venue, world.ts3.venue
    world.tq1, world.tq3 = (
        Questionnaire.objects.create(county=county, name="照料信心问卷（合成）", scale="1-5")
        for county in (world.county, world.county2)
    )
    for questionnaire in (world.tq1, world.tq3):
        QuestionnaireItem.objects.create(
            questionnaire=questionnaire, number=1, text="我知道孩子心里有事时怎么问"
        )
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
