"""Moving a child to another school, class or home village of the same county (转学/迁移)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from lbc import audit, hooks
from lbc.models import Child, ChildTransfer, Region, School, SchoolClass

from .errors import DomainError, EditConflict


def _public_id(row: Any) -> str | None:
    return str(row.public_id) if row is not None else None


def check_move(
    child: Child,
    *,
    village: Region,
    school: School | None,
    school_class: SchoolClass | None,
    moved_on: dt.date,
) -> None:
    """The rules of a move, before anything is written (DomainError with the reason)."""
    if child.status == Child.Status.AGED_OUT:
        raise DomainError(_("该儿童已满16周岁，档案只读，不能再修改。"))
    if village.level != Region.Level.VILLAGE:
        raise DomainError(_("请选择村/社区。"))
    if village.ancestor_at(Region.Level.COUNTY) != child.county_id:
        raise DomainError(_("只能在本县范围内迁移。迁往外县请联系两县的县级管理员。"))
    if school is not None and school.county_id != child.county_id:
        raise DomainError(_("只能转入本县的学校。"))
    if school is not None and not school.active:
        raise DomainError(_("所选学校已停用。"))
    if school_class is not None and (school is None or school_class.school_id != school.pk):
        raise DomainError(_("所选班级不属于所选学校。"))
    if moved_on > timezone.localdate():
        raise DomainError(_("迁移日期不能晚于今天。"))
    if moved_on < child.birth_date:
        raise DomainError(_("迁移日期不能早于出生日期。"))
    same = (
        village.pk == child.village_id
        and (school.pk if school else None) == child.school_id
        and (school_class.pk if school_class else None) == child.school_class_id
    )
    if same:
        raise DomainError(_("新的学校、班级和户籍村与现在的相同，无需办理转学/迁移。"))


@transaction.atomic
def transfer_child(
    child: Child,
    *,
    village: Region,
    school: School | None,
    school_class: SchoolClass | None,
    moved_on: dt.date,
    by: Any,
    expected_version: int,
    reason: str = "",
    request: Any = None,
) -> ChildTransfer:
    """Move the child: its place (and so who sees it) changes at once, a transfer row keeps where it was.

    The household stays where it is (siblings may stay behind); the satellites move what follows the
    child through ``hooks.child_moved`` in this transaction.
    """
    check_move(child, village=village, school=school, school_class=school_class, moved_on=moved_on)
    transfer = ChildTransfer(
        child=child,
        moved_on=moved_on,
        from_village_id=child.village_id,
        from_school_id=child.school_id,
        from_class_id=child.school_class_id,
        to_village=village,
        to_school=school,
        to_class=school_class,
        reason=reason,
        by=by,
    )
    before = {"village": child.village, "school": child.school, "school_class": child.school_class}
    child.village, child.school, child.school_class = village, school, school_class
    if school_class is not None:
        child.grade = school_class.grade
    child.set_region_ids(village)
    updated = Child.objects.filter(pk=child.pk, version=expected_version).update(
        village=village,
        school=school,
        school_class=school_class,
        grade=child.grade,
        province_id=child.province_id,
        city_id=child.city_id,
        county_id=child.county_id,
        township_id=child.township_id,
        version=F("version") + 1,
        updated_at=timezone.now(),
    )
    if updated == 0:
        raise EditConflict(_("办理失败：在您办理期间，其他人已修改了这份档案。请刷新后重新办理。"))
    transfer.save()
    child.refresh_from_db()
    audit.record(
        "lbc.child.transferred",
        actor=by,
        request=request,
        obj=child,
        child=child,
        detail={
            "transfer": str(transfer.public_id),
            "fields": sorted(k for k, v in before.items() if v != getattr(child, k)),
            "from": {k: _public_id(v) for k, v in before.items()},
            "to": {k: _public_id(getattr(child, k)) for k in before},
            "moved_on": moved_on.isoformat(),
        },
    )
    move = hooks.ChildMove(child=child, transfer=transfer, by=by, request=request)
    for react in hooks.child_moved:
        react(move)
    return transfer
