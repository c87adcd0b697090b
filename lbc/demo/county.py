"""The places of the synthetic county: regions, schools with their classes, and employers.

There are few of them (about 110 regions, 30 schools, 200 classes), so regions are saved one by one
(``Region.save`` computes the materialised path); schools, classes and organisations go in bulk.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from itertools import product

from lbc.models import Organisation, Region, School, SchoolClass

from . import names
from .constants import (
    CITY_CODE,
    CITY_NAME,
    CLASS_SIZE_BY_KIND,
    COUNTY_CODE,
    COUNTY_NAME,
    GRADES_BY_KIND,
    PROVINCE_CODE,
    PROVINCE_NAME,
    VILLAGES_PER_TOWNSHIP,
    WORK_CITIES,
)
from .identifiers import new_uuid

# A made-up centre for the map; townships lie within about 30 km of it.
CENTRE = (28.0, 111.0)


@dataclass
class Township:
    region: Region
    villages: list[Region]
    central: School
    junior: School  # where pupils of grades 7-9 go (the central school itself when it is nine-year)
    teaching_points: dict[int, School] = field(default_factory=dict)  # village pk -> teaching point


@dataclass
class CountyLayout:
    county: Region
    townships: list[Township]
    classes: dict[tuple[int, int], list[SchoolClass]]  # (school pk, grade) -> classes
    employers: dict[str, list[Organisation]]  # work city -> companies
    university: Organisation
    school_year: int

    @property
    def schools(self) -> list[School]:
        found: dict[int, School] = {}
        for t in self.townships:
            for s in (t.central, t.junior, *t.teaching_points.values()):
                found[s.pk] = s
        return list(found.values())


def school_year_of(today: dt.date) -> int:
    """The calendar year in which the current school year began (school starts in September)."""
    return today.year if today.month >= 9 else today.year - 1


def _region(rng: random.Random, name: str, code: str, level: int, parent: Region | None,
            near: tuple[float, float], spread: float) -> Region:
    region = Region(
        public_id=new_uuid(rng), name=name, code=code, level=level, parent=parent,
        latitude=round(near[0] + rng.uniform(-spread, spread), 5),
        longitude=round(near[1] + rng.uniform(-spread, spread), 5),
    )
    region.save()
    return region


def _build_regions(rng: random.Random) -> tuple[Region, list[tuple[Region, list[Region]]]]:
    province = _region(rng, PROVINCE_NAME, PROVINCE_CODE, Region.Level.PROVINCE, None, CENTRE, 0)
    city = _region(rng, CITY_NAME, CITY_CODE, Region.Level.CITY, province, CENTRE, 0)
    county = _region(rng, COUNTY_NAME, COUNTY_CODE, Region.Level.COUNTY, city, CENTRE, 0)
    village_names = [a + b + "村" for a, b in product(names.VILLAGE_FIRST, names.VILLAGE_SECOND)]
    village_names = rng.sample(village_names, len(names.TOWNSHIPS) * VILLAGES_PER_TOWNSHIP)
    tree = []
    for t_index, t_name in enumerate(names.TOWNSHIPS, start=1):
        code = f"{COUNTY_CODE[:6]}{t_index:03d}000"
        township = _region(rng, t_name, code, Region.Level.TOWNSHIP, county, CENTRE, 0.25)
        near = (township.latitude or 0.0, township.longitude or 0.0)
        villages = [
            _region(rng, village_names.pop(), f"{code[:9]}{v:03d}", Region.Level.VILLAGE, township, near,
                    0.05)
            for v in range(1, VILLAGES_PER_TOWNSHIP + 1)
        ]
        tree.append((township, villages))
    return county, tree


def _school(rng: random.Random, name: str, kind: str, region: Region, boarding: bool) -> School:
    school = School(public_id=new_uuid(rng), name=name, kind=kind, region=region, has_boarding=boarding)
    school.set_region_ids(region)
    return school


def _plan_schools(rng: random.Random, tree: list[tuple[Region, list[Region]]]) -> list[Township]:
    """Every third township has a nine-year school; the others send grades 7-9 to a county junior school."""
    juniors: dict[int, School] = {}
    townships = []
    for i, (township, villages) in enumerate(tree):
        short = township.name[:-1]
        if i % 3 == 0:
            central = _school(rng, f"{short}九年一贯制学校", School.Kind.NINE_YEAR, township, True)
            junior = central
        else:
            central = _school(rng, f"{short}中心小学", School.Kind.PRIMARY, township, rng.random() < 0.5)
            slot = (i - 1) // 3
            if slot not in juniors:
                juniors[slot] = _school(rng, names.JUNIOR_SCHOOLS[slot], School.Kind.JUNIOR, township, True)
            junior = juniors[slot]
        remote = rng.sample(villages[1:], rng.choice((1, 2, 2)))
        points = {v.pk: _school(rng, f"{v.name}教学点", School.Kind.TEACHING_POINT, v, False) for v in remote}
        townships.append(Township(township, villages, central, junior, points))
    return townships


ClassMap = dict[tuple[int, int], list[SchoolClass]]


def _build_classes(rng: random.Random, schools: list[School], year: int) -> ClassMap:
    classes: ClassMap = {}
    rows = []
    for school in schools:
        for grade in GRADES_BY_KIND[school.kind]:
            batch = [
                SchoolClass(public_id=new_uuid(rng), school=school, school_year=year, grade=grade,
                            name=f"{n}班")
                for n in range(1, CLASS_SIZE_BY_KIND[school.kind] + 1)
            ]
            classes[(school.pk, grade)] = batch
            rows.extend(batch)
    SchoolClass.objects.bulk_create(rows)
    return classes


def _build_employers(rng: random.Random) -> tuple[dict[str, list[Organisation]], Organisation]:
    employers: dict[str, list[Organisation]] = {}
    rows = []
    for city in WORK_CITIES:
        employers[city] = [
            Organisation(public_id=new_uuid(rng), name=f"{city}示例{industry}有限公司（演示）",
                         kind=Organisation.Kind.COMPANY, city=city)
            for industry in rng.sample(names.INDUSTRIES, 3)
        ]
        rows.extend(employers[city])
    university = Organisation(public_id=new_uuid(rng), name=names.UNIVERSITY,
                              kind=Organisation.Kind.UNIVERSITY, city=CITY_NAME)
    Organisation.objects.bulk_create([*rows, university])
    return employers, university


def build_county(rng: random.Random, today: dt.date) -> CountyLayout:
    county, tree = _build_regions(rng)
    townships = _plan_schools(rng, tree)
    schools = list({id(s): s for t in townships for s in (t.central, t.junior, *t.teaching_points.values())}
                   .values())
    School.objects.bulk_create(schools)
    year = school_year_of(today)
    classes = _build_classes(rng, schools, year)
    employers, university = _build_employers(rng)
    return CountyLayout(county, townships, classes, employers, university, year)
