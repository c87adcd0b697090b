"""Staff accounts of a county from a roster: name, phone, role, scope (, username, end date).

As for the division codes: ``parse_roster`` checks each row alone, ``plan_roster`` resolves scopes in
the administrator's county and matches existing accounts (by phone among the county's accounts, or by
username), ``commit_roster`` writes the plan in one transaction. A new account gets no password: it
gets a one-time reset code (decision 34) which its holder spends on a password of their own; the codes
are returned once, for a printed sheet, and only their hashes are stored. A row whose account already
holds that role at that scope changes nothing, so importing the same roster twice creates nothing new.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from lbc import access, audit
from lbc.manage_forms import RESERVED_USERNAMES, region_label
from lbc.models import ContactPreference, Membership, Organisation, Region, Role, School, Volunteer
from lbc.models.memberships import SCOPE_KIND
from lbc.tables import Table
from lbc.text import InvalidName, normalise_name

from . import accounts
from .errors import DomainError
from .regions_import import FULL_WIDTH_DIGITS, Problem

HEADER = ("姓名", "手机号码", "角色", "范围", "用户名", "失效日期")
COLUMN_NAME, COLUMN_PHONE, COLUMN_ROLE, COLUMN_SCOPE, COLUMN_USERNAME, COLUMN_UNTIL = HEADER
MOBILE = re.compile(r"1[3-9][0-9]{9}")
DATE_PATTERNS = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"),
)
# County administrators (second factor, the county's keys) and head teachers (a class of a school
# year, which a name alone does not say) are added one by one on the new-account page.
ROSTER_ROLES = (
    Role.TOWNSHIP_SUPERVISOR, Role.VILLAGE_DIRECTOR, Role.COUNSELLOR, Role.TRAINER, Role.VOLUNTEER,
)
USERNAME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
KIND_WORDS = {
    "county": gettext_noop("县"), "township": gettext_noop("乡镇/街道"), "village": gettext_noop("村/社区"),
    "school": gettext_noop("学校"), "none": gettext_noop("组织"),
}


def role_names() -> dict[str, str]:
    """Role names as the Chinese pages show them (whatever the administrator's language)."""
    with translation.override("zh-hans"):
        return {str(Role(role).label): role for role in Role.values}


@dataclass(frozen=True)
class StaffRow:
    row: int
    name: str
    phone: str
    role: str
    scope: str
    username: str
    valid_until: dt.date | None

    def as_list(self) -> list[Any]:
        until = self.valid_until.isoformat() if self.valid_until else ""
        return [self.row, self.name, self.phone, self.role, self.scope, self.username, until]

    @classmethod
    def from_list(cls, values: Sequence[Any]) -> StaffRow:
        row, name, phone, role, scope, username, until = values
        return cls(int(row), str(name), str(phone), str(role), str(scope), str(username),
                   dt.date.fromisoformat(until) if until else None)


# --- step 1: each row on its own ----------------------------------------------------------------


def parse_roster(table: Table) -> tuple[list[StaffRow], list[Problem]]:
    header = tuple(cell.strip() for cell in table.rows[0])
    if header[: len(HEADER)] != HEADER or any(header[len(HEADER):]):
        return [], [Problem(1, "", " | ".join(header), _("表头应为：%(header)s（请使用下载的模板）。")
                            % {"header": "、".join(HEADER)})]
    roles = role_names()
    rows: list[StaffRow] = []
    problems: list[Problem] = []
    phones: dict[str, int] = {}
    usernames: dict[str, int] = {}
    for index, raw in enumerate(table.rows[1:], start=2):
        cells = [c.strip() for c in [*raw, "", "", "", "", "", ""][:6]]
        found = _check_row(index, cells, roles)
        if isinstance(found, list):
            problems.extend(found)
            continue
        if found.phone in phones:
            problems.append(Problem(index, COLUMN_PHONE, found.phone, _("手机号码与第%(row)d行重复。")
                                    % {"row": phones[found.phone]}))
            continue
        if found.username and found.username.lower() in usernames:
            problems.append(Problem(index, COLUMN_USERNAME, found.username, _("用户名与第%(row)d行重复。")
                                    % {"row": usernames[found.username.lower()]}))
            continue
        phones[found.phone] = index
        if found.username:
            usernames[found.username.lower()] = index
        rows.append(found)
    if not rows and not problems:
        problems.append(Problem(1, "", "", _("文件中只有表头，没有数据行。")))
    return rows, problems


def _check_row(row: int, cells: list[str], roles: dict[str, str]) -> StaffRow | list[Problem]:
    name, phone, role_word, scope, username, until_text = cells
    problems: list[Problem] = []

    def refuse(column: str, value: str, message: str) -> None:
        problems.append(Problem(row, column, value, message))

    try:
        clean_name = normalise_name(name)
    except InvalidName as exc:
        clean_name = ""
        refuse(COLUMN_NAME, name, exc.message)
    else:
        if not clean_name:
            refuse(COLUMN_NAME, name, _("姓名不能为空。"))
        elif len(clean_name) > 150:
            refuse(COLUMN_NAME, name, _("姓名不能超过150个字。"))
    if any(ch in FULL_WIDTH_DIGITS for ch in phone):
        refuse(COLUMN_PHONE, phone, _("手机号码中含有全角数字，请改为半角数字。"))
    elif not MOBILE.fullmatch(phone):
        refuse(COLUMN_PHONE, phone, _("手机号码须为11位数字，以1开头。"))
    role = roles.get(role_word)
    if role is None:
        refuse(COLUMN_ROLE, role_word, _("角色应为以下之一：%(roles)s。") % {
            "roles": "、".join(name for name, value in roles.items() if value in ROSTER_ROLES)})
    elif role not in ROSTER_ROLES:
        refuse(COLUMN_ROLE, role_word, _("县级管理员和班主任不能批量导入，请在“新增用户”页面逐个添加。"))
    if username:
        try:
            UnicodeUsernameValidator()(username)
        except ValidationError:
            refuse(COLUMN_USERNAME, username, _("用户名只能包含字母、数字和 @ . + - _ 。"))
        else:
            if username.lower() in RESERVED_USERNAMES or len(username) > 150:
                refuse(COLUMN_USERNAME, username, _("该用户名为系统保留，请换一个。"))
    until = _parse_date(until_text)
    if until_text and until is None:
        refuse(COLUMN_UNTIL, until_text, _("日期格式应为 2027-01-31 或 2027年1月31日。"))
    elif until is not None and until < timezone.localdate():
        refuse(COLUMN_UNTIL, until_text, _("失效日期不能早于今天。"))
    elif until is None and role is not None and access.capabilities_of(role).term_limited:
        refuse(COLUMN_UNTIL, until_text, _("志愿者账号必须填写失效日期（通常为本学期结束的日期）。"))
    if problems or role is None:
        return problems
    return StaffRow(row, clean_name, phone, role, scope, username, until)


def _parse_date(text: str) -> dt.date | None:
    for pattern in DATE_PATTERNS:
        found = pattern.fullmatch(text)
        if found:
            try:
                return dt.date(*(int(part) for part in found.groups()))
            except ValueError:
                return None
    return None


# --- step 2: scopes and existing accounts --------------------------------------------------------


@dataclass
class Scopes:
    """The county's scopes by the names a roster uses."""

    by_kind: dict[str, dict[str, list[Any]]] = field(default_factory=dict)

    def add(self, kind: str, label: str, obj: Any) -> None:
        self.by_kind.setdefault(kind, {}).setdefault(label, []).append(obj)

    def find(self, kind: str, label: str) -> list[Any]:
        return self.by_kind.get(kind, {}).get(label, [])

    def kinds_named(self, label: str) -> list[str]:
        return [kind for kind, names in self.by_kind.items() if label in names]


def county_scopes(by: Any) -> Scopes:
    scopes = Scopes()
    regions = access.regions_for_admin(by).select_related("parent")
    for region in regions:
        if region.level == Region.Level.COUNTY:
            scopes.add("county", region.name, region)
        elif region.level == Region.Level.TOWNSHIP:
            scopes.add("township", region.name, region)
        elif region.level == Region.Level.VILLAGE:
            scopes.add("village", region.name, region)
            for separator in ("/", " · ", "·"):
                scopes.add("village", region_label(region).replace(" · ", separator), region)
    for school in access.schools_for_admin(by).filter(active=True):
        scopes.add("school", school.name, school)
    for organisation in Organisation.objects.filter(region__in=access.regions_for_admin(by)):
        scopes.add("none", organisation.name, organisation)
    return scopes


@dataclass
class Action:
    """What the import does with one row: a new account, a new role for an existing one, or nothing."""

    staff: StaffRow
    status: str  # new | add_role | exists
    scope: Any
    user: Any = None

    @property
    def role_label(self) -> str:
        return str(Role(self.staff.role).label)

    @property
    def scope_label(self) -> str:
        return region_label(self.scope) if isinstance(self.scope, Region) else str(self.scope)


@dataclass
class RosterPlan:
    actions: list[Action] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for a in self.actions if a.status == status)

    @property
    def has_changes(self) -> bool:
        return any(a.status != "exists" for a in self.actions)

    def fingerprint(self) -> str:
        seen = [[a.status, a.staff.as_list(), _key(a.scope), a.user.pk if a.user else None]
                for a in self.actions]
        return hashlib.sha256(json.dumps(seen, ensure_ascii=False).encode()).hexdigest()


def _key(obj: Any) -> str:
    return f"{obj._meta.model_name}:{obj.pk}"


def plan_roster(rows: list[StaffRow], *, by: Any) -> RosterPlan:
    scopes = county_scopes(by)
    county_users = {u.pk: u for u in access.users_for_admin(by).select_related("contact")}
    by_phone = {u.contact.phone: u for u in county_users.values()
                if hasattr(u, "contact") and u.contact.phone}
    plan = RosterPlan()
    for staff in rows:
        scope, problem = _resolve_scope(staff, scopes)
        if problem:
            plan.problems.append(Problem(staff.row, COLUMN_SCOPE, staff.scope, problem))
            continue
        user, column, problem = _match_account(staff, by_phone, county_users)
        if problem:
            plan.problems.append(Problem(staff.row, column, getattr(staff, _ATTR[column]), problem))
            continue
        status = "new" if user is None else "exists" if _holds(user, staff.role, scope) else "add_role"
        plan.actions.append(Action(staff, status, scope, user))
    return plan


_ATTR = {COLUMN_PHONE: "phone", COLUMN_USERNAME: "username"}


def _resolve_scope(staff: StaffRow, scopes: Scopes) -> tuple[Any, str]:
    kind = SCOPE_KIND[staff.role]
    role = str(Role(staff.role).label)
    wanted = str(_(KIND_WORDS[kind]))
    if kind == "county" and not staff.scope:
        counties = [c for found in scopes.by_kind.get("county", {}).values() for c in found]
        if len(counties) == 1:  # a trainer of the administrator's only county
            return counties[0], ""
    if not staff.scope:
        return None, _("请填写%(role)s的范围：一个%(kind)s的名称。") % {"role": role, "kind": wanted}
    found = scopes.find(kind, staff.scope)
    if len(found) == 1:
        return found[0], ""
    if len(found) > 1:
        return None, _("本县有%(n)d个名为“%(name)s”的%(kind)s，请写成“乡镇/村”的形式以区分。") % {
            "n": len(found), "name": staff.scope, "kind": wanted}
    other = scopes.kinds_named(staff.scope)
    if other:
        return None, _("%(role)s的范围须是一个%(kind)s，“%(name)s”是%(other)s。") % {
            "role": role, "kind": wanted, "name": staff.scope, "other": str(_(KIND_WORDS[other[0]]))}
    return None, _("本县找不到名为“%(name)s”的%(kind)s。") % {"name": staff.scope, "kind": wanted}


def _match_account(staff: StaffRow, by_phone: dict[str, Any],
                   county_users: dict[int, Any]) -> tuple[Any, str, str]:
    """(account or None, column, problem). Phones are matched among this county's accounts only."""
    user = by_phone.get(staff.phone)
    named = (get_user_model().objects.filter(username__iexact=staff.username).first()
             if staff.username else None)
    if named is not None and user is not None and named.pk != user.pk:
        return None, COLUMN_USERNAME, _("该用户名属于另一个账号（手机号码不同）。")
    if named is not None and user is None:
        stored = getattr(getattr(county_users.get(named.pk), "contact", None), "phone", "")
        if named.pk not in county_users or (stored and stored != staff.phone):
            return None, COLUMN_USERNAME, _("该用户名已被使用，请换一个。")
        user = named
    if user is not None and not user.is_active:
        return None, COLUMN_PHONE, _("该手机号码对应的账号“%(username)s”已停用，请先在用户页面重新启用。") % {
            "username": user.username}
    return user, "", ""


def _holds(user: Any, role: str, scope: Any) -> bool:
    memberships = Membership.objects.current().filter(user=user, role=role)
    if isinstance(scope, Region):
        return memberships.filter(region=scope).exists()
    if isinstance(scope, School):
        return memberships.filter(school=scope).exists()
    return memberships.exists() and Volunteer.objects.filter(user=user, organisation=scope).exists()


# --- step 3: the write --------------------------------------------------------------------------


@dataclass(frozen=True)
class Issued:
    """A line of the printed sheet: the code is shown once and kept only as a hash."""

    username: str
    name: str
    role: str
    scope: str
    code: str
    expires_at: dt.datetime | None


@transaction.atomic
def commit_roster(rows: list[StaffRow], *, by: Any, fingerprint: str,
                  request: Any = None) -> tuple[RosterPlan, list[Issued]]:
    plan = plan_roster(rows, by=by)
    if plan.problems:
        raise DomainError(_("名单中有错误，没有导入任何内容。请修改后重新上传。"))
    if plan.fingerprint() != fingerprint:
        raise DomainError(_("预览之后系统中的账号或范围已有变化，没有导入任何内容。请重新上传名单核对。"))
    issued: list[Issued] = []
    for action in plan.actions:
        if action.status == "exists":
            continue
        staff = action.staff
        if action.status == "new":
            action.user = _new_account(staff, by=by, request=request)
        membership = Membership(user=action.user, role=staff.role, valid_from=timezone.localdate(),
                                valid_until=staff.valid_until)
        if isinstance(action.scope, Region):
            membership.region = action.scope
        elif isinstance(action.scope, School):
            membership.school = action.scope
        organisation = action.scope if isinstance(action.scope, Organisation) else None
        accounts.create_membership(membership, by=by, organisation=organisation, request=request)
        if action.status == "new":
            code, row = accounts.issue_reset_code(action.user, by=by, request=request)
            issued.append(Issued(action.user.username, staff.name, action.role_label, action.scope_label,
                                 code, row.expires_at))
        else:
            issued.append(Issued(action.user.username, staff.name, action.role_label, action.scope_label,
                                 "", None))
    if plan.has_changes:
        audit.record("lbc.user.roster_imported", actor=by, request=request, detail={
            "created": [a.user.pk for a in plan.actions if a.status == "new"],
            "roles_added": [a.user.pk for a in plan.actions if a.status == "add_role"],
            "unchanged": plan.count("exists"),
        })
    return plan, issued


def _new_account(staff: StaffRow, *, by: Any, request: Any) -> Any:
    User = get_user_model()
    username = staff.username or _free_username()
    user = User(username=username, first_name=staff.name)
    user.set_unusable_password()  # the holder sets a password with the one-time code
    user.save()
    ContactPreference.objects.create(user=user, phone=staff.phone)
    audit.record("lbc.user.created", actor=by, request=request, obj=user,
                 detail={"role": staff.role, "source": "roster"})
    return user


def _free_username() -> str:
    User = get_user_model()
    while True:
        candidate = "u" + "".join(secrets.choice(USERNAME_ALPHABET) for _n in range(7))
        if not User.objects.filter(username__iexact=candidate).exists():
            return candidate
