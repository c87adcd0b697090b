"""Moving a child to another school, class or home village (转学/迁移)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lbc import access, audit
from lbc.forms.transfers import TransferForm
from lbc.services.errors import DomainError, EditConflict
from lbc.services.transfers import transfer_child
from lbc.views.children import name_for


@login_required
@require_http_methods(["GET", "POST"])
def child_transfer(request: HttpRequest, public_id: Any) -> HttpResponse:
    child, rights = access.get_child_to_transfer(request.user, public_id)
    form = TransferForm(request.POST or None, child=child, initial=TransferForm.initial_for(child))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            transfer_child(
                child,
                village=data["village"],
                school=data["school"],
                school_class=data["school_class"],
                moved_on=data["moved_on"],
                reason=data["reason"],
                by=request.user,
                expected_version=data["version"],
                request=request,
            )
        except (DomainError, EditConflict) as exc:
            form.add_error(None, exc.message)
        else:
            if access.rights_for_child(request.user, child):
                messages.success(request, _("已办理转学/迁移。"))
                return redirect("lbc:child-detail", public_id=child.public_id)
            messages.success(
                request, _("已办理转学/迁移。这名儿童已不在您的负责范围内，新的学校和村会接手这份档案。")
            )
            return redirect("lbc:child-list")
    elif request.method == "GET":
        audit.record(
            "lbc.child.viewed",
            request=request,
            obj=child,
            child=child,
            detail={"page": "transfer", **access.grant_detail(request.user, child, rights)},
        )
    allowed = access.fields_for(rights, "child")
    return render(
        request,
        "lbc/children/transfer.html",
        {
            "form": form,
            "child": child,
            "name": name_for(child, allowed),
        },
    )
