"""Short plain-Chinese messages to enrolled people, fit for SMS or for reading aloud.

Only the person's form of address, the program, the day, time and place: never anything about their
children. Messages are queued through the outbox (``lbc.notifications.queue_message``) in the
caller's transaction; each has a dedupe key so it is queued once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from lbc.models import ChildGuardian
from lbc.notifications import Channel, queue_message

from .models import Audience, Enrolment, Session, Venue
from .scheduling import WEEKDAYS

# How grandchildren's carers are addressed in the countryside: family name + 奶奶/爷爷/外婆/外公.
_HONORIFIC: dict[str, str] = {
    ChildGuardian.Relationship.GRANDMOTHER_PATERNAL: "奶奶",
    ChildGuardian.Relationship.GRANDFATHER_PATERNAL: "爷爷",
    ChildGuardian.Relationship.GRANDMOTHER_MATERNAL: "外婆",
    ChildGuardian.Relationship.GRANDFATHER_MATERNAL: "外公",
}


def form_of_address(enrolment: Enrolment) -> str:
    """``王奶奶`` for a grandmother, the full name for everyone else."""
    name = enrolment.person_name
    if enrolment.guardian_id and name:
        link = enrolment.guardian.child_links.order_by("-is_primary", "pk").first()  # type: ignore[union-attr]
        honorific = _HONORIFIC.get(str(link.relationship)) if link is not None else None
        if honorific:
            return f"{name[0]}{_(honorific)}"
    return name


def day_phrase(moment: dt.datetime) -> str:
    """``12月8日（周二）``"""
    t = timezone.localtime(moment)
    return _("%(month)d月%(day)d日（%(weekday)s）") % {
        "month": t.month,
        "day": t.day,
        "weekday": _(WEEKDAYS[t.weekday()]),
    }


def time_phrase(moment: dt.datetime) -> str:
    """``上午9点``, ``下午2点半``, ``晚上7点``: how a time is said aloud."""
    t = timezone.localtime(moment)
    hour = t.hour
    if hour < 12:
        part, shown = _("上午"), hour
    elif hour == 12:
        part, shown = _("中午"), 12
    elif hour < 18:
        part, shown = _("下午"), hour - 12
    else:
        part, shown = _("晚上"), hour - 12
    if t.minute == 0:
        return _("%(part)s%(hour)d点") % {"part": part, "hour": shown}
    if t.minute == 30:
        return _("%(part)s%(hour)d点半") % {"part": part, "hour": shown}
    return _("%(part)s%(hour)d点%(minute)02d分") % {"part": part, "hour": shown, "minute": t.minute}


def _where(session: Session) -> str:
    if session.venue.kind == Venue.Kind.REMOTE:
        return _("线上")
    return _("在%(venue)s") % {"venue": session.venue.name}


def _bring(session: Session) -> str:
    if session.audience == Audience.GRANDPARENTS and session.venue.kind != Venue.Kind.REMOTE:
        return _("请带上老花镜。")
    return ""


def reminder_text(enrolment: Enrolment) -> str:
    """王奶奶您好：祖辈学堂12月8日（周二）上午9点在一村村委会，请带上老花镜。"""
    session = enrolment.session
    text = _("%(who)s您好：%(program)s%(day)s%(time)s%(where)s。") % {
        "who": form_of_address(enrolment),
        "program": session.program.name,
        "day": day_phrase(session.starts_at),
        "time": time_phrase(session.starts_at),
        "where": _where(session),
    }
    bring = _bring(session)
    return text[:-1] + _("，") + bring if bring else text


def cancelled_text(enrolment: Enrolment) -> str:
    session = enrolment.session
    return _("%(who)s您好：原定%(day)s%(time)s的%(program)s取消了，不用前往。给您添麻烦了。") % {
        "who": form_of_address(enrolment),
        "day": day_phrase(session.starts_at),
        "time": time_phrase(session.starts_at),
        "program": session.program.name,
    }


def promoted_text(enrolment: Enrolment) -> str:
    session = enrolment.session
    return _("%(who)s您好：有人让出了名额，您已报上%(day)s%(time)s的%(program)s%(where)s。") % {
        "who": form_of_address(enrolment),
        "day": day_phrase(session.starts_at),
        "time": time_phrase(session.starts_at),
        "program": session.program.name,
        "where": _where(session),
    }


def rescheduled_text(enrolment: Enrolment) -> str:
    session = enrolment.session
    return _("%(who)s您好：%(program)s改到%(day)s%(time)s%(where)s。") % {
        "who": form_of_address(enrolment),
        "program": session.program.name,
        "day": day_phrase(session.starts_at),
        "time": time_phrase(session.starts_at),
        "where": _where(session),
    }


def send_to(enrolment: Enrolment, *, kind: str, text: str, dedupe_key: str, not_before: Any = None) -> bool:
    """Queue ``text`` for the person: SMS to a registry person or walk-in, else the user's channel."""
    if enrolment.user_id:
        queued = queue_message(
            kind=kind, text=text, dedupe_key=dedupe_key, user=enrolment.user, not_before=not_before
        )
    else:
        queued = queue_message(
            kind=kind,
            text=text,
            dedupe_key=dedupe_key,
            phone=enrolment.person_phone,
            channel=Channel.SMS,
            not_before=not_before,
        )
    return queued is not None
