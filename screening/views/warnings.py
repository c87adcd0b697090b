"""Warning lists (counsellor, township, county, and the neutral view of head teachers and village
directors), the warning page with its history, and one POST endpoint per action of the state machine.

The list issues a fixed number of queries whatever the number of warnings: one page of warnings with
their child, school and village joined, the rights of the page's children in one grant query, and one
grouped count per school and per village.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lbc import access, audit
from lbc.access import FieldTier
from lbc.models import Region, School
from lbc.services.errors import DomainError
from screening.access import get_warning_for_user, rescreens_for, warning_actions, warnings_for
from screening.assessments.thresholds import thresholds_for
from screening.models import EscalationLevel, RescreenDue, Warning, WarningOutcome, WarningState
from screening.scoring.tiers import Thresholds, Tier, action_for, neutral_label, tier_label
from screening.warnings import actions, deadlines, state
from screening.warnings.responders import counsellors_for_warning

PAGE_SIZE = 100
RESCREEN_ROWS = 50
RESCREEN_DAYS_AHEAD = 7
ACTIONABLE = sorted(deadlines.UNACKNOWLEDGED | deadlines.ACKNOWLEDGED)
TIER_CSS = {
    Tier.RED_ACUTE: "danger",
    Tier.RED: "danger",
    Tier.ORANGE: "warning",
    Tier.YELLOW: "info",
    Tier.GREY: "secondary",
}


def ordered(qs: QuerySet[Warning], now: dt.datetime) -> QuerySet[Warning]:
    """Overdue first, then tier (RED_ACUTE ... GREY), deadline, context score (highest first)."""
    rank = Case(
        *[When(tier=t, then=Value(i)) for i, t in enumerate(state.WARNING_TIER_ORDER)],
        default=Value(len(state.WARNING_TIER_ORDER)),
        output_field=IntegerField(),
    )
    overdue = Case(
        When(state__in=ACTIONABLE, due_at__lt=now, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return qs.annotate(overdue_rank=overdue, tier_rank=rank).order_by(
        "overdue_rank", "tier_rank", "due_at", "-context_score", "pk"
    )


def _filters(request: HttpRequest, can_filter_colour: bool) -> dict[str, str]:
    keys = ("state", "school", "village") + (("tier", "overdue") if can_filter_colour else ())
    return {k: request.GET.get(k, "").strip() for k in keys if request.GET.get(k, "").strip()}


def _apply_filters(qs: QuerySet[Warning], f: dict[str, str], now: dt.datetime) -> QuerySet[Warning]:
    state = f.get("state", "open")
    if state == "open":
        qs = qs.exclude(state=WarningState.CLOSED)
    elif state in WarningState.values:
        qs = qs.filter(state=state)
    if f.get("tier") in Tier.__members__:
        qs = qs.filter(tier=f["tier"])
    if f.get("overdue") == "1":
        qs = qs.filter(state__in=ACTIONABLE, due_at__lt=now)
    for key, column in (("school", "child__school__public_id"), ("village", "child__village__public_id")):
        if key in f:
            try:
                qs = qs.filter(**{column: uuid.UUID(f[key])})
            except ValueError:
                qs = qs.none()
    return qs


class _Thresholds:
    def __init__(self) -> None:
        self._cache: dict[int, Thresholds] = {}

    def __call__(self, county_id: int) -> Thresholds:
        if county_id not in self._cache:
            self._cache[county_id] = thresholds_for(county_id)
        return self._cache[county_id]


def _row(w: Warning, rights: access.Rights, now: dt.datetime, th: _Thresholds) -> dict[str, Any]:
    shown = access.fields_for(rights, "warning")
    child_shown = access.fields_for(rights, "child")
    child = w.child
    row: dict[str, Any] = {
        "public_id": w.public_id,
        "name": f"{child.family_name}{child.given_name}" if "full_name" in child_shown else child.given_name,
        "school": child.school.name if child.school else "",
        "village": child.village.name if "village" in child_shown else "",
        "grade": child.grade if "grade" in child_shown else None,
        "url": reverse("screening:warning-detail", kwargs={"public_id": w.public_id}),
        "grade_label": _("%(grade)s年级") % {"grade": child.grade}
        if "grade" in child_shown and child.grade
        else "",
        "neutral_label": neutral_label(Tier(w.tier)),
        "action": action_for(w.tier, w.context_score, th(w.county_id)),
    }
    if "tier" in shown:
        row |= {
            "tier": tier_label(Tier(w.tier)),
            "tier_css": TIER_CSS.get(Tier(w.tier), "secondary"),
            "state": WarningState(w.state).label,
            "due_at": w.due_at,
            "due_text": timezone.localtime(w.due_at).strftime("%Y-%m-%d %H:%M"),
            "context_score": w.context_score,
            "overdue": deadlines.is_overdue(state=w.state, due=w.due_at, now=now),
            "level": EscalationLevel(w.escalation_level).label,
            "assigned_to": w.assigned_to.get_username() if w.assigned_to else "",
        }
    return row


@login_required
@require_GET
def warning_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    base = warnings_for(request.user)
    can_colour = FieldTier.COLOUR in access.search_tiers(request.user).everywhere
    f = _filters(request, can_colour)
    qs = _apply_filters(base, f, now)
    page = Paginator(
        ordered(qs, now)
        .select_related("child", "child__school", "child__village", "assigned_to")
        .defer("child__id_number"),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    items = list(page.object_list)
    rights = access.rights_for_children(request.user, [w.child for w in items])
    th = _Thresholds()
    rows = [_row(w, rights[w.child_id], now, th) for w in items]
    context: dict[str, Any] = {
        "rows": rows,
        "page": page,
        "filters": f,
        "can_colour": can_colour,
        "now": now,
        "tiers": [(t.value, tier_label(t)) for t in state.WARNING_TIER_ORDER],
        "states": [(s.value, s.label) for s in WarningState],
        "labels": {
            "child": _("儿童"),
            "school": _("学校"),
            "tier": _("等级"),
            "state": _("状态"),
            "due": _("响应期限"),
            "context": _("关注度"),
            "assigned": _("负责人"),
            "label": _("标记"),
            "action": _("需要的行动"),
            "overdue": _("已超期"),
        },
    }
    if can_colour:
        open_qs = base.exclude(state=WarningState.CLOSED)
        context["by_school"] = list(
            open_qs.values("child__school__public_id", "child__school__name")
            .annotate(n=Count("id"), overdue=Count("id", filter=Q(state__in=ACTIONABLE, due_at__lt=now)))
            .order_by("child__school__name")
        )
        context["by_village"] = list(
            open_qs.values("child__village__public_id", "child__village__name")
            .annotate(n=Count("id"), overdue=Count("id", filter=Q(state__in=ACTIONABLE, due_at__lt=now)))
            .order_by("child__village__name")
        )
        context["rescreens"] = _rescreens_due(request.user, now)
    # Named children with their colours: one event per page shown, written before anything is rendered.
    audit.record(
        "screening.warning.listed",
        request=request,
        detail={"count": len(rows), "total": page.paginator.count, "page": page.number, "filters": f},
    )
    return render(request, "screening/warnings/list.html", context)


def _rescreens_due(user: Any, now: dt.datetime) -> list[dict[str, Any]]:
    today = timezone.localdate(now)
    due = (
        rescreens_for(user)
        .filter(status=RescreenDue.Status.PENDING, due_on__lte=today + dt.timedelta(days=RESCREEN_DAYS_AHEAD))
        .select_related("child", "warning")
        .only(
            "kind",
            "reason",
            "earliest_on",
            "due_on",
            "child__family_name",
            "child__given_name",
            "warning__public_id",
        )
        .order_by("due_on", "pk")[:RESCREEN_ROWS]
    )
    return [
        {
            "child": f"{r.child.family_name}{r.child.given_name}",
            "kind": r.get_kind_display(),
            "reason": r.reason,
            "earliest_on": r.earliest_on.isoformat(),
            "due_on": r.due_on.isoformat(),
            "overdue": r.due_on < today,
            "url": reverse("screening:warning-detail", kwargs={"public_id": r.warning.public_id})
            if r.warning
            else "",
        }
        for r in due
    ]


@login_required
@require_GET
def warning_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    now = timezone.now()
    warning, rights = get_warning_for_user(request.user, public_id)
    shown = access.fields_for(rights, "warning")
    row = _row(warning, rights, now, _Thresholds())
    context: dict[str, Any] = {"warning": warning, "row": row, "shown": shown}
    if "history" in shown:
        context["events"] = list(warning.events.select_related("by", "assessment"))
        actions = state.allowed_actions(warning, warning_actions(rights))
        context["actions"] = actions
        if "assign" in actions or "transfer" in actions:
            context["counsellors"] = list(counsellors_for_warning(warning))
        if "transfer" in actions:
            context["transfer_schools"] = [warning.child.school] if warning.child.school else []
            context["transfer_townships"] = list(_townships_for(warning))
        context["outcomes"] = [(o.value, o.label) for o in WarningOutcome if o != WarningOutcome.RESCREENED]
        if (
            "close" in warning_actions(rights)
            and warning.state in state.TRANSITIONS["close"].sources
        ):
            context["close_refusal"] = state.can_close(warning)
        context["rescreens"] = list(warning.rescreens.order_by("due_on"))
    audit.record("screening.warning.viewed", request=request, obj=warning, child=warning.child)
    return render(request, "screening/warnings/detail.html", context)


def _townships_for(warning: Warning) -> QuerySet[Region]:
    child = warning.child
    ids = {child.township_id} | ({child.school.township_id} if child.school else set())
    return Region.objects.filter(pk__in=ids).order_by("name")


def _user_by_id(choices: list[Any], raw: str) -> Any:
    return next((u for u in choices if str(u.pk) == raw), None)


@login_required
@require_POST
def warning_action(request: HttpRequest, public_id: uuid.UUID, action: str) -> HttpResponse:
    if action not in state.TRANSITIONS or state.TRANSITIONS[action].system_only:
        raise Http404
    warning, _rights = get_warning_for_user(
        request.user, public_id, need=FieldTier.COLOUR, action=action
    )
    note = request.POST.get("note", "").strip()[:1000]
    try:
        _perform(request, warning, action, note)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已保存。"))
    return redirect("screening:warning-detail", warning.public_id)


def _perform(request: HttpRequest, warning: Warning, action: str, note: str) -> None:
    by, post = request.user, request.POST
    common: dict[str, Any] = {"by": by, "note": note, "request": request}
    if action == "acknowledge":
        actions.acknowledge_warning(warning, **common)
    elif action == "assign":
        to = _user_by_id(list(counsellors_for_warning(warning)), post.get("to", ""))
        if to is None:
            raise DomainError(_("请选择一位心理教师。"))
        actions.assign_warning(warning, to=to, **common)
    elif action == "escalate":
        actions.escalate_warning(warning, **common)
    elif action == "transfer":
        _transfer(warning, post.get("target", ""), common)
    elif action == "start_intervention":
        actions.start_intervention(warning, **common)
    elif action == "request_follow_up":
        actions.request_follow_up(warning, **common)
    elif action == "close":
        actions.close_warning(warning, outcome=post.get("outcome", ""), **common)


def _transfer(warning: Warning, target: str, common: dict[str, Any]) -> None:
    """``target`` is "school:<uuid>", "township:<uuid>" or "counsellor:<id>"."""
    kind, _sep, value = target.partition(":")
    if kind == "school":
        school = School.objects.filter(public_id=_uuid(value)).first()
        if school is None:
            raise DomainError(_("请选择转交对象。"))
        actions.transfer_warning(warning, school=school, **common)
    elif kind == "township":
        township = Region.objects.filter(public_id=_uuid(value), level=Region.Level.TOWNSHIP).first()
        if township is None:
            raise DomainError(_("请选择转交对象。"))
        actions.transfer_warning(warning, township=township, **common)
    elif kind == "counsellor":
        counsellor = _user_by_id(list(counsellors_for_warning(warning)), value)
        if counsellor is None:
            raise DomainError(_("请选择转交对象。"))
        actions.transfer_warning(warning, counsellor=counsellor, **common)
    else:
        raise DomainError(_("请选择转交对象。"))


def _uuid(value: str) -> str:
    """A valid UUID string, or the nil UUID (matches nothing) for anything else."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return str(uuid.UUID(int=0))
