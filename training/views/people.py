"""Who comes to a session: the invitation list, enrolment (registry guardians, walk-ins), the waiting
list and cancellation, and the printable sign-in sheet.

What the pages show of a person is a name and a village, in one order by village and name: trainers hold
no tier over children. The neutral "邀请优先" flag of ``training.invitations`` appears only for users who see
the child's warnings (a village director), never for a trainer.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lbc import access, audit
from lbc.models import Guardian, Parent, Region
from lbc.reporting.pdf import render_pdf
from lbc.services.errors import DomainError
from training.access import TrainingRights, get_training_session_for_user
from training.attendance import SessionInfo, SheetRow, SignInSheet
from training.enrolment import Person, cancel_enrolment, enrol_person
from training.forms import WalkInForm
from training.invitations import Invitee, invitees_for_session
from training.models import Enrolment, Session


def village_of(enrolment: Enrolment) -> str:
    if enrolment.guardian_id:
        return enrolment.guardian.village.name  # type: ignore[union-attr]
    if enrolment.walk_in_village_id:
        return enrolment.walk_in_village.name  # type: ignore[union-attr]
    return ""


def visible_enrolments(session: Session, rights: TrainingRights) -> list[Enrolment]:
    """Enrolled and waiting people; a village director sees only those of their villages."""
    rows = (
        session.enrolments.exclude(status=Enrolment.Status.CANCELLED)
        .select_related("guardian__village", "walk_in_village", "user", "parent")
        .order_by("status", "waiting_position", "created_at")
    )
    if rights.manage:
        return list(rows)
    return [
        e
        for e in rows
        if (e.guardian_id and e.guardian.village_id in rights.villages)  # type: ignore[union-attr]
        or (e.walk_in_village_id in rights.villages)
    ]


def walk_in_villages(session: Session, rights: TrainingRights) -> Any:
    if rights.manage:
        return Region.objects.filter(level=Region.Level.VILLAGE, path__startswith=session.county.path)
    return Region.objects.filter(pk__in=rights.villages)


def invitees_of(user: Any, session: Session) -> list[Invitee]:
    """The user's invitation list (a village director's: their villages only), without those already in."""
    found = invitees_for_session(user, session)
    return [i for i in found if i.status not in (Enrolment.Status.ENROLLED, Enrolment.Status.WAITING)]


def person_of(invitee: Invitee) -> Person | None:
    if invitee.kind == "guardian":
        guardian = Guardian.objects.filter(public_id=invitee.public_id).first()
        return Person(guardian=guardian) if guardian else None
    if invitee.kind == "parent":
        parent = Parent.objects.filter(public_id=invitee.public_id).first()
        return Person(parent=parent) if parent else None
    user = get_user_model().objects.filter(username=invitee.public_id).first()
    return Person(user=user) if user else None


def enrolment_context(request: HttpRequest, session: Session, rights: TrainingRights) -> dict[str, Any]:
    enrolments = visible_enrolments(session, rights)
    invitees = invitees_of(request.user, session)
    return {
        "session": session,
        "rights": rights,
        "enrolled": [e for e in enrolments if e.status == Enrolment.Status.ENROLLED],
        "waiting": [e for e in enrolments if e.status == Enrolment.Status.WAITING],
        "invitees": invitees,
        "walk_in": WalkInForm(villages=walk_in_villages(session, rights)),
        "open": not session.is_cancelled and session.starts_at > timezone.now(),
    }


@login_required
@require_GET
def enrolment_page(request: HttpRequest, public_id: Any) -> HttpResponse:
    session, rights = get_training_session_for_user(request.user, public_id, enrol=True)
    return render(request, "training/enrolment.html", enrolment_context(request, session, rights))


def report(request: HttpRequest, enrolment: Enrolment) -> None:
    if enrolment.status == Enrolment.Status.WAITING:
        messages.warning(
            request,
            _("名额已满，%(name)s已排在候补第%(n)d位。")
            % {"name": enrolment.person_name, "n": enrolment.waiting_position},
        )
    else:
        messages.success(request, _("%(name)s已报名。") % {"name": enrolment.person_name})


@login_required
@require_POST
def enrol_invitees(request: HttpRequest, public_id: Any) -> HttpResponse:
    session, _rights = get_training_session_for_user(request.user, public_id, enrol=True)
    wanted = set(request.POST.getlist("invitee"))
    # Only people on this user's invitation list can be enrolled from it.
    chosen = [i for i in invitees_of(request.user, session) if f"{i.kind}:{i.public_id}" in wanted]
    if not chosen:
        messages.error(request, _("请先勾选要报名的人。"))
    for invitee in chosen:
        person = person_of(invitee)
        if person is None:
            continue
        try:
            report(request, enrol_person(session, person, by=request.user, request=request))
        except DomainError as exc:
            messages.error(request, exc.message)
    return redirect("training:session-enrolment", public_id=session.public_id)


@login_required
@require_POST
def enrol_walk_in(request: HttpRequest, public_id: Any) -> HttpResponse:
    session, rights = get_training_session_for_user(request.user, public_id, enrol=True)
    form = WalkInForm(request.POST, villages=walk_in_villages(session, rights))
    if form.is_valid():
        person = Person(
            walk_in_name=form.cleaned_data["name"],
            walk_in_phone=form.cleaned_data["phone"],
            walk_in_village=form.cleaned_data.get("village"),
        )
        try:
            report(request, enrol_person(session, person, by=request.user, request=request))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            return redirect("training:session-enrolment", public_id=session.public_id)
    else:
        messages.error(request, _("临时参加者的信息不完整：请填写姓名和电话。"))
    context = enrolment_context(request, session, rights)
    context["walk_in"] = form
    return render(request, "training/enrolment.html", context, status=400)


@login_required
@require_POST
def enrolment_cancel(request: HttpRequest, public_id: Any, enrolment_id: Any) -> HttpResponse:
    session, rights = get_training_session_for_user(request.user, public_id, enrol=True)
    pid = access.parse_public_id(enrolment_id)
    enrolment = next((e for e in visible_enrolments(session, rights) if e.public_id == pid), None)
    if enrolment is None:
        raise Http404
    try:
        promoted = cancel_enrolment(enrolment, by=request.user, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已取消%(name)s的报名。") % {"name": enrolment.person_name})
        if promoted is not None:
            messages.info(request, _("%(name)s已从候补转为正式报名。") % {"name": promoted.person_name})
    return redirect("training:session-enrolment", public_id=session.public_id)


# --- the sign-in sheet ---------------------------------------------------------------------------------


def sheet_for(request: HttpRequest, session: Session, rights: TrainingRights) -> SignInSheet:
    from django.conf import settings
    from django.urls import reverse

    local_start = timezone.localtime(session.starts_at)
    info = SessionInfo(
        title=session.program.name,
        starts_at=local_start,
        ends_at=timezone.localtime(session.ends_at),
        venue=session.venue.name,
        trainer="、".join(u.get_full_name() or u.get_username() for u in session.trainers.all()),
    )
    rows = [
        SheetRow(e.person_name, village_of(e), waiting=e.status == Enrolment.Status.WAITING)
        for e in visible_enrolments(session, rights)
    ]
    attendance = reverse("training:session-attendance", kwargs={"public_id": session.public_id})

    def available(user: Any) -> bool:
        try:
            get_training_session_for_user(user, session.public_id, enrol=True)
        except (Http404, PermissionDenied):
            return False
        return True

    return SignInSheet(
        session=info,
        rows=rows,
        generated_by=request.user.get_username(),
        generated_at=timezone.localtime(),
        synthetic=settings.DEMO_MODE,
        attendance_url=request.build_absolute_uri(attendance) if rights.manage else "",
        available=available,
    )


@login_required
@require_GET
def sign_in_sheet(request: HttpRequest, public_id: Any) -> HttpResponse:
    session, rights = get_training_session_for_user(request.user, public_id, enrol=True)
    sheet = sheet_for(request, session, rights)
    if not sheet.is_available_to(request.user):
        raise Http404
    audit.record(
        "training.sign_in_sheet.exported", request=request, obj=session, detail={"rows": len(sheet.rows)}
    )
    response = HttpResponse(render_pdf(sheet), content_type="application/pdf")
    day = timezone.localtime(session.starts_at).strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="sign-in-{day}-{session.public_id}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
