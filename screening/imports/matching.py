"""Finding the registered child of every row, and each child's screening consent, in a few queries.

By ID number through the blind index (``lbc.services.children.find_child_by_id_number`` does the
same for one number; here the candidate index values of every number are computed first and
fetched together), else by grade + class + name + birth date within the campaign's school.
Unknown children are reported, never created.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from lbc import crypto
from lbc.imports.cells import class_key
from lbc.models import Child, ChildGuardian, Consent, Guardian, consent_in_force
from screening.models import Campaign

from .rows import RowData

# What matching, the context score and the assessment rows read; the encrypted ID number is not
# among them (the blind index identifies the child), so nothing is decrypted.
CHILD_FIELDS = (
    "family_name",
    "given_name",
    "sex",
    "birth_date",
    "grade",
    "school_id",
    "school_class__name",
    "county_id",
    "township_id",
    "id_number_index",
    "left_behind_type",
    "care_arrangement",
    "parent_contact",
    "separation_start",
    "boarding",
)


@dataclass(frozen=True)
class Match:
    child: Child | None = None
    error: str | None = None
    by_id: bool = False


def school_children(campaign: Campaign) -> list[Child]:
    return list(
        Child.objects.filter(school_id=campaign.school_id)
        .select_related("school_class")
        .only(*CHILD_FIELDS)
        .order_by()
    )


def match_rows(campaign: Campaign, rows: Sequence[RowData]) -> dict[int, Match]:
    children = school_children(campaign)
    matches = match_by_id(children, [r for r in rows if r.id_number is not None])
    matches.update(match_by_details(children, [r for r in rows if r.id_number is None]))
    return matches


def match_by_id(children: Iterable[Child], rows: Sequence[RowData]) -> dict[int, Match]:
    by_index = {c.id_number_index: c for c in children if c.id_number_index}
    matches: dict[int, Match] = {}
    unfound: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        assert row.id_number is not None
        candidates = crypto.blind_index_candidates(row.id_number.value, "id_number")
        child = next((by_index[i] for i in candidates if i in by_index), None)
        if child is not None:
            matches[row.row] = Match(child, by_id=True)
        else:
            for index in candidates:
                unfound[index].append(row.row)
    elsewhere = set(
        Child.objects.filter(id_number_index__in=list(unfound)).values_list("id_number_index", flat=True)
    )
    for index, row_numbers in unfound.items():
        for number in row_numbers:
            if index in elsewhere:
                matches[number] = Match(error=_("这个身份证号码的儿童不在本次筛查的学校。"))
            else:
                matches.setdefault(number, Match(error=not_registered_message()))
    return matches


def not_registered_message() -> str:
    return _("系统中没有找到这名儿童的档案（不会自动新建）。请核对后先在儿童档案中登记，再重新导入。")


def details_key(grade: int | None, class_name: str, name: str, birth: dt.date | None) -> tuple[object, ...]:
    return (grade, class_key(class_name), name, birth)


def match_by_details(children: Iterable[Child], rows: Sequence[RowData]) -> dict[int, Match]:
    index: dict[tuple[object, ...], list[Child]] = defaultdict(list)
    for child in children:
        if child.school_class is not None:
            index[
                details_key(child.grade, child.school_class.name, child.full_name, child.birth_date)
            ].append(child)
    matches: dict[int, Match] = {}
    for row in rows:
        found = index.get(details_key(row.grade, row.class_name or "", row.name or "", row.birth_date), [])
        if len(found) == 1:
            matches[row.row] = Match(found[0])
        elif found:
            matches[row.row] = Match(
                error=_("本校有多名儿童的年级、班级、姓名和出生日期都相同：请填写身份证号码。")
            )
        else:
            message = _(
                "在本校按年级、班级、姓名和出生日期没有找到这名儿童（不会自动新建）。请核对，或填写身份证号码。"
            )
            matches[row.row] = Match(error=message)
    return matches


def consents_by_child(child_ids: Iterable[int], until: dt.date) -> dict[int, list[Consent]]:
    """Screening consent decisions per child, newest first, as ``services.consent_for`` orders them."""
    decisions: dict[int, list[Consent]] = defaultdict(list)
    rows = (
        Consent.objects.filter(
            child_id__in=list(child_ids), purpose=Consent.Purpose.SCREENING, decided_on__lte=until
        )
        .only("child_id", "decision", "decided_on", "withdrawn_on", "is_legal_guardian", "recorded_at")
        .order_by("child_id", "-decided_on", "-recorded_at")
    )
    for consent in rows:
        decisions[consent.child_id].append(consent)
    return decisions


def consent_on(decisions: Sequence[Consent], on: dt.date) -> Consent | None:
    """The screening consent in force on ``on``, over prefetched decisions (newest first)."""
    return consent_in_force(decisions, on)


def primary_carers(child_ids: Iterable[int]) -> dict[int, list[Guardian]]:
    """Primary carers per child, for the context score, without decrypting their phone numbers."""
    carers: dict[int, list[Guardian]] = defaultdict(list)
    links = (
        ChildGuardian.objects.filter(child_id__in=list(child_ids), is_primary=True)
        .select_related("guardian")
        .only("child_id", "guardian__birth_year", "guardian__health")
    )
    for link in links:
        carers[link.child_id].append(link.guardian)
    return carers
