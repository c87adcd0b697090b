"""What the satellite apps add to the core's pages (pretix's plugin way, with plain lists).

The core imports no satellite: each app appends its contributions here in its ``AppConfig.ready()``
and the core reads the lists in order. Each entry is a small dataclass or a callable; a contribution
that depends on the user asks the user's capabilities itself (``lbc.access``) and returns nothing when
the user may not use it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern

from lbc.access import Rights, UserLike
from lbc.models import Child, ChildTransfer, Region


@dataclass(frozen=True)
class MenuEntry:
    """A main-menu link. ``position`` orders the satellites' entries among themselves (lower first)."""

    label: str
    url: str
    position: int = 50


@dataclass(frozen=True)
class HomeCard:
    """A to-do card on the start page."""

    title: str
    text: str
    url: str


@dataclass(frozen=True)
class ManageTab:
    """A tab of the county administration pages (``section`` marks it active)."""

    section: str
    label: Any
    url_name: str


@dataclass(frozen=True)
class ChildPanel:
    """A section of the child's file. ``context`` returns the template's variables, None: no section."""

    template: str
    context: Callable[[Child, Rights], dict[str, Any] | None]
    stylesheet: str = ""


@dataclass(frozen=True)
class TierDisplay:
    """How a child's latest screening tier (``Child.latest_tier``, kept by the screening app) is shown."""

    cell: Callable[[Child, set[str]], Any]  # the child list's cell, for the fields the user may see
    neutral_label: Callable[[str], str]  # the neutral wording of a tier code, for the API
    stylesheet: str = ""


@dataclass(frozen=True)
class UserPanel:
    """A section of an account's page in county administration. ``context`` (admin, target) returns the
    template's variables (merged into the page's)."""

    template: str
    context: Callable[[UserLike, Any], dict[str, Any]]


@dataclass(frozen=True)
class ChildMove:
    """A child moved to another school, class or home village: a transfer (``transfer``, the row kept), or an
    edit of the file that corrected the school or village (``transfer`` None).

    ``child`` is already saved at its new place. Called inside the move's transaction: a satellite whose
    rows copy the child's place (the screening app's open warnings) moves what must follow the child, and
    a failure there undoes the whole move.
    """

    child: Child
    transfer: ChildTransfer | None
    by: Any
    request: Any = None


@dataclass
class DemoCounty:
    """What the core's demo seed made, handed to each app's demo step."""

    county: Region
    seed: int
    today: dt.date
    now: dt.datetime  # the instant the demo is laid out at: ``today`` at 10:00 local time
    users: dict[str, Any] = field(default_factory=dict)  # one persona per role


@dataclass(frozen=True)
class DemoStep:
    """An app's part of the demo county: ``seed`` returns counts, ``summary`` the line printed for them."""

    app: str
    seed: Callable[[DemoCounty], dict[str, int]]
    summary: Callable[[dict[str, int]], str]


menu_entries: list[Callable[[UserLike], list[MenuEntry]]] = []
home_cards: list[Callable[[UserLike], list[HomeCard]]] = []
manage_tabs: list[ManageTab] = []
manage_urls: list[URLPattern] = []  # served under /manage/ in the "manage" namespace
child_panels: list[ChildPanel] = []
tier_display: list[TierDisplay] = []  # at most one: the screening app's
# guardian id -> a line on the guardian's card
guardian_notes: list[Callable[[list[int]], dict[int, str]]] = []
user_panels: list[UserPanel] = []
child_moved: list[Callable[[ChildMove], None]] = []
demo_steps: list[DemoStep] = []  # run in the order of INSTALLED_APPS, after the core's own seed
# Dotted paths of ``job(now) -> int`` run by ``manage.py run_periodic`` before the core's own jobs.
periodic_jobs: list[str] = []


def menu_for(user: UserLike) -> list[MenuEntry]:
    return sorted((entry for entries in menu_entries for entry in entries(user)), key=lambda e: e.position)


def cards_for(user: UserLike) -> list[HomeCard]:
    return [card for cards in home_cards for card in cards(user)]


def register_once(hook: list[Any], item: Any) -> None:
    """Append unless already there: ``ready()`` may run more than once (tests, reloaders)."""
    if item not in hook:
        hook.append(item)
