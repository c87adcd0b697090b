"""A child's birthdays that change the file: own consent at 14, leaving the registry at 16.

PIPL Art. 31 treats a child under 14 through the guardian's consent; from 14 the child consents for
themself (SECURITY.md: re-consent queued when a child turns 14). The registry serves children under 16
(the MCA's definition of a left-behind child): at 16 the file is kept, read-only, for its retention
clock. Both jobs run from ``manage.py run_periodic`` (``lbc.periodic``) on ``timezone.now()``, and both
may run any number of times: each child is handled once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lbc import audit
from lbc.models import Child, Consent, Membership, Role
from lbc.models.people import age_on
from lbc.notifications import queue_message

OWN_CONSENT_AGE = 14
AGE_OUT = 16
# Statuses whose children are still served (a child who moved away or aged out gets no reminder).
SERVED = (Child.Status.ACTIVE, Child.Status.RETURNED)
BATCH = 500


def birthday(birth: dt.date, years: int) -> dt.date:
    """The day someone born on ``birth`` turns ``years`` (29 February: 1 March in a common year,
    the first day on which ``age_on`` counts the new year)."""
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:
        return dt.date(birth.year + years, 3, 1)


def born_on_or_before(today: dt.date, years: int) -> dt.date:
    """The latest birth date of someone at least ``years`` old on ``today`` (for one indexed query)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # today is 29 February: nobody was born on 29 February of a common year
        return dt.date(today.year - years, 2, 28)


def own_consent_q() -> Q:
    """A granted, not withdrawn consent the child agreed to themself (the caller checks its date)."""
    return Q(decision=Consent.Decision.GRANTED, child_assent=True, withdrawn_on__isnull=True)


def needs_own_consent(child: Child, today: dt.date) -> bool:
    """From 14 (and before leaving at 16) the child's own consent is needed until one is recorded."""
    if child.status not in SERVED or not OWN_CONSENT_AGE <= age_on(child.birth_date, today) < AGE_OUT:
        return False
    since = birthday(child.birth_date, OWN_CONSENT_AGE)
    return not child.consents.filter(own_consent_q(), decided_on__gte=since, decided_on__lte=today).exists()


# --- leaving at 16 ------------------------------------------------------------------------------------


def age_out_children(now: dt.datetime | None = None) -> int:
    """Mark every served child who is 16 today as aged out (read-only); returns how many were marked."""
    today = timezone.localdate(now or timezone.now())
    due = Child.objects.filter(status__in=SERVED, birth_date__lte=born_on_or_before(today, AGE_OUT))
    marked = 0
    for child in due.order_by("pk").only("pk", "public_id", "birth_date", "status")[:BATCH]:
        if age_on(child.birth_date, today) < AGE_OUT:  # the query's bound is exact; this says why
            continue
        with transaction.atomic():
            if not Child.objects.filter(pk=child.pk, status=child.status).update(
                status=Child.Status.AGED_OUT, updated_at=timezone.now()
            ):
                continue  # changed meanwhile: the next round looks again
            audit.record(
                "lbc.child.aged_out",
                obj=child,
                child=child,
                detail={"fields": ["status"], "from": child.status},
            )
        marked += 1
    return marked


# --- own consent at 14 --------------------------------------------------------------------------------


def reminder_recipients(child: Child) -> list[Any]:
    """The counsellors of the child's school and the directors of the child's home village."""
    condition = Q(role=Role.VILLAGE_DIRECTOR, region_id=child.village_id)
    if child.school_id:
        condition |= Q(role=Role.COUNSELLOR, school_id=child.school_id, school_class__isnull=True)
    members = Membership.objects.current().filter(condition, user__is_active=True)
    users = {m.user_id: m.user for m in members.select_related("user")}
    return [users[pk] for pk in sorted(users)]


def reminder_text(child: Child) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        place = child.school.name if child.school is not None else child.village.name
        return _(
            "【知情同意】%(place)s %(family)s同学已满14周岁，需要征得孩子本人的同意。"
            "请向孩子说明，并在档案中记录孩子本人的知情同意。"
        ) % {"place": place, "family": child.family_name}


def reminders_due(today: dt.date) -> QuerySet[Child]:
    """Served children aged 14 or 15 today whose reminder was not handled yet."""
    return Child.objects.filter(
        status__in=SERVED,
        own_consent_reminded_at__isnull=True,
        birth_date__lte=born_on_or_before(today, OWN_CONSENT_AGE),
        birth_date__gt=born_on_or_before(today, AGE_OUT),
    ).select_related("school", "village")


def queue_consent_reminders(now: dt.datetime | None = None) -> int:
    """Queue, once per child, a reminder that a child who turned 14 must now consent themself.

    Sent to the counsellors of the child's school and the directors of its home village (a message with
    no recipient is kept as one without an address, so it can be followed up). A child who already gave
    their own consent after 14 gets no reminder but is marked handled all the same. Returns the number
    of children handled.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    handled = 0
    for child in reminders_due(today).order_by("pk")[:BATCH]:
        with transaction.atomic():
            if not Child.objects.filter(pk=child.pk, own_consent_reminded_at__isnull=True).update(
                own_consent_reminded_at=now
            ):
                continue
            needed = needs_own_consent(child, today)
            queued = 0
            if needed:
                text = reminder_text(child)
                key = f"lbc.consent.own:{child.public_id}"
                recipients = reminder_recipients(child) or [None]
                for user in recipients:
                    suffix = user.pk if user is not None else "nobody"
                    queued += (
                        queue_message(
                            kind="lbc.consent.own", text=text, dedupe_key=f"{key}:{suffix}", user=user
                        )
                        is not None
                    )
            audit.record(
                "lbc.consent.own_reminder",
                obj=child,
                child=child,
                detail={"needed": needed, "queued": queued},
            )
        handled += 1
    return handled
