"""Warnings are raised by every path that sets a tier: single entry, the import commit, re-scoring."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError

from lbc.models import Child
from screening.assessments.rescoring import rescore_campaign
from screening.imports import commit as commit_module
from screening.models import CountyThresholds, ImportBatch, Warning, WarningEvent, WarningState
from screening.scoring.tiers import Tier
from tests.conftest import World

from .test_imports_commit import RED_ROW, commit, pupils, send  # noqa: F401 (fixture)
from .test_imports_data import batch_url, media, row_for  # noqa: F401 (fixture)
from .test_rescoring import screen

pytestmark = pytest.mark.usefixtures("media")


def test_an_import_raises_one_warning_per_warning_tier_in_the_same_commit(
    login: Any,
    world: World,
    pupils: list[Child],  # noqa: F811
) -> None:
    rows = [row_for(pupils[0], phq=RED_ROW), *(row_for(c) for c in pupils[1:])]
    batch = commit(login("counsellor"), send(login("counsellor"), world, rows))
    assert batch.status == ImportBatch.Status.COMMITTED
    w = Warning.objects.get(child=pupils[0])
    assert (w.tier, w.state, w.school) == (Tier.RED, WarningState.RAISED, world.s1)
    green = [c for c in pupils[1:] if c.assessments.get().tier == Tier.GREEN]
    assert green and not Warning.objects.filter(child__in=green).exists()


def test_a_failing_import_commit_leaves_no_warning(
    login: Any,
    world: World,
    pupils: list[Child],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = login("counsellor")
    batch = send(client, world, [row_for(pupils[0], phq=RED_ROW)])

    def broken(*args: Any, **kwargs: Any) -> None:
        raise DatabaseError("disk full")

    monkeypatch.setattr(commit_module, "set_latest_tier", broken)
    client.post(batch_url("screening:import-commit", batch))
    assert not Warning.objects.filter(child=pupils[0]).exists()


def test_rescoring_that_raises_a_tier_raises_the_warning(world: World) -> None:
    green = screen(world, world.c1b, 9)
    assert not Warning.objects.filter(child=world.c1b).exists()
    CountyThresholds.objects.update_or_create(county=world.county, defaults={"values": {"phq9_moderate": 8}})
    rescore_campaign(world.camp1, by=None, reason="测试：重新评级")
    w = Warning.objects.get(child=world.c1b)
    assert w.tier == Tier.YELLOW and w.assessment_id == green.pk
    assert w.events.get().action == WarningEvent.Action.RAISED
