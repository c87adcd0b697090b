"""Child list, child file (一人一档), registration, editing and record confirmation.

Every view starts with its call into ``lbc.access``; which fields appear is decided by
``access.fields_for``. The presentation helpers at the top build plain label/value lists that
hold only permitted fields, so a template never receives more than the user may see.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db.models import Model, Q, QuerySet, Value
from django.db.models.functions import Concat
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from lbc import access, audit, hooks, lifecycle
from lbc.access import Can, FieldTier, Rights
from lbc.forms import ChildFilterForm
from lbc.idnumbers import mask_id_number
from lbc.models import AuditEvent, Child, Consent, Guardian, Household, Parent, Region, School
from lbc.models.people import age_on
from lbc.services import children as services

PAGE_SIZE = 50
SHOWN_TIERS = (
    FieldTier.MINIMAL,
    FieldTier.BASIC,
    FieldTier.IDENTITY,
    FieldTier.STATUS,
    FieldTier.COLOUR,
)  # what the file page can display

# --- presentation ------------------------------------------------------------------------------------

VIRTUAL_LABELS = {
    "full_name": gettext_lazy("姓名"),
    "age": gettext_lazy("年龄"),
    "township": gettext_lazy("乡镇/街道"),
}
EMPTY = "—"


@dataclass(frozen=True)
class Fact:
    label: str
    value: Any


def label_of(model: type[Model], name: str) -> str:
    if name in VIRTUAL_LABELS:
        return str(VIRTUAL_LABELS[name])
    try:
        return str(getattr(model._meta.get_field(name), "verbose_name", name))
    except FieldDoesNotExist:
        return name


def display_value(obj: Model, name: str) -> Any:
    if name == "age":
        return _("%(n)s岁") % {"n": age_on(obj.birth_date, timezone.localdate())}  # type: ignore[attr-defined]
    try:
        model_field = obj._meta.get_field(name)
    except FieldDoesNotExist:
        model_field = None
    if getattr(model_field, "choices", None):
        value = getattr(obj, f"get_{name}_display")()
    else:
        value = getattr(obj, name)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if value is None or value == "":
        return EMPTY
    return value


def facts(obj: Model, names: tuple[str, ...] | list[str], allowed: set[str]) -> list[Fact]:
    """Label/value pairs of the permitted fields only, in the given order."""
    return [Fact(label_of(type(obj), n), display_value(obj, n)) for n in names if n in allowed]


def name_for(child: Child, allowed: set[str]) -> str:
    return child.full_name if "full_name" in allowed else child.given_name


def shown_tiers(rights: Rights) -> list[str]:
    return [tier.name.lower() for tier in SHOWN_TIERS if rights.sees(tier)]


# --- child list ------------------------------------------------------------------------------------

# Lists show the age, never the birth date: the masked ID number hides exactly the eight digits of the
# birth date, so both in one row would give the whole number (decision 33).
LIST_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("sex", gettext_lazy("性别")),
    ("age", gettext_lazy("年龄")),
    ("id_number", gettext_lazy("身份证号码")),
    ("school", gettext_lazy("学校")),
    ("school_class", gettext_lazy("年级班级")),
    ("village", gettext_lazy("村/社区")),
    ("left_behind_type", gettext_lazy("留守类型")),
    ("status", gettext_lazy("状态")),
    # Screening: a coloured badge for the colour tier, the neutral label for the status tier.
    ("latest_label", gettext_lazy("心理筛查")),
)


@dataclass
class ListRow:
    public_id: Any
    name: str
    cells: list[Any] = field(default_factory=list)


def cell_value(child: Child, name: str, allowed: set[str]) -> Any:
    if name not in allowed:
        return None
    if name == "latest_label":  # shown by the screening app, which keeps the tier
        return next((display.cell(child, allowed) for display in hooks.tier_display), None)
    if name == "id_number":
        return mask_id_number(child.id_number) if child.id_number else child.get_id_absent_reason_display()
    if name == "school_class":
        if child.school_class is not None:
            return str(child.school_class)
        return _("%(g)s年级") % {"g": child.grade} if child.grade else EMPTY
    return display_value(child, name)


def build_rows(
    children: list[Child], rights: dict[int, Rights]
) -> tuple[list[tuple[str, Any]], list[ListRow]]:
    allowed = {c.pk: access.fields_for(rights[c.pk], "child") for c in children}
    shown = set().union(*allowed.values()) if allowed else set()
    columns = [(key, label) for key, label in LIST_COLUMNS if key in shown]
    rows = [
        ListRow(
            public_id=c.public_id,
            name=name_for(c, allowed[c.pk]),
            cells=[(label, cell_value(c, key, allowed[c.pk])) for key, label in columns],
        )
        for c in children
    ]
    return columns, rows


def filter_children(children: QuerySet[Child], form: ChildFilterForm, visible: set[str]) -> QuerySet[Child]:
    if not form.is_bound:
        return children
    if form.errors.get("id_number"):
        return children.none()
    data = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    if data.get("id_number"):
        found = services.find_child_by_id_number(data["id_number"])
        return children.filter(pk=found.pk) if found is not None else children.none()
    query = (data.get("q") or "").strip()
    if query and "family_name" in visible:
        children = children.annotate(search_name=Concat("family_name", Value(""), "given_name")).filter(
            search_name__icontains=query
        )
    elif query:
        children = children.filter(given_name__icontains=query)
    for name in ("school", "village", "grade", "status"):
        if data.get(name) not in (None, ""):
            children = children.filter(**{name: data[name]})
    return children


def active_only(children: QuerySet[Child], form: ChildFilterForm) -> QuerySet[Child]:
    """Aged-out children leave the list unless their status is asked for (decision 51)."""
    asked = form.is_bound and "status" not in form.errors and form.cleaned_data.get("status")
    return children if asked else children.exclude(status=Child.Status.AGED_OUT)


def filter_data(request: HttpRequest) -> QueryDict | None:
    """What the list is filtered by. An ID number comes only by POST, so it never sits in a URL (access
    logs, browser history, a forwarded link); in a query string it is dropped, unread."""
    if request.method == "POST":
        return request.POST
    if "id_number" in request.GET:
        data = request.GET.copy()
        del data["id_number"]
        return data or None
    return request.GET or None


def filter_form(request: HttpRequest, children: QuerySet[Child], visible: set[str]) -> ChildFilterForm:
    """The filter form, whose choice lists hold only schools, villages and grades of the user's children."""
    grades = [
        g for g in children.order_by("grade").values_list("grade", flat=True).distinct() if g is not None
    ]
    return ChildFilterForm(
        filter_data(request),
        visible=visible,
        schools=School.objects.filter(pk__in=children.values("school_id")).order_by("name"),
        villages=Region.objects.filter(pk__in=children.values("village_id"))
        .select_related("parent")
        .order_by("parent__name", "name"),
        grades=grades if "grade" in visible else [],
    )


@login_required
@require_http_methods(["GET", "POST"])
def child_list(request: HttpRequest) -> HttpResponse:
    children = access.children_for(request.user, listing=True)
    visible = access.fields_for(Rights(tiers=access.search_tiers(request.user).everywhere), "child")
    form = filter_form(request, children, visible)
    matching = active_only(filter_children(children, form, visible), form)
    ordered = matching.select_related("school", "school_class", "village").order_by(
        "family_name", "given_name", "pk"
    )
    page = Paginator(ordered, PAGE_SIZE).get_page(request.GET.get("page"))
    columns, rows = build_rows(
        list(page.object_list), access.rights_for_children(request.user, page.object_list)
    )
    if "id_number" in request.GET:
        messages.warning(
            request, _("身份证号码不能放在网址中，已忽略。请在页面上的“按身份证号码精确查找”框中输入。")
        )
    if form.is_bound and form.cleaned_data.get("id_number"):
        audit.record("lbc.child.id_searched", request=request, detail={"results": page.paginator.count})
    if grant_ids := access.breakglass_ids_among(request.user, page.object_list):
        audit.record("lbc.child.listed", request=request, detail={"grants": grant_ids})
    context = {
        "form": form,
        "page": page,
        "columns": columns,
        "rows": rows,
        "visible": visible,
        "can_create": access.scope_of(request.user).can_edit_children,
        "tier_display": hooks.tier_display,
    }
    partial = request.htmx and not request.htmx.history_restore_request  # type: ignore[attr-defined]
    response = render(request, "lbc/children/_results.html" if partial else "lbc/children/list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- child file (一人一档) ---------------------------------------------------------------------------

IDENTITY_FACTS = ("sex", "birth_date", "age", "id_number", "id_absent_reason")
SITUATION_FACTS = ("left_behind_type", "separation_start", "parent_contact", "care_arrangement", "status")
SCHOOL_FACTS = ("school", "grade", "school_class", "boarding")
GUARDIAN_FACTS = (
    "relationship",
    "is_primary",
    "is_legal_guardian",
    "sex",
    "birth_year",
    "education",
    "health",
    "can_read",
    "phone",
    "village",
    "dialect_note",
)
PARENT_FACTS = ("works_away", "work_city", "employer_name", "phone", "return_period")

CHANGE_PREFIXES = ("lbc.child.", "lbc.guardian.", "lbc.parent.", "lbc.consent.")
NOT_CHANGES = ("lbc.child.viewed", "lbc.child.id_searched")
ACTION_LABELS = {
    "lbc.child.registered": gettext_lazy("建立档案"),
    "lbc.child.updated": gettext_lazy("修改档案"),
    "lbc.child.confirmed": gettext_lazy("核实档案"),
    "lbc.child.transferred": gettext_lazy("转学/迁移"),
    "lbc.child.aged_out": gettext_lazy("满16周岁，档案转为只读"),
    "lbc.consent.own_reminder": gettext_lazy("提醒征得儿童本人同意（已满14周岁）"),
    "lbc.guardian.created": gettext_lazy("新增监护人"),
    "lbc.guardian.updated": gettext_lazy("修改监护人信息"),
    "lbc.parent.created": gettext_lazy("新增父母信息"),
    "lbc.parent.updated": gettext_lazy("修改父母信息"),
    "lbc.consent.recorded": gettext_lazy("记录知情同意"),
    "lbc.consent.withdrawn": gettext_lazy("撤回知情同意"),
}
MODEL_OF_ACTION: dict[str, type[Model]] = {
    "lbc.child.": Child,
    "lbc.guardian.": Guardian,
    "lbc.parent.": Parent,
    "lbc.consent.": Consent,
}
HISTORY_LIMIT = 100


@dataclass
class HistoryEntry:
    at: dt.datetime
    who: str
    action: str
    fields: list[str]


def history_of(child: Child) -> list[HistoryEntry]:
    """Changes to the file, newest first, from the audit log (views and searches are not changes)."""
    condition = Q()
    for prefix in CHANGE_PREFIXES:
        condition |= Q(action__startswith=prefix)
    events = (
        AuditEvent.objects.filter(condition, child_id=str(child.public_id))
        .exclude(action__in=NOT_CHANGES)
        .order_by("-at", "-id")[:HISTORY_LIMIT]
    )
    entries = []
    for event in events:
        model = next(m for p, m in MODEL_OF_ACTION.items() if event.action.startswith(p))
        names = event.detail.get("fields", []) if isinstance(event.detail, dict) else []
        entries.append(
            HistoryEntry(
                at=event.at,
                who=event.actor_username,
                action=str(ACTION_LABELS.get(event.action, event.action)),
                fields=[label_of(model, n) for n in names],
            )
        )
    return entries


def child_facts(child: Child, allowed: set[str]) -> dict[str, list[Fact]]:
    identity = [n for n in IDENTITY_FACTS if n != "id_absent_reason" or not child.id_number]
    return {
        "identity": facts(child, identity, allowed),
        "situation": facts(child, SITUATION_FACTS, allowed),
        "school": facts(child, SCHOOL_FACTS, allowed),
        "confirmed": facts(child, ("confirmed_at", "confirmed_by"), allowed) if child.confirmed_at else [],
    }


def household_facts(child: Child, rights: Rights) -> list[Fact]:
    allowed = access.fields_for(rights, "household")
    household: Household = child.household
    rows = [Fact(label_of(Child, "township"), child.township.name)] if "village" in allowed else []
    return rows + facts(household, ("village", "address"), allowed)


def guardian_notes(guardian_ids: list[int]) -> dict[int, list[str]]:
    """Lines other apps add to each guardian's card (the training app: grandparent classes attended)."""
    notes: dict[int, list[str]] = {}
    for contribute in hooks.guardian_notes:
        for guardian_id, line in contribute(guardian_ids).items():
            notes.setdefault(guardian_id, []).append(line)
    return notes


def guardian_cards(child: Child, rights: Rights) -> list[dict[str, Any]]:
    allowed = access.fields_for(rights, "guardian")
    if "name" not in allowed:
        return []
    links = list(child.guardian_links.select_related("guardian__village").order_by("-is_primary", "pk"))
    notes = guardian_notes([link.guardian_id for link in links])
    return [
        {
            "name": link.guardian.name,
            "public_id": link.guardian.public_id,
            "entrusted": not link.is_legal_guardian,
            "notes": notes.get(link.guardian_id, []),
            "facts": facts(link, GUARDIAN_FACTS[:3], allowed)
            + facts(link.guardian, GUARDIAN_FACTS[3:], allowed),
        }
        for link in links
    ]


def parent_cards(child: Child, rights: Rights) -> list[dict[str, Any]]:
    allowed = access.fields_for(rights, "parent")
    if "name" not in allowed:
        return []
    return [
        {
            "title": f"{parent.get_role_display()} {parent.name}",
            "public_id": parent.public_id,
            "facts": facts(parent, PARENT_FACTS, allowed),
        }
        for parent in child.household.parents.order_by("role", "pk")
    ]


def consent_rows(child: Child, rights: Rights) -> list[dict[str, Any]]:
    allowed = access.fields_for(rights, "consent")
    if "purpose" not in allowed:
        return []
    return [
        {
            "public_id": c.public_id,
            "purpose": c.get_purpose_display(),
            "active": c.is_active,
            "granted": c.decision == Consent.Decision.GRANTED,
            "entrusted": not c.is_legal_guardian,
            "facts": facts(
                c,
                (
                    "decision",
                    "given_by_name",
                    "given_by_relationship",
                    "channel",
                    "notice_version",
                    "decided_on",
                    "child_assent",
                    "withdrawn_on",
                ),
                allowed,
            ),
        }
        for c in child.consents.all()
    ]


def child_panels(child: Child, rights: Rights) -> tuple[list[hooks.ChildPanel], dict[str, Any]]:
    """Sections other apps add to the file (the screening app: the latest screening), as the rights allow."""
    panels: list[hooks.ChildPanel] = []
    context: dict[str, Any] = {}
    for panel in hooks.child_panels:
        variables = panel.context(child, rights)
        if variables is not None:
            panels.append(panel)
            context |= variables
    return panels, context


def transfer_rows(child: Child, rights: Rights) -> list[dict[str, Any]]:
    """The child's moves, newest first: schools and villages by name (no reason for weak roles)."""
    if not rights.basic:
        return []
    return [
        {
            "moved_on": t.moved_on,
            "from_school": t.from_school.name if t.from_school else EMPTY,
            "to_school": t.to_school.name if t.to_school else EMPTY,
            "from_village": t.from_village.name,
            "to_village": t.to_village.name,
            "reason": t.reason,
            "by": t.by.get_username() if t.by else EMPTY,
        }
        for t in child.transfers.select_related(
            "from_school", "to_school", "from_village", "to_village", "by"
        )
    ]


def child_file_context(child: Child, rights: Rights) -> dict[str, Any]:
    if access.is_read_only(child):  # kept for its retention clock: nobody changes it, whatever the role
        rights = dataclasses.replace(rights, can_edit=False)
    allowed = access.fields_for(rights, "child")
    panels, panel_context = child_panels(child, rights)
    return {
        "child": {
            "public_id": child.public_id,
            "name": name_for(child, allowed),
            "version": child.version,
            **child_facts(child, allowed),
        },
        "rights": rights,
        "household": household_facts(child, rights),
        "guardians": guardian_cards(child, rights),
        "parents": parent_cards(child, rights),
        "consents": consent_rows(child, rights),
        "read_only": access.is_read_only(child),
        "needs_own_consent": rights.basic and lifecycle.needs_own_consent(child, timezone.localdate()),
        "transfers": transfer_rows(child, rights),
        "can_transfer": rights.can_edit and access.rights_allow(rights, Can.TRANSFER_CHILDREN),
        **panel_context,
        "panels": panels,
        "history": history_of(child) if rights.basic else [],
    }


@login_required
@require_GET
def child_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    child, rights = access.get_child_for_user(request.user, public_id)
    # The read is recorded before anything is rendered: no audit record, no page.
    audit.record(
        "lbc.child.viewed", request=request, obj=child, child=child,
        detail={"tiers": shown_tiers(rights), **access.grant_detail(request.user, child, rights)},
    )
    context = child_file_context(child, rights) | {
        "breakglass": access.BREAK_GLASS in rights.roles,
        "can_refer": bool(access.referring_memberships(request.user, child)),
        "referrals": access.referrals_of_child(child, rights),
    }
    return render(request, "lbc/children/detail.html", context)
