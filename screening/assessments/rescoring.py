"""Re-scoring stored screenings, and county thresholds whose change triggers it.

A campaign is re-scored from the stored (decrypted) answers with the current definition of each
response's instrument version and the county's current thresholds. The context score stays as it
was recorded: it describes the child's situation on the day, not today's. An assessment whose
stored result changes gets a ``Rescore`` history row; RED is never lowered automatically
(SCREENING.md section 2): the assessment keeps its tier and the row records that a counsellor must
sign off (``changes["downgrade_blocked"]``).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from lbc import audit
from lbc.models import Region
from lbc.services.errors import DomainError
from screening.assessments.recording import InstrumentAnswers, response_row, set_latest_tier
from screening.assessments.thresholds import thresholds_for, thresholds_from
from screening.models import Assessment, Campaign, CountyThresholds, Rescore, Response
from screening.scoring.instruments import UnknownInstrument, get_instrument
from screening.scoring.scores import AnswerError, ScoreResult, score_answers
from screening.scoring.tiers import RED_TIERS, Disclosure, Thresholds, TierDecision, assign_tier, tier_rank
from screening.warnings.raising import raise_warnings

ASSESSMENT_FIELDS = ("tier", "reasons", "action", "deadline", "critical")
RESPONSE_FIELDS = ("total", "subscales", "bands", "critical_items", "validity", "missing_items", "valid")


@dataclass
class RescoreCounts:
    assessments: int = 0  # re-scored
    changed: int = 0  # stored result changed, or a downgrade was blocked: one Rescore row each
    raised: int = 0
    lowered: int = 0
    downgrades_blocked: int = 0

    def add(self, other: RescoreCounts) -> None:
        for f in dataclasses.fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def as_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)


@dataclass
class Outcome:
    """One assessment after re-scoring: what changed, and the history row if anything did."""

    assessment: Assessment
    old_tier: str
    computed_tier: str
    fields: list[str] = field(default_factory=list)
    responses: list[Response] = field(default_factory=list)  # those whose scores changed
    totals: dict[str, dict[str, int | None]] = field(default_factory=dict)
    blocked: bool = False


def rescore_campaign(campaign: Campaign, *, by: Any, reason: str, request: Any = None) -> RescoreCounts:
    """Re-score every assessment of the campaign atomically; one audit event with the counts."""
    reason = reason.strip()
    if not reason:
        raise DomainError(_("请填写重新评级的原因。"))
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().select_related("school").get(pk=campaign.pk)
        thresholds = thresholds_for(locked.school.county_id)
        assessments = list(
            Assessment.objects.select_for_update().filter(campaign=locked).order_by("pk")
            .prefetch_related("responses")
        )
        noted = _blocked_already(locked)
        outcomes = [_rescore(a, thresholds) for a in assessments]
        written = [o for o in outcomes if o.fields or o.responses or (o.blocked and _new_block(o, noted))]
        _write(written, by=by, reason=reason[:200])
        # A tier that rose raises (or opens) the child's warning; a lower one never lowers it.
        raised = [o.assessment for o in written if tier_rank(o.assessment.tier) > tier_rank(o.old_tier)]
        raise_warnings(raised, by=by)
        counts = _counts(len(assessments), written)
        audit.record("screening.campaign.rescored", actor=by, request=request, obj=locked,
                     detail={**counts.as_dict(), "reason": reason[:200]})
    return counts


def rescore_county(county: Region, *, by: Any, reason: str) -> list[tuple[Campaign, RescoreCounts]]:
    """Every campaign of the county's schools, each in its own transaction."""
    campaigns = Campaign.objects.filter(school__county_id=county.pk).select_related("school").order_by("pk")
    return [(c, rescore_campaign(c, by=by, reason=reason)) for c in campaigns]


@task()
def rescore_campaign_task(campaign_public_id: str, by_id: int | None, reason: str) -> dict[str, int]:
    """Background job: re-score one campaign (queued when a county changes its thresholds)."""
    campaign = Campaign.objects.get(public_id=campaign_public_id)
    by = get_user_model().objects.filter(pk=by_id).first() if by_id is not None else None
    return rescore_campaign(campaign, by=by, reason=reason).as_dict()


# --- one assessment -----------------------------------------------------------------------------


def stored_answers(response: Response) -> InstrumentAnswers:
    answers = {int(item): value for item, value in json.loads(response.answers).items()}
    return InstrumentAnswers(response.instrument_code, response.instrument_version, answers, response.seconds)


def _score(assessment: Assessment, source: InstrumentAnswers) -> ScoreResult:
    try:
        instrument = get_instrument(source.code, source.version)
        return score_answers(instrument, source.answers, age=assessment.age, seconds=source.seconds)
    except (UnknownInstrument, AnswerError) as exc:
        message = _("筛查记录 %(id)s 的 %(code)s 答案无法按当前定义计分：%(error)s")
        raise DomainError(message % {"id": assessment.public_id, "code": source.code, "error": exc}) from None


def _disclosure(assessment: Assessment) -> Disclosure:
    """A RED without a critical item came from what the child said; it stays part of the result."""
    if assessment.critical:
        return Disclosure.NONE
    if assessment.tier == "RED_ACUTE":
        return Disclosure.PLAN_OR_ATTEMPT
    return Disclosure.SELF_HARM if assessment.tier == "RED" else Disclosure.NONE


def _rescore(assessment: Assessment, thresholds: Thresholds) -> Outcome:
    responses = list(assessment.responses.all())
    sources = [stored_answers(r) for r in responses]
    results = [_score(assessment, s) for s in sources]
    decision = assign_tier(results, assessment.context_score, thresholds, disclosure=_disclosure(assessment))
    outcome = Outcome(assessment, assessment.tier, str(decision.tier))
    for response, result, source in zip(responses, results, sources, strict=True):
        _update_response(outcome, response, response_row(result, source, assessment))
    # A blocked downgrade leaves the assessment exactly as it was (tier, reasons, critical flag):
    # only the response scores, which are facts, are brought up to date.
    lower = tier_rank(outcome.computed_tier) < tier_rank(assessment.tier)
    outcome.blocked = assessment.tier in RED_TIERS and lower
    if not outcome.blocked:
        _apply(outcome, _assessment_values(decision, results))
    return outcome


def _assessment_values(decision: TierDecision, results: Sequence[ScoreResult]) -> dict[str, Any]:
    # As recording.assessment_row stores them.
    return {
        "tier": str(decision.tier),
        "reasons": [str(r) for r in decision.reasons],
        "action": str(decision.action)[:300],
        "deadline": str(decision.deadline.description)[:200],
        "critical": any(r.critical for r in results),
    }


def _apply(outcome: Outcome, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if getattr(outcome.assessment, name) != value:
            setattr(outcome.assessment, name, value)
            outcome.fields.append(name)


def _update_response(outcome: Outcome, response: Response, fresh: Response) -> None:
    outcome.totals[response.instrument_code] = {"old": response.total, "new": fresh.total}
    changed = [name for name in RESPONSE_FIELDS if getattr(response, name) != getattr(fresh, name)]
    for name in changed:
        setattr(response, name, getattr(fresh, name))
    if changed:
        outcome.responses.append(response)


# --- writing ------------------------------------------------------------------------------------


def _blocked_already(campaign: Campaign) -> set[tuple[int, str]]:
    """(assessment, computed tier) pairs whose blocked downgrade a Rescore row already records."""
    rows = Rescore.objects.filter(assessment__campaign=campaign, changes__downgrade_blocked=True)
    return {(a, str(tier)) for a, tier in rows.values_list("assessment_id", "changes__computed_tier")}


def _new_block(outcome: Outcome, noted: set[tuple[int, str]]) -> bool:
    return (outcome.assessment.pk, outcome.computed_tier) not in noted


def _changes(outcome: Outcome) -> dict[str, Any]:
    return {
        "totals": outcome.totals,
        "fields": outcome.fields,
        "responses": [r.instrument_code for r in outcome.responses],
        "computed_tier": outcome.computed_tier,
        "downgrade_blocked": outcome.blocked,
    }


def _write(outcomes: Sequence[Outcome], *, by: Any, reason: str) -> None:
    now = timezone.now()
    for o in outcomes:
        o.assessment.rescored_at = now
    Assessment.objects.bulk_update([o.assessment for o in outcomes], [*ASSESSMENT_FIELDS, "rescored_at"])
    Response.objects.bulk_update([r for o in outcomes for r in o.responses], list(RESPONSE_FIELDS))
    Rescore.objects.bulk_create([
        Rescore(assessment=o.assessment, by=by, reason=reason, old_tier=o.old_tier,
                new_tier=o.assessment.tier, changes=_changes(o))
        for o in outcomes
    ])
    set_latest_tier([o.assessment.child_id for o in outcomes if o.assessment.tier != o.old_tier])


def _counts(total: int, written: Sequence[Outcome]) -> RescoreCounts:
    return RescoreCounts(
        assessments=total,
        changed=len(written),
        raised=sum(tier_rank(o.assessment.tier) > tier_rank(o.old_tier) for o in written),
        lowered=sum(tier_rank(o.assessment.tier) < tier_rank(o.old_tier) for o in written),
        downgrades_blocked=sum(o.blocked for o in written),
    )


# --- county thresholds --------------------------------------------------------------------------


def changed_thresholds(old: Thresholds, new: Thresholds) -> dict[str, list[int]]:
    return {
        f.name: [getattr(old, f.name), getattr(new, f.name)]
        for f in dataclasses.fields(Thresholds)
        if getattr(old, f.name) != getattr(new, f.name)
    }


def save_thresholds(county: Region, thresholds: Thresholds, *, by: Any, request: Any = None) -> int:
    """Store the county's thresholds and queue the re-scoring of its campaigns once committed.

    Returns the number of campaigns queued (0 when nothing changed)."""
    with transaction.atomic():
        row = CountyThresholds.objects.select_for_update().filter(county=county).first()
        row = row or CountyThresholds(county=county)
        changed = changed_thresholds(thresholds_from(row.values), thresholds)
        if not changed:
            return 0
        row.values = dataclasses.asdict(thresholds)
        row.updated_by = by
        row.save()
        audit.record("screening.thresholds.saved", actor=by, request=request, obj=county,
                     detail={"changed": changed})
        reason = _("县级预警阈值调整（%(when)s）") % {
            "when": timezone.localtime(row.updated_at).strftime("%Y-%m-%d %H:%M:%S"),
        }
        ids = [str(pid) for pid in Campaign.objects.filter(school__county_id=county.pk)
               .order_by("pk").values_list("public_id", flat=True)]
        by_id = by.pk if by is not None else None
        transaction.on_commit(lambda: _enqueue(ids, by_id, reason))
    return len(ids)


def _enqueue(campaign_ids: Sequence[str], by_id: int | None, reason: str) -> None:
    for campaign_id in campaign_ids:
        rescore_campaign_task.enqueue(campaign_id, by_id, reason)
