"""The counts behind the trend pages, read from assessments and the registry (aggregates only).

Each child counts once per term: its latest assessment of the term. The term is the campaign's
(school year, term); an assessment outside any campaign falls in the term of its date (September to
January: the autumn term of that school year; February to August: the spring term). The reference
population of the standardisation is the county's registered active children by age band x sex, with
age taken as the years between birth year and the reference year (one grouped query, whatever the
county's size).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractYear

from lbc.models import Child
from screening.models import Assessment, Campaign
from screening.trends.statistics import EXCLUDED_TIERS, POSITIVE_TIERS, age_band

Term = tuple[int, int]  # (school year, Campaign.Term)


@dataclass(frozen=True)
class ScreenedRecord:
    """One child in one term, without anything that identifies the child."""

    term: Term
    school_id: int | None
    township_id: int
    village_id: int
    stratum: tuple[int, str]  # (age band index, sex)
    positive: bool


def term_of(day: dt.date) -> Term:
    if day.month >= 9:
        return (day.year, Campaign.Term.AUTUMN)
    if day.month == 1:
        return (day.year - 1, Campaign.Term.AUTUMN)
    return (day.year - 1, Campaign.Term.SPRING)


def term_label(term: Term) -> str:
    year, part = term
    return f"{year}-{year + 1} {Campaign.Term(part).label}"


def screened_records(assessments: QuerySet[Assessment]) -> list[ScreenedRecord]:
    """The latest valid assessment per child and term, as anonymous records."""
    rows = (
        assessments.exclude(tier__in=list(EXCLUDED_TIERS))
        .order_by("child_id", "administered_on", "created_at")
        .values_list(
            "child_id",
            "campaign__school_year",
            "campaign__term",
            "administered_on",
            "school_id",
            "township_id",
            "child__village_id",
            "age",
            "sex",
            "tier",
        )
    )
    latest: dict[tuple[int, Term], ScreenedRecord] = {}
    for child, year, part, day, school, township, village, age, sex, tier in rows.iterator(chunk_size=5000):
        term = (year, part) if year is not None and part is not None else term_of(day)
        latest[(child, term)] = ScreenedRecord(
            term, school, township, village, (age_band(age), sex), tier in POSITIVE_TIERS
        )
    return list(latest.values())


def reference_population(county_id: int, year: int) -> dict[tuple[int, str], int]:
    """Registered active children of the county by (age band, sex), ages as of ``year``."""
    rows = (
        Child.objects.filter(county_id=county_id, status=Child.Status.ACTIVE)
        .annotate(born=ExtractYear("birth_date"))
        .values_list("born", "sex")
        .annotate(n=Count("id"))
        .order_by()
    )
    population: Counter[tuple[int, str]] = Counter()
    for born, sex, n in rows:
        population[(age_band(max(0, year - born)), sex)] += n
    return dict(population)


def county_records(county_id: int) -> list[ScreenedRecord]:
    return screened_records(Assessment.objects.filter(county_id=county_id))
