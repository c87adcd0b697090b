"""Access to training: sessions, invitations and materials, built on the registry's primitives.

Trainers hold no tier over children: what they see of a guardian is a name and a village, and never
anything from screening. Who may do what (``lbc.access.roles``):
  MANAGE_TRAINING (trainers) of county K: every session, venue and material of K; schedules, enrols,
    takes attendance.
  VIEW_TRAINING (trainers, county administrators) of K: reads the sessions and the statistics of K.
  ENROL_VILLAGE (village directors) of V: sessions that invite V (or meet in V); enrols the guardians of V.
  SET_UP_TRAINING (trainers, county administrators) of K: programs, venues, questionnaires and materials
    of K; edits, moves and cancels K's sessions.
  TRAINING_WINDOWS (county administrators) of K: K's audience windows and quiet periods.
  every other role: 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from lbc.access import Can, UserLike, parse_public_id, scope_of

from .models import Material, Program, Questionnaire, Session, Venue


@dataclass(frozen=True)
class TrainingRights:
    manage: bool = False  # schedule, enrol anyone invited, take attendance
    organise: bool = False  # edit, move and cancel sessions; programs, venues, questionnaires, materials
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
    return TrainingRights(
        manage=bool(managed),
        organise=bool(setup_county_ids(user)),
        statistics=bool(staff),
        villages=frozenset(villages),
    )


def training_sessions_for(user: UserLike) -> QuerySet[Session]:
    """Sessions the user sees; 403 for roles without training rights."""
    training_rights(user)
    condition = Q(county_id__in=training_county_ids(user))
    villages = _director_villages(user)
    if villages:
        condition |= Q(villages__in=villages) | Q(venue__region_id__in=villages)
    return Session.objects.filter(pk__in=Session.objects.filter(condition).values("pk"))


def get_training_session_for_user(
    user: UserLike, public_id: Any, *, manage: bool = False, enrol: bool = False, organise: bool = False
) -> tuple[Session, TrainingRights]:
    """A session with the user's rights over it: 403 for roles without training, 404 outside the scope,
    403 with ``manage`` unless a trainer of its county, 403 with ``enrol`` unless trainer or director,
    403 with ``organise`` unless a trainer or administrator of its county."""
    pid = parse_public_id(public_id)
    session = (
        training_sessions_for(user).select_related("program", "venue__region").filter(public_id=pid).first()
    )
    if session is None:
        raise Http404
    manages = session.county_id in training_county_ids(user, manage=True)
    organises = session.county_id in setup_county_ids(user)
    rights = TrainingRights(
        manage=manages,
        organise=organises,
        statistics=session.county_id in training_county_ids(user),
        villages=frozenset(_director_villages(user)),
    )
    if (manage and not manages) or (enrol and not rights.enrols) or (organise and not organises):
        raise PermissionDenied
    return session, rights


def get_material_for_user(user: UserLike, public_id: Any) -> Material:
    """A program's material for users who read sessions of its county (trainers, county administrators),
    or, for village directors, of a program with a session inviting their village; 404 otherwise.
    A role without training rights gets 403 before anything is looked up, so the answer never tells
    whether a material exists."""
    training_rights(user)
    pid = parse_public_id(public_id)
    material = Material.objects.select_related("program").filter(public_id=pid).first()
    if material is None:
        raise Http404
    if material.program.county_id in training_county_ids(user):
        return material
    if not training_sessions_for(user).filter(program_id=material.program_id).exists():
        raise Http404
    return material


# --- setting a county up: programs, venues, questionnaires, materials, windows ---------------------------


def setup_county_ids(user: UserLike) -> set[int]:
    """Counties whose programs, venues, questionnaires and materials the user keeps."""
    return scope_of(user).region_ids(Can.SET_UP_TRAINING)


def require_setup(user: UserLike) -> set[int]:
    """The user's set-up counties; 403 for roles without ``SET_UP_TRAINING``."""
    counties = setup_county_ids(user)
    if not counties:
        raise PermissionDenied
    return counties


def setup_menu(user: UserLike) -> dict[str, bool]:
    """Which set-up pages the user's menus show."""
    scope = scope_of(user)
    return {
        "can_set_up_training": scope.can(Can.SET_UP_TRAINING),
        "can_set_training_windows": scope.can(Can.TRAINING_WINDOWS),
    }


def window_county_ids(user: UserLike) -> set[int]:
    """Counties whose audience windows the user sets (county administrators); 403 for other roles."""
    counties = scope_of(user).region_ids(Can.TRAINING_WINDOWS)
    if not counties:
        raise PermissionDenied
    return counties


def get_program_for_setup(user: UserLike, public_id: Any) -> Program:
    """A program of one of the user's set-up counties: 403 for other roles, 404 for another county's."""
    counties = require_setup(user)
    program = Program.objects.filter(public_id=parse_public_id(public_id), county_id__in=counties).first()
    if program is None:
        raise Http404
    return program


def get_venue_for_setup(user: UserLike, public_id: Any) -> Venue:
    counties = require_setup(user)
    venue = (
        Venue.objects.select_related("region")
        .filter(public_id=parse_public_id(public_id), county_id__in=counties)
        .first()
    )
    if venue is None:
        raise Http404
    return venue


def get_questionnaire_for_setup(user: UserLike, public_id: Any) -> Questionnaire:
    counties = require_setup(user)
    questionnaire = Questionnaire.objects.filter(
        public_id=parse_public_id(public_id), county_id__in=counties
    ).first()
    if questionnaire is None:
        raise Http404
    return questionnaire


def get_material_for_setup(user: UserLike, public_id: Any) -> Material:
    """A material to delete: of a program of the user's set-up counties; 403 other roles, 404 otherwise."""
    counties = require_setup(user)
    material = (
        Material.objects.select_related("program")
        .filter(public_id=parse_public_id(public_id), program__county_id__in=counties)
        .first()
    )
    if material is None:
        raise Http404
    return material
