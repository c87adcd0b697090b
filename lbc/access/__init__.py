"""THE access rules of the registry. Person data is only ever read through access functions.

* ``roles``: the one capability table (what each role may see and do).
* ``scope``: the one scope primitive (which rows a membership holds: a ``Q``, and a predicate).
* ``tiers``: field tiers and ``fields_for``, the one function deciding which fields are shown.
* ``children``, ``harm_reports``, ``admin``, ``notifications``: the registry's own access functions.

Each satellite keeps its access functions in its own ``access.py``, built on these primitives.
Outside the scope: 404 (``Http404``, same as a missing id). In scope, role too weak: 403.
"""

from lbc.access.admin import (
    memberships_for_admin,
    regions_for_admin,
    require_administrator,
    schools_for_admin,
    users_for_admin,
)
from lbc.access.children import (
    SearchTiers,
    active_grants,
    child_scope_q,
    children_for,
    get_child_for_user,
    get_child_to_transfer,
    get_class_for_user,
    get_guardian_for_user,
    guardians_for,
    has_active_grants,
    is_read_only,
    read_only_message,
    rights_allow,
    rights_for_child,
    rights_for_children,
    search_tiers,
)
from lbc.access.grants import (
    BREAK_GLASS,
    REFERRAL,
    breakglass_grants_for_admin,
    breakglass_ids_among,
    get_child_to_refer,
    get_incoming_referral,
    grant_detail,
    referral_recipients,
    referrals_for,
    referrals_of_child,
    referring_memberships,
    require_break_glass,
    require_referrer,
)
from lbc.access.harm_reports import (
    HarmReportRights,
    get_harm_report_for_user,
    harm_reports_for,
    is_harm_report_handler,
    own_harm_reports_for,
    require_reporter,
)
from lbc.access.notifications import notifications_for
from lbc.access.roles import CAPABILITIES, GRANT_CAPABILITIES, Can, Capabilities, capabilities_of, roles_with
from lbc.access.scope import UserLike, UserScope, forget_scope, parse_public_id, scope_of
from lbc.access.tiers import FIELD_TIERS, NO_RIGHTS, FieldTier, Rights, fields_for, require

__all__ = [
    "BREAK_GLASS",
    "CAPABILITIES",
    "FIELD_TIERS",
    "GRANT_CAPABILITIES",
    "NO_RIGHTS",
    "REFERRAL",
    "Can",
    "Capabilities",
    "FieldTier",
    "HarmReportRights",
    "Rights",
    "SearchTiers",
    "UserLike",
    "UserScope",
    "active_grants",
    "breakglass_grants_for_admin",
    "breakglass_ids_among",
    "capabilities_of",
    "child_scope_q",
    "children_for",
    "fields_for",
    "forget_scope",
    "get_child_for_user",
    "get_child_to_refer",
    "get_child_to_transfer",
    "get_class_for_user",
    "get_guardian_for_user",
    "get_harm_report_for_user",
    "get_incoming_referral",
    "grant_detail",
    "guardians_for",
    "harm_reports_for",
    "has_active_grants",
    "is_harm_report_handler",
    "is_read_only",
    "memberships_for_admin",
    "notifications_for",
    "own_harm_reports_for",
    "parse_public_id",
    "read_only_message",
    "referral_recipients",
    "referrals_for",
    "referrals_of_child",
    "referring_memberships",
    "regions_for_admin",
    "require",
    "require_administrator",
    "require_break_glass",
    "require_referrer",
    "require_reporter",
    "rights_allow",
    "rights_for_child",
    "rights_for_children",
    "roles_with",
    "schools_for_admin",
    "scope_of",
    "search_tiers",
    "users_for_admin",
]
