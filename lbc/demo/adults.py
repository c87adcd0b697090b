"""Synthetic parents and caregivers of one household (unsaved model instances)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from lbc.models import Child, ChildGuardian, Guardian, Household, Organisation, Parent, Region

from . import names
from .constants import (
    ADULT_EDUCATION,
    ADULT_PHONE_SHARE,
    CAN_READ_SHARE,
    CASUAL_WORK_SHARE,
    FATHER_AWAY_SHARE,
    GRANDPARENT_AGE,
    GRANDPARENT_EDUCATION,
    GRANDPARENT_PHONE_SHARE,
    GRANDPARENT_RELATIONSHIPS,
    GRANDPARENT_SETS,
    HEALTH_SHARES,
    PATERNAL_SHARE,
    RELATIVE_AGE,
    RETURN_USUAL,
    SAME_CITY_SHARE,
    UNABLE_PARENT_PHONE_SHARE,
    WORK_CITIES,
)
from .identifiers import PhoneBook, new_uuid, phone_index
from .sampling import pick

LeftBehind = Child.LeftBehindType
Care = Child.CareArrangement


@dataclass
class CareLink:
    """A caregiver and how they relate to every child of the household."""

    guardian: Guardian
    relationship: str
    is_primary: bool
    is_legal_guardian: bool = False


@dataclass
class Family:
    """Who the household's children belong to, drawn before the people themselves."""

    village: Region
    father_family: str
    mother_family: str
    kind: str  # left-behind type
    care: str  # care arrangement
    long_separation: bool
    eldest_birth: dt.date


class AdultFactory:
    def __init__(self, rng: random.Random, phones: PhoneBook, employers: dict[str, list[Organisation]],
                 today: dt.date) -> None:
        self.rng = rng
        self.phones = phones
        self.employers = employers
        self.today = today

    # --- parents -------------------------------------------------------------------------------

    def parents(self, family: Family, household: Household) -> list[Parent]:
        rng = self.rng
        if family.kind == LeftBehind.BOTH_AWAY:
            away = {Parent.Role.FATHER, Parent.Role.MOTHER}
        else:
            away = {Parent.Role.FATHER if rng.random() < FATHER_AWAY_SHARE else Parent.Role.MOTHER}
        city = pick(rng, WORK_CITIES)
        cities = {Parent.Role.FATHER: city,
                  Parent.Role.MOTHER: city if rng.random() < SAME_CITY_SHARE else pick(rng, WORK_CITIES)}
        result = []
        for role in (Parent.Role.FATHER, Parent.Role.MOTHER):
            name = (family.father_family + rng.choice(names.MAN_NAMES) if role == Parent.Role.FATHER
                    else family.mother_family + rng.choice(names.WOMAN_NAMES))
            parent = Parent(public_id=new_uuid(rng), household=household, role=role, name=name)
            if role in away:
                self._working_away(parent, cities[role], family.long_separation)
            else:
                parent.works_away = False
                parent.return_period = Parent.ReturnPeriod.AT_HOME
                unable = family.kind == LeftBehind.ONE_AWAY_OTHER_UNABLE
                self._phone(parent, UNABLE_PARENT_PHONE_SHARE if unable else ADULT_PHONE_SHARE)
            result.append(parent)
        return result

    def _working_away(self, parent: Parent, city: str, long_separation: bool) -> None:
        rng = self.rng
        parent.works_away = True
        parent.work_city = city
        if rng.random() < CASUAL_WORK_SHARE:
            parent.employer_name = rng.choice(names.CASUAL_WORK)
        else:
            parent.employer = rng.choice(self.employers[city])
            parent.employer_name = parent.employer.name
        parent.return_period = Parent.ReturnPeriod.RARELY if long_separation else pick(rng, RETURN_USUAL)
        self._phone(parent, ADULT_PHONE_SHARE)

    def _phone(self, person: Parent | Guardian, share: float) -> None:
        if self.rng.random() < share:
            person.phone = self.phones.next()
            person.phone_index = phone_index(person.phone)

    # --- caregivers ----------------------------------------------------------------------------

    def caregivers(self, family: Family, parents: list[Parent], grandmother_surname: str) -> list[CareLink]:
        if family.care == Care.GRANDPARENTS:
            return self._grandparents(family, grandmother_surname)
        if family.care == Care.OTHER_PARENT:
            at_home = next(p for p in parents if not p.works_away)
            return [self._unable_parent(family, at_home)]
        relative = self._relative(family)
        # Children who look after themselves still have a named adult to call, but not a daily carer.
        primary = family.care == Care.RELATIVES
        return [CareLink(relative, ChildGuardian.Relationship.RELATIVE, is_primary=primary)]

    def _grandparents(self, family: Family, grandmother_surname: str) -> list[CareLink]:
        rng = self.rng
        paternal = rng.random() < PATERNAL_SHARE
        surname = family.father_family if paternal else family.mother_family
        which = pick(rng, GRANDPARENT_SETS)
        links = []
        if which in ("both", "grandfather"):
            name = surname + rng.choice(names.GRANDFATHER_NAMES)
            grandfather = self._guardian(family, name, "M", "grandparent")
            alone = which == "grandfather"
            links.append(CareLink(grandfather, GRANDPARENT_RELATIONSHIPS[(paternal, "M")], is_primary=alone))
        if which in ("both", "grandmother"):
            name = grandmother_surname + rng.choice(names.GRANDMOTHER_NAMES)
            grandmother = self._guardian(family, name, "F", "grandparent")
            links.append(CareLink(grandmother, GRANDPARENT_RELATIONSHIPS[(paternal, "F")], is_primary=True))
        return links

    def _unable_parent(self, family: Family, parent: Parent) -> CareLink:
        sex = "M" if parent.role == Parent.Role.FATHER else "F"
        guardian = self._guardian(family, parent.name, sex, "parent")
        # The reason this parent cannot look after the children is usually illness or disability.
        guardian.health = Guardian.Health.DISABLED if self.rng.random() < 0.6 else Guardian.Health.CHRONIC
        guardian.phone, guardian.phone_index = parent.phone, parent.phone_index
        relationship = ChildGuardian.Relationship.FATHER if sex == "M" else ChildGuardian.Relationship.MOTHER
        return CareLink(guardian, relationship, is_primary=True, is_legal_guardian=True)

    def _relative(self, family: Family) -> Guardian:
        sex = "M" if self.rng.random() < 0.4 else "F"
        given = self.rng.choice(names.MAN_NAMES if sex == "M" else names.WOMAN_NAMES)
        return self._guardian(family, family.father_family + given, sex, "relative")

    def _guardian(self, family: Family, name: str, sex: str, kind: str) -> Guardian:
        rng = self.rng
        if kind == "grandparent":
            age = rng.randint(*GRANDPARENT_AGE)
            education = pick(rng, GRANDPARENT_EDUCATION)
        else:
            low, high = RELATIVE_AGE
            age = max(low, min(high, self.today.year - family.eldest_birth.year + rng.randint(20, 34)))
            education = pick(rng, ADULT_EDUCATION)
        band = "adult" if kind != "grandparent" else "old" if age > 70 else "grandparent"
        chronic, disabled = HEALTH_SHARES[band]
        draw = rng.random()
        health = (Guardian.Health.DISABLED if draw < disabled
                  else Guardian.Health.CHRONIC if draw < disabled + chronic else Guardian.Health.GOOD)
        can_read = rng.random() < CAN_READ_SHARE.get(education, 1.0)
        guardian = Guardian(
            public_id=new_uuid(rng), name=name, sex=sex, birth_year=self.today.year - age,
            education=education, health=health, can_read=can_read, village=family.village,
            dialect_note="" if can_read else "不识字，培训和通知请电话或上门口头告知",
        )
        self._phone(guardian, GRANDPARENT_PHONE_SHARE if kind == "grandparent" else ADULT_PHONE_SHARE)
        guardian.set_region_ids(family.village)
        return guardian
