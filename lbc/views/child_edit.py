"""Registering, editing and confirming a child's file."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lbc import access, audit, submissions
from lbc.access import FieldTier
from lbc.forms import ChildForm
from lbc.services import children as services
from lbc.services.errors import DomainError, EditConflict
from lbc.views.children import shown_tiers

# --- registration, editing, confirmation --------------------------------------------------------------


def writable(form: ChildForm) -> dict[str, Any]:
    return {k: v for k, v in form.cleaned_data.items() if k in services.CHILD_WRITABLE}


@login_required
@require_http_methods(["GET", "POST"])
def child_create(request: HttpRequest) -> HttpResponse:
    if not access.scope_of(request.user).can_edit_children:
        raise PermissionDenied
    form = ChildForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["submission"]
        try:
            with transaction.atomic():
                submissions.claim(token, request.user, "lbc.child.register")
                child = services.register_child(writable(form), by=request.user, request=request)
                submissions.created(token, child.public_id)
        except submissions.AlreadySubmitted as exc:
            messages.info(request, _("这份表单已经提交过，没有重复建档。"))
            return redirect("lbc:child-detail", public_id=exc.created)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已建立档案。请继续登记监护人和父母信息。"))
            return redirect("lbc:child-detail", public_id=child.public_id)
    return render(request, "lbc/children/form.html", {"form": form, "creating": True})


@login_required
@require_http_methods(["GET", "POST"])
def child_edit(request: HttpRequest, public_id: Any) -> HttpResponse:
    child, rights = access.get_child_for_user(request.user, public_id, need=FieldTier.IDENTITY, edit=True)
    title = child.full_name
    conflict = False
    if request.method == "POST":
        form = ChildForm(request.POST, user=request.user, child=child)
        if form.is_valid():
            try:
                services.update_child(
                    child,
                    writable(form),
                    by=request.user,
                    expected_version=form.cleaned_data["version"],
                    request=request,
                )
            except EditConflict as exc:
                conflict = True
                form.add_error(None, exc.message)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("档案已保存。"))
                return redirect("lbc:child-detail", public_id=child.public_id)
    else:
        audit.record(
            "lbc.child.viewed",
            request=request,
            obj=child,
            child=child,
            detail={
                "tiers": shown_tiers(rights),
                "page": "edit",
                **access.grant_detail(request.user, child, rights),
            },
        )
        form = ChildForm(initial=ChildForm.initial_for(child), user=request.user, child=child)
    return render(
        request,
        "lbc/children/form.html",
        {"form": form, "creating": False, "title": title, "public_id": child.public_id, "conflict": conflict},
    )


@login_required
def child_confirm(request: HttpRequest, public_id: Any) -> HttpResponse:
    child, _rights = access.get_child_for_user(request.user, public_id, edit=True)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.confirm_child_record(child, by=request.user, request=request)
    messages.success(request, _("已记录：您核实了这份档案的信息。"))
    return redirect("lbc:child-detail", public_id=child.public_id)
