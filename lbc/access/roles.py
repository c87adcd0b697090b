"""THE capability table: what each role (and each kind of per-object grant) may see and do.

Everything that depends on a role asks this table: the 403s of the access functions (the registry's
and the satellites'), the menus, the API and the permission matrix. Capabilities of the satellites
(screening campaigns, warning actions, trends, allocation, training) are named here as plain
capability names; the core does not import the apps that use them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from lbc.access.tiers import FieldTier, Rights
from lbc.models import Role

T = FieldTier


class Can(StrEnum):
    # the registry
    LIST_CHILDREN = "list_children"  # lists and searches children (otherwise only single files)
    EDIT_CHILDREN = "edit_children"  # registers and edits children, guardians, parents, consents
    ADMINISTER = "administer"  # regions, schools, users and memberships of the own county
    HANDLE_HARM_REPORTS = "handle_harm_reports"  # reads and handles the mandatory reports of the scope
    SECOND_FACTOR = "second_factor"  # must log in with a second factor (SECURITY.md)
    BREAK_GLASS = "break_glass"  # opens time-boxed emergency access to one child outside the scope
    REFER = "refer"  # refers a child of the own school to a counsellor of another school of the county
    # moves a child it holds to another school/class/home village of the same county (the sending side:
    # the receiving side cannot see the child before the move)
    TRANSFER_CHILDREN = "transfer_children"
    IMPORT_ROSTER = "import_roster"  # loads a roster (花名册) of the own county, or of the own school
    # screening
    SEE_CAMPAIGNS = "see_campaigns"  # screening campaigns of the schools under the scope
    RUN_CAMPAIGNS = "run_campaigns"  # creates and edits the campaigns of the own school, enters answers
    CLASS_OVERVIEW = "class_overview"  # the own class's overview in the menu (head teachers)
    COUNSEL = "counsel"  # counsellor of the own school: signs off closures, receives transferred warnings
    WARNING_ACKNOWLEDGE = "warning_acknowledge"
    WARNING_ASSIGN = "warning_assign"
    WARNING_ESCALATE = "warning_escalate"
    WARNING_TRANSFER = "warning_transfer"
    WARNING_START_INTERVENTION = "warning_start_intervention"
    WARNING_REQUEST_FOLLOW_UP = "warning_request_follow_up"
    WARNING_CLOSE = "warning_close"
    VIEW_TRENDS = "view_trends"  # aggregate screening trends of the own region (figures only, never names)
    ALLOCATE_WARNINGS = "allocate_warnings"  # allocates the open warnings of the own township
    RECORD_LIFE_EVENTS = "record_life_events"  # records a child's life events (bereavement, ...): rescreens
    # training
    MANAGE_TRAINING = "manage_training"  # schedules, enrols anyone invited, takes attendance (own county)
    VIEW_TRAINING = "view_training"  # reads the sessions and statistics of the own county
    ENROL_VILLAGE = "enrol_village"  # sessions inviting the own village; enrols its guardians
    # programs, venues, questionnaires and materials of the own county; edits, moves and cancels its sessions
    SET_UP_TRAINING = "set_up_training"
    TRAINING_WINDOWS = "training_windows"  # the own county's audience windows and quiet periods


@dataclass(frozen=True)
class Capabilities:
    tiers: frozenset[FieldTier]
    may: frozenset[Can] = frozenset()
    # Volunteers: a membership ends with the service term (an end date is required) and the county
    # comes from the volunteer's organisation, not from a region scope.
    term_limited: bool = False

    def allows(self, capability: Can) -> bool:
        return capability in self.may

    def rights(self, source: str) -> Rights:
        """The rights these capabilities give over a record their role (or grant, ``source``) covers."""
        return Rights(self.tiers, Can.EDIT_CHILDREN in self.may, frozenset({source}))


UP_TO_COLOUR = frozenset({T.MINIMAL, T.BASIC, T.IDENTITY, T.STATUS, T.COLOUR})
# County administrators hold no scores: they move a warning on but never start, follow up or close it.
MOVE_WARNINGS = frozenset(
    {Can.WARNING_ACKNOWLEDGE, Can.WARNING_ASSIGN, Can.WARNING_ESCALATE, Can.WARNING_TRANSFER}
)
ACT_ON_WARNINGS = MOVE_WARNINGS | {
    Can.WARNING_START_INTERVENTION, Can.WARNING_REQUEST_FOLLOW_UP, Can.WARNING_CLOSE
}

CAPABILITIES: dict[str, Capabilities] = {
    Role.COUNTY_ADMIN: Capabilities(
        UP_TO_COLOUR,
        frozenset({
            Can.LIST_CHILDREN, Can.EDIT_CHILDREN, Can.ADMINISTER, Can.HANDLE_HARM_REPORTS, Can.SECOND_FACTOR,
            Can.SEE_CAMPAIGNS, Can.VIEW_TRENDS, Can.VIEW_TRAINING, Can.TRANSFER_CHILDREN, Can.SET_UP_TRAINING,
            Can.TRAINING_WINDOWS, Can.IMPORT_ROSTER,
        }) | MOVE_WARNINGS,
    ),
    Role.TOWNSHIP_SUPERVISOR: Capabilities(
        UP_TO_COLOUR | {T.SCORES},
        frozenset({
            Can.LIST_CHILDREN, Can.EDIT_CHILDREN, Can.HANDLE_HARM_REPORTS, Can.SEE_CAMPAIGNS, Can.VIEW_TRENDS,
            Can.ALLOCATE_WARNINGS, Can.BREAK_GLASS, Can.SECOND_FACTOR,
        }) | ACT_ON_WARNINGS,
    ),
    Role.VILLAGE_DIRECTOR: Capabilities(
        UP_TO_COLOUR,
        frozenset({
            Can.LIST_CHILDREN, Can.EDIT_CHILDREN, Can.ENROL_VILLAGE, Can.TRANSFER_CHILDREN,
            Can.RECORD_LIFE_EVENTS,
        }),
    ),
    Role.COUNSELLOR: Capabilities(
        frozenset(FieldTier),
        frozenset({
            Can.LIST_CHILDREN, Can.EDIT_CHILDREN, Can.SECOND_FACTOR, Can.SEE_CAMPAIGNS, Can.RUN_CAMPAIGNS,
            Can.COUNSEL, Can.BREAK_GLASS, Can.REFER, Can.TRANSFER_CHILDREN, Can.RECORD_LIFE_EVENTS,
            Can.IMPORT_ROSTER,
        }) | ACT_ON_WARNINGS,
    ),
    # Head teachers see the neutral label and the action for their class, never colours or scores.
    Role.HEAD_TEACHER: Capabilities(
        frozenset({T.MINIMAL, T.BASIC, T.STATUS}), frozenset({Can.LIST_CHILDREN, Can.CLASS_OVERVIEW})
    ),
    # Trainers hold no tier over children: of a guardian they see a name and a village, never screening.
    # County training windows (farming peaks, Spring Festival, vacations) are county policy: administrators.
    Role.TRAINER: Capabilities(
        frozenset(), frozenset({Can.MANAGE_TRAINING, Can.VIEW_TRAINING, Can.SET_UP_TRAINING})
    ),
    Role.VOLUNTEER: Capabilities(frozenset({T.MINIMAL}), frozenset({Can.LIST_CHILDREN}), term_limited=True),
}

# What each kind of per-object grant gives, by permission codename on Child.
GRANT_CAPABILITIES: dict[str, Capabilities] = {
    "volunteer_child": Capabilities(frozenset({T.MINIMAL}), frozenset({Can.LIST_CHILDREN})),
    "referral_child": Capabilities(frozenset(FieldTier), frozenset({Can.LIST_CHILDREN})),
    "breakglass_child": Capabilities(UP_TO_COLOUR, frozenset({Can.LIST_CHILDREN})),
}

NO_CAPABILITIES = Capabilities(frozenset())


def capabilities_of(source: str) -> Capabilities:
    """The capabilities of a role or of a grant codename (``Rights.roles`` holds both)."""
    return CAPABILITIES.get(source) or GRANT_CAPABILITIES.get(source) or NO_CAPABILITIES


def roles_with(capability: Can) -> frozenset[str]:
    """Roles holding ``capability``, for queries over memberships (``role__in=...``)."""
    return frozenset(role for role, caps in CAPABILITIES.items() if capability in caps.may)
