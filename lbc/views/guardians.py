"""Adding and editing a child's guardians (caregivers) and parents."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lbc import access
from lbc.access import FieldTier
from lbc.forms import GuardianForm, ParentForm
from lbc.models import Child, Guardian, Parent
from lbc.services import children as services
from lbc.services.errors import DomainError, EditConflict
from lbc.services.parents import PARENT_WRITABLE, save_parent


def file_url(child: Child, anchor: str) -> str:
    return f"{reverse('lbc:child-detail', kwargs={'public_id': child.public_id})}#{anchor}"


def child_of(request: HttpRequest, guardian: Guardian) -> Child | None:
    """The child whose file the user came from (``?child=``), else the first of the guardian's children
    the user may see. It takes the edit into that child's history and is the way back."""
    theirs = access.children_for(request.user).filter(guardian_links__guardian=guardian).order_by("pk")
    try:
        wanted = uuid.UUID(request.GET.get("child", ""))
    except ValueError:
        wanted = None
    chosen = theirs.filter(public_id=wanted).first() if wanted else None
    return chosen or theirs.first()


def changes(form: GuardianForm, guardian: Guardian) -> dict[str, Any]:
    """Only the fields whose value differs, so the history names what really changed."""
    return {
        name: value
        for name, value in form.cleaned_data.items()
        if name in services.GUARDIAN_WRITABLE and value != getattr(guardian, name)
    }


@login_required
@require_http_methods(["GET", "POST"])
def guardian_create(request: HttpRequest, public_id: Any) -> HttpResponse:
    child, _rights = access.get_child_for_user(request.user, public_id, need=FieldTier.IDENTITY, edit=True)
    initial = {"village": child.village.public_id, "can_read": True}
    form = GuardianForm(request.POST or None, initial=initial, user=request.user, child=child)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_guardian(
                None,
                {k: v for k, v in data.items() if k in services.GUARDIAN_WRITABLE},
                by=request.user,
                child=child,
                relationship=data["relationship"],
                is_primary=data["is_primary"],
                is_legal_guardian=data["is_legal_guardian"],
                request=request,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已添加监护人/照料人。"))
            return redirect(file_url(child, "guardians"))
    return render(
        request,
        "lbc/guardians/form.html",
        {"form": form, "creating": True, "child_name": child.full_name, "back": file_url(child, "guardians")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def guardian_edit(request: HttpRequest, public_id: Any) -> HttpResponse:
    guardian, rights = access.get_guardian_for_user(request.user, public_id, edit=True)
    access.require(rights, FieldTier.IDENTITY)
    child = child_of(request, guardian)
    back = file_url(child, "guardians") if child else reverse("lbc:home")
    conflict = False
    if request.method == "POST":
        form = GuardianForm(request.POST, user=request.user, guardian=guardian)
        if form.is_valid():
            data = changes(form, guardian)
            if not data:
                messages.info(request, _("没有需要保存的修改。"))
                return redirect(back)
            try:
                services.save_guardian(
                    guardian,
                    data,
                    by=request.user,
                    child=child,
                    expected_version=form.cleaned_data["version"],
                    request=request,
                )
            except EditConflict as exc:
                conflict = True
                form.add_error(None, exc.message)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("监护人信息已保存。"))
                return redirect(back)
    else:
        form = GuardianForm(initial=GuardianForm.initial_for(guardian), user=request.user, guardian=guardian)
    return render(
        request,
        "lbc/guardians/form.html",
        {"form": form, "creating": False, "guardian_name": guardian.name, "back": back, "conflict": conflict},
    )


# --- parents ----------------------------------------------------------------------------------------


def parent_of(child: Child, parent_id: Any) -> Parent:
    """A parent of this child's household; any other id is simply not found."""
    parent = child.household.parents.filter(public_id=parent_id).first()
    if parent is None:
        raise Http404
    return parent


def parent_page(request: HttpRequest, child: Child, parent: Parent | None) -> HttpResponse:
    initial = ParentForm.initial_for(parent) if parent else None
    form = ParentForm(request.POST if request.method == "POST" else None, initial=initial, parent=parent)
    conflict = False
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in PARENT_WRITABLE}
        try:
            save_parent(
                parent,
                data,
                by=request.user,
                child=child,
                request=request,
                expected_version=form.cleaned_data.get("version"),
            )
        except EditConflict as exc:
            conflict = True
            form.add_error(None, exc.message)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("父母信息已保存。"))
            return redirect(file_url(child, "parents"))
    return render(
        request,
        "lbc/parents/form.html",
        {
            "form": form,
            "creating": parent is None,
            "child_name": child.full_name,
            "back": file_url(child, "parents"),
            "conflict": conflict,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def parent_create(request: HttpRequest, public_id: Any) -> HttpResponse:
    child, _rights = access.get_child_for_user(request.user, public_id, need=FieldTier.IDENTITY, edit=True)
    return parent_page(request, child, None)


@login_required
@require_http_methods(["GET", "POST"])
def parent_edit(request: HttpRequest, public_id: Any, parent_id: Any) -> HttpResponse:
    child, _rights = access.get_child_for_user(request.user, public_id, need=FieldTier.IDENTITY, edit=True)
    return parent_page(request, child, parent_of(child, parent_id))
