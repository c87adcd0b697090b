"""Multi-row writes for the registry: each atomic, each audited, notifications after commit."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from lbc import audit, crypto, hooks
from lbc.idnumbers import InvalidIdNumber, parse_id_number
from lbc.models import Child, ChildGuardian, Guardian, Household

from .errors import DomainError, EditConflict

# Fields the registry forms and API may write on a child. Everything else is ignored (mass assignment).
CHILD_WRITABLE = (
    "family_name",
    "given_name",
    "sex",
    "birth_date",
    "id_number",
    "id_absent_reason",
    "village",
    "school",
    "school_class",
    "grade",
    "boarding",
    "left_behind_type",
    "separation_start",
    "parent_contact",
    "care_arrangement",
    "status",
)
GUARDIAN_WRITABLE = (
    "name",
    "sex",
    "birth_year",
    "education",
    "health",
    "can_read",
    "phone",
    "village",
    "dialect_note",
)


def set_id_number(child: Child, raw: str) -> None:
    """Validate, normalise and index the ID number; cross-check sex and birth date."""
    if not raw:
        child.id_number = ""
        child.id_number_index = None
        return
    try:
        parsed = parse_id_number(raw)
    except InvalidIdNumber as exc:
        raise DomainError(str(exc)) from None  # the one error type views turn into a message
    if child.birth_date and parsed.birth_date != child.birth_date:
        raise DomainError(_("身份证号码中的出生日期与填写的出生日期不一致。"))
    if child.sex and parsed.sex != child.sex:
        raise DomainError(_("身份证号码中的性别与填写的性别不一致。"))
    child.id_number = parsed.value
    child.id_number_index = crypto.blind_index(parsed.value, "id_number")


def find_child_by_id_number(raw: str) -> Child | None:
    """Exact lookup through the blind index (callers must still check access)."""
    value = crypto.normalise_id_number(raw)
    return Child.objects.filter(id_number_index__in=crypto.blind_index_candidates(value, "id_number")).first()


def _ensure_unique_id(child: Child) -> None:
    if not child.id_number:
        return
    others = Child.objects.filter(
        id_number_index__in=crypto.blind_index_candidates(child.id_number, "id_number")
    ).exclude(pk=child.pk)
    if others.exists():
        raise DomainError(_("该身份证号码已登记在另一名儿童的档案中。"))


def _changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(k for k in after if before.get(k) != after.get(k))


def _snapshot(obj: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {n: getattr(obj, f"{n}_id" if hasattr(obj, f"{n}_id") else n) for n in names}


@transaction.atomic
def register_child(
    data: dict[str, Any], *, by: Any, household: Household | None = None, request: Any = None
) -> Child:
    child = Child()
    for name in CHILD_WRITABLE:
        if name in data and name != "id_number":
            setattr(child, name, data[name])
    set_id_number(child, data.get("id_number", "") or "")
    if not child.id_number and not child.id_absent_reason:
        raise DomainError(_("请填写身份证号码，或选择无身份证号码的原因。"))
    if child.id_number:
        child.id_absent_reason = ""
    child.household = household or Household.objects.create(village=child.village)
    _ensure_unique_id(child)
    try:
        child.save()
    except IntegrityError:
        raise DomainError(_("该身份证号码已登记在另一名儿童的档案中。")) from None
    audit.record(
        "lbc.child.registered",
        actor=by,
        request=request,
        obj=child,
        child=child,
        detail={"fields": sorted(k for k in CHILD_WRITABLE if k in data)},
    )
    return child


@transaction.atomic
def update_child(
    child: Child, data: dict[str, Any], *, by: Any, expected_version: int, request: Any = None
) -> Child:
    """Save edits only if nobody saved since ``expected_version``; otherwise raise EditConflict.

    An aged-out file is read-only. A changed school or village is announced through ``hooks.child_moved``
    (the satellites move what follows the child); a move that is to be on record is a transfer
    (``lbc.services.transfers``)."""
    if child.status == Child.Status.AGED_OUT:
        raise DomainError(_("该儿童已满16周岁，档案只读，不能再修改。"))
    before = _snapshot(child, CHILD_WRITABLE)
    for name in CHILD_WRITABLE:
        if name in data and name != "id_number":
            setattr(child, name, data[name])
    if "id_number" in data:
        set_id_number(child, data["id_number"] or "")
    elif child.id_number:
        set_id_number(child, child.id_number)  # re-check against a changed sex or birth date
    if not child.id_number and not child.id_absent_reason:
        raise DomainError(_("请填写身份证号码，或选择无身份证号码的原因。"))
    if child.id_number:
        child.id_absent_reason = ""
    _ensure_unique_id(child)
    child.set_region_ids(child.village)
    attnames = [f"{n}_id" if hasattr(child, f"{n}_id") else n for n in CHILD_WRITABLE]
    try:
        updated = Child.objects.filter(pk=child.pk, version=expected_version).update(
            **{a: getattr(child, a) for a in attnames},
            id_number_index=child.id_number_index,
            province_id=child.province_id,
            city_id=child.city_id,
            county_id=child.county_id,
            township_id=child.township_id,
            version=F("version") + 1,
            updated_at=timezone.now(),
        )
    except IntegrityError:  # the same ID number saved on another child at the same moment
        raise DomainError(_("该身份证号码已登记在另一名儿童的档案中。")) from None
    if updated == 0:
        raise EditConflict(_("保存失败：在您编辑期间，其他人已修改了这份档案。请刷新后重新修改。"))
    child.refresh_from_db()
    changed = _changed(before, _snapshot(child, CHILD_WRITABLE))
    audit.record(
        "lbc.child.updated", actor=by, request=request, obj=child, child=child, detail={"fields": changed}
    )
    if {"school", "village"} & set(changed):
        move = hooks.ChildMove(child=child, transfer=None, by=by, request=request)
        for react in hooks.child_moved:
            react(move)
    return child


@transaction.atomic
def confirm_child_record(child: Child, *, by: Any, request: Any = None) -> Child:
    Child.objects.filter(pk=child.pk).update(
        confirmed_by=by, confirmed_at=timezone.now(), version=F("version") + 1
    )
    child.refresh_from_db()
    audit.record("lbc.child.confirmed", actor=by, request=request, obj=child, child=child)
    return child


@transaction.atomic
def save_guardian(
    guardian: Guardian | None,
    data: dict[str, Any],
    *,
    by: Any,
    child: Child | None = None,
    relationship: str = "",
    is_primary: bool = False,
    is_legal_guardian: bool = False,
    expected_version: int | None = None,
    request: Any = None,
) -> Guardian:
    """Create a guardian for ``child`` or edit an existing one (with the same conflict rule)."""
    creating = guardian is None
    target = guardian or Guardian()
    for name in GUARDIAN_WRITABLE:
        if name in data:
            setattr(target, name, data[name])
    target.phone_index = (
        crypto.blind_index(crypto.normalise_phone(target.phone), "phone") if target.phone else ""
    )
    if creating:
        target.save()
        if child is not None:
            ChildGuardian.objects.create(
                child=child,
                guardian=target,
                relationship=relationship,
                is_primary=is_primary,
                is_legal_guardian=is_legal_guardian,
            )
        action = "lbc.guardian.created"
    else:
        target.set_region_ids(target.village)
        if expected_version is None:
            raise ValueError("editing a guardian needs the version the form was opened with")
        updated = Guardian.objects.filter(pk=target.pk, version=expected_version).update(
            **{
                ("village_id" if n == "village" else n): getattr(
                    target, "village_id" if n == "village" else n
                )
                for n in GUARDIAN_WRITABLE
            },
            phone_index=target.phone_index,
            province_id=target.province_id,
            city_id=target.city_id,
            county_id=target.county_id,
            township_id=target.township_id,
            version=F("version") + 1,
        )
        if updated == 0:
            raise EditConflict(
                _("保存失败：在您编辑期间，其他人已修改了这位监护人的信息。请刷新后重新修改。")
            )
        target.refresh_from_db()
        action = "lbc.guardian.updated"
    audit.record(
        action,
        actor=by,
        request=request,
        obj=target,
        child=child,
        detail={"fields": sorted(k for k in GUARDIAN_WRITABLE if k in data)},
    )
    return target
