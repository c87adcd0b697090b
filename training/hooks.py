"""What the training app adds to the core's pages, registered in ``TrainingConfig.ready()``."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lbc import hooks
from lbc.access import UserLike

from .access import can_use_training, setup_menu
from .demo import seed_training, summary
from .models import Attendance, Audience


def menu(user: UserLike) -> list[hooks.MenuEntry]:
    if not can_use_training(user):
        return []
    # Before the screening app's entries, as the menu has always been.
    entries = [hooks.MenuEntry(_("培训"), reverse("training:calendar"), position=10)]
    if setup_menu(user)["can_set_up_training"]:
        entries.append(hooks.MenuEntry(_("培训设置"), reverse("training:program-list"), position=11))
    return entries


def grandparent_classes(guardian_ids: list[int]) -> dict[int, str]:
    """Grandparent classes (祖辈课堂) each guardian attended: program name and date, newest first.

    Shown on the guardian's card, which only roles that see guardians get.
    """
    attended = (
        Attendance.objects.filter(
            kind=Attendance.Kind.PARTICIPANT,
            attended=True,
            enrolment__guardian_id__in=guardian_ids,
            session__audience=Audience.GRANDPARENTS,
        )
        .select_related("session__program")
        .order_by("-session__starts_at")
        .values_list("enrolment__guardian_id", "session__program__name", "session__starts_at")
    )
    found: dict[int, list[str]] = {}
    for guardian_id, program, starts_at in attended:
        found.setdefault(guardian_id, []).append(f"{program}（{timezone.localtime(starts_at):%Y-%m-%d}）")
    return {guardian_id: _("参加过祖辈课堂：") + "、".join(classes) for guardian_id, classes in found.items()}


def seed(county: hooks.DemoCounty) -> dict[str, int]:
    return seed_training(county.county, seed=county.seed, today=county.today, now=county.now)


DEMO_STEP = hooks.DemoStep("training", seed, summary)
# County administration: the county's training windows (and from there the other set-up pages).
MANAGE_TAB = hooks.ManageTab("training-windows", gettext_lazy("培训时段"), "training:windows")


def register() -> None:
    hooks.register_once(hooks.menu_entries, menu)
    hooks.register_once(hooks.manage_tabs, MANAGE_TAB)
    hooks.register_once(hooks.guardian_notes, grandparent_classes)
    hooks.register_once(hooks.demo_steps, DEMO_STEP)
    hooks.register_once(hooks.periodic_jobs, "training.reminders.queue_due")
