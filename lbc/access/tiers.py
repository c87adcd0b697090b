"""Field tiers: which fields of a record a user's rights show, for every output path.

Each role holds a set of tiers (``roles.CAPABILITIES``); ``fields_for`` is the one function that
turns rights into the fields of a record that views, forms, exports, PDFs and the API may show.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from django.core.exceptions import PermissionDenied


class FieldTier(IntEnum):
    MINIMAL = 0  # given name, school: what a volunteer may know
    BASIC = 1  # full name, sex, grade, class, village, left-behind situation
    IDENTITY = 2  # ID number, birth date, phones, addresses, parents' whereabouts
    STATUS = 3  # neutral label ("需跟进"/"常规关注") and the action required
    COLOUR = 4  # tier colour, its reasons in words, deadline and context score
    SCORES = 5  # screening scores and bands
    NOTES = 6  # item answers and counselling notes


T = FieldTier

# The field tier of every field shown anywhere. A field missing here is shown to nobody.
FIELD_TIERS: dict[str, dict[str, FieldTier]] = {
    "child": {
        "public_id": T.MINIMAL,
        "given_name": T.MINIMAL,
        "school": T.MINIMAL,
        "family_name": T.BASIC,
        "full_name": T.BASIC,
        "sex": T.BASIC,
        "grade": T.BASIC,
        "school_class": T.BASIC,
        "village": T.BASIC,
        "township": T.BASIC,
        "boarding": T.BASIC,
        "left_behind_type": T.BASIC,
        "care_arrangement": T.BASIC,
        "status": T.BASIC,
        "parent_contact": T.BASIC,
        "age": T.BASIC,
        "separation_start": T.IDENTITY,
        "birth_date": T.IDENTITY,
        "id_number": T.IDENTITY,
        "id_absent_reason": T.IDENTITY,
        "confirmed_at": T.BASIC,
        "confirmed_by": T.BASIC,
        "latest_label": T.STATUS,
        "latest_tier": T.COLOUR,
        "latest_tier_on": T.STATUS,
    },
    "guardian": {
        "public_id": T.BASIC,
        "name": T.BASIC,
        "relationship": T.BASIC,
        "is_primary": T.BASIC,
        "is_legal_guardian": T.BASIC,
        "sex": T.BASIC,
        "can_read": T.BASIC,
        "dialect_note": T.BASIC,
        "birth_year": T.IDENTITY,
        "education": T.IDENTITY,
        "health": T.IDENTITY,
        "phone": T.IDENTITY,
        "village": T.BASIC,
    },
    "parent": {
        "public_id": T.BASIC,
        "role": T.BASIC,
        "name": T.BASIC,
        "works_away": T.BASIC,
        "work_city": T.IDENTITY,
        "employer_name": T.IDENTITY,
        "phone": T.IDENTITY,
        "return_period": T.BASIC,
    },
    "household": {"public_id": T.BASIC, "village": T.BASIC, "address": T.IDENTITY},
    "consent": {
        "public_id": T.BASIC,
        "purpose": T.BASIC,
        "decision": T.BASIC,
        "given_by_name": T.IDENTITY,
        "given_by_relationship": T.BASIC,
        "is_legal_guardian": T.BASIC,
        "channel": T.BASIC,
        "notice_version": T.BASIC,
        "decided_on": T.BASIC,
        "child_assent": T.BASIC,
        "withdrawn_on": T.BASIC,
    },
    # Screening (the psychological database). Named here, by field name only, so that one table
    # decides every output path; the core imports nothing from the screening app.
    "assessment": {
        "public_id": T.STATUS,
        "administered_on": T.STATUS,
        "neutral_label": T.STATUS,
        "action": T.STATUS,
        "tier": T.COLOUR,
        "deadline": T.COLOUR,
        "reasons": T.SCORES,  # the reasons quote scores and cut-offs
        "context_score": T.COLOUR,
        "context_factors": T.COLOUR,
        "mode": T.COLOUR,
        "critical": T.COLOUR,
        "totals": T.SCORES,
        "subscales": T.SCORES,
        "bands": T.SCORES,
        "validity": T.SCORES,
        "answers": T.NOTES,
    },
    # Early warnings: head teachers see the neutral label and the action; the colour, the deadline,
    # the state and the history only with the COLOUR tier.
    "warning": {
        "public_id": T.STATUS,
        "neutral_label": T.STATUS,
        "action": T.STATUS,
        "tier": T.COLOUR,
        "state": T.COLOUR,
        "due_at": T.COLOUR,
        "overdue": T.COLOUR,
        "context_score": T.COLOUR,
        "escalation_level": T.COLOUR,
        "assigned_to": T.COLOUR,
        "responsible": T.COLOUR,
        "history": T.COLOUR,
    },
    # What was done about a warning: that something happened, when and by whom is COLOUR; what was said
    # (session and visit notes, the safety plan's contents, a contact's outcome) is NOTES: counsellors.
    "intervention": {
        "kind": T.COLOUR,
        "date": T.COLOUR,
        "recorded_by": T.COLOUR,
        "guardian_informed": T.COLOUR,
        "who": T.COLOUR,
        "channel": T.COLOUR,
        "destination": T.COLOUR,
        "status": T.COLOUR,
        "sign_offs": T.COLOUR,
        "notes": T.NOTES,
        "safety_plan": T.NOTES,
        "outcome": T.NOTES,
    },
}


@dataclass(frozen=True)
class Rights:
    """What one user may do with one record (or, for lists, with the records of one scope)."""

    tiers: frozenset[FieldTier] = frozenset()
    can_edit: bool = False
    roles: frozenset[str] = frozenset()  # roles and grant codenames the rights come from

    def __bool__(self) -> bool:
        return bool(self.tiers)

    def sees(self, tier: FieldTier) -> bool:
        return tier in self.tiers

    # Template-friendly flags: {% if rights.identity %}
    @property
    def basic(self) -> bool:
        return T.BASIC in self.tiers

    @property
    def identity(self) -> bool:
        return T.IDENTITY in self.tiers

    @property
    def status(self) -> bool:
        return T.STATUS in self.tiers

    @property
    def scores(self) -> bool:
        return T.SCORES in self.tiers

    @property
    def notes(self) -> bool:
        return T.NOTES in self.tiers

    def merge(self, other: Rights) -> Rights:
        return Rights(self.tiers | other.tiers, self.can_edit or other.can_edit, self.roles | other.roles)


NO_RIGHTS = Rights()


def fields_for(rights: Rights, kind: str) -> set[str]:
    """The one place that decides which fields of a ``kind`` record these rights may see."""
    return {name for name, tier in FIELD_TIERS[kind].items() if tier in rights.tiers}


def require(rights: Rights, tier: FieldTier) -> None:
    if tier not in rights.tiers:
        raise PermissionDenied
