"""Access to training: sessions, invitations and materials, built on the registry's primitives.

Trainers hold no tier over children: what they see of a guardian is a name and a village, and never
anything from screening. Who may do what (``lbc.access.roles``):
  MANAGE_TRAINING (trainers) of county K: every session, venue and material of K; schedules, enrols,
    takes attendance.
  VIEW_TRAINING (trainers, county administrators) of K: reads the sessions and the statistics of K.
  ENROL_VILLAGE (village directors) of V: sessions that invite V (or meet in V); enrols the guardians of V.
  every other role: 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from lbc.access import Can, UserLike, parse_public_id, scope_of

from .models import Material, Session


@dataclass(frozen=True)
class TrainingRights:
    manage: bool = False  # schedule, edit, enrol anyone invited, take attendance
    statistics: bool = False  # county figures
    villages: frozenset[int] = frozenset()  # villages whose guardians the user enrols (directors)

    @property
    def enrols(self) -> bool:
        return self.manage or bool(self.villages)


def _director_villages(user: UserLike) -> set[int]:
    return scope_of(user).region_ids(Can.ENROL_VILLAGE)


def training_county_ids(user: UserLike, *, manage: bool = False) -> set[int]:
    """Counties whose sessions the user reads (trainers, county administrators) or, with ``manage``, runs."""
    return scope_of(user).region_ids(Can.MANAGE_TRAINING if manage else Can.VIEW_TRAINING)


def can_use_training(user: UserLike) -> bool:
    """For menus: whether the user has any training rights (the pages answer 403 otherwise)."""
    scope = scope_of(user)
    return scope.can(Can.VIEW_TRAINING) or scope.can(Can.ENROL_VILLAGE) or scope.can(Can.MANAGE_TRAINING)


def training_rights(user: UserLike) -> TrainingRights:
    """The user's training rights over their whole scope; 403 for roles without any."""
    managed = training_county_ids(user, manage=True)
    staff = training_county_ids(user)
    villages = _director_villages(user)
    if not staff and not villages:
        raise PermissionDenied
    return TrainingRights(manage=bool(managed), statistics=bool(staff), villages=frozenset(villages))


def training_sessions_for(user: UserLike) -> QuerySet[Session]:
    """Sessions the user sees; 403 for roles without training rights."""
    training_rights(user)
    condition = Q(county_id__in=training_county_ids(user))
    villages = _director_villages(user)
    if villages:
        condition |= Q(villages__in=villages) | Q(venue__region_id__in=villages)
    return Session.objects.filter(pk__in=Session.objects.filter(condition).values("pk"))


def get_training_session_for_user(
    user: UserLike, public_id: Any, *, manage: bool = False, enrol: bool = False
) -> tuple[Session, TrainingRights]:
    """A session with the user's rights over it: 403 for roles without training, 404 outside the scope,
    403 with ``manage`` unless a trainer of its county, 403 with ``enrol`` unless trainer or director."""
    pid = parse_public_id(public_id)
    session = (
        training_sessions_for(user).select_related("program", "venue__region").filter(public_id=pid).first()
    )
    if session is None:
        raise Http404
    manages = session.county_id in training_county_ids(user, manage=True)
    rights = TrainingRights(
        manage=manages,
        statistics=session.county_id in training_county_ids(user),
        villages=frozenset(_director_villages(user)),
    )
    if (manage and not manages) or (enrol and not rights.enrols):
        raise PermissionDenied
    return session, rights


def get_material_for_user(user: UserLike, public_id: Any) -> Material:
    """A program's material for users who read sessions of its county (trainers, county administrators),
    or, for village directors, of a program with a session inviting their village; 404 otherwise."""
    pid = parse_public_id(public_id)
    material = Material.objects.select_related("program").filter(public_id=pid).first()
    if material is None:
        raise Http404
    if material.program.county_id in training_county_ids(user):
        return material
    if not training_sessions_for(user).filter(program_id=material.program_id).exists():
        raise Http404
    return material
