"""Writing a roster plan: a fixed number of statements whatever the number of rows.

Households, guardians and children are inserted with one ``executemany`` per table (``insert_values``)
and their ids read back in one query each (the rows above the table's highest id before the insert);
changes to registered children and guardians are one ``executemany`` UPDATE per set of columns, each
guarded by the version the plan read, so an edit saved meanwhile in a form is never overwritten: the
commit then fails as a whole and can simply be retried. The caller holds the transaction.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, router
from django.db.models import Max, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from lbc.imports.bulk import insert_values
from lbc.models import Child, ChildGuardian, Guardian, Household, Parent, Region
from lbc.services.errors import EditConflict

from .fields import LEGAL_GUARDIANS, Field
from .plan import WORK_CITY, Group, Kind, Plan, RowPlan, guardian_for_new, row_phone_index


@dataclass
class Written:
    created: list[str] = field(default_factory=list)  # public ids
    changed: list[str] = field(default_factory=list)
    households: int = 0
    guardians: int = 0


def insert_and_read_ids(model: type[Model], rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` (each with a fresh ``public_id``) and return their primary keys, in order."""
    if not rows:
        return []
    for row in rows:
        row["public_id"] = uuid.uuid4()
    before = model._default_manager.aggregate(top=Max("pk"))["top"] or 0
    insert_values(model, rows)
    ids = dict(model._default_manager.filter(pk__gt=before).values_list("public_id", "pk"))
    return [ids[row["public_id"]] for row in rows]


def located(region: Region) -> dict[str, int]:
    """The ancestor id columns of a RegionLocated row (``set_region_ids`` without an instance)."""
    found = getattr(region, "_located", None)
    if found is None:
        ids = region.ancestor_ids()
        found = {"province_id": ids[0], "city_id": ids[1], "county_id": ids[2], "township_id": ids[3]}
        region._located = found  # type: ignore[attr-defined]
    return dict(found)


def write_plan(plan: Plan) -> Written:
    written = Written()
    new = plan.of(Kind.NEW)
    written.households = new_households(plan)
    written.guardians = new_guardians(plan)
    child_rows = [new_child(row, plan) for row in new]
    ids = insert_and_read_ids(Child, child_rows)
    written.created = [str(row["public_id"]) for row in child_rows]
    demote_replaced(plan)
    insert_values(ChildGuardian, links_for_new(plan, new, ids) + links_for_registered(plan))
    insert_values(Parent, parents_for_new(plan))
    changed = plan.of(Kind.CHANGED)
    update_children([r for r in changed if r.child_updates])
    update_guardians([r for r in changed if r.guardian_changed and r.guardian and not r.replaces_guardian])
    update_parents(changed)
    written.changed = [str(r.child["public_id"]) for r in changed if r.child is not None]
    return written


def new_households(plan: Plan) -> int:
    groups = [g for g in plan.groups if g.household_id is None]
    rows = []
    for group in groups:
        village = group.rows[0].record.values[Field.VILLAGE]
        rows.append({"village_id": village.pk, "address": "", **located(village)})
    for group, pk in zip(groups, insert_and_read_ids(Household, rows), strict=True):
        group.household_id = pk
        group.made_household = True
    return len(rows)


def guardian_values(data: dict[str, Any], village: Region) -> dict[str, Any]:
    return {
        "name": data["name"],
        "sex": data["sex"],
        "phone": data["phone"],
        "phone_index": data["phone_index"],
        "village_id": village.pk,
        **located(village),
    }


def new_guardians(plan: Plan) -> int:
    """One guardian per new household group that names one and has none registered, and one for each
    person the file names as the guardian of registered children in place of the registered one
    (siblings naming the same person share them)."""
    rows: list[dict[str, Any]] = []
    owners: list[Group | list[RowPlan]] = []
    for group in plan.groups:
        if group.guardian_id is not None:
            continue
        data = next((d for d in map(guardian_for_new, group.rows) if d is not None), None)
        if data is not None:
            rows.append(guardian_values(data, group.rows[0].record.values[Field.VILLAGE]))
            owners.append(group)
    same: dict[tuple[str, str, int], list[RowPlan]] = {}
    for row in plan.of(Kind.CHANGED):
        if not row.replaces_guardian:
            continue
        data = guardian_for_new(row)
        assert data is not None and row.child is not None
        village = row.record.values.get(Field.VILLAGE) or Region.objects.get(pk=row.child["village_id"])
        key = (data["name"], data["phone_index"], village.pk)
        if key not in same:
            same[key] = []
            rows.append(guardian_values(data, village))
            owners.append(same[key])
        same[key].append(row)
    for owner, pk in zip(owners, insert_and_read_ids(Guardian, rows), strict=True):
        if isinstance(owner, Group):
            owner.guardian_id = pk
        else:
            for row in owner:
                row.new_guardian_id = pk
    return len(rows)


def new_child(row: RowPlan, plan: Plan) -> dict[str, Any]:
    values = row.record.values
    assert row.record.id_number is not None
    school_class = values.get(Field.CLASS)
    school = values.get(Field.SCHOOL)
    village = values[Field.VILLAGE]
    return {
        "family_name": values[Field.FAMILY_NAME],
        "given_name": values.get(Field.GIVEN_NAME, ""),
        "sex": values[Field.SEX],
        "birth_date": values[Field.BIRTH_DATE],
        "id_number": row.record.id_number.value,
        "id_number_index": row.record.index,
        "household_id": plan.groups[row.group].household_id,
        "village_id": village.pk,
        "school_id": school.pk if school is not None else None,
        "school_class_id": school_class.pk if school_class is not None else None,
        "grade": values.get(Field.GRADE) or (school_class.grade if school_class is not None else None),
        "left_behind_type": values[Field.LEFT_BEHIND_TYPE],
        "parent_contact": values[Field.PARENT_CONTACT],
        "care_arrangement": values[Field.CARE_ARRANGEMENT],
        **located(village),
    }


def link(child_id: int, guardian_id: int, relation: str) -> dict[str, Any]:
    return {
        "child_id": child_id,
        "guardian_id": guardian_id,
        "relationship": relation,
        "is_primary": True,
        "is_legal_guardian": relation in LEGAL_GUARDIANS,
    }


def links_for_new(plan: Plan, rows: list[RowPlan], ids: list[int]) -> list[dict[str, Any]]:
    links = []
    for row, child_id in zip(rows, ids, strict=True):
        guardian_id = plan.groups[row.group].guardian_id
        if guardian_id is not None:
            relation = row.record.values.get(Field.GUARDIAN_RELATION, ChildGuardian.Relationship.OTHER)
            links.append(link(child_id, guardian_id, relation))
    return links


def demote_replaced(plan: Plan) -> None:
    """The registered guardian of a child given another one stays linked, no longer as the primary carer."""
    links = [
        [False, row.guardian["id"]] for row in plan.of(Kind.CHANGED) if row.replaces_guardian and row.guardian
    ]
    execute_updates(ChildGuardian, ("is_primary",), links, versioned=False)


def links_for_registered(plan: Plan) -> list[dict[str, Any]]:
    return [
        link(row.child["id"], row.new_guardian_id, row.record.values.get(Field.GUARDIAN_RELATION, ""))
        for row in plan.of(Kind.CHANGED)
        if row.child is not None and row.new_guardian_id is not None
    ]


def parents_for_new(plan: Plan) -> list[dict[str, Any]]:
    made = []
    for group in plan.groups:
        if not group.made_household:  # a registered household keeps its parents
            continue
        for fld, role in WORK_CITY.items():
            city = next((r.record.values[fld] for r in group.rows if fld in r.record.values), None)
            if city is not None:
                made.append(
                    {
                        "household_id": group.household_id,
                        "role": role,
                        "name": "",
                        "work_city": city,
                        "public_id": uuid.uuid4(),
                    }
                )
    return made


def execute_updates(
    model: type[Model], columns: Sequence[str], rows: list[list[Any]], *, versioned: bool
) -> int:
    """One UPDATE ... WHERE id = %s [AND version = %s] for many rows; returns the rows changed."""
    if not rows:
        return 0
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    sets = [f"{quote(c)} = %s" for c in columns]
    where = f"{quote('id')} = %s"
    if versioned:
        sets.append(f"{quote('version')} = {quote('version')} + 1")
        where += f" AND {quote('version')} = %s"
    sql = f"UPDATE {quote(model._meta.db_table)} SET {', '.join(sets)} WHERE {where}"  # noqa: S608  # nosec B608
    fields = {f.column: f for f in model._meta.concrete_fields}
    params = [
        [
            fields[c].get_db_prep_save(v, connection)
            for c, v in zip(columns, values[: len(columns)], strict=True)
        ]
        + values[len(columns) :]
        for values in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
        return int(cursor.rowcount)


def conflict() -> EditConflict:
    return EditConflict(
        _("导入期间有人修改了其中一些儿童或监护人的档案，没有写入任何数据。请重新检查后再导入。")
    )


def update_children(rows: list[RowPlan]) -> None:
    by_columns: dict[tuple[str, ...], list[list[Any]]] = defaultdict(list)
    now = timezone.now()
    for row in rows:
        assert row.child is not None
        updates = dict(row.child_updates)
        if "village_id" in updates:
            village = row.record.values[Field.VILLAGE]
            ids = village.ancestor_ids()
            updates.update(province_id=ids[0], city_id=ids[1], county_id=ids[2], township_id=ids[3])
        updates["updated_at"] = now
        columns = tuple(sorted(updates))
        by_columns[columns].append([updates[c] for c in columns] + [row.child["id"], row.child["version"]])
    for columns, values in by_columns.items():
        if execute_updates(Child, columns, values, versioned=True) != len(values):
            raise conflict()


def update_guardians(rows: list[RowPlan]) -> None:
    by_columns: dict[tuple[str, ...], dict[int, list[Any]]] = defaultdict(dict)
    relations: list[list[Any]] = []
    for row in rows:
        guardian = row.guardian
        assert guardian is not None
        values = row.record.values
        if (
            Field.GUARDIAN_PHONE in values
            and row_phone_index(row.record) != guardian["guardian__phone_index"]
        ):
            updates = {"phone": values[Field.GUARDIAN_PHONE], "phone_index": row_phone_index(row.record)}
            columns = tuple(sorted(updates))
            # Siblings share a guardian: one update per guardian (the last row naming it wins).
            by_columns[columns][guardian["guardian_id"]] = [updates[c] for c in columns] + [
                guardian["guardian_id"],
                guardian["guardian__version"],
            ]
        relation = values.get(Field.GUARDIAN_RELATION)
        if relation is not None and relation != guardian["relationship"]:
            relations.append([relation, guardian["id"]])
    for columns, per_guardian in by_columns.items():
        if execute_updates(Guardian, columns, list(per_guardian.values()), versioned=True) != len(
            per_guardian
        ):
            raise conflict()
    execute_updates(ChildGuardian, ("relationship",), relations, versioned=False)


def update_parents(rows: list[RowPlan]) -> None:
    registered = {
        (p["household_id"], p["role"]): p["id"]
        for p in Parent.objects.filter(
            household_id__in=[r.child["household_id"] for r in rows if r.parent_changes and r.child]
        ).values("id", "household_id", "role")
    }
    updates: dict[int, list[Any]] = {}
    made: dict[tuple[int, str], dict[str, Any]] = {}
    for row in rows:
        assert row.child is not None
        household = row.child["household_id"]
        for role, city in row.parent_changes.items():
            parent_id = registered.get((household, role))
            if parent_id is not None:
                updates[parent_id] = [city, parent_id]
            else:
                made[(household, role)] = {
                    "household_id": household,
                    "role": role,
                    "name": "",
                    "work_city": city,
                    "public_id": uuid.uuid4(),
                }
    execute_updates(Parent, ("work_city",), list(updates.values()), versioned=False)
    insert_values(Parent, list(made.values()))
