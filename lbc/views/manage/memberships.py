"""Memberships (role + scope + validity) of an account, managed from the account's page.

Memberships have no public id: they are addressed by the account's username in the URL and by the
membership id in the POST body, which must belong to that account and to the administrator's county.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lbc import access
from lbc.manage_forms import MembershipDatesForm, MembershipForm
from lbc.models import Membership, Role
from lbc.services import accounts
from lbc.services.errors import DomainError

from .common import get_managed_user, page, saved
from .users import role_choices, role_from, user_detail_context


def posted_membership(request: HttpRequest, target: Any) -> Membership:
    """The membership named in the POST body, if it is the target's and in the county; else 404."""
    raw = request.POST.get("membership", "")
    if not raw.isdigit():
        raise Http404
    memberships = access.memberships_for_admin(request.user).filter(user=target).select_related("user")
    return get_object_or_404(memberships, pk=int(raw))


@login_required
@require_http_methods(["GET", "POST"])
def membership_create(request: HttpRequest, username: str) -> HttpResponse:
    access.require_administrator(request.user)
    target = get_managed_user(request.user, username)
    role = role_from(request)
    if role is None:
        return page(request, "role_picker.html", {"roles": role_choices(), "target": target})
    form = MembershipForm(request.POST or None, admin_user=request.user, role=role)
    if request.method == "POST" and form.is_valid():
        membership = form.membership()
        membership.user = target
        try:
            accounts.create_membership(membership, by=request.user, organisation=form.organisation,
                                       request=request)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return saved(request, _("已添加角色：%(role)s") % {"role": membership.get_role_display()},
                         "manage:user-detail", target.username)
    return page(request, "membership_form.html",
                {"form": form, "target": target, "role_label": Role(role).label})


@login_required
def membership_update(request: HttpRequest, username: str) -> HttpResponse:
    access.require_administrator(request.user)
    target = get_managed_user(request.user, username)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    membership = posted_membership(request, target)
    form = MembershipDatesForm(request.POST, membership=membership)
    if form.is_valid():
        membership.valid_from = form.cleaned_data["valid_from"]
        membership.valid_until = form.cleaned_data["valid_until"]
        try:
            accounts.update_membership(membership, by=request.user, fields=form.changed_data, request=request)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("manage:user-detail", target.username)
        return saved(request, _("已保存有效期。"), "manage:user-detail", target.username)
    return page(request, "user_detail.html", user_detail_context(request, target, bound=form))


@login_required
def membership_end(request: HttpRequest, username: str) -> HttpResponse:
    access.require_administrator(request.user)
    target = get_managed_user(request.user, username)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    membership = posted_membership(request, target)
    try:
        accounts.end_membership(membership, by=request.user, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已结束角色：%(role)s") % {"role": membership.get_role_display()})
    return redirect("manage:user-detail", target.username)
