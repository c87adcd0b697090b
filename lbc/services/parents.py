"""Writing a child's parents (usually working away): atomic and audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from lbc import audit, crypto
from lbc.models import Child, Parent

from .errors import DomainError, EditConflict

# Fields a form or the API may write on a parent. Everything else is ignored (mass assignment).
PARENT_WRITABLE = ("role", "name", "works_away", "work_city", "employer_name", "phone", "return_period")


@transaction.atomic
def save_parent(
    parent: Parent | None,
    data: dict[str, Any],
    *,
    by: Any,
    child: Child,
    request: Any = None,
    expected_version: int | None = None,
) -> Parent:
    """Add a parent to ``child``'s household, or edit one of that household's parents.

    An edit saves only if nobody saved since ``expected_version`` (else EditConflict, nothing written).
    """
    creating = parent is None
    target = parent or Parent(household_id=child.household_id)
    if target.household_id != child.household_id:
        raise DomainError(_("这位家长不属于该儿童的家庭。"))
    before = {name: getattr(target, name) for name in PARENT_WRITABLE}
    for name in PARENT_WRITABLE:
        if name in data:
            setattr(target, name, data[name])
    phone = crypto.normalise_phone(target.phone) if target.phone else ""
    target.phone_index = crypto.blind_index(phone, "phone") if phone else ""
    if creating:
        target.save()
    else:
        if expected_version is None:
            raise ValueError("editing a parent needs the version the form was opened with")
        updated = Parent.objects.filter(pk=target.pk, version=expected_version).update(
            **{name: getattr(target, name) for name in PARENT_WRITABLE},
            phone_index=target.phone_index,
            version=F("version") + 1,
        )
        if updated == 0:
            raise EditConflict(_("保存失败：在您编辑期间，其他人已修改了这位家长的信息。请刷新后重新修改。"))
        target.refresh_from_db()
    if creating:
        fields = sorted(k for k in PARENT_WRITABLE if k in data)
    else:
        fields = sorted(k for k in PARENT_WRITABLE if before[k] != getattr(target, k))
    audit.record(
        "lbc.parent.created" if creating else "lbc.parent.updated",
        actor=by,
        request=request,
        obj=target,
        child=child,
        detail={"fields": fields},
    )
    return target
