"""Which searches a caller may run on the child list.

A filter on a field is an oracle for that field: matching family names or grades tells a volunteer
what the rows do not show. So a filter on a tier is allowed only when every path by which the caller
reaches children (memberships and per-object grants) carries that tier.
"""

from __future__ import annotations

from dataclasses import dataclass

from lbc import access
from lbc.access import GRANT_CAPABILITIES, FieldTier, UserLike


@dataclass(frozen=True)
class SearchTiers:
    everywhere: frozenset[FieldTier]  # tiers held over every reachable child
    somewhere: frozenset[FieldTier]  # tiers held over at least one reachable child


def search_tiers(user: UserLike) -> SearchTiers:
    sources = [caps.tiers for caps in access.scope_of(user).capabilities() if caps.tiers]
    codenames = set(access.active_grants(user).values_list("permission__codename", flat=True))
    sources += [GRANT_CAPABILITIES[c].tiers for c in codenames]
    if not sources:
        return SearchTiers(frozenset(), frozenset())
    return SearchTiers(frozenset.intersection(*sources), frozenset.union(*sources))
