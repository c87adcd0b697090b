"""Test data builders. All names and ID numbers are synthetic."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from lbc import crypto
from lbc.idnumbers import make_id_number
from lbc.models import (
    Child,
    ChildGrant,
    ChildGuardian,
    Guardian,
    Household,
    Membership,
    Parent,
    Region,
    Role,
    School,
    SchoolClass,
)

_seq = itertools.count(1)
PASSWORD = "synthetic-test-password"


def make_region(name: str, level: int, parent: Region | None = None, code: str | None = None) -> Region:
    return Region.objects.create(name=name, level=level, parent=parent, code=code or f"{next(_seq):012d}")


def make_school(region: Region, name: str | None = None, kind: str = School.Kind.NINE_YEAR) -> School:
    return School.objects.create(name=name or f"测试学校{next(_seq)}", kind=kind, region=region)


def make_class(school: School, grade: int = 5, name: str = "1班", year: int = 2026) -> SchoolClass:
    return SchoolClass.objects.create(school=school, grade=grade, name=name, school_year=year)


def make_child(
    village: Region, school: School | None = None, school_class: SchoolClass | None = None, **overrides: Any
) -> Child:
    birth = overrides.pop("birth_date", dt.date(2014, 3, 1))
    sex = overrides.pop("sex", "F")
    with_id = overrides.pop("with_id", True)
    household = overrides.pop("household", None) or Household.objects.create(
        village=village, address="测试地址"
    )
    child = Child(
        family_name=overrides.pop("family_name", "测"),
        given_name=overrides.pop("given_name", f"试{next(_seq)}"),
        sex=sex,
        birth_date=birth,
        household=household,
        village=village,
        school=school,
        school_class=school_class,
        grade=school_class.grade if school_class else None,
        left_behind_type=Child.LeftBehindType.BOTH_AWAY,
        parent_contact=Child.ContactFrequency.MONTHLY,
        care_arrangement=Child.CareArrangement.GRANDPARENTS,
        **overrides,
    )
    if with_id:
        child.id_number = make_id_number("110101", birth, next(_seq), sex)
        child.id_number_index = crypto.blind_index(child.id_number, "id_number")
    else:
        child.id_absent_reason = Child.IdAbsentReason.PENDING
    child.save()
    return child


def make_guardian(
    child: Child, name: str = "测试祖母", phone: str = "13800000000", **overrides: Any
) -> Guardian:
    guardian = Guardian.objects.create(
        name=name,
        sex="F",
        birth_year=1960,
        village=child.village,
        phone=phone,
        phone_index=crypto.blind_index(crypto.normalise_phone(phone), "phone"),
        **overrides,
    )
    ChildGuardian.objects.create(
        child=child,
        guardian=guardian,
        relationship=ChildGuardian.Relationship.GRANDMOTHER_PATERNAL,
        is_primary=True,
    )
    return guardian


def make_parent(child: Child, phone: str = "13900000000") -> Parent:
    return Parent.objects.create(
        household=child.household,
        role=Parent.Role.FATHER,
        name="测试父亲",
        work_city="东莞",
        employer_name="测试工厂",
        phone=phone,
        phone_index=crypto.blind_index(crypto.normalise_phone(phone), "phone"),
    )


def make_user(
    username: str,
    role: str | None = None,
    *,
    region: Region | None = None,
    school: School | None = None,
    school_class: SchoolClass | None = None,
) -> Any:
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    if role is not None:
        Membership.objects.create(
            user=user,
            role=role,
            region=region,
            school=school or (school_class.school if school_class else None),
            school_class=school_class,
        )
    return user


def grant(
    user: Any, child: Child, codename: str, *, expires_at: dt.datetime | None = None, reason: str = ""
) -> ChildGrant:
    perm = Permission.objects.get(codename=codename, content_type__app_label="lbc")
    return ChildGrant.objects.create(
        user=user, permission=perm, content_object=child, expires_at=expires_at, reason=reason
    )


__all__ = [
    "PASSWORD",
    "Role",
    "grant",
    "make_child",
    "make_class",
    "make_guardian",
    "make_parent",
    "make_region",
    "make_school",
    "make_user",
]
