"""Synthetic households with their children, parents and caregivers (built in memory, saved in bulk)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from lbc.models import Child, ChildGuardian, Guardian, Household, Parent, Region, School
from lbc.models.people import age_on

from . import names
from .adults import AdultFactory, CareLink, Family
from .constants import (
    BOARDING_SHARE,
    BOY_SHARE,
    CARE_SHARES,
    CHILD_TAKES_FATHERS_NAME,
    CONTACT_LONG_SEPARATION,
    CONTACT_USUAL,
    COUNTY_NAME,
    HOUSEHOLD_SIZES,
    LONG_SEPARATION_MIN_AGE,
    LONG_SEPARATION_SHARE,
    NO_ID_REASONS,
    NO_ID_SHARE,
    ONE_AWAY_SHARE,
    RARE_NAME_SHARE,
    TEACHING_POINT_SHARE,
    TWIN_SHARE,
)
from .county import CountyLayout, Township
from .identifiers import IdNumberRegistry, PhoneBook, id_number_index, new_uuid
from .sampling import birth_date, care_weights, pick, share_with_eldest_at_least

LeftBehind = Child.LeftBehindType
Care = Child.CareArrangement
# Children with both parents away, old enough for years of separation: the long-separated share
# of DESIGN.md is drawn from them.
_BOTH_AWAY_SHARE = 1 - ONE_AWAY_SHARE - CARE_SHARES[Care.OTHER_PARENT]
LONG_SEPARATION_GIVEN_BOTH_AWAY = LONG_SEPARATION_SHARE / (
    _BOTH_AWAY_SHARE * share_with_eldest_at_least(LONG_SEPARATION_MIN_AGE)
)
MIN_SIBLING_GAP = dt.timedelta(days=300)
# Frequent family names first, with a long tail.
FAMILY_NAME_WEIGHTS = [1 / (rank + 8) for rank in range(len(names.FAMILY_NAMES))]
RARE_FAMILY_NAME_SHARE = 0.005


@dataclass
class Population:
    households: list[Household] = field(default_factory=list)
    children: list[Child] = field(default_factory=list)
    guardians: list[Guardian] = field(default_factory=list)
    links: list[ChildGuardian] = field(default_factory=list)
    parents: list[Parent] = field(default_factory=list)


def grade_of(birth: dt.date, school_year: int) -> int:
    """Grade 1 is for children who are six on 1 September of the school year."""
    return age_on(birth, dt.date(school_year, 9, 1)) - 5


class PopulationBuilder:
    def __init__(self, rng: random.Random, layout: CountyLayout, today: dt.date) -> None:
        self.rng = rng
        self.layout = layout
        self.today = today
        self.ids = IdNumberRegistry()
        self.adults = AdultFactory(rng, PhoneBook(rng), layout.employers, today)
        self.township_of = {v.pk: t for t in layout.townships for v in t.villages}
        self.villages = [v for t in layout.townships for v in t.villages]
        self.village_weights = [rng.uniform(0.5, 1.5) for _ in self.villages]
        # The first children carry every rare character once, so each is sure to appear.
        self.rare_queue = list(names.RARE_NAME_CHARS)
        self.population = Population()

    def build(self, count: int) -> Population:
        while len(self.population.children) < count:
            size = pick(self.rng, HOUSEHOLD_SIZES)
            self._household(min(size, count - len(self.population.children)))
        return self.population

    # --- one household -------------------------------------------------------------------------

    def _household(self, size: int) -> None:
        rng = self.rng
        village = rng.choices(self.villages, weights=self.village_weights)[0]
        township = self.township_of[village.pk]
        address = self._address(township, village)
        household = Household(public_id=new_uuid(rng), village=village, address=address)
        household.set_region_ids(village)
        births = self._births(size)
        family = self._family(village, births)
        parents = self.adults.parents(family, household)
        links = self.adults.caregivers(family, parents, self._family_name())
        surname = family.father_family if rng.random() < CHILD_TAKES_FATHERS_NAME else family.mother_family
        contact = pick(rng, CONTACT_LONG_SEPARATION if family.long_separation else CONTACT_USUAL)
        separated = self.today - dt.timedelta(
            days=rng.randint(3 * 365, 10 * 365) if family.long_separation else rng.randint(60, 4 * 365)
        )
        taken: set[str] = set()
        pop = self.population
        pop.households.append(household)
        pop.parents.extend(parents)
        pop.guardians.extend(link.guardian for link in links)
        for birth in births:
            child = self._child(household, township, family, surname, birth, taken)
            child.parent_contact = contact
            child.separation_start = min(max(separated, birth + dt.timedelta(days=30)), self.today)
            pop.children.append(child)
            pop.links.extend(self._link(child, link) for link in links)

    def _family(self, village: Region, births: list[dt.date]) -> Family:
        rng = self.rng
        eldest = min(births)
        care = pick(rng, care_weights(age_on(eldest, self.today)))
        if care == Care.OTHER_PARENT:
            kind = LeftBehind.ONE_AWAY_OTHER_UNABLE
        elif care == Care.GRANDPARENTS and rng.random() < ONE_AWAY_SHARE / CARE_SHARES[Care.GRANDPARENTS]:
            kind = LeftBehind.ONE_AWAY
        else:
            kind = LeftBehind.BOTH_AWAY
        long_separation = (
            kind == LeftBehind.BOTH_AWAY and age_on(eldest, self.today) >= LONG_SEPARATION_MIN_AGE
            and rng.random() < LONG_SEPARATION_GIVEN_BOTH_AWAY
        )
        father = self._family_name()
        return Family(village, father, self._family_name(exclude=father), kind, care, long_separation, eldest)

    def _births(self, size: int) -> list[dt.date]:
        births = [birth_date(self.rng, self.today)]
        while len(births) < size:
            if self.rng.random() < TWIN_SHARE:
                births.append(births[-1])
                continue
            candidate = birth_date(self.rng, self.today)
            if all(abs(candidate - b) >= MIN_SIBLING_GAP for b in births):
                births.append(candidate)
        return births

    def _family_name(self, exclude: str = "") -> str:
        rng = self.rng
        while True:
            if rng.random() < RARE_FAMILY_NAME_SHARE:
                name = rng.choice(names.RARE_FAMILY_NAMES)
            else:
                name = rng.choices(names.FAMILY_NAMES, weights=FAMILY_NAME_WEIGHTS)[0]
            if name != exclude:
                return name

    def _address(self, township: Township, village: Region) -> str:
        group, number = self.rng.randint(1, 9), self.rng.randint(1, 80)
        return f"{COUNTY_NAME}{township.region.name}{village.name}{group}组{number}号"

    # --- one child -----------------------------------------------------------------------------

    def _child(self, household: Household, township: Township, family: Family, surname: str, birth: dt.date,
               taken: set[str]) -> Child:
        rng = self.rng
        sex = "M" if rng.random() < BOY_SHARE else "F"
        given = self._given_name(sex, taken)
        grade = grade_of(birth, self.layout.school_year)
        school = self._school(township, family.village, grade)
        child = Child(
            public_id=new_uuid(rng), family_name=surname, given_name=given, sex=sex, birth_date=birth,
            household=household, village=family.village, school=school,
            school_class=rng.choice(self.layout.classes[(school.pk, grade)]) if school else None,
            grade=grade if school else None, boarding=self._boards(school, grade),
            left_behind_type=family.kind, care_arrangement=family.care,
        )
        if rng.random() < NO_ID_SHARE:
            child.id_absent_reason = pick(rng, NO_ID_REASONS)
        else:
            child.id_number = self.ids.issue(birth, sex)
            child.id_number_index = id_number_index(child.id_number)
        child.set_region_ids(family.village)
        return child

    def _given_name(self, sex: str, taken: set[str]) -> str:
        rng = self.rng
        if sex == "M":
            two, one = names.BOY_NAMES, names.BOY_SINGLE
        else:
            two, one = names.GIRL_NAMES, names.GIRL_SINGLE
        while True:
            rare = self.rare_queue.pop(0) if self.rare_queue else (
                rng.choice(names.RARE_NAME_CHARS) if rng.random() < RARE_NAME_SHARE else "")
            base = rng.choice(two)
            if rare:
                name = rare + base[1] if rng.random() < 0.5 else base[0] + rare
            else:
                name = base if rng.random() < 0.75 else rng.choice(one)
            if name not in taken:
                taken.add(name)
                return name

    def _school(self, township: Township, village: Region, grade: int) -> School | None:
        """Under six, or past grade 9 (senior or vocational school outside the county): no school here."""
        if grade < 1 or grade > 9:
            return None
        point = township.teaching_points.get(village.pk)
        if grade <= 3 and point is not None and self.rng.random() < TEACHING_POINT_SHARE:
            return point
        return township.central if grade <= 6 else township.junior

    def _boards(self, school: School | None, grade: int) -> bool:
        if school is None or not school.has_boarding or grade < 4:
            return False
        share = BOARDING_SHARE[school.kind][0 if grade <= 6 else 1]
        return self.rng.random() < share

    @staticmethod
    def _link(child: Child, link: CareLink) -> ChildGuardian:
        return ChildGuardian(child=child, guardian=link.guardian, relationship=link.relationship,
                             is_primary=link.is_primary, is_legal_guardian=link.is_legal_guardian)
