"""Children, guardians and school classes: scope from memberships, plus per-object grants.

* Scope comes from memberships (user, role, scope) and is a region/school query, never per-object
  rows, so lists stay fast at millions of children.
* Explicit per-object grants (volunteer assignment, referral, break-the-glass) live in the
  django-guardian direct-FK model ``ChildGrant`` and are combined here; views never query it.
* Outside the scope: 404 (``Http404``, same as a missing id). In scope, role too weak: 403.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from lbc.access.roles import GRANT_CAPABILITIES, Can, capabilities_of
from lbc.access.scope import CHILD, SCHOOL_CLASS, UserLike, any_of, covers, parse_public_id, scope_of, scope_q
from lbc.access.tiers import NO_RIGHTS, FieldTier, Rights, require
from lbc.models import Child, ChildGrant, Guardian, Membership, SchoolClass

T = FieldTier


def is_read_only(child: Child) -> bool:
    """An aged-out child's file is kept for its retention clock and read, never changed (decision 51)."""
    return child.status == Child.Status.AGED_OUT


def read_only_message() -> str:
    return _("该儿童已满16周岁，档案只读，不能再修改。")


def child_scope_q(m: Membership) -> Q | None:
    """Children a membership holds, for roles that see children at any tier (trainers hold none)."""
    return scope_q(m, CHILD) if capabilities_of(m.role).tiers else None


def active_grants(user: UserLike) -> QuerySet[ChildGrant]:
    now = timezone.now()
    if user.pk is None:
        return ChildGrant.objects.none()
    return ChildGrant.objects.filter(user_id=user.pk).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now),
        permission__codename__in=list(GRANT_CAPABILITIES),
    )


def has_active_grants(user: UserLike) -> bool:
    """Cached on the user for the request: most staff hold no grants, and then no grant subquery is added."""
    if not user.is_authenticated:
        return False
    cached = getattr(user, "_lbc_has_grants", None)
    if cached is None:
        cached = active_grants(user).exists()
        user._lbc_has_grants = cached  # type: ignore[union-attr,attr-defined]
    return bool(cached)


def children_for(user: UserLike, *, listing: bool = False) -> QuerySet[Child]:
    """Every child the user may see at any tier. With ``listing`` the role must be allowed lists (403)."""
    scope = scope_of(user)
    if listing and not scope.can(Can.LIST_CHILDREN):
        raise PermissionDenied
    conditions = [child_scope_q(m) for m in scope.memberships]
    if has_active_grants(user):
        conditions.append(Q(pk__in=active_grants(user).values("content_object_id")))
    condition = any_of(conditions)
    return Child.objects.none() if condition is None else Child.objects.filter(condition)


def rights_for_child(user: UserLike, child: Child, *, grants: Iterable[str] | None = None) -> Rights:
    rights = NO_RIGHTS
    for m in scope_of(user).memberships:
        caps = capabilities_of(m.role)
        if caps.tiers and covers(m, child, CHILD):
            rights = rights.merge(caps.rights(m.role))
    codenames = (
        grants
        if grants is not None
        else (
            active_grants(user).filter(content_object=child).values_list("permission__codename", flat=True)
            if user.is_authenticated
            else []
        )
    )
    for codename in codenames:
        rights = rights.merge(GRANT_CAPABILITIES[codename].rights(codename))
    return rights


def rights_for_children(user: UserLike, children: Iterable[Child]) -> dict[int, Rights]:
    """Rights for a page of children with one grant query (for list rows and API pages)."""
    items = list(children)
    granted: dict[int, list[str]] = {}
    if user.is_authenticated and items:
        for child_id, codename in (
            active_grants(user)
            .filter(content_object_id__in=[c.pk for c in items])
            .values_list("content_object_id", "permission__codename")
        ):
            granted.setdefault(child_id, []).append(codename)
    return {c.pk: rights_for_child(user, c, grants=granted.get(c.pk, [])) for c in items}


@dataclass(frozen=True)
class SearchTiers:
    """Tiers a list caller may search or filter by.

    A filter on a field is an oracle for that field: matching family names or grades tells a volunteer
    what the rows do not show. So a filter on a tier is allowed only when every path by which the caller
    reaches children (memberships and per-object grants) carries that tier (``everywhere``).
    """

    everywhere: frozenset[FieldTier]  # tiers held over every reachable child
    somewhere: frozenset[FieldTier]  # tiers held over at least one reachable child


def search_tiers(user: UserLike) -> SearchTiers:
    sources = [caps.tiers for caps in scope_of(user).capabilities() if caps.tiers]
    codenames = set(active_grants(user).values_list("permission__codename", flat=True))
    sources += [GRANT_CAPABILITIES[c].tiers for c in codenames]
    if not sources:
        return SearchTiers(frozenset(), frozenset())
    return SearchTiers(frozenset.intersection(*sources), frozenset.union(*sources))


def get_child_for_user(
    user: UserLike, public_id: Any, *, need: FieldTier = T.MINIMAL, edit: bool = False
) -> tuple[Child, Rights]:
    """Fetch a child with the user's rights: 404 if out of scope or missing, 403 if too weak."""
    pid = parse_public_id(public_id)
    child = (
        Child.objects.select_related("school", "school_class", "village", "township", "household")
        .filter(public_id=pid)
        .first()
    )
    if child is None:
        raise Http404
    rights = rights_for_child(user, child)
    if not rights:
        raise Http404
    if need not in rights.tiers or (edit and not rights.can_edit):
        raise PermissionDenied
    if edit and is_read_only(child):
        raise PermissionDenied(read_only_message())
    return child, rights


def rights_allow(rights: Rights, capability: Can) -> bool:
    """Whether a role (or grant) behind these rights holds ``capability`` over the record."""
    return any(capability in capabilities_of(source).may for source in rights.roles)


def get_child_to_transfer(user: UserLike, public_id: Any) -> tuple[Child, Rights]:
    """A child the user may move to another school or village: 404 outside the scope, 403 for a role
    without the capability or a read-only (aged-out) file."""
    child, rights = get_child_for_user(user, public_id, need=T.BASIC, edit=True)
    if not rights_allow(rights, Can.TRANSFER_CHILDREN):
        raise PermissionDenied
    return child, rights


def guardians_for(user: UserLike) -> QuerySet[Guardian]:
    """Guardians of the children the user may see."""
    return Guardian.objects.filter(children__in=children_for(user)).distinct()


def get_guardian_for_user(user: UserLike, public_id: Any, *, edit: bool = False) -> tuple[Guardian, Rights]:
    """A guardian, with the best rights the user holds over any of the guardian's children."""
    pid = parse_public_id(public_id)
    guardian = Guardian.objects.filter(public_id=pid).first()
    if guardian is None:
        raise Http404
    kids = list(guardian.children.select_related("school"))
    rights = NO_RIGHTS
    for r in rights_for_children(user, kids).values():
        rights = rights.merge(r)
    if not rights:
        raise Http404
    if T.BASIC not in rights.tiers or (edit and not rights.can_edit):
        raise PermissionDenied
    return guardian, rights


def get_class_for_user(
    user: UserLike, public_id: Any, *, need: FieldTier = T.STATUS
) -> tuple[SchoolClass, Rights]:
    """A class with the rights of the memberships holding all of it: 404 for anyone else, 403 if too weak.

    Per-object grants reach single children, never a whole class.
    """
    pid = parse_public_id(public_id)
    school_class = SchoolClass.objects.select_related("school").filter(public_id=pid).first()
    if school_class is None:
        raise Http404
    rights = NO_RIGHTS
    for m in scope_of(user).memberships:
        caps = capabilities_of(m.role)
        if caps.tiers and covers(m, school_class, SCHOOL_CLASS):
            rights = rights.merge(caps.rights(m.role))
    if not rights:
        raise Http404
    require(rights, need)
    return school_class, rights
