"""Access to the psychological database: campaigns, warnings, rescreens, trends and allocation.

Built only on the registry's primitives (``lbc.access``): the capability table says what a role may
do, the scope primitive says which rows a membership holds. 404 outside the scope, 403 when the role
is too weak, exactly as for children.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from lbc.access import (
    NO_RIGHTS,
    Can,
    FieldTier,
    Rights,
    UserLike,
    UserScope,
    active_grants,
    capabilities_of,
    child_scope_q,
    get_child_for_user,
    has_active_grants,
    parse_public_id,
    rights_allow,
    rights_for_child,
    scope_of,
)
from lbc.access.roles import GRANT_CAPABILITIES
from lbc.access.scope import SCHOOL, any_of, covers, rerooted, scope_q
from lbc.models import Child, Region, School
from screening.models import Campaign, RescreenDue, Warning

T = FieldTier

# --- screening campaigns -----------------------------------------------------------------------------


def campaign_schools_for(user: UserLike) -> QuerySet[School]:
    """Schools whose screening campaigns the user sees; 403 for roles that see no campaigns at all."""
    scope = scope_of(user)
    if not scope.can(Can.SEE_CAMPAIGNS):
        raise PermissionDenied
    condition = any_of(scope_q(m, SCHOOL) for m in scope.holding(Can.SEE_CAMPAIGNS))
    return School.objects.none() if condition is None else School.objects.filter(condition)


def campaign_run_school_ids(user: UserLike) -> set[int]:
    """Schools whose campaigns the user runs (create, edit, enter answers): a counsellor's own schools."""
    return {m.school_id for m in scope_of(user).holding(Can.RUN_CAMPAIGNS) if m.school_id is not None}


def campaigns_for(user: UserLike) -> QuerySet[Campaign]:
    return Campaign.objects.filter(school__in=campaign_schools_for(user))


def get_campaign_for_user(user: UserLike, public_id: Any, *, edit: bool = False) -> tuple[Campaign, Rights]:
    """A campaign with the user's rights over its school's children as a whole (``can_edit``: runs it).

    403 for roles without campaigns, 404 outside the scope or missing, 403 with ``edit`` unless the user
    is a counsellor of the campaign's school.
    """
    pid = parse_public_id(public_id)
    campaign = campaigns_for(user).select_related("school").filter(public_id=pid).first()
    if campaign is None:
        raise Http404
    rights = NO_RIGHTS
    for m in scope_of(user).holding(Can.SEE_CAMPAIGNS):
        if covers(m, campaign.school, SCHOOL):
            rights = rights.merge(capabilities_of(m.role).rights(m.role))
    runs = campaign.school_id in campaign_run_school_ids(user)
    if edit and not runs:
        raise PermissionDenied
    return campaign, Rights(rights.tiers, runs, rights.roles)


# --- early warnings ------------------------------------------------------------------------------------

# The capability behind each warning action; the state machine (screening/warnings.py) decides which of
# them the warning's state allows.
ACTION_CAPABILITY: dict[str, Can] = {
    "acknowledge": Can.WARNING_ACKNOWLEDGE,
    "assign": Can.WARNING_ASSIGN,
    "escalate": Can.WARNING_ESCALATE,
    "transfer": Can.WARNING_TRANSFER,
    "start_intervention": Can.WARNING_START_INTERVENTION,
    "request_follow_up": Can.WARNING_REQUEST_FOLLOW_UP,
    "close": Can.WARNING_CLOSE,
}
# Grants that carry the warning's neutral label (STATUS) or more.
_WARNING_GRANTS = [code for code, caps in GRANT_CAPABILITIES.items() if T.STATUS in caps.tiers]


def can_see_warnings(user: UserLike) -> bool:
    """For menus: whether any of the user's roles sees warnings (the list answers 403 otherwise)."""
    return any(T.STATUS in caps.tiers for caps in scope_of(user).capabilities())


def _require_warning_role(user: UserLike) -> UserScope:
    """403 for users none of whose roles ever sees a warning (volunteers, trainers, no membership)."""
    if not can_see_warnings(user):
        raise PermissionDenied
    return scope_of(user)


def _warning_conditions(user: UserLike) -> list[Q]:
    """Conditions on Child: memberships and grants that carry the STATUS tier (403 for other roles)."""
    scope = _require_warning_role(user)
    conditions = [
        q
        for m in scope.memberships
        if T.STATUS in capabilities_of(m.role).tiers and (q := child_scope_q(m)) is not None
    ]
    if has_active_grants(user):
        granted = active_grants(user).filter(permission__codename__in=_WARNING_GRANTS)
        conditions.append(Q(pk__in=granted.values("content_object_id")))
    return conditions


def warning_children_for(user: UserLike) -> QuerySet[Child]:
    """Children whose warnings the user sees: memberships and grants that carry the STATUS tier."""
    condition = any_of(_warning_conditions(user))
    return Child.objects.none() if condition is None else Child.objects.filter(condition)


def warnings_for(user: UserLike) -> QuerySet[Warning]:
    """Every warning (open or closed) of the children in the user's scope; 403 for roles without warnings.

    The scope is a condition on the joined child (not a subquery of children): there are far fewer
    warnings than children, so the database walks the warnings and looks each child up by key.
    """
    condition = any_of(rerooted(q, "child__") for q in _warning_conditions(user))
    return Warning.objects.none() if condition is None else Warning.objects.filter(condition)


def warning_actions(rights: Rights) -> frozenset[str]:
    """The warning actions the roles behind these rights allow (before the state machine is asked)."""
    held = frozenset().union(*(capabilities_of(source).may for source in rights.roles))
    return frozenset(action for action, capability in ACTION_CAPABILITY.items() if capability in held)


def get_warning_for_user(
    user: UserLike, public_id: Any, *, need: FieldTier = T.STATUS, action: str | None = None
) -> tuple[Warning, Rights]:
    """A warning with the user's rights over its child: 403 for roles without warnings, 404 outside
    the scope or missing, 403 when the rights lack ``need`` or the role may not take ``action``."""
    _require_warning_role(user)
    pid = parse_public_id(public_id)
    warning = (
        Warning.objects.select_related(
            "child", "child__school", "child__village", "school", "township", "assigned_to"
        )
        .filter(public_id=pid)
        .first()
    )
    if warning is None:
        raise Http404
    rights = rights_for_child(user, warning.child)
    if T.STATUS not in rights.tiers:
        raise Http404
    if need not in rights.tiers or (action is not None and action not in warning_actions(rights)):
        raise PermissionDenied
    return warning, rights


def rescreens_for(user: UserLike) -> QuerySet[RescreenDue]:
    """Contacts and rescreens planned for the children whose warnings the user sees."""
    return RescreenDue.objects.filter(child__in=warning_children_for(user))


def counsels_child_school(user: UserLike, child: Child) -> bool:
    """The user is a counsellor of the child's school today (who may sign off a warning)."""
    return counselling_school(user, child) is not None


def counselling_school(user: UserLike, child: Child) -> School | None:
    """The child's school, if the user counsels there today (else None)."""
    if child.school_id is None:
        return None
    held = scope_of(user).holding(Can.COUNSEL)
    return next((m.school for m in held if m.school_id == child.school_id), None)


# --- life events ---------------------------------------------------------------------------------------


def sees_life_events(rights: Rights) -> bool:
    """Life events (kind and date) show to those who see the child's colour and required action."""
    return T.COLOUR in rights.tiers


def records_life_events(rights: Rights) -> bool:
    """Who records life events and reads their notes: the capability table (counsellors, village
    directors), over a file that is not read-only."""
    return rights.can_edit and rights_allow(rights, Can.RECORD_LIFE_EVENTS)


def get_child_for_life_event(user: UserLike, public_id: Any) -> tuple[Child, Rights]:
    """A child whose life event the user records: 404 outside the scope, 403 for a role without the
    capability or a read-only (aged-out) file."""
    child, rights = get_child_for_user(user, public_id, need=T.COLOUR, edit=True)
    if not records_life_events(rights):
        raise PermissionDenied
    return child, rights


# --- trends and allocation (township and county staff) -------------------------------------------------


def trend_regions_for(user: UserLike) -> QuerySet[Region]:
    """Townships and counties whose trends the user sees (a county's townships too); 403 for other roles.

    Figures only, never names.
    """
    memberships = [m for m in scope_of(user).holding(Can.VIEW_TRENDS) if m.region is not None]
    if not memberships:
        raise PermissionDenied
    condition = Q(pk__in=[])
    for m in memberships:
        condition |= Q(pk=m.region_id)
        if m.region is not None and m.region.level == Region.Level.COUNTY:
            condition |= Q(parent_id=m.region_id, level=Region.Level.TOWNSHIP)
    return Region.objects.filter(condition)


def get_trend_region_for_user(user: UserLike, public_id: Any) -> Region:
    """A township or county whose trends the user sees: 403 for other roles, 404 outside the scope."""
    pid = parse_public_id(public_id)
    region = trend_regions_for(user).filter(public_id=pid).select_related("parent").first()
    if region is None:
        raise Http404
    return region


def allocation_townships_for(user: UserLike) -> QuerySet[Region]:
    """Townships whose open warnings the user allocates: the township supervisor's own; 403 otherwise."""
    ids = scope_of(user).region_ids(Can.ALLOCATE_WARNINGS)
    if not ids:
        raise PermissionDenied
    return Region.objects.filter(pk__in=ids, level=Region.Level.TOWNSHIP)


def get_allocation_township_for_user(user: UserLike, public_id: Any) -> Region:
    pid = parse_public_id(public_id)
    township = allocation_townships_for(user).filter(public_id=pid).select_related("parent").first()
    if township is None:
        raise Http404
    return township
