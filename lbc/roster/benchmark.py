"""Timing a county roster import on a throwaway SQLite database (synthetic data only).

The region names, schools, children, guardians, phones and ID numbers are synthetic (ID numbers from
``lbc.demo.identifiers.IdNumberRegistry`` with the demo's fake region code; phones made up in sequence,
written only to the throwaway database). The project's own database is never touched: the default
connection points at a temporary SQLite file for the run, then is restored.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import itertools
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connections
from django.db.utils import load_backend

from lbc.access.roster import RosterScope
from lbc.demo.identifiers import IdNumberRegistry
from lbc.demo.names import BOY_NAMES, FAMILY_NAMES, GIRL_NAMES, GRANDMOTHER_NAMES
from lbc.models import Region, RosterImport, School, SchoolClass

from . import service
from .plan import Kind

SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
}
HEADER = (
    "姓名",
    "性别",
    "身份证号",
    "出生日期",
    "就读学校",
    "年级",
    "班级",
    "乡镇",
    "户籍村",
    "留守类型",
    "与父母联系频率",
    "照料方式",
    "监护人姓名",
    "与儿童关系",
    "监护人电话",
    "父亲务工地",
    "母亲务工地",
)
TOWNSHIPS, VILLAGES, SCHOOLS, GRADES, CLASSES = 10, 8, 20, (1, 2, 3, 4, 5, 6), 4
CITIES = ("广东东莞", "浙江义乌", "福建晋江", "江苏苏州", "上海")


@dataclass
class Timings:
    rows: int
    read: float
    validate: float
    commit: float
    created: int
    problems: int
    cpu: dict[str, float]  # this process's CPU seconds per phase (elapsed minus waiting for a busy machine)


@contextlib.contextmanager
def throwaway_sqlite(directory: Path) -> Iterator[None]:
    raw = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(directory / "roster.sqlite3"),
        "OPTIONS": SQLITE_OPTIONS,
    }
    config = connections.configure_settings({"default": raw})["default"]
    original = connections["default"]
    temporary = load_backend(config["ENGINE"]).DatabaseWrapper(config, "default")
    connections["default"] = temporary
    ContentType.objects.clear_cache()
    try:
        call_command("migrate", verbosity=0, interactive=False)
        yield
    finally:
        temporary.close()
        connections["default"] = original
        ContentType.objects.clear_cache()


def build_county() -> tuple[Region, list[School], list[Region]]:
    """A synthetic county: 10 townships of 8 villages, 20 primary schools of 6 grades x 4 classes."""
    province = Region.objects.create(name="合成省", level=Region.Level.PROVINCE, code="990000000000")
    city = Region.objects.create(name="合成市", level=Region.Level.CITY, parent=province, code="990100000000")
    county = Region.objects.create(name="合成县", level=Region.Level.COUNTY, parent=city, code="990101000000")
    villages, schools = [], []
    for t in range(TOWNSHIPS):
        township = Region.objects.create(
            name=f"合成{t + 1}乡", level=Region.Level.TOWNSHIP, parent=county, code=f"9901010{t + 1:02d}000"
        )
        for v in range(VILLAGES):
            villages.append(
                Region.objects.create(
                    name=f"合成{t + 1}乡{v + 1}村",
                    level=Region.Level.VILLAGE,
                    parent=township,
                    code=f"9901010{t + 1:02d}{v + 1:03d}",
                )
            )
        for s in range(SCHOOLS // TOWNSHIPS):
            schools.append(
                School.objects.create(
                    name=f"合成{t + 1}乡第{s + 1}小学（合成数据）", kind=School.Kind.PRIMARY, region=township
                )
            )
    SchoolClass.objects.bulk_create(
        [
            SchoolClass(school=school, school_year=2026, grade=g, name=f"{c}班")
            for school in schools
            for g in GRADES
            for c in range(1, CLASSES + 1)
        ]
    )
    return county, schools, villages


def synthetic_phone(n: int) -> str:
    """A distinct mobile-format number per row (the demo's fake 100 range is not a valid mobile number,
    which the import rightly refuses); they exist only in the throwaway database."""
    return f"199{n:08d}"


def roster_bytes(size: int, schools: list[School], villages: list[Region], rng: random.Random) -> bytes:
    ids = IdNumberRegistry()
    by_township: dict[int, list[Region]] = {}
    for v in villages:
        by_township.setdefault(v.parent_id or 0, []).append(v)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("花名册（合成数据）")
    sheet.append(list(HEADER))
    for n in range(size):
        school = schools[n % len(schools)]
        grade = GRADES[(n // len(schools)) % len(GRADES)]
        village = rng.choice(by_township[school.region_id])
        sex = rng.choice("MF")
        birth = dt.date(2026 - grade - 6, rng.randint(1, 12), rng.randint(1, 28))
        given = rng.choice(BOY_NAMES if sex == "M" else GIRL_NAMES)
        family = rng.choice(FAMILY_NAMES)
        sheet.append(
            [
                family + given,
                "男" if sex == "M" else "女",
                ids.issue(birth, sex),
                birth.isoformat(),
                school.name,
                grade,
                f"{rng.randint(1, CLASSES)}班",
                village.parent.name if village.parent else "",
                village.name,
                "父母双方外出务工",
                "每月至少一次",
                "祖父母照料",
                family + rng.choice(GRANDMOTHER_NAMES),
                "祖母",
                synthetic_phone(n),
                rng.choice(CITIES),
                rng.choice(CITIES),
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run(size: int, directory: Path, seed: int = 1) -> Timings:
    rng = random.Random(seed)
    with throwaway_sqlite(directory):
        county, schools, villages = build_county()
        user = get_user_model().objects.create(username="benchmark-synthetic")
        data = roster_bytes(size, schools, villages, rng)
        scope = RosterScope(county)
        marks = [(time.perf_counter(), time.process_time())]
        batch = service.start_import(scope, "合成花名册.xlsx", data, by=user)
        if batch.status == RosterImport.Status.MAPPING:
            service.save_mapping(batch, list(batch.mapping), by=user)
        marks.append((time.perf_counter(), time.process_time()))
        plan = service.plan_of(batch, scope)
        marks.append((time.perf_counter(), time.process_time()))
        result = service.commit_import(batch, scope, by=user)
        marks.append((time.perf_counter(), time.process_time()))
        wall = [b[0] - a[0] for a, b in itertools.pairwise(marks)]
        cpu = [b[1] - a[1] for a, b in itertools.pairwise(marks)]
        return Timings(
            rows=size,
            read=wall[0],
            validate=wall[1],
            commit=wall[2],
            cpu=dict(zip(("read", "validate", "commit"), cpu, strict=True)),
            created=result["counts"][str(Kind.NEW)],
            problems=sum(1 for p in plan.problems if p.row),
        )
