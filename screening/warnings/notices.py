"""What a warning tells people: each county's rules (thresholds and timings, read once per run), who
acts at each level of the ladder, and the short messages (plain Chinese, no scores or diagnoses,
family name only) queued in the outbox."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from lbc.models import Role
from lbc.notifications import queue_message
from screening.assessments.thresholds import thresholds_for
from screening.models import (
    CountyWarningSettings,
    EscalationLevel,
    Warning,
)
from screening.scoring.tiers import Thresholds, Tier
from screening.warnings.deadlines import DEFAULT_SETTINGS, WarningSettings, settings_from
from screening.warnings.responders import responders_for_unit

LADDER_ROLES: dict[int, str] = {
    EscalationLevel.SCHOOL: Role.COUNSELLOR,
    EscalationLevel.TOWNSHIP: Role.TOWNSHIP_SUPERVISOR,
    EscalationLevel.COUNTY: Role.COUNTY_ADMIN,
}


def warning_settings_for(county_id: int) -> WarningSettings:
    row = CountyWarningSettings.objects.filter(county_id=county_id).first()
    return settings_from(row.values) if row else DEFAULT_SETTINGS

class CountyRules:
    """Thresholds and warning timings per county, read once per batch or job run."""

    def __init__(self) -> None:
        self._cache: dict[int, tuple[Thresholds, WarningSettings]] = {}

    def __call__(self, county_id: int) -> tuple[Thresholds, WarningSettings]:
        if county_id not in self._cache:
            self._cache[county_id] = (thresholds_for(county_id), warning_settings_for(county_id))
        return self._cache[county_id]

def _who(warning: Warning) -> str:
    child = warning.child
    place = warning.school.name if warning.school is not None else warning.township.name
    name = _("%(family)s同学") % {"family": child.family_name}
    if child.grade:
        return _("%(place)s %(grade)s年级 %(name)s") % {"place": place, "grade": child.grade, "name": name}
    return f"{place} {name}"

def _need(tier: str, thresholds: Thresholds) -> str:
    if tier == Tier.RED_ACUTE:
        return _("需要立即处置")
    if tier == Tier.RED:
        return _("需要今天内安全评估")
    if tier == Tier.ORANGE:
        return _("需要%(days)d个教学日内面谈") % {"days": thresholds.orange_school_days}
    if tier == Tier.YELLOW:
        return _("需要%(days)d天内联系") % {"days": thresholds.yellow_contact_days}
    return _("需要%(days)d天内当面重新施测") % {"days": thresholds.grey_readminister_days}

def warning_text(warning: Warning, thresholds: Thresholds, status: str = "") -> str:
    with translation.override(settings.LANGUAGE_CODE):
        need = _need(warning.tier, thresholds)
        if status:
            return _("【预警】%(who)s %(need)s，%(status)s。请登录平台处理。") % {
                "who": _who(warning),
                "need": need,
                "status": status,
            }
        return _("【预警】%(who)s %(need)s。请登录平台处理。") % {"who": _who(warning), "need": need}

def responders(warning: Warning, level: int) -> list[Any]:
    """Who acts at a level of the ladder: the school's counsellors, the township's supervisors, the county."""
    role = LADDER_ROLES[level]
    if level == EscalationLevel.SCHOOL:
        return responders_for_unit(role, school_id=warning.school_id) if warning.school_id else []
    region_id = warning.township_id if level == EscalationLevel.TOWNSHIP else warning.county_id
    return responders_for_unit(role, region_id=region_id)

def notify(warning: Warning, users: Iterable[Any], text: str, key: str) -> int:
    queued = 0
    for user in users:
        message = queue_message(kind="screening.warning", text=text, dedupe_key=f"{key}:{user.pk}", user=user)
        queued += message is not None
    return queued
