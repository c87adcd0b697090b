"""What a checked roster would do to the registry: new, changed, unchanged and excluded rows, and the
registered children of the covered schools (or villages) the file no longer lists.

Children are matched by the ID blind index only. Children the file lacks are shown, never deleted.
Everything is read in a fixed number of queries (lists of index values are sent in chunks).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext as _

from lbc import crypto
from lbc.idnumbers import mask_id_number, parse_id_number
from lbc.imports.report import Level, Problem
from lbc.models import Child, ChildGuardian, Parent, Region, School, SchoolClass

from .checking import Checker, Reference, RowRecord
from .fields import (
    CARE_WORDS,
    CONTACT_WORDS,
    FOR_NEW,
    LABELS,
    LEFT_BEHIND_WORDS,
    RELATION_SEX,
    RELATION_WORDS,
    Field,
    first_word,
)
from .staging import Staged

CHUNK = 5000
CHILD_COLUMNS = (
    "id",
    "public_id",
    "family_name",
    "given_name",
    "sex",
    "birth_date",
    "school_id",
    "school_class_id",
    "grade",
    "village_id",
    "left_behind_type",
    "parent_contact",
    "care_arrangement",
    "household_id",
    "id_number_index",
    "status",
    "version",
    "school__name",
    "school_class__name",
)
# Child fields a row may change, with the column holding each (a model instance's id for relations).
CHILD_FIELDS: dict[Field, str] = {
    Field.FAMILY_NAME: "family_name",
    Field.GIVEN_NAME: "given_name",
    Field.SEX: "sex",
    Field.BIRTH_DATE: "birth_date",
    Field.SCHOOL: "school_id",
    Field.CLASS: "school_class_id",
    Field.GRADE: "grade",
    Field.VILLAGE: "village_id",
    Field.LEFT_BEHIND_TYPE: "left_behind_type",
    Field.PARENT_CONTACT: "parent_contact",
    Field.CARE_ARRANGEMENT: "care_arrangement",
}
CHOICE_WORDS: dict[Field, Mapping[str, str]] = {
    Field.LEFT_BEHIND_TYPE: LEFT_BEHIND_WORDS,
    Field.PARENT_CONTACT: CONTACT_WORDS,
    Field.CARE_ARRANGEMENT: CARE_WORDS,
    Field.GUARDIAN_RELATION: RELATION_WORDS,
}
WORK_CITY = {Field.FATHER_WORK_CITY: Parent.Role.FATHER, Field.MOTHER_WORK_CITY: Parent.Role.MOTHER}


class Kind(StrEnum):
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    EXCLUDED = "excluded"
    ERROR = "error"


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass
class RowPlan:
    record: RowRecord
    kind: Kind
    child: dict[str, Any] | None = None  # the registered child (CHILD_COLUMNS)
    changes: list[Change] = field(default_factory=list)
    child_updates: dict[str, Any] = field(default_factory=dict)  # column -> new value
    guardian: dict[str, Any] | None = None  # the registered primary guardian, if any
    guardian_changed: bool = False
    parent_changes: dict[str, str] = field(default_factory=dict)  # role -> new work city
    group: int = -1  # new children: household group (index into Plan.groups)
    # The file names another person as the guardian (or the child has none yet): a new primary guardian
    # is made on commit and the registered one, who may care for siblings, is left as they are.
    replaces_guardian: bool = False
    new_guardian_id: int | None = None

    @property
    def row(self) -> int:
        return self.record.row


@dataclass
class Group:
    """New children sharing a household: a registered one (found by the guardian's phone) or a new one."""

    rows: list[RowPlan] = field(default_factory=list)
    household_id: int | None = None
    guardian_id: int | None = None
    made_household: bool = False  # the household was made by this commit


@dataclass
class Plan:
    rows: list[RowPlan]
    problems: list[Problem]
    missing: list[dict[str, Any]]
    groups: list[Group] = field(default_factory=list)

    def of(self, kind: Kind) -> list[RowPlan]:
        return [r for r in self.rows if r.kind == kind]

    @property
    def counts(self) -> dict[str, int]:
        counts = {str(k): 0 for k in Kind}
        for row in self.rows:
            counts[str(row.kind)] += 1
        counts["missing"] = len(self.missing)
        return counts

    @property
    def blocking(self) -> bool:
        return any(p.level == Level.ERROR for p in self.problems)


def chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def build_plan(staged: Staged, mapping: list[str], ref: Reference, excluded: Collection[int] = ()) -> Plan:
    checker = Checker(staged, mapping, ref)
    records = checker.check(excluded)
    children = {c["id_number_index"]: c for c in scope_children(ref)}
    match_masked(checker, [r for r in records if r.masked and not r.excluded], children.values())
    elsewhere = registered_elsewhere(records, children)
    rows = [plan_row(checker, r, children, elsewhere) for r in records]
    attach_registered(rows)
    for row in rows:
        if row.replaces_guardian:
            check_guardian_sex(checker, row.record)
    plan = Plan(rows, [], missing_children(rows, children.values(), ref, checker))
    group_new_children(plan, ref)
    notes = [Problem(None, "", "", note, Level.WARNING, staged.sheet) for note in staged.notes]
    for index, label in enumerate(staged.labels):
        if index >= len(mapping) or not mapping[index]:
            message = _("这一列没有对应到任何项目，已忽略，其中的内容不会被保存。")
            notes.append(Problem(None, checker.label(index), label, message, Level.WARNING, staged.sheet))
    plan.problems = notes + [p for r in rows for p in r.record.problems]
    for row in rows:
        if row.kind != Kind.EXCLUDED and not row.record.ok:
            row.kind = Kind.ERROR
    return plan


def scope_children(ref: Reference) -> list[dict[str, Any]]:
    return list(
        Child.objects.filter(ref.scope.children_q(), id_number_index__isnull=False)
        .values(*CHILD_COLUMNS)
        .order_by()
    )


def match_masked(checker: Checker, records: list[RowRecord], children: Iterable[dict[str, Any]]) -> None:
    """Rows of the pre-filled template keep the masked number: the registered child of the same name and
    birth date whose number shows the same digits is that row's child (its numbers decrypted, one query)."""
    if not records:
        return
    by_person: dict[tuple[Any, ...], list[int]] = {}
    for c in children:
        by_person.setdefault((c["family_name"], c["given_name"], c["birth_date"]), []).append(c["id"])
    wanted = {
        r.row: by_person.get(
            (r.values.get(Field.FAMILY_NAME), r.values.get(Field.GIVEN_NAME), r.values.get(Field.BIRTH_DATE)),
            [],
        )
        for r in records
    }
    numbers = dict(
        Child.objects.filter(pk__in=[i for ids in wanted.values() for i in ids]).values_list(
            "pk", "id_number"
        )
    )
    for record in records:
        found = [
            numbers[i] for i in wanted[record.row] if mask_id_number(numbers.get(i, "")) == record.masked
        ]
        if len(found) != 1:
            checker.problem(
                record,
                checker.cell(Field.ID_NUMBER),
                record.masked,
                _(
                    "打码的身份证号码只能用于系统中已登记的儿童（按姓名、出生日期和号码可见的数字核对），"
                    "这一行没有找到对应的儿童：请填写完整的身份证号码。"
                ),
            )
            continue
        number = parse_id_number(found[0])
        record.id_number = number
        record.candidates = crypto.blind_index_candidates(number.value, "id_number")
        record.index = crypto.blind_index(number.value, "id_number")
        record.values[Field.SEX] = number.sex


def registered_elsewhere(records: list[RowRecord], children: dict[str, Any]) -> set[str]:
    """Index values of the file's numbers registered outside the scope (one query per CHUNK numbers)."""
    unknown = [
        i
        for r in records
        if r.candidates and not any(c in children for c in r.candidates)
        for i in r.candidates
    ]
    found: set[str] = set()
    for chunk in chunks(unknown):
        found.update(
            str(i)
            for i in Child.objects.filter(id_number_index__in=chunk).values_list("id_number_index", flat=True)
        )
    return found


def plan_row(checker: Checker, record: RowRecord, children: dict[str, Any], elsewhere: set[str]) -> RowPlan:
    if record.excluded:
        return RowPlan(record, Kind.EXCLUDED)
    child = next((children[c] for c in record.candidates if c in children), None)
    if child is None:
        if any(c in elsewhere for c in record.candidates):
            checker.problem(
                record,
                checker.cell(Field.ID_NUMBER),
                record.name,
                _(
                    "这个身份证号码的儿童已在系统中登记，但不在%(scope)s的范围内（可能在其他学校或地区）。"
                    "转学或迁入请由县级管理员在儿童档案中办理。"
                )
                % {"scope": checker.ref.scope.label()},
            )
            return RowPlan(record, Kind.ERROR)
        check_new(checker, record)
        return RowPlan(record, Kind.NEW)
    row = RowPlan(record, Kind.UNCHANGED, child=child)
    compare_child(checker.ref, row)
    return row


def check_new(checker: Checker, record: RowRecord) -> None:
    absent = [str(LABELS[f]) for f in (Field.FAMILY_NAME, *FOR_NEW) if f not in record.values]
    if absent:
        checker.problem(
            record,
            _("整行"),
            record.name,
            _("这名儿童尚未登记，新建档案还需要填写：%(fields)s。") % {"fields": "、".join(absent)},
        )
    check_guardian_sex(checker, record)


def check_guardian_sex(checker: Checker, record: RowRecord) -> None:
    """A guardian made from the row needs a sex: from the relationship, else from its own column."""
    relation = record.values.get(Field.GUARDIAN_RELATION)
    if (
        Field.GUARDIAN_NAME in record.values
        and relation is not None
        and relation not in RELATION_SEX
        and Field.GUARDIAN_SEX not in record.values
    ):
        checker.problem(
            record,
            checker.cell(Field.GUARDIAN_SEX),
            "",
            _("从关系看不出监护人的性别：请增加一列“监护人性别”并填写。"),
        )


def shown(fld: Field, value: Any, ref: Reference) -> str:
    if value is None or value == "":
        return "—"
    kind = {Field.SCHOOL: "school", Field.CLASS: "class", Field.VILLAGE: "village"}.get(fld)
    if kind is not None:
        return ref.names.get((kind, value), str(value))
    words = CHOICE_WORDS.get(fld)
    if words is not None:
        return first_word(words, value) or str(value)
    if fld in (Field.SEX, Field.GUARDIAN_SEX):
        return _("男") if value == "M" else _("女")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def new_value(fld: Field, value: Any) -> Any:
    return value.pk if isinstance(value, School | SchoolClass | Region) else value


def compare_child(ref: Reference, row: RowPlan) -> None:
    assert row.child is not None
    for fld, column in CHILD_FIELDS.items():
        if fld not in row.record.values:
            continue
        after = new_value(fld, row.record.values[fld])
        before = row.child[column]
        if after != before:
            row.child_updates[column] = after
            row.changes.append(Change(str(LABELS[fld]), shown(fld, before, ref), shown(fld, after, ref)))


def phone_index(phone: str) -> str:
    return crypto.blind_index(crypto.normalise_phone(phone), "phone")


def row_phone_index(record: RowRecord) -> str:
    """The row's guardian phone index, computed once per row (compared, grouped and stored)."""
    if not record.phone_index and Field.GUARDIAN_PHONE in record.values:
        record.phone_index = phone_index(record.values[Field.GUARDIAN_PHONE])
    return record.phone_index


def attach_registered(rows: list[RowPlan]) -> None:
    """Primary guardians and working parents of the matched children, two queries, then compare."""
    matched = [r for r in rows if r.child is not None]
    if not matched:
        return
    ids = [r.child["id"] for r in matched if r.child]
    links: dict[int, dict[str, Any]] = {}
    households = {r.child["household_id"] for r in matched if r.child}
    for chunk in chunks([str(i) for i in ids]):
        for link in ChildGuardian.objects.filter(child_id__in=chunk, is_primary=True).values(
            "id",
            "child_id",
            "relationship",
            "guardian_id",
            "guardian__name",
            "guardian__sex",
            "guardian__phone_index",
            "guardian__version",
        ):
            links[link["child_id"]] = dict(link)
    parents: dict[int, dict[str, dict[str, Any]]] = {}
    for chunk in chunks([str(h) for h in households]):
        for p in Parent.objects.filter(household_id__in=chunk).values(
            "id", "household_id", "role", "work_city"
        ):
            parents.setdefault(p["household_id"], {}).setdefault(p["role"], dict(p))
    for row in matched:
        assert row.child is not None
        row.guardian = links.get(row.child["id"])
        compare_guardian(row)
        compare_parents(row, parents.get(row.child["household_id"], {}))
        if row.changes and row.kind == Kind.UNCHANGED:
            row.kind = Kind.CHANGED


def compare_guardian(row: RowPlan) -> None:
    values = row.record.values
    name = values.get(Field.GUARDIAN_NAME)
    if name is None:
        return
    g = row.guardian or {}
    before_name = g.get("guardian__name", "")
    if name != before_name:
        row.changes.append(Change(str(LABELS[Field.GUARDIAN_NAME]), before_name or "—", name))
    relation = values.get(Field.GUARDIAN_RELATION)
    if relation is not None and relation != g.get("relationship"):
        row.changes.append(
            Change(
                str(LABELS[Field.GUARDIAN_RELATION]),
                first_word(RELATION_WORDS, g.get("relationship") or "") or "—",
                first_word(RELATION_WORDS, relation),
            )
        )
    phone = values.get(Field.GUARDIAN_PHONE)
    if phone is not None and row_phone_index(row.record) != g.get("guardian__phone_index"):
        before = _("（已登记的号码）") if g.get("guardian__phone_index") else "—"
        row.changes.append(Change(str(LABELS[Field.GUARDIAN_PHONE]), before, mask_phone(phone)))
    row.guardian_changed = any(
        c.field
        in {str(LABELS[f]) for f in (Field.GUARDIAN_NAME, Field.GUARDIAN_RELATION, Field.GUARDIAN_PHONE)}
        for c in row.changes
    )
    row.replaces_guardian = name != before_name


def compare_parents(row: RowPlan, registered: dict[str, dict[str, Any]]) -> None:
    for fld, role in WORK_CITY.items():
        city = row.record.values.get(fld)
        if city is None:
            continue
        before = registered.get(role, {}).get("work_city", "")
        if city != before:
            row.parent_changes[role] = city
            row.changes.append(Change(str(LABELS[fld]), before or "—", city))


def mask_phone(phone: str) -> str:
    digits = crypto.normalise_phone(phone)
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 8 else "****"


def missing_children(
    rows: list[RowPlan], children: Iterable[dict[str, Any]], ref: Reference, checker: Checker
) -> list[dict[str, Any]]:
    """Active children of the covered schools (or, without a school column, villages) not in the file."""
    listed = {r.child["id"] for r in rows if r.child is not None}
    listed_index = {c for r in rows for c in r.record.candidates}
    if ref.scope.school is not None:
        covered: set[int] = {ref.scope.school.pk}
        column = "school_id"
    elif Field.SCHOOL in checker.columns:
        covered = {r.record.values[Field.SCHOOL].pk for r in rows if Field.SCHOOL in r.record.values}
        column = "school_id"
    else:
        covered = {r.record.values[Field.VILLAGE].pk for r in rows if Field.VILLAGE in r.record.values}
        column = "village_id"
    return sorted(
        (
            c
            for c in children
            if c[column] in covered
            and c["status"] == Child.Status.ACTIVE
            and c["id"] not in listed
            and c["id_number_index"] not in listed_index
        ),
        key=lambda c: (
            c["school__name"] or "",
            c["grade"] or 0,
            c["school_class__name"] or "",
            c["family_name"],
            c["given_name"],
        ),
    )


def group_new_children(plan: Plan, ref: Reference) -> None:
    """Siblings into one household: the same guardian phone, or the same village and guardian name. A
    phone a registered guardian of the county already has joins that guardian's household."""
    new = plan.of(Kind.NEW)
    parent = list(range(len(new)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[tuple[Any, ...], int] = {}
    phones: dict[int, str] = {}
    for i, row in enumerate(new):
        values = row.record.values
        keys: list[tuple[Any, ...]] = []
        if Field.GUARDIAN_PHONE in values:
            phones[i] = row_phone_index(row.record)
            keys.append(("phone", phones[i]))
        if Field.GUARDIAN_NAME in values and Field.VILLAGE in values:
            keys.append(("name", values[Field.VILLAGE].pk, values[Field.GUARDIAN_NAME]))
        for key in keys:
            if key in first:
                parent[root(i)] = root(first[key])
            else:
                first[key] = i
    known = registered_phones(ref, sorted(set(phones.values())))
    groups: dict[int, Group] = {}
    for i, row in enumerate(new):
        group = groups.setdefault(root(i), Group())
        group.rows.append(row)
        if i in phones and phones[i] in known and group.household_id is None:
            group.household_id, group.guardian_id = known[phones[i]]
    plan.groups = list(groups.values())
    for number, group in enumerate(plan.groups):
        for row in group.rows:
            row.group = number


def registered_phones(ref: Reference, indexes: list[str]) -> dict[str, tuple[int, int]]:
    """phone index -> (household, guardian) of the county's registered guardians with that phone."""
    found: dict[str, tuple[int, int]] = {}
    for chunk in chunks(indexes):
        links = (
            ChildGuardian.objects.filter(
                guardian__phone_index__in=chunk, guardian__county_id=ref.scope.county.pk
            )
            .values_list("guardian__phone_index", "child__household_id", "guardian_id")
            .order_by("id")
        )
        for index, household, guardian in links:
            found.setdefault(index, (household, guardian))
    return found


def guardian_for_new(row: RowPlan) -> dict[str, Any] | None:
    values = row.record.values
    if Field.GUARDIAN_NAME not in values:
        return None
    relation = values.get(Field.GUARDIAN_RELATION, "")
    phone = values.get(Field.GUARDIAN_PHONE, "")
    return {
        "name": values[Field.GUARDIAN_NAME],
        "relationship": relation,
        "sex": values.get(Field.GUARDIAN_SEX) or RELATION_SEX.get(relation, ""),
        "phone": phone,
        "phone_index": row_phone_index(row.record) if phone else "",
    }
