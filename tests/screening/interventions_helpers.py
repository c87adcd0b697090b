"""Builders for intervention tests (all text synthetic)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from screening.models import SignOff
from screening.warnings.interventions import save_safety_plan, sign_off

PLAN = {
    "warning_signs": "合成：不想说话、一个人待着",
    "coping_steps": "合成：听音乐、去操场走走",
    "contacts": "合成：班主任、奶奶、12355",
    "means_restriction": "合成：刀具和药品由奶奶收好",
}


def plan_and_sign_off(warning: Any, counsellor: Any, *, informed: bool = True) -> None:
    """A RED warning's safety plan (guardian informed) and the counsellor's closure sign-off."""
    save_safety_plan(
        warning,
        {**PLAN, "guardian_informed": informed, "guardian_informed_at": timezone.now()},
        by=counsellor,
    )
    sign_off(warning, purpose=SignOff.Purpose.CLOSE, by=counsellor, note="合成：已稳定")
