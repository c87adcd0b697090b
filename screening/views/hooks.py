"""What the screening app adds to the core's pages, registered in ``ScreeningConfig.ready()``."""

from __future__ import annotations

from typing import Any

from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lbc import hooks
from lbc.access import Can, Rights, UserLike, scope_of
from lbc.models import Child
from screening.access import can_see_warnings
from screening.demo.screenings import seed_screenings, summary
from screening.scoring.tiers import Tier, neutral_label
from screening.views import responders
from screening.views.life_events import life_event_panel
from screening.views.records import latest_cell, latest_screening
from screening.warnings.moves import follow_child

STYLESHEET = "screening/screening.css"


def menu(user: UserLike) -> list[hooks.MenuEntry]:
    scope = scope_of(user)
    entries = [
        hooks.MenuEntry(
            _("我的班级：%(name)s") % {"name": str(m.school_class)},
            reverse("screening:class-overview", kwargs={"public_id": m.school_class.public_id}),
        )
        for m in scope.holding(Can.CLASS_OVERVIEW)
        if m.school_class is not None
    ]
    if can_see_warnings(user):
        entries.append(hooks.MenuEntry(_("预警"), reverse("screening:warning-list")))
    if scope.can(Can.SEE_CAMPAIGNS):
        entries.append(hooks.MenuEntry(_("心理筛查"), reverse("screening:campaign-list")))
    entries += [
        hooks.MenuEntry(
            _("筛查趋势：%(name)s") % {"name": m.region.name},
            reverse("screening:trends", kwargs={"public_id": m.region.public_id}),
        )
        for m in scope.holding(Can.VIEW_TRENDS)
        if m.region is not None
    ]
    entries += [
        hooks.MenuEntry(
            _("预警分派"), reverse("screening:allocation", kwargs={"public_id": m.region.public_id})
        )
        for m in scope.holding(Can.ALLOCATE_WARNINGS)
        if m.region is not None
    ]
    return entries


def home_cards(user: UserLike) -> list[hooks.HomeCard]:
    if not can_see_warnings(user):
        return []
    text = _("需要跟进的孩子：确认、分派、干预和复筛。")
    return [hooks.HomeCard(_("预警"), text, reverse("screening:warning-list"))]


def child_panel(child: Child, rights: Rights) -> dict[str, Any] | None:
    section = latest_screening(child, rights)  # None: the role sees no screening result
    return None if section is None else {"screening": section}


def tier_wording(code: str) -> str:
    return neutral_label(Tier(code))


def seed(county: hooks.DemoCounty) -> dict[str, int]:
    return seed_screenings(county.county, seed=county.seed, today=county.today, now=county.now)


RESPONDER_URL = path(
    "users/<str:username>/responder/", responders.responder_profile, name="responder-profile"
)
MENU = menu
HOME_CARDS = home_cards
MANAGE_TAB = hooks.ManageTab("thresholds", gettext_lazy("预警阈值"), "screening:thresholds")
SETTINGS_TAB = hooks.ManageTab("warning_settings", gettext_lazy("预警时限"), "screening:warning-settings")
CHILD_PANEL = hooks.ChildPanel("screening/records/_latest.html", child_panel, STYLESHEET)
LIFE_EVENT_PANEL = hooks.ChildPanel("screening/life_events/_panel.html", life_event_panel)
TIER_DISPLAY = hooks.TierDisplay(latest_cell, tier_wording, STYLESHEET)
USER_PANEL = hooks.UserPanel("screening/responders/_profile.html", responders.responder_panel)
DEMO_STEP = hooks.DemoStep("screening", seed, summary)


PERIODIC_JOBS = (
    "screening.warnings.escalation.escalate_due",
    "screening.imports.purge.purge_abandoned",
    "screening.allocation.service.end_finished_companionships",
)


def register() -> None:
    hooks.register_once(hooks.menu_entries, MENU)
    hooks.register_once(hooks.home_cards, HOME_CARDS)
    hooks.register_once(hooks.manage_tabs, MANAGE_TAB)
    hooks.register_once(hooks.manage_tabs, SETTINGS_TAB)
    hooks.register_once(hooks.manage_urls, RESPONDER_URL)
    hooks.register_once(hooks.child_panels, CHILD_PANEL)
    hooks.register_once(hooks.child_panels, LIFE_EVENT_PANEL)
    hooks.register_once(hooks.child_moved, follow_child)
    hooks.register_once(hooks.tier_display, TIER_DISPLAY)
    hooks.register_once(hooks.user_panels, USER_PANEL)
    hooks.register_once(hooks.demo_steps, DEMO_STEP)
    for job in PERIODIC_JOBS:
        hooks.register_once(hooks.periodic_jobs, job)
