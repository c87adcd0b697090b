"""Recording and withdrawing consent decisions: each atomic, each audited. Records are never deleted."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lbc import audit
from lbc.models import Child, Consent

from .errors import DomainError

# Fields a form or the API may write on a consent. Everything else is ignored (mass assignment).
CONSENT_WRITABLE = (
    "purpose", "decision", "given_by_name", "given_by_relationship", "is_legal_guardian", "channel",
    "notice_version", "decided_on", "child_assent",
)


@transaction.atomic
def record_consent(child: Child, data: dict[str, Any], *, by: Any, request: Any = None) -> Consent:
    """Store one decision. A signer who is not the legal guardian (委托照护人) is flagged in the audit."""
    consent = Consent(child=child, recorded_by=by)
    for name in CONSENT_WRITABLE:
        if name in data:
            setattr(consent, name, data[name])
    if consent.decided_on and consent.decided_on > timezone.localdate():
        raise DomainError(_("同意日期不能晚于今天。"))
    if not consent.given_by_name:
        raise DomainError(_("请填写签署人姓名。"))
    consent.is_legal_guardian = bool(consent.is_legal_guardian)
    consent.save()
    audit.record("lbc.consent.recorded", actor=by, request=request, obj=consent, child=child, detail={
        "purpose": consent.purpose, "decision": consent.decision,
        "legal_guardian": consent.is_legal_guardian,
        "fields": sorted(k for k in CONSENT_WRITABLE if k in data),
    })
    return consent


@transaction.atomic
def withdraw_consent(consent: Consent, *, by: Any, on: dt.date | None = None, request: Any = None) -> Consent:
    """Mark an active consent withdrawn; the row stays as the record of what was agreed and when."""
    locked = Consent.objects.select_for_update().select_related("child").get(pk=consent.pk)
    if not locked.is_active:
        raise DomainError(_("这条记录不是有效的同意（已撤回或为拒绝），无需撤回。"))
    withdrawn_on = on or timezone.localdate()
    if withdrawn_on < locked.decided_on:
        raise DomainError(_("撤回日期不能早于同意日期。"))
    locked.withdrawn_on = withdrawn_on
    locked.save(update_fields=["withdrawn_on"])
    audit.record("lbc.consent.withdrawn", actor=by, request=request, obj=locked, child=locked.child,
                 detail={"purpose": locked.purpose, "fields": ["withdrawn_on"]})
    return locked
