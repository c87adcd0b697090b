"""Timing a whole-school import on a throwaway SQLite database filled with synthetic children.

Everything here is synthetic test data: region names, children, ID numbers (fake region code, valid
check digit), consents and answers. The project's own database is never touched: the default
connection is swapped for a temporary SQLite file for the duration of the run, then restored.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connections
from django.db.utils import load_backend
from django.test.utils import override_settings

from lbc import crypto
from lbc.demo.identifiers import IdNumberRegistry
from lbc.imports.files import inspect_upload
from lbc.imports.reading import read_table
from lbc.models import Child, Consent, Household, Region, School, SchoolClass
from screening.models import Campaign, ImportBatch

from . import storage
from .columns import template_columns
from .commit import write_batch
from .scoring import score_rows
from .validation import validate

FAMILY = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "子涵梓轩欣怡浩然雨萱宇航思远佳琪俊杰诗琪晨曦嘉怡明轩紫萱一诺"
GRADES = (4, 5, 6, 7, 8, 9)
CLASSES_PER_GRADE = 10
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
}


PHASES = ("parse", "validate", "score", "commit")


@dataclass
class Timings:
    rows: int
    wall: dict[str, float]  # seconds per phase, elapsed
    cpu: dict[str, float]  # seconds per phase, this process's CPU time (the rest is waiting)
    created: int
    problems: int
    tiers: dict[str, int]


@contextlib.contextmanager
def throwaway_sqlite(directory: Path) -> Iterator[None]:
    """Point the default connection at a new SQLite file with every migration applied; restore after."""
    raw = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(directory / "benchmark.sqlite3"),
        "OPTIONS": SQLITE_OPTIONS,
    }
    config = connections.configure_settings({"default": raw})["default"]
    original = connections["default"]
    temporary = load_backend(config["ENGINE"]).DatabaseWrapper(config, "default")
    connections["default"] = temporary
    ContentType.objects.clear_cache()
    try:
        with override_settings(MEDIA_ROOT=directory / "media"):
            call_command("migrate", verbosity=0, interactive=False)
            yield
    finally:
        temporary.close()
        connections["default"] = original
        ContentType.objects.clear_cache()


def synthetic_name(n: int) -> tuple[str, str]:
    family = FAMILY[n % len(FAMILY)]
    n //= len(FAMILY)
    given = GIVEN[n % len(GIVEN)] + GIVEN[(n // len(GIVEN)) % len(GIVEN)]
    return family, given


def build_school(size: int, rng: random.Random) -> tuple[Campaign, list[Child]]:
    """One synthetic township school: ``size`` children across grades 4-9, each with screening consent."""
    province = Region.objects.create(name="合成省", level=Region.Level.PROVINCE, code="990000000000")
    city = Region.objects.create(name="合成市", level=Region.Level.CITY, parent=province, code="990100000000")
    county = Region.objects.create(name="合成县", level=Region.Level.COUNTY, parent=city, code="990101000000")
    township = Region.objects.create(
        name="合成乡", level=Region.Level.TOWNSHIP, parent=county, code="990101001000"
    )
    village = Region.objects.create(
        name="合成村", level=Region.Level.VILLAGE, parent=township, code="990101001001"
    )
    school = School.objects.create(
        name="合成九年一贯制学校（合成数据）", kind=School.Kind.NINE_YEAR, region=township
    )
    classes = SchoolClass.objects.bulk_create(
        [
            SchoolClass(school=school, school_year=2026, grade=g, name=f"{c}班")
            for g in GRADES
            for c in range(1, CLASSES_PER_GRADE + 1)
        ]
    )
    children = synthetic_children(size, rng, village, school, classes)
    Consent.objects.bulk_create(
        [
            Consent(
                child=c,
                purpose=Consent.Purpose.SCREENING,
                decision=Consent.Decision.GRANTED,
                given_by_name="合成监护人",
                given_by_relationship="祖母",
                is_legal_guardian=rng.random() < 0.4,
                channel=Consent.Channel.PAPER,
                notice_version="2026-1",
                decided_on=dt.date(2026, 9, 1),
            )
            for c in children
        ],
        batch_size=1000,
    )
    campaign = Campaign.objects.create(
        school=school,
        name="2026秋季筛查（合成数据）",
        school_year=2026,
        term=Campaign.Term.AUTUMN,
        grades=list(GRADES),
        instruments=[{"code": "PHQ-9", "version": "1"}, {"code": "GAD-7", "version": "1"}],
        starts_on=dt.date(2026, 9, 1),
        ends_on=dt.date(2026, 12, 31),
        status=Campaign.Status.OPEN,
    )
    return campaign, children


def synthetic_children(
    size: int, rng: random.Random, village: Region, school: School, classes: list[SchoolClass]
) -> list[Child]:
    households = [Household(village=village) for _n in range(size)]
    for household in households:
        household.set_region_ids(village)
    Household.objects.bulk_create(households, batch_size=1000)
    ids = IdNumberRegistry()
    children = []
    for n, household in enumerate(households):
        school_class = classes[n % len(classes)]
        birth = dt.date(2026 - school_class.grade - 6, rng.randint(1, 12), rng.randint(1, 28))
        sex = rng.choice("MF")
        family, given = synthetic_name(n)
        number = ids.issue(birth, sex)
        child = Child(
            family_name=family,
            given_name=given,
            sex=sex,
            birth_date=birth,
            household=household,
            village=village,
            school=school,
            school_class=school_class,
            grade=school_class.grade,
            boarding=rng.random() < 0.3,
            left_behind_type=rng.choice(list(Child.LeftBehindType)),
            parent_contact=rng.choice(list(Child.ContactFrequency)),
            care_arrangement=rng.choice(list(Child.CareArrangement)),
            id_number=number,
            id_number_index=crypto.blind_index(number, "id_number"),
        )
        child.set_region_ids(village)
        children.append(child)
    return Child.objects.bulk_create(children, batch_size=1000)


def answers(rng: random.Random, items: int, level: float) -> list[int]:
    return [min(3, max(0, round(rng.gauss(level, 0.8)))) for _n in range(items)]


def workbook_bytes(campaign: Campaign, children: list[Child], rng: random.Random) -> bytes:
    """The filled template: two rows in three by ID number, the rest by class, name and birth date."""
    columns = template_columns(campaign)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("导入数据")
    sheet.append([c.label for c in columns])
    for n, child in enumerate(children):
        level = rng.choice((0.2, 0.4, 0.8, 1.5, 2.2))
        phq = answers(rng, 9, level)
        phq[8] = 1 if rng.random() < 0.05 else 0  # about 5% answer item 9 (SCREENING.md section 5)
        assert child.school_class is not None
        identity = [
            child.id_number if n % 3 else "",
            child.full_name,
            child.birth_date.isoformat(),
            str(child.grade),
            child.school_class.name,
            "2026-10-15",
        ]
        seconds = [str(rng.randint(15, 200)), str(rng.randint(10, 150))]
        sheet.append([*identity, *map(str, phq), *map(str, answers(rng, 7, level)), *seconds])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def run(size: int, directory: Path, seed: int = 1) -> Timings:
    rng = random.Random(seed)
    with throwaway_sqlite(directory):
        campaign, children = build_school(size, rng)
        data = workbook_bytes(campaign, children, rng)
        batch = ImportBatch(campaign=campaign, filename="合成数据.xlsx", sha256="0" * 64)
        batch.stored_file = storage.store(batch, data, "xlsx")
        batch.status = ImportBatch.Status.COMMITTING
        batch.save()
        return timed_import(batch, data)


def timed_import(batch: ImportBatch, data: bytes) -> Timings:
    marks = [(time.perf_counter(), time.process_time())]
    inspected = inspect_upload(batch.filename, data)
    table = read_table(storage.read(batch), inspected.kind, batch.filename)
    marks.append((time.perf_counter(), time.process_time()))
    result = validate(table, batch.campaign)
    marks.append((time.perf_counter(), time.process_time()))
    scored = score_rows(batch.campaign.instrument_keys(), result.rows)
    marks.append((time.perf_counter(), time.process_time()))
    written = write_batch(batch, scored, by=None)
    marks.append((time.perf_counter(), time.process_time()))
    storage.discard(batch)
    spans = list(zip(PHASES, marks, marks[1:], strict=False))
    return Timings(
        rows=len(table.rows) - 1,
        wall={phase: end[0] - start[0] for phase, start, end in spans},
        cpu={phase: end[1] - start[1] for phase, start, end in spans},
        created=written.created,
        problems=len(result.report.problems),
        tiers=written.tiers,
    )
