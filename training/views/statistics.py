"""County statistics of the trainings: attendance per audience and township (small cells suppressed),
and the pre/post questionnaire change per program and session, as tables and charts.

Only sessions already held count. Figures are computed from aggregates of the user's training
counties (``training_county_ids``); no person is named on the page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from lbc.models import Region
from training.access import training_county_ids, training_rights
from training.charts import attendance_png, change_png
from training.effect import AttendanceFigures, GroupCount, PairedChange, attendance_table, paired_change
from training.models import Attendance, Audience, Enrolment, QuestionnaireResponse, Session

UNKNOWN = "unknown"


@dataclass(frozen=True)
class Held:
    enrolment_id: int
    session_id: int
    audience: str
    township_id: int | None
    attended: bool


def held_enrolments(counties: set[int]) -> list[Held]:
    sessions = Session.objects.filter(
        county_id__in=counties, status=Session.Status.SCHEDULED, ends_at__lt=timezone.now()
    )
    present = set(
        Attendance.objects.filter(session__in=sessions, attended=True, enrolment__isnull=False).values_list(
            "enrolment_id", flat=True
        )
    )
    rows = Enrolment.objects.filter(session__in=sessions, status=Enrolment.Status.ENROLLED).values_list(
        "pk", "session_id", "session__audience", "guardian__township_id", "walk_in_village__parent_id"
    )
    return [
        Held(pk, session_id, audience, guardian_township or walk_in_township, pk in present)
        for pk, session_id, audience, guardian_township, walk_in_township in rows
    ]


def grouped(held: Iterable[Held], key: Any, labels: dict[Any, str]) -> list[GroupCount]:
    enrolled: dict[Any, int] = defaultdict(int)
    attended: dict[Any, int] = defaultdict(int)
    for h in held:
        enrolled[key(h)] += 1
        attended[key(h)] += h.attended
    order = [k for k in labels if k in enrolled] + [k for k in enrolled if k not in labels]
    return [GroupCount(str(k), labels.get(k, _("不详")), enrolled[k], attended[k]) for k in order]


def by_audience(held: list[Held]) -> AttendanceFigures:
    return attendance_table(grouped(held, lambda h: h.audience, {a.value: str(a.label) for a in Audience}))


def by_township(held: list[Held], counties: set[int]) -> AttendanceFigures:
    townships = Region.objects.filter(level=Region.Level.TOWNSHIP, parent_id__in=counties).order_by("name")
    return attendance_table(
        grouped(held, lambda h: h.township_id or UNKNOWN, {t.pk: t.name for t in townships})
    )


def changes(counties: set[int]) -> tuple[list[tuple[str, PairedChange]], list[tuple[str, PairedChange]]]:
    """Pre/post change per program and per session (pairs: the same enrolment's pre and post totals)."""
    responses = QuestionnaireResponse.objects.filter(
        enrolment__session__county_id__in=counties, enrolment__session__ends_at__lt=timezone.now()
    ).values_list(
        "enrolment_id", "phase", "total", "enrolment__session_id", "enrolment__session__program__name",
        "enrolment__session__starts_at",
    )  # fmt: skip
    scores: dict[int, dict[str, int]] = defaultdict(dict)
    program_of: dict[int, str] = {}
    session_of: dict[int, tuple[int, str]] = {}
    for enrolment_id, phase, total, session_id, program, starts_at in responses:
        scores[enrolment_id][phase] = total
        program_of[enrolment_id] = program
        when = timezone.localtime(starts_at).strftime("%m-%d %H:%M")
        session_of[enrolment_id] = (session_id, f"{program} {when}")
    per_program: dict[str, list[tuple[int | None, int | None]]] = defaultdict(list)
    per_session: dict[tuple[int, str], list[tuple[int | None, int | None]]] = defaultdict(list)
    for enrolment_id, phases in scores.items():
        pair = (phases.get(QuestionnaireResponse.Phase.PRE), phases.get(QuestionnaireResponse.Phase.POST))
        per_program[program_of[enrolment_id]].append(pair)
        per_session[session_of[enrolment_id]].append(pair)
    programs = [(name, paired_change(pairs)) for name, pairs in sorted(per_program.items())]
    sessions = [(label, paired_change(pairs)) for (_pk, label), pairs in sorted(per_session.items())]
    return programs, sessions


def statistics_counties(request: HttpRequest) -> set[int]:
    if not training_rights(request.user).statistics:
        raise PermissionDenied
    return training_county_ids(request.user)


@login_required
@require_GET
def statistics_page(request: HttpRequest) -> HttpResponse:
    counties = statistics_counties(request)
    held = held_enrolments(counties)
    programs, sessions = changes(counties)
    context = {
        "audience": by_audience(held),
        "township": by_township(held, counties),
        "programs": programs,
        "sessions": sessions,
    }
    return render(request, "training/statistics.html", context)


@login_required
@require_GET
def statistics_chart(request: HttpRequest, kind: str) -> HttpResponse:
    counties = statistics_counties(request)
    if kind == "audience":
        figures = by_audience(held_enrolments(counties))
        png = attendance_png(
            _("各类培训对象的出席率"), figures.bars, len(figures.table.rows) - 1 - len(figures.bars)
        )
    elif kind == "township":
        figures = by_township(held_enrolments(counties), counties)
        png = attendance_png(
            _("各乡镇的出席率"), figures.bars, len(figures.table.rows) - 1 - len(figures.bars)
        )
    elif kind == "change":
        png = change_png(_("各培训项目前后测变化"), changes(counties)[0])
    else:
        raise Http404
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response
