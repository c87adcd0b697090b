from .accounts import PasswordResetCode
from .audit import AuditEvent, KeyCanary
from .consent import Consent, consent_for, consent_in_force
from .grants import ChildGrant, Referral
from .harm_reports import HarmReport, HarmReportEvent
from .memberships import Membership, Role
from .outbox import ContactPreference, OutboxMessage
from .people import Child, ChildGuardian, Guardian, Household, Organisation, Parent, Sex, Volunteer
from .regions import Region
from .roster import RosterImport, RosterLayout
from .schools import School, SchoolClass
from .submissions import FormSubmission
from .transfers import ChildTransfer

__all__ = [
    "AuditEvent",
    "Child",
    "ChildGrant",
    "ChildGuardian",
    "ChildTransfer",
    "Consent",
    "ContactPreference",
    "FormSubmission",
    "Guardian",
    "HarmReport",
    "HarmReportEvent",
    "Household",
    "KeyCanary",
    "Membership",
    "Organisation",
    "OutboxMessage",
    "Parent",
    "PasswordResetCode",
    "Referral",
    "Region",
    "Role",
    "RosterImport",
    "RosterLayout",
    "School",
    "SchoolClass",
    "Sex",
    "Volunteer",
    "consent_for",
    "consent_in_force",
]
