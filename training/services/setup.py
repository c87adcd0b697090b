"""Setting a county's training up from its pages: programs, venues, questionnaires and the county's
audience windows. Every write is audited in the same transaction; the forms have checked the values.

The audit event of an edit names each changed field with its old and new value (none of these rows
holds personal data).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _

from lbc import audit
from lbc.models import Organisation, Region
from lbc.services.errors import DomainError
from training.models import CountyTrainingConfig, Program, Questionnaire, QuestionnaireItem, Venue

MAX_ITEMS = 40


def _shown(value: Any) -> Any:
    """A field's value as the audit log keeps it (JSON)."""
    if isinstance(value, models.Model):
        return str(getattr(value, "public_id", value.pk))
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {name: _shown(getattr(instance, name)) for name in fields}


def changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {name: [before[name], after[name]] for name in before if before[name] != after[name]}


def _save_audited(
    instance: models.Model,
    *,
    kind: str,
    fields: Sequence[str],
    before: dict[str, Any] | None,
    by: Any,
    request: Any,
) -> None:
    """Save ``instance`` and record ``training.<kind>.created`` or ``.updated`` (with the changes)."""
    with transaction.atomic():
        instance.save()
        if before is None:
            audit.record(f"training.{kind}.created", actor=by, request=request, obj=instance)
        else:
            diff = changed(before, snapshot(instance, fields))
            if diff:
                audit.record(
                    f"training.{kind}.updated",
                    actor=by,
                    request=request,
                    obj=instance,
                    detail={"changed": diff},
                )


# --- programs ---------------------------------------------------------------------------------------

PROGRAM_FIELDS = (
    "name", "description", "audience", "level", "provider", "contract_number", "contract_starts_on",
    "contract_ends_on", "topics", "session_minutes", "questionnaire",
)  # fmt: skip


def save_program(
    program: Program,
    *,
    by: Any,
    before: dict[str, Any] | None,
    new_provider: str = "",
    request: Any = None,
) -> Program:
    """Create (``before`` None) or update a program; ``new_provider`` names a provider organisation to add."""
    with transaction.atomic():
        if new_provider:
            provider = Organisation.objects.create(
                name=new_provider, kind=Organisation.Kind.SOCIAL, region_id=program.county_id
            )
            audit.record("training.provider.created", actor=by, request=request, obj=provider)
            program.provider = provider
        if before is None:
            program.created_by = by
        _save_audited(program, kind="program", fields=PROGRAM_FIELDS, before=before, by=by, request=request)
    return program


def set_program_active(program: Program, active: bool, *, by: Any, request: Any = None) -> None:
    """Retire a program (no new sessions; its sessions stay) or bring it back."""
    with transaction.atomic():
        locked = Program.objects.select_for_update().get(pk=program.pk)
        if locked.active == active:
            raise DomainError(_("该培训项目已经在用。") if active else _("该培训项目已经停用了。"))
        locked.active = active
        locked.save(update_fields=["active"])
        action = "training.program.reactivated" if active else "training.program.retired"
        audit.record(action, actor=by, request=request, obj=locked)
    program.refresh_from_db()


# --- venues -----------------------------------------------------------------------------------------

VENUE_FIELDS = ("name", "kind", "region", "school", "organisation", "address", "capacity")


def save_venue(venue: Venue, *, by: Any, before: dict[str, Any] | None, request: Any = None) -> Venue:
    _save_audited(venue, kind="venue", fields=VENUE_FIELDS, before=before, by=by, request=request)
    return venue


def set_venue_active(venue: Venue, active: bool, *, by: Any, request: Any = None) -> None:
    """Deactivate a venue (no new sessions there; sessions already there stay) or bring it back."""
    with transaction.atomic():
        locked = Venue.objects.select_for_update().get(pk=venue.pk)
        if locked.active == active:
            raise DomainError(_("该场地已经在用。") if active else _("该场地已经停用了。"))
        locked.active = active
        locked.save(update_fields=["active"])
        action = "training.venue.reactivated" if active else "training.venue.deactivated"
        audit.record(action, actor=by, request=request, obj=locked)
    venue.refresh_from_db()


# --- questionnaires ---------------------------------------------------------------------------------


def questionnaire_frozen(questionnaire: Questionnaire) -> bool:
    """Answers exist: the items can no longer change (a change is a new version)."""
    return questionnaire.pk is not None and questionnaire.responses.exists()


def save_questionnaire(
    questionnaire: Questionnaire,
    items: Sequence[str],
    *,
    by: Any,
    request: Any = None,
) -> Questionnaire:
    """Create or update a questionnaire with its items numbered 1, 2, ... in the given order.

    Refused once anyone has answered it: scores already recorded would no longer match the items.
    """
    if not items:
        raise DomainError(_("请至少填写一道题目。"))
    if len(items) > MAX_ITEMS:
        raise DomainError(_("一份问卷最多%(n)d道题。") % {"n": MAX_ITEMS})
    with transaction.atomic():
        created = questionnaire.pk is None
        if not created:
            Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
            if questionnaire_frozen(questionnaire):
                raise DomainError(_("这份问卷已经有人作答，不能再修改题目。请复制为新版本后修改。"))
            before = list(questionnaire.items.order_by("number").values_list("text", flat=True))
            old = Questionnaire.objects.values("name", "scale").get(pk=questionnaire.pk)
        questionnaire.save()
        questionnaire.items.all().delete()
        QuestionnaireItem.objects.bulk_create(
            QuestionnaireItem(questionnaire=questionnaire, number=n, text=text)
            for n, text in enumerate(items, 1)
        )
        if created:
            audit.record(
                "training.questionnaire.created",
                actor=by,
                request=request,
                obj=questionnaire,
                detail={"items": len(items)},
            )
        else:
            diff = changed(
                {**old, "items": before},
                {"name": questionnaire.name, "scale": questionnaire.scale, "items": list(items)},
            )
            if diff:
                audit.record(
                    "training.questionnaire.updated",
                    actor=by,
                    request=request,
                    obj=questionnaire,
                    detail={"changed": diff},
                )
    return questionnaire


def copy_questionnaire(questionnaire: Questionnaire, *, by: Any, request: Any = None) -> Questionnaire:
    """A new version with the same name, scale and items, open for changes (answers stay with the old)."""
    with transaction.atomic():
        latest = (
            Questionnaire.objects.filter(county_id=questionnaire.county_id, name=questionnaire.name)
            .order_by("-version")
            .values_list("version", flat=True)
            .first()
        )
        copy = Questionnaire.objects.create(
            county_id=questionnaire.county_id,
            name=questionnaire.name,
            scale=questionnaire.scale,
            version=max(latest or 0, questionnaire.version) + 1,
            previous=questionnaire,
        )
        QuestionnaireItem.objects.bulk_create(
            QuestionnaireItem(questionnaire=copy, number=item.number, text=item.text)
            for item in questionnaire.items.order_by("number")
        )
        audit.record(
            "training.questionnaire.copied",
            actor=by,
            request=request,
            obj=copy,
            detail={"from": str(questionnaire.public_id), "version": copy.version},
        )
    return copy


# --- county windows ---------------------------------------------------------------------------------

WINDOW_FIELDS = (
    "grandparent_day_start", "grandparent_day_end", "farming_peaks", "spring_festival", "school_vacations",
    "travel_buffer_minutes", "reminder_days_before",
)  # fmt: skip


def save_windows(
    county: Region, values: dict[str, Any], *, by: Any, request: Any = None
) -> CountyTrainingConfig:
    """Store a county's audience windows (empty values fall back to the defaults of ``training.windows``)."""
    with transaction.atomic():
        config, made = CountyTrainingConfig.objects.select_for_update().get_or_create(county=county)
        before = snapshot(config, WINDOW_FIELDS)
        for name in WINDOW_FIELDS:
            setattr(config, name, values.get(name))
        config.full_clean()
        config.save()
        diff = changed(before, snapshot(config, WINDOW_FIELDS))
        if diff or made:
            audit.record(
                "training.windows.saved", actor=by, request=request, obj=county, detail={"changed": diff}
            )
    return config
