"""Codes, sizes and proportions of the synthetic county.

Shares marked [S5] are the population facts of SCREENING.md section 5 (MCA 2018 and the 2016
care survey); the long-separation share is the "about 15%" of DESIGN.md. Every other split is a
plausible choice for a rural county whose workers go to the coastal cities, not a statistic.
"""

from __future__ import annotations

import datetime as dt

from lbc.models import Child, ChildGuardian, Guardian, Parent

# --- codes that can never belong to anything real ----------------------------------------------

# Province code 99 is not assigned in GB/T 2260 (real ones are 11-65, 71, 81, 82), so "999901" as
# the first six digits of an ID number cannot be the number of a real person.
ID_REGION_CODE = "999901"
PROVINCE_CODE = "990000000000"
CITY_CODE = "999900000000"
COUNTY_CODE = "999901000000"  # identifies the demo county: its presence means "already seeded"
# No Chinese mobile number begins with 10, so demo phones ("100" + 8 digits) cannot ring anyone.
PHONE_PREFIX = "100"

PROVINCE_NAME = "示例省"
CITY_NAME = "示例市"
COUNTY_NAME = "青山县（演示）"

# --- size --------------------------------------------------------------------------------------

DEFAULT_CHILDREN = 6000
# The demo is laid out as of this local time on its day, whatever the hour it is seeded at.
DEMO_TIME_OF_DAY = dt.time(10, 0)
VILLAGES_PER_TOWNSHIP = 10
CLASS_SIZE_BY_KIND = {"teaching_point": 1, "primary": 2, "nine_year": 2, "junior": 4}  # classes per grade
GRADES_BY_KIND = {
    "teaching_point": range(1, 4), "primary": range(1, 7), "nine_year": range(1, 10), "junior": range(7, 10),
}
BULK_BATCH = 1000

# --- children [S5] -----------------------------------------------------------------------------

BOY_SHARE = 0.545  # [S5]
# (youngest age, oldest age, share) [S5]; "14-16" counts children under 16, so ages 14 and 15.
AGE_BANDS: tuple[tuple[int, int, float], ...] = ((0, 5, 0.217), (6, 13, 0.674), (14, 15, 0.109))

# Who looks after the child day to day [S5, 2016]; "nobody" is recorded as self/siblings.
CARE_SHARES: dict[str, float] = {
    Child.CareArrangement.GRANDPARENTS: 0.893,
    Child.CareArrangement.RELATIVES: 0.033,
    Child.CareArrangement.SELF: 0.040,
    Child.CareArrangement.OTHER_PARENT: 0.034,
}
# Nobody leaves a six-year-old alone: self-care goes to households whose eldest is at least 10,
# with its share raised so the county-wide share stays at CARE_SHARES[SELF].
SELF_CARE_MIN_AGE = 10
# One parent away while the other is at home, among children raised by grandparents (share of all).
ONE_AWAY_SHARE = 0.12
# Both parents away for years with little contact (DESIGN.md, "about 15%"), share of all children.
LONG_SEPARATION_SHARE = 0.15
LONG_SEPARATION_MIN_AGE = 3

# Households by number of children: about 30% have two.
HOUSEHOLD_SIZES: dict[int, float] = {1: 0.68, 2: 0.30, 3: 0.02}
TWIN_SHARE = 0.02

NO_ID_SHARE = 0.03
NO_ID_REASONS: dict[str, float] = {
    Child.IdAbsentReason.NOT_ISSUED: 0.5, Child.IdAbsentReason.PENDING: 0.3,
    Child.IdAbsentReason.UNKNOWN: 0.15, Child.IdAbsentReason.REFUSED: 0.05,
}
RARE_NAME_SHARE = 0.01

CONTACT_USUAL: dict[str, float] = {
    Child.ContactFrequency.WEEKLY: 0.45, Child.ContactFrequency.MONTHLY: 0.33,
    Child.ContactFrequency.QUARTERLY: 0.15, Child.ContactFrequency.YEARLY: 0.07,
}
CONTACT_LONG_SEPARATION: dict[str, float] = {
    Child.ContactFrequency.YEARLY: 0.55, Child.ContactFrequency.NEVER: 0.45,
}

# Share of pupils boarding, by school kind and stage (grades 4-6, grades 7-9).
BOARDING_SHARE = {
    "primary": (0.3, 0.0), "nine_year": (0.3, 0.7), "junior": (0.0, 0.8), "teaching_point": (0.0, 0.0),
}
# Pupils of grades 1-3 in a village with a teaching point who attend it (the rest go to the centre).
TEACHING_POINT_SHARE = 0.6

# --- guardians ---------------------------------------------------------------------------------

# Grandparents: 75% primary school or less.
GRANDPARENT_EDUCATION: dict[str, float] = {
    Guardian.Education.NONE: 0.30, Guardian.Education.PRIMARY: 0.45, Guardian.Education.JUNIOR: 0.19,
    Guardian.Education.SENIOR: 0.05, Guardian.Education.HIGHER: 0.01,
}
ADULT_EDUCATION: dict[str, float] = {
    Guardian.Education.NONE: 0.03, Guardian.Education.PRIMARY: 0.22, Guardian.Education.JUNIOR: 0.52,
    Guardian.Education.SENIOR: 0.18, Guardian.Education.HIGHER: 0.05,
}
# Chance of reading a written notice, by education; junior school and above always read.
CAN_READ_SHARE: dict[str, float] = {Guardian.Education.NONE: 0.15, Guardian.Education.PRIMARY: 0.7}
GRANDPARENT_AGE = (52, 76)
RELATIVE_AGE = (28, 55)
PARENT_AGE_OVER_CHILD = (21, 36)
# (chronic, disabled) by age: grandparents over 70, other grandparents, younger adults.
HEALTH_SHARES = {"old": (0.50, 0.12), "grandparent": (0.30, 0.05), "adult": (0.10, 0.02)}
# Both grandparents, grandmother alone, grandfather alone.
GRANDPARENT_SETS: dict[str, float] = {"both": 0.6, "grandmother": 0.3, "grandfather": 0.1}
PATERNAL_SHARE = 0.8
GRANDPARENT_PHONE_SHARE = 0.8
ADULT_PHONE_SHARE = 0.95
UNABLE_PARENT_PHONE_SHARE = 0.6

GRANDPARENT_RELATIONSHIPS = {
    (True, "M"): ChildGuardian.Relationship.GRANDFATHER_PATERNAL,
    (True, "F"): ChildGuardian.Relationship.GRANDMOTHER_PATERNAL,
    (False, "M"): ChildGuardian.Relationship.GRANDFATHER_MATERNAL,
    (False, "F"): ChildGuardian.Relationship.GRANDMOTHER_MATERNAL,
}

# --- parents -----------------------------------------------------------------------------------

WORK_CITIES: dict[str, float] = {
    "东莞": 0.20, "深圳": 0.18, "杭州": 0.12, "苏州": 0.12,
    "上海": 0.10, "北京": 0.06, "广州": 0.12, "宁波": 0.10,
}
SAME_CITY_SHARE = 0.7  # couples who work in the same city
CASUAL_WORK_SHARE = 0.2  # casual work with no registered employer; the rest work for a company
RETURN_USUAL: dict[str, float] = {
    Parent.ReturnPeriod.SPRING_FESTIVAL: 0.78, Parent.ReturnPeriod.HARVEST: 0.08,
    Parent.ReturnPeriod.SUMMER: 0.08, Parent.ReturnPeriod.RARELY: 0.06,
}
FATHER_AWAY_SHARE = 0.75  # when only one parent is away, it is usually the father
CHILD_TAKES_FATHERS_NAME = 0.95
