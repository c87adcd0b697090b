"""Writing screenings: consent gate, scoring, tier, encrypted storage, the child's latest tier, audit.

``record_assessment`` is the one path for a single child (paper entry, self-report). Whole-grade
imports score in batches and check consent over prefetched decisions, but they reuse
``registry_factors``, ``answer_factors``, ``assessment_row``, ``response_row``, ``set_latest_tier``,
``thresholds_for`` and the core's consent rule (``lbc.models.consent_in_force``), so both paths apply
the same rules.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from lbc import audit
from lbc.models import Child, ChildGuardian, Consent, Guardian
from lbc.models import consent_for as lbc_consent_for
from lbc.services.errors import DomainError
from screening.assessments.thresholds import thresholds_for
from screening.models import Assessment, Campaign, Response
from screening.scoring.context import ContextScore, context_score
from screening.scoring.instruments import UnknownInstrument, get_instrument
from screening.scoring.scores import AnswerError, ScoreResult, score_answers
from screening.scoring.tiers import Disclosure, TierDecision, assign_tier
from screening.warnings.raising import raise_warnings

# PIPL Art. 31: personal information of a child under 14 needs a guardian's consent.
CONSENT_AGE = 14
FACTORS_FROM_COUNSELLOR = ("bullied_last_term", "low_social_support", "sleep_onset_problems")
SDQ_BULLIED_ITEM = 19  # the peer-problems item on being picked on (wording not reproduced: licence)


class ConsentMissing(DomainError):
    """No active screening consent for a child under 14, or the child declined."""


@dataclass(frozen=True)
class InstrumentAnswers:
    code: str
    version: str
    answers: Mapping[int, int | None]
    seconds: float | None = None


def consent_for(child: Child, on: dt.date) -> Consent | None:
    """The screening consent in force on ``on`` (the core's ``consent_in_force`` rule)."""
    return lbc_consent_for(child, Consent.Purpose.SCREENING, on)


def check_consent(child: Child, on: dt.date, child_assent: bool | None) -> Consent | None:
    if child_assent is False:
        raise ConsentMissing(
            _("孩子本人不同意参加筛查：不能保存结果。请尊重孩子的意愿，必要时由心理教师单独沟通。")
        )
    consent = consent_for(child, on)
    if consent is None and child.age_on(on) < CONSENT_AGE:
        raise ConsentMissing(
            _(
                "该儿童未满14周岁，且在施测日期没有有效的心理筛查知情同意：不能保存结果。请先在儿童档案中记录监护人的同意。"
            )
        )
    return consent


def registry_factors(child: Child, on: dt.date, guardians: Sequence[Guardian] = ()) -> dict[str, bool]:
    """Context factors that come from the child's file (SCREENING.md section 3)."""
    contact = Child.ContactFrequency
    separated_young = bool(child.separation_start and child.age_on(child.separation_start) < 3)
    carers_frail = any(
        (g.birth_year is not None and on.year - g.birth_year >= 70)
        or g.health in (Guardian.Health.CHRONIC, Guardian.Health.DISABLED)
        for g in guardians
    )
    return {
        "both_parents_away": child.left_behind_type == Child.LeftBehindType.BOTH_AWAY,
        "no_capable_adult": child.care_arrangement == Child.CareArrangement.SELF,
        "contact_less_than_monthly": child.parent_contact
        in (contact.QUARTERLY, contact.YEARLY, contact.NEVER),
        "separated_before_3": separated_young,
        "boarding": child.boarding,
        "caregiver_elderly_or_ill": carers_frail,
    }


def answer_factors(responses: Sequence[InstrumentAnswers]) -> dict[str, bool]:
    """Context factors that the answers themselves state (SDQ item 19 at its highest code, 2: bullied)."""
    sdq = next((r for r in responses if r.code == "SDQ"), None)
    bullied = bool(sdq and sdq.answers.get(SDQ_BULLIED_ITEM) == 2)
    return {"bullied_last_term": True} if bullied else {}


def context_for(
    child: Child, on: dt.date, responses: Sequence[InstrumentAnswers], extra: Mapping[str, bool] | None = None
) -> ContextScore:
    carers = [
        link.guardian
        for link in ChildGuardian.objects.filter(child=child, is_primary=True).select_related("guardian")
    ]
    factors = registry_factors(child, on, carers)
    factors.update({k: v for k, v in (extra or {}).items() if k in FACTORS_FROM_COUNSELLOR and v})
    factors.update(answer_factors(responses))
    return context_score(factors)


def score_all(responses: Sequence[InstrumentAnswers], age: int) -> list[ScoreResult]:
    if not responses:
        raise DomainError(_("请至少填写一份量表。"))
    codes = [r.code for r in responses]
    if len(set(codes)) != len(codes):
        raise DomainError(_("同一次筛查中每份量表只能出现一次。"))
    results = []
    for r in responses:
        try:
            instrument = get_instrument(r.code, r.version)
            results.append(score_answers(instrument, r.answers, age=age, seconds=r.seconds))
        except (UnknownInstrument, AnswerError) as exc:
            raise DomainError(str(exc)) from None
    return results


def response_row(result: ScoreResult, source: InstrumentAnswers, assessment: Assessment) -> Response:
    return Response(
        assessment=assessment,
        instrument_code=result.code,
        instrument_version=result.version,
        answers=json.dumps({str(k): v for k, v in sorted(source.answers.items()) if v is not None}),
        seconds=source.seconds,
        total=result.total.score,
        subscales={s.key: s.score for s in result.subscales},
        bands={key: band.key for key, band in result.bands.items()},
        critical_items=[f.item for f in result.critical],
        validity=[str(f.code) for f in result.validity],
        missing_items=list(result.missing_items),
        valid=result.is_valid,
    )


def assessment_row(
    child: Child,
    decision: TierDecision,
    ctx: ContextScore,
    *,
    on: dt.date,
    mode: str,
    campaign: Campaign | None,
    consent: Consent | None,
    child_assent: bool | None,
    critical: bool,
    by: Any,
) -> Assessment:
    return Assessment(
        child=child,
        campaign=campaign,
        school_id=child.school_id,
        township_id=child.township_id,
        county_id=child.county_id,
        administered_on=on,
        mode=mode,
        age=child.age_on(on),
        sex=child.sex,
        grade=child.grade,
        tier=str(decision.tier),
        reasons=[str(r) for r in decision.reasons],
        action=str(decision.action)[:300],
        deadline=str(decision.deadline.description)[:200],
        context_score=ctx.score,
        context_factors=[f.key for f in ctx.factors],
        critical=critical,
        consent=consent,
        consent_by_caregiver=bool(consent and not consent.is_legal_guardian),
        child_assent=child_assent,
        entered_by=by,
    )


def check_campaign(
    campaign: Campaign | None, child: Child, responses: Sequence[InstrumentAnswers], on: dt.date
) -> None:
    if campaign is None:
        return
    if campaign.school_id != child.school_id:
        raise DomainError(_("该儿童不在这次筛查的学校。"))
    allowed = set(campaign.instrument_keys())
    if any((r.code, r.version) not in allowed for r in responses):
        raise DomainError(_("这次筛查不包含该量表或版本。"))
    if not campaign.starts_on <= on <= campaign.ends_on:
        raise DomainError(_("施测日期不在这次筛查的起止日期之内。"))


@transaction.atomic
def record_assessment(
    child: Child,
    responses: Sequence[InstrumentAnswers],
    *,
    by: Any,
    mode: str,
    administered_on: dt.date,
    campaign: Campaign | None = None,
    extra_context: Mapping[str, bool] | None = None,
    child_assent: bool | None = None,
    disclosure: Disclosure = Disclosure.NONE,
    request: Any = None,
) -> Assessment:
    """Score, tier and store one child's screening; update the child's latest tier in the same transaction.

    A result at YELLOW or above (or GREY) raises or raises the tier of the child's open warning, in the
    same transaction (``screening.warnings.raising.raise_warnings``). A critical answer makes the result RED
    (or RED_ACUTE) even on an invalid or incomplete form.
    """
    if administered_on > timezone.localdate():
        raise DomainError(_("施测日期不能晚于今天。"))
    if child.status == Child.Status.AGED_OUT:
        raise DomainError(
            _("该儿童已满16周岁，档案只读，不能再保存筛查结果。如发现安全风险，请立即按强制报告流程处理。")
        )
    check_campaign(campaign, child, responses, administered_on)
    consent = check_consent(child, administered_on, child_assent)
    results = score_all(responses, child.age_on(administered_on))
    ctx = context_for(child, administered_on, responses, extra_context)
    decision = assign_tier(results, ctx.score, thresholds_for(child.county_id), disclosure=disclosure)
    assessment = assessment_row(
        child,
        decision,
        ctx,
        on=administered_on,
        mode=mode,
        campaign=campaign,
        consent=consent,
        child_assent=child_assent,
        critical=any(r.critical for r in results),
        by=by,
    )
    assessment.save()
    Response.objects.bulk_create(
        [response_row(result, source, assessment) for result, source in zip(results, responses, strict=True)]
    )
    set_latest_tier([child.pk])
    assessment.child = child
    raise_warnings([assessment], by=by)
    audit.record(
        "screening.assessment.recorded",
        actor=by,
        request=request,
        obj=assessment,
        child=child,
        detail={"mode": mode, "instruments": [r.code for r in responses]},
    )
    return assessment


def set_latest_tier(child_ids: Sequence[int]) -> int:
    """Set-based: each child's latest tier and date from its newest assessment. Returns rows updated."""
    newest = Assessment.objects.filter(child_id=OuterRef("pk")).order_by(
        "-administered_on", "-created_at", "-pk"
    )
    return Child.objects.filter(pk__in=list(child_ids)).update(
        latest_tier=Subquery(newest.values("tier")[:1]),
        latest_tier_on=Subquery(newest.values("administered_on")[:1]),
    )
