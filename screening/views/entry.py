"""Entering a child's answers, and the result page shown after saving.

Paper entry: a counsellor types the answer codes of every instrument of a campaign; the scoring
service decides totals and tiers. A refused save (no consent, a date outside the campaign) keeps
every typed answer in the form.

Supervised self-report: only instruments whose item text may be shown. The counsellor confirms with
the account password and the device is logged out before it is handed to the child, so the child
can reach nothing but the questions. Answers stay in the server-side session until the last
question and are then saved in the counsellor's name. The child sees no score, tier or warning;
the counsellor logs in again to see the result.

The session store is not encrypted (the database backend only signs it), so the answers never sit
there in plaintext: they are sealed with the field encryption key, bound to this sitting, the child
and the campaign, and opened only to add an answer, to save, or to show them to the counsellor.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections import defaultdict
from typing import Any

from django.contrib import auth, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lbc import access, audit, crypto, submissions
from lbc.access import FieldTier, Rights
from lbc.models import Child
from lbc.services.errors import DomainError
from screening.access import campaign_run_school_ids, campaigns_for, get_campaign_for_user
from screening.assessments.recording import (
    InstrumentAnswers,
    check_campaign,
    check_consent,
    record_assessment,
)
from screening.forms.entry import PaperEntryForm, SelfAnswerForm, SelfReportStartForm
from screening.models import Assessment, Campaign, Tier
from screening.scoring.context import FACTORS
from screening.scoring.instruments import Instrument, get_instrument
from screening.scoring.tiers import Tier as TierRule
from screening.scoring.tiers import neutral_label
from screening.scoring.validity import VALIDITY_LABELS, ValidityCode

SELF_KEY = "screening_self_report"
RUNNING, SAVED, FAILED, EMPTY = "running", "saved", "failed", "empty"
ANSWERS_CONTEXT = "screening.self_report.answers"
URGENT_TIERS = (Tier.RED, Tier.RED_ACUTE)
PAPER_FORM = "screening.entry.paper"


# --- which campaign ------------------------------------------------------------------------------------


def entry_campaigns(user: Any, child: Child) -> QuerySet[Campaign]:
    """Campaigns of the child's school that the user runs."""
    runs = campaign_run_school_ids(user)
    return campaigns_for(user).filter(school_id__in=runs & {child.school_id})


def chosen_campaign(request: HttpRequest, child: Child) -> Campaign | None:
    """The campaign named in ``?campaign=`` (404 if not the user's), else the only open one for the grade."""
    campaigns = entry_campaigns(request.user, child)
    wanted = request.GET.get("campaign")
    if wanted:
        campaign = campaigns.filter(public_id=access.parse_public_id(wanted)).first()
        if campaign is None:
            raise Http404
        return campaign
    open_now = [c for c in campaigns.filter(status=Campaign.Status.OPEN) if child.grade in c.grades]
    return open_now[0] if len(open_now) == 1 else None


def choose_page(request: HttpRequest, child: Child, campaign: Campaign | None, url_name: str) -> HttpResponse:
    campaigns = (
        entry_campaigns(request.user, child).filter(status=Campaign.Status.OPEN).order_by("-starts_on")
    )
    context = {
        "child_name": child.full_name,
        "child_id": child.public_id,
        "campaigns": campaigns,
        "not_open": campaign,
        "url_name": url_name,
    }
    return render(request, "screening/entry/choose.html", context)


def instruments_of(campaign: Campaign) -> list[Instrument]:
    return [get_instrument(code, version) for code, version in campaign.instrument_keys()]


def entry_url(url_name: str, child: Child, campaign: Campaign) -> str:
    return f"{reverse(url_name, kwargs={'public_id': child.public_id})}?campaign={campaign.public_id}"


# --- paper entry ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def paper_entry(request: HttpRequest, public_id: Any) -> HttpResponse:
    child, _rights = access.get_child_for_user(request.user, public_id, need=FieldTier.NOTES)
    campaign = chosen_campaign(request, child)
    if campaign is None or campaign.status != Campaign.Status.OPEN:
        return choose_page(request, child, campaign, "screening:entry-paper")
    form = PaperEntryForm(request.POST or None, campaign=campaign, instruments=instruments_of(campaign))
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["submission"]
        try:
            with transaction.atomic():  # the token is claimed with the screening, or not at all
                submissions.claim(token, request.user, PAPER_FORM)
                assessment = record_assessment(
                    child,
                    form.responses(),
                    by=request.user,
                    mode=Assessment.Mode.PAPER,
                    administered_on=form.cleaned_data["administered_on"],
                    campaign=campaign,
                    extra_context=form.extra_context(),
                    child_assent=form.assent(),
                    request=request,
                )
                submissions.created(token, assessment.public_id)
        except submissions.AlreadySubmitted as exc:
            messages.info(request, _("这份答卷已经保存过，没有重复保存。"))
            return redirect("screening:assessment-result", public_id=exc.created)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已保存并计分。"))
            return redirect("screening:assessment-result", public_id=assessment.public_id)
    context = {
        "form": form,
        "blocks": form.display_blocks(),
        "child_name": child.full_name,
        "child_id": child.public_id,
        "campaign": campaign,
        "action": entry_url("screening:entry-paper", child, campaign),
        "self_url": entry_url("screening:entry-self", child, campaign),
    }
    return render(request, "screening/entry/paper.html", context)


# --- result --------------------------------------------------------------------------------------------


def response_rows(assessment: Assessment) -> list[dict[str, Any]]:
    """Scores per instrument. The encrypted answers are not loaded: this page never shows them."""
    rows = []
    for response in assessment.responses.defer("answers").order_by("pk"):
        instrument = get_instrument(response.instrument_code, response.instrument_version)
        band_key = response.bands.get("total")
        band = next((b.label for b in instrument.total.bands if b.key == band_key), "")
        rows.append(
            {
                "title": instrument.title,
                "total_label": instrument.total.label,
                "total": response.total,
                "band": band,
                "subscales": [(s.label, response.subscales.get(s.key)) for s in instrument.subscales],
                "validity": [VALIDITY_LABELS[ValidityCode(code)] for code in response.validity],
                "missing": response.missing_items,
                "critical_items": response.critical_items,
            }
        )
    return rows


def urgent_steps(tier: Tier, action: str) -> list[str]:
    """The plain instructions of a RED or RED_ACUTE result, built around the tier decision's action."""
    if tier == Tier.RED_ACUTE:
        return [action, _("在专业人员到达之前，一直有成年人陪着孩子。")]
    return [_("现在就不要让孩子独处。"), action]


def result_context(assessment: Assessment, child: Child, rights: Rights) -> dict[str, Any]:
    seen = access.fields_for(rights, "assessment")
    allowed = access.fields_for(rights, "child")
    tier = Tier(assessment.tier)
    labels = {f.key: f.label for f in FACTORS}
    factors = [labels.get(k, k) for k in assessment.context_factors]
    urgent = tier in URGENT_TIERS and "action" in seen
    return {
        "child_name": child.full_name if "full_name" in allowed else child.given_name,
        "child_id": child.public_id,
        "campaign": assessment.campaign,
        "administered_on": assessment.administered_on,
        "label": neutral_label(TierRule(assessment.tier)),
        "action": assessment.action if "action" in seen else "",
        "tier": {"key": tier.value.lower(), "label": tier.label} if "tier" in seen else None,
        "deadline": assessment.deadline if "deadline" in seen else "",
        "mode": assessment.get_mode_display() if "mode" in seen else "",
        "context_score": assessment.context_score if "context_score" in seen else None,
        "factors": factors if "context_factors" in seen else [],
        "reasons": assessment.reasons if "reasons" in seen else [],
        "responses": response_rows(assessment) if "totals" in seen else [],
        "urgent": urgent,
        "acute": urgent and tier == Tier.RED_ACUTE,
        "steps": urgent_steps(tier, assessment.action) if urgent else [],
        "can_enter": rights.notes and assessment.campaign is not None,
    }


@login_required
@require_GET
def assessment_result(request: HttpRequest, public_id: Any) -> HttpResponse:
    pid = access.parse_public_id(public_id)
    assessment = Assessment.objects.select_related("campaign", "child").filter(public_id=pid).first()
    if assessment is None:
        raise Http404
    child, rights = access.get_child_for_user(request.user, assessment.child.public_id, need=FieldTier.STATUS)
    shown = sorted(access.fields_for(rights, "assessment"))
    # Recorded before anything is rendered: no audit record, no result.
    audit.record(
        "screening.assessment.viewed",
        request=request,
        obj=assessment,
        child=child,
        detail={"page": "result", "fields": shown},
    )
    return render(request, "screening/entry/result.html", result_context(assessment, child, rights))


# --- supervised self-report: the counsellor's start page ----------------------------------------------


def new_state(child: Child, campaign: Campaign, user: Any, instruments: list[Instrument]) -> dict[str, Any]:
    state: dict[str, Any] = {
        "sitting": secrets.token_hex(16),
        "child": str(child.public_id),
        "given_name": child.given_name,
        "campaign": str(campaign.public_id),
        "by": user.pk,
        "on": timezone.localdate().isoformat(),
        "steps": [[i.code, i.version, n] for i in instruments for n in i.item_numbers],
        "position": 0,
        "started": {},
        "last": {},
        "status": RUNNING,
    }
    seal_answers(state, {})
    return state


def answers_context(state: dict[str, Any]) -> str:
    # A sealed value copied into another sitting, or another child's questionnaire, does not open.
    return f"{ANSWERS_CONTEXT}:{state['sitting']}:{state['child']}:{state['campaign']}"


def seal_answers(state: dict[str, Any], answers: dict[str, int]) -> None:
    """Store {step position: answer code} encrypted in the state."""
    state["sealed_answers"] = crypto.encrypt(json.dumps(answers, sort_keys=True), answers_context(state))


def open_answers(state: dict[str, Any]) -> dict[str, int]:
    answers: dict[str, int] = json.loads(crypto.decrypt(state["sealed_answers"], answers_context(state)))
    return answers


@login_required
@require_http_methods(["GET", "POST"])
def self_start(request: HttpRequest, public_id: Any) -> HttpResponse:
    child, _rights = access.get_child_for_user(request.user, public_id, need=FieldTier.NOTES)
    campaign = chosen_campaign(request, child)
    if campaign is None or campaign.status != Campaign.Status.OPEN:
        return choose_page(request, child, campaign, "screening:entry-self")
    instruments = instruments_of(campaign)
    allowed = [i for i in instruments if i.text_allowed]
    form = SelfReportStartForm(request.POST or None, user=request.user) if allowed else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            check_campaign(campaign, child, [], timezone.localdate())
            check_consent(child, timezone.localdate(), True)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return hand_over(request, child, campaign, allowed)
    context = {
        "form": form,
        "child_name": child.full_name,
        "child_id": child.public_id,
        "campaign": campaign,
        "allowed": [i.title for i in allowed],
        "paper_only": [i.title for i in instruments if not i.text_allowed],
        "action": entry_url("screening:entry-self", child, campaign),
        "paper_url": entry_url("screening:entry-paper", child, campaign),
    }
    return render(request, "screening/entry/self_start.html", context)


def hand_over(
    request: HttpRequest, child: Child, campaign: Campaign, instruments: list[Instrument]
) -> HttpResponse:
    """Log the device out and keep only the child's questionnaire in the new session."""
    state = new_state(child, campaign, request.user, instruments)
    audit.record(
        "screening.self_report.started",
        request=request,
        obj=campaign,
        child=child,
        detail={"instruments": [i.code for i in instruments]},
    )
    auth.logout(request)
    request.session[SELF_KEY] = state
    return redirect("screening:self-question")


# --- supervised self-report: the child's screens --------------------------------------------------------


def current_item(state: dict[str, Any]) -> tuple[Instrument, int]:
    code, version, number = state["steps"][state["position"]]
    return get_instrument(code, version), int(number)


def answer_step(state: dict[str, Any], value: int | None) -> None:
    position = state["position"]
    code = state["steps"][position][0]
    answers = open_answers(state)
    if value is None:
        answers.pop(str(position), None)
    else:
        answers[str(position)] = value
    seal_answers(state, answers)
    state["last"][code] = timezone.now().timestamp()
    state["position"] = position + 1


def apply_post(request: HttpRequest, state: dict[str, Any]) -> dict[str, Any]:
    """One tap of the child. A stale tap (a double tap, a reloaded page) changes nothing."""
    if request.POST.get("position") != str(state["position"]):
        return state
    action = request.POST.get("action", "answer")
    if action == "back":
        state["position"] = max(0, state["position"] - 1)
    elif action == "stop":
        return finish(request, state)
    elif "answer" in request.POST:
        instrument, number = current_item(state)
        form = SelfAnswerForm(request.POST, codes=[o.value for o in instrument.item(number).options])
        if form.is_valid():
            answer_step(state, form.cleaned_data["answer"])
    if state["position"] >= len(state["steps"]):
        return finish(request, state)
    return state


def question_context(state: dict[str, Any]) -> dict[str, Any]:
    instrument, number = current_item(state)
    item = instrument.item(number)
    chosen = open_answers(state).get(str(state["position"]))
    return {
        "given_name": state["given_name"],
        "text": item.text,
        "options": [{"value": o.value, "label": o.label, "chosen": o.value == chosen} for o in item.options],
        "position": state["position"],
        "number": state["position"] + 1,
        "count": len(state["steps"]),
    }


@require_http_methods(["GET", "POST"])
def self_question(request: HttpRequest) -> HttpResponse:
    """The child's screen: one question, large buttons, progress; afterwards only a thank-you.

    No login: the device was logged out when it was handed over; the session holds the questionnaire.
    """
    state = request.session.get(SELF_KEY)
    if not state:
        raise Http404
    if request.method == "POST":
        if state["status"] == RUNNING:
            request.session[SELF_KEY] = apply_post(request, state)
        return redirect("screening:self-question")
    if state["status"] != RUNNING:
        handback = f"{reverse('lbc:login')}?next={reverse('screening:self-handback')}"
        return render(request, "screening/entry/self_done.html", {"handback": handback})
    code = current_item(state)[0].code
    if code not in state["started"]:
        state["started"][code] = timezone.now().timestamp()
        request.session[SELF_KEY] = state
    return render(request, "screening/entry/self_question.html", question_context(state))


# --- saving the child's answers ---------------------------------------------------------------------------


def collected(state: dict[str, Any]) -> list[InstrumentAnswers]:
    """The answers per instrument (instruments without any answer are left out), with the time taken."""
    answers: dict[tuple[str, str], dict[int, int]] = defaultdict(dict)
    for position, value in open_answers(state).items():
        code, version, number = state["steps"][int(position)]
        answers[(code, version)][int(number)] = int(value)
    result = []
    for (code, version), given in answers.items():
        started, last = state["started"].get(code), state["last"].get(code)
        seconds = max(0.0, last - started) if started is not None and last is not None else None
        result.append(InstrumentAnswers(code, version, given, seconds=seconds))
    return result


def finish(request: HttpRequest, state: dict[str, Any]) -> dict[str, Any]:
    """Save what the child answered in the counsellor's name; the state then holds only the outcome."""
    keep = {"child": state["child"], "campaign": state["campaign"]}
    responses = collected(state)
    if not responses:
        return {**keep, "status": EMPTY}
    try:
        assessment = save_self_report(request, state, responses)
    except DomainError as exc:
        return {**state, "status": FAILED, "error": exc.message}
    return {**keep, "status": SAVED, "result": str(assessment.public_id)}


def save_self_report(
    request: HttpRequest, state: dict[str, Any], responses: list[InstrumentAnswers]
) -> Assessment:
    user = auth.get_user_model().objects.filter(pk=state["by"], is_active=True).first()
    try:
        if user is None:
            raise PermissionDenied
        child, _rights = access.get_child_for_user(user, state["child"], need=FieldTier.NOTES)
        campaign, _crights = get_campaign_for_user(user, state["campaign"], edit=True)
    except (Http404, PermissionDenied):
        raise DomainError(_("开始自评的账号已无权为这名儿童保存结果。")) from None
    return record_assessment(
        child,
        responses,
        by=user,
        mode=Assessment.Mode.SELF_REPORT,
        administered_on=dt.date.fromisoformat(state["on"]),
        campaign=campaign,
        child_assent=True,
        request=request,
    )


# --- supervised self-report: the counsellor takes the device back ---------------------------------------


def pending_answers(state: dict[str, Any]) -> list[dict[str, Any]]:
    """The unsaved answers, for the counsellor, with positive critical items marked."""
    rows = []
    for response in collected(state):
        instrument = get_instrument(response.code, response.version)
        rules = {r.item: r.min_value for r in instrument.critical}
        rows.append(
            {
                "title": instrument.title,
                "answers": [
                    {"item": n, "value": v, "critical": n in rules and v >= rules[n]}
                    for n, v in sorted(response.answers.items())
                    if v is not None
                ],
            }
        )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def self_handback(request: HttpRequest) -> HttpResponse:
    state = request.session.get(SELF_KEY)
    if not state:
        raise Http404
    child, _rights = access.get_child_for_user(request.user, state["child"], need=FieldTier.NOTES)
    if request.method == "POST":
        if request.POST.get("action") == "discard":
            del request.session[SELF_KEY]
            audit.record("screening.self_report.discarded", request=request, child=child)
            messages.info(request, _("已放弃这次自评，没有保存任何答案。"))
            return redirect("screening:campaign-detail", public_id=state["campaign"])
        if state["status"] in (RUNNING, FAILED):
            state = request.session[SELF_KEY] = finish(request, state)
    if state["status"] == SAVED:
        del request.session[SELF_KEY]
        return redirect("screening:assessment-result", public_id=state["result"])
    if state["status"] == EMPTY:
        del request.session[SELF_KEY]
        messages.info(request, _("孩子没有回答任何题目，没有保存记录。"))
        return redirect("screening:campaign-detail", public_id=state["campaign"])
    audit.record(
        "screening.self_report.reviewed", request=request, child=child, detail={"status": state["status"]}
    )
    context = {
        "child_name": child.full_name,
        "state": state,
        "answered": len(open_answers(state)),
        "count": len(state["steps"]),
        "pending": pending_answers(state),
    }
    return render(request, "screening/entry/self_handback.html", context)
