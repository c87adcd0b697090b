"""Personas and a small synthetic world shared by every test.

The world: one province > city > two counties. County K has townships T1 and T2; county K2 has T3.
Each township has a village and a school. Children c1 (T1), c2 (T2), c3 (T3 in K2).
Personas hold one role each; "other_*" personas hold the same role in a sibling scope.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import TransactionTestCase

from lbc.audit import audit_maintenance
from lbc.models import AuditEvent, Child, Guardian, Organisation, Region, Role, School, SchoolClass

from .clock import DEFAULT_INSTANT, SHANGHAI, parse_instant
from .factories import (
    PASSWORD,
    grant,
    make_child,
    make_class,
    make_guardian,
    make_parent,
    make_region,
    make_school,
    make_user,
)
from .world_reports import add_reports
from .world_training import add_training
from .world_warnings import add_warnings

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Transactional tests flush every table after each test; the audit table only allows that in
# maintenance mode, exactly as the retention purge does.
_original_teardown = TransactionTestCase._fixture_teardown


def _teardown_with_audit_maintenance(self: TransactionTestCase) -> None:
    with audit_maintenance():
        _original_teardown(self)


TransactionTestCase._fixture_teardown = _teardown_with_audit_maintenance  # type: ignore[method-assign]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock",
        default=None,
        help="default instant of tests without a clock marker: ISO time (Shanghai if naive), or 'now' "
        "for the process clock (e.g. under faketime); default tests/clock.py DEFAULT_INSTANT",
    )


@pytest.fixture(scope="session")
def default_instant(pytestconfig: pytest.Config) -> dt.datetime:
    option = pytestconfig.getoption("--clock")
    if option == "now":
        return dt.datetime.now(tz=SHANGHAI)
    return parse_instant(option) if option else DEFAULT_INSTANT


@pytest.fixture(autouse=True)
def clock(request: pytest.FixtureRequest, default_instant: dt.datetime) -> Iterator[time_machine.Traveller]:
    """Every test runs at an explicit instant: the ``clock`` marker's, else the run's default instant.

    The clock ticks from there. Autouse, so it is set before the world is built.
    """
    marker = request.node.get_closest_marker("clock")
    instant = parse_instant(marker.args[0]) if marker else default_instant
    with time_machine.travel(instant, tick=True) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def audit_anchor_file(settings: Any, tmp_path: Path) -> Path:
    """Each test anchors the audit chain in a file of its own (the database is fresh too)."""
    settings.LBC_AUDIT_ANCHOR_FILE = tmp_path / "audit-anchor.log"
    return settings.LBC_AUDIT_ANCHOR_FILE


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    """Every test starts with an empty cache: API throttle counts are kept there, keyed by user id, and
    user ids repeat from one test to the next (every test's clock starts at the same instant)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@dataclass
class World:
    province: Region
    city: Region
    county: Region
    county2: Region
    t1: Region
    t2: Region
    t3: Region
    v1: Region
    v1b: Region
    v2: Region
    v3: Region
    s1: School
    s2: School
    s3: School
    class1: SchoolClass
    class1b: SchoolClass
    c1: Child
    c1b: Child
    c2: Child
    c3: Child
    g1: Guardian
    users: dict[str, Any]
    camp1: Any = None  # screening campaign of school s1 (grade 5, PHQ-9 and GAD-7), open
    camp3: Any = None  # the same at school s3, in the other county
    a1: Any = None  # c1's assessment in camp1: PHQ-9 item 9 = 1 -> RED
    r1: Any = None  # a mandatory report about c1, filed by the volunteer (tests/world_reports.py)
    w1: Any = None  # c1's open RED warning, raised by a1 (tests/world_warnings.py)
    ts1: Any = None  # grandparent class in county K inviting v1, g1 enrolled (tests/world_training.py)
    ts3: Any = None  # the same in county K2
    tm1: Any = None  # a material of ts1's program
    org1: Any = None  # an organisation of county K (volunteers belong to a county through it)
    org3: Any = None  # the same in county K2
    tp1: Any = None  # ts1's program (county K); tp3: ts3's (county K2)
    tp3: Any = None
    tv1: Any = None  # ts1's venue (county K); tv3: ts3's (county K2)
    tv3: Any = None
    tq1: Any = None  # a questionnaire of county K; tq3: of county K2
    tq3: Any = None

    def user(self, persona: str) -> Any:
        return self.users[persona]


PERSONAS = [
    "county_admin",
    "supervisor",
    "village_director",
    "counsellor",
    "head_teacher",
    "trainer",
    "volunteer",
    "other_county_admin",
    "other_supervisor",
    "other_village_director",
    "other_counsellor",
    "other_head_teacher",
    "other_volunteer",
    "nobody",
]


def build_world() -> World:
    province = make_region("测试省", Region.Level.PROVINCE)
    city = make_region("测试市", Region.Level.CITY, province)
    county = make_region("测试县", Region.Level.COUNTY, city)
    county2 = make_region("邻县", Region.Level.COUNTY, city)
    t1 = make_region("一乡", Region.Level.TOWNSHIP, county)
    t2 = make_region("二乡", Region.Level.TOWNSHIP, county)
    t3 = make_region("三乡", Region.Level.TOWNSHIP, county2)
    v1 = make_region("一村", Region.Level.VILLAGE, t1)
    v1b = make_region("一乡二村", Region.Level.VILLAGE, t1)
    v2 = make_region("二村", Region.Level.VILLAGE, t2)
    v3 = make_region("三村", Region.Level.VILLAGE, t3)
    s1, s2, s3 = (
        make_school(t1, "一乡中心学校"),
        make_school(t2, "二乡中心学校"),
        make_school(t3, "三乡中心学校"),
    )
    class1, class1b = make_class(s1, 5, "1班"), make_class(s1, 5, "2班")
    class2, class3 = make_class(s2, 5, "1班"), make_class(s3, 5, "1班")
    c1 = make_child(v1, s1, class1, family_name="王", given_name="小䶮")
    c1b = make_child(
        v1b,
        s1,
        class1b,
        family_name="李",
        given_name="小明",
        sex="M",
        birth_date=__import__("datetime").date(2013, 6, 1),
    )
    c2 = make_child(v2, s2, class2, family_name="张", given_name="小红")
    c3 = make_child(v3, s3, class3, family_name="赵", given_name="小兰")
    g1 = make_guardian(c1, phone="13812345678")
    make_parent(c1, phone="13987654321")
    users = {
        "county_admin": make_user("county_admin", Role.COUNTY_ADMIN, region=county),
        "supervisor": make_user("supervisor", Role.TOWNSHIP_SUPERVISOR, region=t1),
        "village_director": make_user("village_director", Role.VILLAGE_DIRECTOR, region=v1),
        "counsellor": make_user("counsellor", Role.COUNSELLOR, school=s1),
        "head_teacher": make_user("head_teacher", Role.HEAD_TEACHER, school_class=class1),
        "trainer": make_user("trainer", Role.TRAINER, region=county),
        "volunteer": make_user("volunteer", Role.VOLUNTEER),
        "other_county_admin": make_user("other_county_admin", Role.COUNTY_ADMIN, region=county2),
        "other_supervisor": make_user("other_supervisor", Role.TOWNSHIP_SUPERVISOR, region=t2),
        "other_village_director": make_user("other_village_director", Role.VILLAGE_DIRECTOR, region=v2),
        "other_counsellor": make_user("other_counsellor", Role.COUNSELLOR, school=s2),
        "other_head_teacher": make_user("other_head_teacher", Role.HEAD_TEACHER, school_class=class2),
        "other_volunteer": make_user("other_volunteer", Role.VOLUNTEER),
        "nobody": make_user("nobody"),
    }
    grant(users["volunteer"], c1, "volunteer_child")
    world = World(
        province,
        city,
        county,
        county2,
        t1,
        t2,
        t3,
        v1,
        v1b,
        v2,
        v3,
        s1,
        s2,
        s3,
        class1,
        class1b,
        c1,
        c1b,
        c2,
        c3,
        g1,
        users,
    )
    social = Organisation.Kind.SOCIAL
    world.org1 = Organisation.objects.create(name="合成志愿者协会", kind=social, region=county)
    world.org3 = Organisation.objects.create(name="邻县合成志愿者协会", kind=social, region=county2)
    add_screening(world)
    add_warnings(world)
    add_reports(world)
    add_training(world)
    # Tests about the audit log start from an empty log: setting up the world is not what they audit.
    with audit_maintenance():
        AuditEvent.objects.all().delete()
    return world


def add_screening(world: World) -> None:
    """One open campaign per school s1/s3, screening consent for c1, and one RED assessment for c1."""
    import datetime as dt

    from lbc.models import Consent
    from screening.assessments.recording import InstrumentAnswers, record_assessment
    from screening.models import Campaign

    def campaign(school: School) -> Campaign:
        return Campaign.objects.create(
            school=school, name="2026秋季筛查", school_year=2026, term=Campaign.Term.AUTUMN, grades=[5],
            instruments=[{"code": "PHQ-9", "version": "1"}, {"code": "GAD-7", "version": "1"}],
            starts_on=dt.date(2026, 9, 1), ends_on=dt.date(2026, 12, 31), status=Campaign.Status.OPEN,
        )

    world.camp1, world.camp3 = campaign(world.s1), campaign(world.s3)
    Consent.objects.create(
        child=world.c1, purpose=Consent.Purpose.SCREENING, decision=Consent.Decision.GRANTED,
        given_by_name="测试祖母", given_by_relationship="祖母", is_legal_guardian=False,
        channel=Consent.Channel.PAPER, notice_version="2026-1", decided_on=dt.date(2026, 9, 1),
    )
    answers = {1: 0, 2: 1, 3: 0, 4: 1, 5: 0, 6: 0, 7: 0, 8: 0, 9: 1}
    world.a1 = record_assessment(
        world.c1, [InstrumentAnswers("PHQ-9", "1", answers)], by=world.users["counsellor"], mode="paper",
        administered_on=dt.date(2026, 10, 15), campaign=world.camp1,
    )
    world.c1.refresh_from_db()


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def login(client: Any, world: World) -> Any:
    """login("counsellor") logs the test client in as that persona and returns the client."""

    def _login(persona: str) -> Any:
        client.force_login(world.user(persona))
        return client

    return _login


__all__ = ["PASSWORD", "PERSONAS", "World", "build_world"]
