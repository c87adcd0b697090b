"""The psychological database: campaigns, assessments (one child, one occasion) and their responses,
the early warnings, who answers them, and the interventions on them.

Raw answers are encrypted (highest tier); scores, bands and the tier are plaintext columns so the
county can count and trend them. Every response keeps its instrument code and version, so any
history can be re-scored with the definition it was answered on.
"""

from screening.scoring.tiers import Tier

from .campaigns import Assessment, Campaign, CountyThresholds, ImportBatch, Rescore, Response
from .interventions import GuardianContact, InterventionSession, Referral, SafetyPlan, SignOff
from .responders import Companionship, ResponderProfile
from .warnings import (
    CountyWarningSettings,
    EscalationLevel,
    LifeEvent,
    RescreenDue,
    Warning,
    WarningEvent,
    WarningOutcome,
    WarningState,
)

__all__ = [
    "Assessment",
    "Campaign",
    "Companionship",
    "CountyThresholds",
    "CountyWarningSettings",
    "EscalationLevel",
    "GuardianContact",
    "ImportBatch",
    "InterventionSession",
    "LifeEvent",
    "Referral",
    "Rescore",
    "RescreenDue",
    "ResponderProfile",
    "Response",
    "SafetyPlan",
    "SignOff",
    "Tier",
    "Warning",
    "WarningEvent",
    "WarningOutcome",
    "WarningState",
]
