"""The demo command and its synthetic county (all data generated here is synthetic)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from collections import Counter
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Q
from django.test import RequestFactory
from django.utils import timezone

from lbc import access, crypto
from lbc.audit import verify_chain
from lbc.demo import serve
from lbc.demo.constants import COUNTY_CODE, ID_REGION_CODE, PHONE_PREFIX
from lbc.demo.names import RARE_NAME_CHARS
from lbc.demo.personas import demo_password
from lbc.demo.seed import seed_demo_county
from lbc.idnumbers import parse_id_number
from lbc.models import AuditEvent, Child, ChildGuardian, Guardian, Membership, Parent, Region, Role, School
from lbc.models.people import age_on

NOTICE = "合成数据，非真实儿童信息"
DAY = dt.date(2026, 3, 2)


def run_demo(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("demo", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def demo_mode(settings: Any, db: None) -> Any:
    settings.DEMO_MODE = True
    return settings


@pytest.fixture
def personas(demo_mode: Any) -> list[dict[str, str]]:
    out, _err = run_demo("--no-serve", "--json", "--children", "300")
    return json.loads(out)


def user(role: str) -> Any:
    return get_user_model().objects.get(username=f"demo_{role}")


def snapshot(seed: int, children: int = 120) -> list[tuple[Any, ...]]:
    """Seed, read the children back, and roll everything back."""

    class Rollback(Exception):
        pass

    rows: list[tuple[Any, ...]] = []
    try:
        with transaction.atomic():
            seed_demo_county(seed=seed, children=children, today=DAY)
            rows = list(
                Child.objects.order_by("public_id").values_list(
                    "public_id", "family_name", "given_name", "birth_date", "sex", "school__public_id"
                )
            )
            raise Rollback
    except Rollback:
        pass
    return rows


# --- the command ------------------------------------------------------------------------------


def test_it_refuses_to_run_outside_demo_mode(settings: Any, db: None) -> None:
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="LBC_DEMO_MODE=1"):
        run_demo("--no-serve")
    assert not Region.objects.exists()


def test_it_refuses_known_passwords_outside_demo_mode(settings: Any) -> None:
    settings.DEMO_MODE = False
    with pytest.raises(ImproperlyConfigured):
        demo_password(Role.COUNSELLOR)


def test_it_refuses_json_output_when_it_would_serve(demo_mode: Any) -> None:
    with pytest.raises(CommandError, match="--no-serve"):
        run_demo("--json")
    assert not Region.objects.exists()


def test_it_refuses_a_child_count_out_of_range(demo_mode: Any) -> None:
    with pytest.raises(CommandError):
        run_demo("--no-serve", "--children", "0")


def test_json_mode_prints_only_seven_personas_whose_passwords_work(demo_mode: Any) -> None:
    out, err = run_demo("--no-serve", "--json", "--children", "300")
    personas = json.loads(out)
    assert [p["role"] for p in personas] == list(Role.values)
    assert all(set(p) == {"username", "password", "role", "scope"} for p in personas)
    request = RequestFactory().post("/login/")
    for p in personas:
        assert authenticate(request, username=p["username"], password=p["password"]) is not None
        assert authenticate(request, username=p["username"], password="wrong-password") is None
    assert NOTICE in err
    assert NOTICE not in out


def test_persona_scopes_are_those_of_their_memberships(personas: list[dict[str, str]]) -> None:
    for p in personas:
        membership = Membership.objects.get(user__username=p["username"])
        assert membership.role == p["role"]
        assert membership.scope_label() == p["scope"]
    county = Region.objects.get(code=COUNTY_CODE)
    assert Membership.objects.get(role=Role.COUNTY_ADMIN).region == county
    assert Membership.objects.get(role=Role.TRAINER).region == county
    assert user(Role.COUNTY_ADMIN).is_staff
    assert not user(Role.COUNSELLOR).is_staff


def test_text_mode_prints_the_notice_the_logins_and_the_address(demo_mode: Any) -> None:
    out, _err = run_demo("--no-serve", "--children", "200", "--port", "8123")
    assert NOTICE in out
    assert "http://127.0.0.1:8123" in out
    for role in Role.values:
        assert f"demo_{role}" in out
        assert demo_password(role) in out
    assert "儿童 200" in out
    assert "合成筛查数据（非真实作答）：筛查批次" in out


def test_it_does_not_seed_an_existing_demo_county_again(personas: list[dict[str, str]]) -> None:
    before = (Child.objects.count(), Region.objects.count(), get_user_model().objects.count())
    out, err = run_demo("--no-serve", "--json", "--seed", "5", "--children", "50")
    assert "已存在" in err
    assert json.loads(out) == personas
    assert (Child.objects.count(), Region.objects.count(), get_user_model().objects.count()) == before


def test_reset_reseeds_on_sqlite_and_is_refused_on_other_databases(personas: list[dict[str, str]]) -> None:
    first = set(Child.objects.values_list("public_id", flat=True))
    if connection.vendor != "sqlite":
        with pytest.raises(CommandError, match="SQLite"):
            run_demo("--no-serve", "--reset", "--children", "50")
        assert set(Child.objects.values_list("public_id", flat=True)) == first
        return
    run_demo("--no-serve", "--json", "--reset", "--seed", "2", "--children", "50")
    assert Child.objects.count() == 50
    assert not first & set(Child.objects.values_list("public_id", flat=True))
    assert AuditEvent.objects.filter(action="lbc.demo.seeded").count() == 1
    assert verify_chain().ok


def test_seeding_writes_one_audit_event_with_counts_only(personas: list[dict[str, str]]) -> None:
    event = AuditEvent.objects.get(action="lbc.demo.seeded")
    assert event.detail["children"] == 300
    assert event.detail["users"] == 7
    assert all(isinstance(value, int) for value in event.detail.values())
    assert event.child_id == ""
    assert verify_chain().ok


# --- the synthetic data -----------------------------------------------------------------------


def test_the_same_seed_gives_the_same_children(demo_mode: Any) -> None:
    first, again, other = snapshot(7), snapshot(7), snapshot(8)
    assert len(first) == 120
    assert first == again
    assert {row[0] for row in first}.isdisjoint({row[0] for row in other})


def test_the_county_has_the_planned_shape(personas: list[dict[str, str]]) -> None:
    county = Region.objects.get(code=COUNTY_CODE)
    assert "演示" in county.name
    assert Region.objects.filter(level=Region.Level.TOWNSHIP, parent=county).count() == 10
    assert Region.objects.filter(level=Region.Level.VILLAGE, path__startswith=county.path).count() == 100
    assert 25 <= School.objects.count() <= 35
    kinds = Counter(School.objects.values_list("kind", flat=True))
    assert kinds[School.Kind.JUNIOR] == 3
    assert kinds[School.Kind.TEACHING_POINT] >= 10
    for school in School.objects.all():
        assert school.classes.exists()


def test_region_paths_and_denormalised_ids_are_consistent(personas: list[dict[str, str]]) -> None:
    for region in Region.objects.select_related("parent"):
        expected = (region.parent.path if region.parent else "/") + f"{region.pk}/"
        assert region.path == expected
    for child in Child.objects.select_related("village", "school", "school_class"):
        assert child.township_id == child.village.parent_id
        assert child.household.village_id == child.village_id
        if child.school_class is not None:
            assert child.school_class.school_id == child.school_id
            assert child.school_class.grade == child.grade
    for school in School.objects.select_related("region"):
        assert school.township_id == school.region.ancestor_at(Region.Level.TOWNSHIP)


def test_proportions_follow_the_population_facts(demo_mode: Any) -> None:
    seed_demo_county(seed=3, children=2000, today=DAY)
    children = list(Child.objects.all())
    n = len(children)
    boys = sum(c.sex == "M" for c in children) / n
    assert 0.50 <= boys <= 0.59
    bands = Counter(
        "0-5" if age < 6 else "6-13" if age < 14 else "14-15"
        for age in (age_on(c.birth_date, DAY) for c in children)
    )
    assert abs(bands["0-5"] / n - 0.217) < 0.04
    assert abs(bands["6-13"] / n - 0.674) < 0.04
    assert abs(bands["14-15"] / n - 0.109) < 0.04
    care = Counter(c.care_arrangement for c in children)
    assert 0.85 <= care[Child.CareArrangement.GRANDPARENTS] / n <= 0.93
    assert all(c.school_id is None for c in children if age_on(c.birth_date, DAY) < 6)
    assert 0.01 <= sum(not c.id_number for c in children) / n <= 0.05
    sizes = Counter(Counter(c.household_id for c in children).values())
    assert 0.25 <= sizes[2] / sum(sizes.values()) <= 0.35
    grandparents = Guardian.objects.filter(child_links__relationship__startswith="grand").distinct()
    low = grandparents.filter(education__in=[Guardian.Education.NONE, Guardian.Education.PRIMARY]).count()
    assert 0.70 <= low / grandparents.count() <= 0.80


def test_every_id_number_is_valid_synthetic_and_consistent(personas: list[dict[str, str]]) -> None:
    with_number = 0
    for child in Child.objects.all():
        if not child.id_number:
            assert child.id_absent_reason in Child.IdAbsentReason.values
            assert child.id_number_index is None
            continue
        parsed = parse_id_number(child.id_number)
        assert parsed.region_code == ID_REGION_CODE
        assert (parsed.birth_date, parsed.sex) == (child.birth_date, child.sex)
        assert child.id_number_index == crypto.blind_index(child.id_number, "id_number")
        with_number += 1
    assert with_number >= 270


def test_the_raw_database_holds_no_plaintext_identifiers(personas: list[dict[str, str]]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM lbc_child WHERE id_number <> ''")
        ids = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT phone FROM lbc_guardian WHERE phone <> '' UNION ALL "
            "SELECT phone FROM lbc_parent WHERE phone <> '' UNION ALL "
            "SELECT address FROM lbc_household WHERE address <> ''"
        )
        others = [row[0] for row in cursor.fetchall()]
    assert len(ids) >= 270
    assert others
    assert all(value.startswith("v1:") for value in ids + others)
    assert not any(ID_REGION_CODE in value or "青山县" in value for value in ids + others)


def test_phones_are_fake_and_indexed(personas: list[dict[str, str]]) -> None:
    people: list[Guardian | Parent] = [*Guardian.objects.exclude(phone_index=""),
                                       *Parent.objects.exclude(phone_index="")]
    assert people
    for person in people:
        assert person.phone.startswith(PHONE_PREFIX)
        assert len(person.phone) == 11
        assert person.phone_index == crypto.blind_index(person.phone, "phone")


def test_rare_name_characters_survive_the_database(personas: list[dict[str, str]]) -> None:
    rows = Child.objects.values_list("family_name", "given_name")
    names = "".join(f"{family}{given}" for family, given in rows)
    for char in RARE_NAME_CHARS:
        assert char in names


def test_siblings_share_a_household_and_their_caregivers(personas: list[dict[str, str]]) -> None:
    households = Counter(Child.objects.values_list("household_id", flat=True))
    shared = [h for h, count in households.items() if count >= 2]
    assert shared
    for household_id in shared:
        kids = list(Child.objects.filter(household_id=household_id))
        assert len({c.village_id for c in kids}) == 1
        links = ChildGuardian.objects.filter(child__household_id=household_id)
        carers = [set(links.filter(child=c).values_list("guardian_id", flat=True)) for c in kids]
        assert all(c == carers[0] and c for c in carers)


def test_parents_work_away_for_companies_and_come_home_for_spring_festival(
    personas: list[dict[str, str]],
) -> None:
    away = Parent.objects.filter(works_away=True)
    assert away.count() > Parent.objects.count() / 2
    assert away.filter(employer__kind="company").exists()
    periods = Counter(away.values_list("return_period", flat=True))
    assert periods.most_common(1)[0][0] == Parent.ReturnPeriod.SPRING_FESTIVAL


# --- synthetic screenings ----------------------------------------------------------------------


def test_each_school_with_grades_4_to_9_has_one_completed_synthetic_campaign(
    personas: list[dict[str, str]],
) -> None:
    from screening.demo.synthetic import instruments_for_age
    from screening.models import Campaign

    pupils = Child.objects.filter(grade__in=range(4, 10), school__isnull=False)
    schools = set(pupils.values_list("school_id", flat=True))
    assert set(Campaign.objects.values_list("school_id", flat=True)) == schools
    today = timezone.localdate()
    for campaign in Campaign.objects.all():
        assert "合成" in campaign.name
        assert campaign.status == Campaign.Status.CLOSED and campaign.term == Campaign.Term.AUTUMN
        assert campaign.ends_on < today and set(campaign.grades) <= set(range(4, 10))
        for a in campaign.assessments.prefetch_related("responses"):
            assert campaign.starts_on <= a.administered_on <= campaign.ends_on
            codes = [r.instrument_code for r in a.responses.all()]
            assert sorted(codes) == sorted(i.code for i in instruments_for_age(a.age))
            assert set(campaign.instrument_keys()) >= {(r.instrument_code, r.instrument_version)
                                                        for r in a.responses.all()}


def test_only_children_with_consent_on_the_day_are_screened(personas: list[dict[str, str]]) -> None:
    from lbc.models import Consent
    from screening.assessments.recording import consent_for
    from screening.models import Assessment

    assessments = list(Assessment.objects.select_related("child", "consent"))
    assert assessments
    for a in assessments:
        assert a.consent is not None and consent_for(a.child, a.administered_on) == a.consent
        assert a.consent_by_caregiver == (not a.consent.is_legal_guardian)
        assert a.child.latest_tier == a.tier and a.child.latest_tier_on == a.administered_on
    screened = {a.child_id for a in assessments}
    without = Consent.objects.exclude(child_id__in=screened)
    assert without.exists()
    assert all(c.decision == Consent.Decision.REFUSED or c.withdrawn_on is not None for c in without)
    assert not Child.objects.exclude(pk__in=screened).exclude(latest_tier="").exists()


def test_screening_answers_are_stored_encrypted(personas: list[dict[str, str]]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT answers FROM screening_response")
        answers = [row[0] for row in cursor.fetchall()]
    assert answers and all(value.startswith("v1:") for value in answers)


def test_screening_shares_look_like_a_school_screen(demo_mode: Any) -> None:
    from lbc.models import Consent
    from screening.models import Assessment

    result = seed_demo_county(seed=3, children=2000, today=DAY)
    consents = Consent.objects.filter(purpose=Consent.Purpose.SCREENING)
    granted = consents.filter(decision=Consent.Decision.GRANTED, withdrawn_on__isnull=True).count()
    eligible = Child.objects.filter(grade__in=range(4, 10), school__isnull=False).count()
    assert 0.88 <= granted / eligible <= 0.96
    assert consents.filter(decision=Consent.Decision.REFUSED).exists()
    assert consents.filter(withdrawn_on__isnull=False).exists()
    assert 0.22 <= consents.filter(is_legal_guardian=False).count() / consents.count() <= 0.38
    tiers = Counter(Assessment.objects.values_list("tier", flat=True))
    n = sum(tiers.values())
    assert n == granted == result.steps["screening"]["assessments"]
    assert 0.17 <= sum(tiers[t] for t in ("YELLOW", "ORANGE", "RED", "RED_ACUTE")) / n <= 0.33
    assert 0.03 <= tiers["ORANGE"] / n <= 0.12
    assert 0.02 <= tiers["GREY"] / n <= 0.10
    event = AuditEvent.objects.get(action="screening.demo.seeded")
    assert event.detail == result.steps["screening"]


def test_no_screening_is_seeded_before_a_week_of_the_autumn_window(demo_mode: Any) -> None:
    from screening.models import Assessment, Campaign

    result = seed_demo_county(seed=4, children=200, today=dt.date(2026, 9, 18))
    assert result.steps["screening"]["campaigns"] == 0
    assert not Campaign.objects.exists() and not Assessment.objects.exists()


# --- what each persona sees -------------------------------------------------------------------


def visible(role: str) -> set[int]:
    return set(access.children_for(user(role)).values_list("pk", flat=True))


def test_each_persona_sees_only_its_scope(personas: list[dict[str, str]]) -> None:
    everyone = set(Child.objects.values_list("pk", flat=True))
    # The personas' own memberships; the demo also has synthetic counsellors of other schools.
    logins = {p["username"] for p in personas}
    scope = {
        m.role: m
        for m in Membership.objects.filter(user__username__in=logins).select_related(
            "region", "school", "school_class"
        )
    }
    township = scope[Role.TOWNSHIP_SUPERVISOR].region
    village = scope[Role.VILLAGE_DIRECTOR].region
    school = scope[Role.COUNSELLOR].school
    school_class = scope[Role.HEAD_TEACHER].school_class

    def ids(condition: Q) -> set[int]:
        return set(Child.objects.filter(condition).values_list("pk", flat=True))

    assert visible(Role.COUNTY_ADMIN) == everyone
    in_township = ids(Q(township=township) | Q(school__township=township))
    assert visible(Role.TOWNSHIP_SUPERVISOR) == in_township
    assert visible(Role.VILLAGE_DIRECTOR) == ids(Q(village=village) | Q(school__region=village))
    assert visible(Role.COUNSELLOR) == ids(Q(school=school))
    assert visible(Role.HEAD_TEACHER) == ids(Q(school_class=school_class))
    assert visible(Role.TRAINER) == set()
    volunteer = visible(Role.VOLUNTEER)
    assert len(volunteer) == 3
    assert volunteer <= visible(Role.COUNSELLOR)
    assert set() < visible(Role.HEAD_TEACHER) < visible(Role.COUNSELLOR) <= in_township < everyone
    assert set() < visible(Role.VILLAGE_DIRECTOR) <= in_township


# --- serving ------------------------------------------------------------------------------------


class FakeProcess:
    def __init__(self, args: list[str], log: list[tuple[str, str]], interrupt: bool) -> None:
        self.name = args[2]
        self.log = log
        self.interrupt = interrupt
        self.returncode: int | None = None
        log.append(("start", self.name))

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.name == "runserver" and self.returncode is None:
            if self.interrupt:
                raise KeyboardInterrupt
            self.returncode = 0
        if self.returncode is None:
            raise subprocess.TimeoutExpired(self.name, timeout or 0)
        return self.returncode

    def terminate(self) -> None:
        self.log.append(("terminate", self.name))
        self.returncode = -15

    def kill(self) -> None:
        self.returncode = -9


@pytest.mark.parametrize("interrupt", [False, True])
def test_serving_runs_the_worker_beside_the_server_and_stops_it_after(interrupt: bool) -> None:
    log: list[tuple[str, str]] = []
    started: list[list[str]] = []

    def popen(args: list[str]) -> FakeProcess:
        started.append(args)
        return FakeProcess(args, log, interrupt)

    assert serve.serve(8765, popen=popen) == 0
    worker, periodic, server = started
    assert worker[2:] == ["run_worker", "--queue-name", "*"]
    assert periodic[2:] == ["run_periodic", "--interval", "30"]
    assert server[2:] == ["runserver", "--noreload", "127.0.0.1:8765"]
    assert log[:3] == [("start", "run_worker"), ("start", "run_periodic"), ("start", "runserver")]
    assert log[-2:] == [("terminate", "run_periodic"), ("terminate", "run_worker")]


def test_the_demo_has_one_report_under_review_and_one_just_received(personas: list[dict[str, str]]) -> None:
    from lbc.models import HarmReport

    statuses = sorted(HarmReport.objects.values_list("status", flat=True))
    assert statuses == [HarmReport.Status.RECEIVED, HarmReport.Status.REVIEWING]
    assert all("演示数据" in r.narrative for r in HarmReport.objects.all())
