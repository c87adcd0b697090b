"""Synthetic training for the demo county: demo data only, written through the real services.

Programs at all three delivery levels and for all five audiences (names marked 演示), venues in the
village director's township, a month of sessions around today (a weekly grandparent class, a full
class with a waiting list, parents' classes online and at an employer, teachers', community staff's
and volunteers' sessions), enrolments drawn from the invitation lists, and past sessions with
attendance, service hours and pre/post questionnaires.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from lbc import audit
from lbc.models import Child, Guardian, Membership, Organisation, Parent, Region, Role, School
from lbc.services.errors import DomainError
from training.services.bookings import windows_for
from training.services.sessions import ScheduleClash, schedule_series

from .enrolment import Person, enrol_person, set_capacity
from .invitations import draw_invitees
from .models import Audience, Enrolment, Program, Questionnaire, QuestionnaireItem, Session, Venue
from .participation import record_attendance
from .questionnaires import record_questionnaire

DEMO = "（演示）"
ATTENDS = 0.8  # share of enrolled people who come


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _on_or_after(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def _questionnaire(county: Region, name: str, scale: str, items: Sequence[str]) -> Questionnaire:
    questionnaire = Questionnaire.objects.create(county=county, name=name, scale=scale)
    QuestionnaireItem.objects.bulk_create(
        QuestionnaireItem(questionnaire=questionnaire, number=n, text=text) for n, text in enumerate(items, 1)
    )
    return questionnaire


def _programs(county: Region, today: dt.date, provider: Organisation) -> dict[str, Program]:
    grandparents_q = _questionnaire(
        county,
        _("隔代教养信心问卷（演示）"),
        Questionnaire.Scale.ONE_TO_FIVE,
        [
            _("孩子不高兴时，我知道怎么和他说话"),
            _("我能看出孩子心里有事"),
            _("我会每周让孩子和爸爸妈妈通话"),
            _("孩子做错事时，我能不打不骂地管教"),
            _("遇到孩子的难题，我知道可以找谁帮忙"),
        ],
    )
    parents_q = _questionnaire(
        county,
        _("远程陪伴问卷（演示）"),
        Questionnaire.Scale.ZERO_TO_THREE,
        [_("我每周和孩子视频聊天"), _("我知道孩子在学校的情况"), _("我会听孩子把话说完")],
    )
    contract = {
        "provider": provider,
        "contract_starts_on": today - dt.timedelta(days=60),
        "contract_ends_on": today + dt.timedelta(days=120),
    }
    rows: dict[str, dict[str, Any]] = {
        "grandparents": {
            "name": _("祖辈学堂：隔代教养") + DEMO,
            "audience": Audience.GRANDPARENTS,
            "level": Program.Level.GOVERNMENT,
            "questionnaire": grandparents_q,
            "topics": [_("隔代教育"), _("情绪识别"), _("亲子沟通"), _("居家安全")],
        },
        "parents_online": {
            "name": _("外出务工家长线上课堂") + DEMO,
            "audience": Audience.PARENTS,
            "level": Program.Level.PURCHASED,
            "questionnaire": parents_q,
            "contract_number": "HT-DEMO-2026-01",
            "topics": [_("远程陪伴"), _("与照料人配合")],
            **contract,
        },
        "parents_home": {
            "name": _("春节返乡家长课堂") + DEMO,
            "audience": Audience.PARENTS,
            "level": Program.Level.GOVERNMENT,
            "questionnaire": parents_q,
            "topics": [_("返乡陪伴"), _("离别准备")],
        },
        "teachers": {
            "name": _("班主任心理健康识别培训") + DEMO,
            "audience": Audience.TEACHERS,
            "level": Program.Level.GOVERNMENT,
            "topics": [_("早期识别"), _("转介流程")],
            "session_minutes": 180,
        },
        "staff": {
            "name": _("儿童主任个案工作培训") + DEMO,
            "audience": Audience.COMMUNITY_STAFF,
            "level": Program.Level.PURCHASED,
            "contract_number": "HT-DEMO-2026-02",
            "topics": [_("一人一档"), _("强制报告")],
            "session_minutes": 120,
            **contract,
        },
        "volunteers": {
            "name": _("大学生志愿者陪伴培训") + DEMO,
            "audience": Audience.VOLUNTEERS,
            "level": Program.Level.VOLUNTEER,
            "topics": [_("陪伴技巧"), _("保护儿童隐私")],
        },
    }
    return {
        key: Program.objects.create(
            county=county, description=_("演示用的合成培训项目，非真实安排。"), **fields
        )
        for key, fields in rows.items()
    }


def _venues(
    county: Region, villages: Sequence[Region], school: School, employer: Organisation | None
) -> dict[str, Any]:
    halls = [
        Venue.objects.create(
            name=_("%(village)s村委会活动室") % {"village": v.name},
            kind=Venue.Kind.VILLAGE_HALL,
            region=v,
            capacity=30,
        )
        for v in villages
    ]
    venues: dict[str, Any] = {
        "halls": halls,
        "school": Venue.objects.create(
            name=_("%(school)s多功能室") % {"school": school.name},
            kind=Venue.Kind.SCHOOL,
            region=school.region,
            school=school,
            capacity=60,
        ),
        "remote": Venue.objects.create(
            name=_("线上课堂") + DEMO,
            kind=Venue.Kind.REMOTE,
            region=county,
            capacity=200,
            address=_("会议号在开课前发到手机"),
        ),
    }
    if employer is not None:
        venues["employer"] = Venue.objects.create(
            name=_("%(company)s培训室") % {"company": employer.name},
            kind=Venue.Kind.EMPLOYER_SITE,
            region=county,
            organisation=employer,
            capacity=50,
        )
    return venues


def _schedule(
    program: Program, venue: Venue, trainer: Any, start: dt.datetime, **kwargs: Any
) -> list[Session]:
    """Schedule through the service, moving a day later on a clash (demo times are only suggestions)."""
    minutes = dt.timedelta(minutes=program.session_minutes)
    for shift in range(7):
        begin = start + dt.timedelta(days=shift)
        try:
            return schedule_series(
                program,
                by=trainer,
                starts_at=begin,
                ends_at=begin + minutes,
                venue=venue,
                trainers=[trainer],
                now=begin - dt.timedelta(days=1),
                **kwargs,
            ).sessions
        except ScheduleClash:
            continue
    return []


def _enrol(session: Session, people: Sequence[Person], by: Any, now: dt.datetime) -> list[Enrolment]:
    done = []
    for person in people:
        try:
            when = min(now, session.starts_at - dt.timedelta(days=3))
            done.append(enrol_person(session, person, by=by, now=when))
        except DomainError:
            continue  # e.g. busy in another session at that time
    return done


def _invited(session: Session, count: int) -> list[Person]:
    # The demo fills seats as a county would: children needing support first (nobody reads this list).
    invitees = draw_invitees(
        session, windows_for(session.county_id), limit=count, flag_within=Child.objects.all()
    )
    guardians = {
        str(g.public_id): g
        for g in Guardian.objects.filter(
            public_id__in=[i.public_id for i in invitees if i.kind == "guardian"]
        )
    }
    parents = {
        str(p.public_id): p
        for p in Parent.objects.filter(public_id__in=[i.public_id for i in invitees if i.kind == "parent"])
    }
    people = []
    for i in invitees:
        if i.public_id in guardians:
            people.append(Person(guardian=guardians[i.public_id]))
        elif i.public_id in parents:
            people.append(Person(parent=parents[i.public_id]))
    return people


def _attend(session: Session, rng: random.Random, by: Any, counts: dict[str, int]) -> None:
    enrolled = list(
        session.enrolments.filter(status=Enrolment.Status.ENROLLED).select_related("session__program")
    )
    marks = {e: rng.random() < ATTENDS for e in enrolled}
    record_attendance(session, by=by, attended=marks, service={by: None}, now=session.ends_at)
    counts["attendance"] += len(marks)
    questionnaire = session.program.questionnaire
    if questionnaire is None:
        return
    low, high = questionnaire.scale_range
    items = list(questionnaire.items.values_list("number", flat=True))
    for enrolment, present in marks.items():
        if not present:
            continue
        before = {n: rng.randint(low, max(low, high - 2)) for n in items}
        after = {n: min(high, v + rng.choice((0, 1, 1, 2))) for n, v in before.items()}
        record_questionnaire(enrolment, "pre", before, by=by)
        record_questionnaire(enrolment, "post", after, by=by)
        counts["questionnaires"] += 2


def seed_training(county: Region, *, seed: int, today: dt.date, now: dt.datetime) -> dict[str, int]:
    """Seed programs, venues, sessions, enrolments and past attendance as of ``now`` (the demo's instant
    on ``today``); returns the counts."""
    rng = random.Random(seed * 7919 + 17)
    trainer_membership = (
        Membership.objects.filter(role=Role.TRAINER, region=county).select_related("user").first()
    )
    director = (
        Membership.objects.filter(role=Role.VILLAGE_DIRECTOR, region__path__startswith=county.path)
        .select_related("region__parent")
        .first()
    )
    if (
        trainer_membership is None
        or director is None
        or director.region is None
        or director.region.parent is None
    ):
        return {}
    trainer, home = trainer_membership.user, director.region
    # The demo trainer has been in post for a term, so the past sessions had a current trainer.
    Membership.objects.filter(pk=trainer_membership.pk).update(
        valid_from=min(trainer_membership.valid_from, today - dt.timedelta(days=120))
    )
    township: Region = director.region.parent
    villages = [home, *Region.objects.filter(parent=township).exclude(pk=home.pk).order_by("code")[:3]]
    school = (
        School.objects.filter(township_id=township.pk).order_by("-kind", "name").first()
        or School.objects.filter(county_id=county.pk).first()
    )
    employer = Organisation.objects.filter(kind=Organisation.Kind.COMPANY).order_by("name").first()
    provider = Organisation.objects.create(
        name=_("合成社会工作服务中心") + DEMO, kind=Organisation.Kind.SOCIAL
    )
    assert school is not None
    programs = _programs(county, today, provider)
    venues = _venues(county, villages, school, employer)
    halls = venues["halls"]
    counts = {
        "programs": len(programs),
        "venues": len(halls) + len(venues) - 1,
        "sessions": 0,
        "enrolments": 0,
        "waiting": 0,
        "attendance": 0,
        "questionnaires": 0,
    }
    windows = windows_for(county)

    # A weekly grandparent class in the director's village: six Tuesdays, two of them already past.
    weekly = _schedule(
        programs["grandparents"],
        halls[0],
        trainer,
        _at(_on_or_after(today - dt.timedelta(days=14), 1), 9),
        every_days=7,
        occurrences=6,
        capacity=25,
        villages=[villages[0]],
        literacy_note=_("多数学员识字不多：讲义用大字和图片，签到可按手印。"),
        dialect_note=_("用本地方言讲解"),
    )
    regulars = _invited(weekly[0], 14) if weekly else []
    for session in weekly:
        _enrol(session, regulars, trainer, now)
    # A full class with a waiting list in the next villages.
    full = _schedule(
        programs["grandparents"],
        halls[1],
        trainer,
        _at(_on_or_after(today + dt.timedelta(days=1), 3), 9, 30),
        capacity=8,
        villages=villages[1:],
    )
    for session in full:
        people = _invited(session, 11)
        if 1 < len(people) < 11:  # a small demo county: fewer seats, so a waiting list still forms
            set_capacity(session, max(1, len(people) - 3), by=trainer)
        _enrol(session, people, trainer, now)
    # A past afternoon class in the third village.
    past = _schedule(
        programs["grandparents"],
        halls[2],
        trainer,
        _at(_on_or_after(today - dt.timedelta(days=10), 3), 14),
        capacity=20,
        villages=[villages[2]],
    )
    for session in past:
        _enrol(session, _invited(session, 10), trainer, now)
    # Parents: online on a Saturday afternoon, at the employer on a past Sunday, at home over Spring Festival.
    online = _schedule(
        programs["parents_online"],
        venues["remote"],
        trainer,
        _at(_on_or_after(today + dt.timedelta(days=2), 5), 20),
    )
    for session in online:
        _enrol(session, _invited(session, 15), trainer, now)
    at_work: list[Session] = []
    if "employer" in venues:
        at_work = _schedule(
            programs["parents_online"],
            venues["employer"],
            trainer,
            _at(_on_or_after(today - dt.timedelta(days=13), 6), 10),
        )
        for session in at_work:
            _enrol(session, _invited(session, 10), trainer, now)
    festival = [w.start for w in windows.spring_festival.values() if w.start > today]
    if festival:
        spring = min(festival) + dt.timedelta(days=3)
        for session in _schedule(
            programs["parents_home"], halls[0], trainer, _at(spring, 10), villages=[villages[0]]
        ):
            _enrol(session, _invited(session, 10), trainer, now)
    # Teachers in the next school vacation, community staff on a weekday, volunteers on a Saturday morning.
    vacations = [v.start for v in windows.school_vacations if v.start > today]
    teachers_day = min(vacations) if vacations else today + dt.timedelta(days=12)
    _schedule(programs["teachers"], venues["school"], trainer, _at(teachers_day, 9), schools=[school])
    _schedule(
        programs["staff"], venues["school"], trainer, _at(_on_or_after(today + dt.timedelta(days=8), 2), 9)
    )
    for session in _schedule(
        programs["volunteers"],
        venues["school"],
        trainer,
        _at(_on_or_after(today + dt.timedelta(days=4), 5), 9, 30),
    ):
        volunteers = Membership.objects.filter(role=Role.VOLUNTEER).select_related("user")
        _enrol(session, [Person(user=m.user) for m in volunteers], trainer, now)

    for session in Session.objects.filter(county=county, ends_at__lt=now).order_by("starts_at"):
        _attend(session, rng, trainer, counts)
    counts["sessions"] = Session.objects.filter(county=county).count()
    enrolments = Enrolment.objects.filter(session__county=county)
    counts["enrolments"] = enrolments.filter(status=Enrolment.Status.ENROLLED).count()
    counts["waiting"] = enrolments.filter(status=Enrolment.Status.WAITING).count()
    audit.record("training.demo.seeded", detail=counts)
    return counts


def summary(counts: dict[str, int]) -> str:
    if not counts:
        return _("合成培训数据：未生成（演示县缺少培训师或村儿童主任）。")
    return (
        _(
            "合成培训数据（演示）：培训项目 %(programs)d，场地 %(venues)d，场次 %(sessions)d，"
            "报名 %(enrolments)d，候补 %(waiting)d，出勤记录 %(attendance)d，问卷 %(questionnaires)d。"
        )
        % counts
    )
