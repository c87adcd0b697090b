"""Re-scoring a campaign after a threshold or definition change: history rows, RED never lowered, atomic."""

from __future__ import annotations

import dataclasses
import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lbc.models import AuditEvent, Child, Consent
from lbc.services.errors import DomainError
from screening.assessments.recording import InstrumentAnswers, record_assessment
from screening.assessments.rescoring import rescore_campaign, rescore_campaign_task, save_thresholds
from screening.models import Assessment, CountyThresholds, Rescore, Response
from screening.scoring.instruments import Instrument, get_instrument
from screening.scoring.tiers import Disclosure, Thresholds

from ..conftest import World
from .helpers import spread

DAY = dt.date(2026, 10, 20)
REASON = "测试：重新评级"


def screen(world: World, child: Child, phq9_total: int, **kwargs: Any) -> Assessment:
    if not Consent.objects.filter(child=child, purpose=Consent.Purpose.SCREENING).exists():
        Consent.objects.create(
            child=child, purpose=Consent.Purpose.SCREENING, decision=Consent.Decision.GRANTED,
            given_by_name="测试母亲", given_by_relationship="母亲", is_legal_guardian=True,
            channel=Consent.Channel.PHONE, notice_version="2026-1", decided_on=dt.date(2026, 9, 1),
        )
    answers = spread(phq9_total, range(1, 9), 3) | {9: 0}
    return record_assessment(
        child, [InstrumentAnswers("PHQ-9", "1", answers, seconds=120.0)], by=world.user("counsellor"),
        mode="paper", administered_on=DAY, campaign=world.camp1, **kwargs,
    )


def set_thresholds(world: World, **values: int) -> None:
    CountyThresholds.objects.update_or_create(county=world.county, defaults={"values": values})


def without_critical_items(code: str, version: str | None = None) -> Instrument:
    """A corrected definition in which PHQ-9 item 9 no longer fires (to test a would-be downgrade)."""
    instrument = get_instrument(code, version)
    return dataclasses.replace(instrument, critical=()) if code == "PHQ-9" else instrument


def test_unchanged_thresholds_change_nothing_but_are_audited_once(world: World) -> None:
    screen(world, world.c1b, 11)
    counts = rescore_campaign(world.camp1, by=world.user("county_admin"), reason=REASON)
    assert counts.as_dict() == {"assessments": 2, "changed": 0, "raised": 0, "lowered": 0,
                                "downgrades_blocked": 0}
    assert not Rescore.objects.exists()
    assert not Assessment.objects.filter(rescored_at__isnull=False).exists()
    event = AuditEvent.objects.get(action="screening.campaign.rescored")
    assert event.detail["assessments"] == 2 and event.detail["reason"] == REASON
    assert event.object_id == str(world.camp1.public_id)


def test_a_higher_cut_off_lowers_yellow_to_green_with_a_history_row(world: World) -> None:
    yellow = screen(world, world.c1b, 11)
    assert yellow.tier == "YELLOW"
    set_thresholds(world, phq9_moderate=12)
    counts = rescore_campaign(world.camp1, by=world.user("county_admin"), reason=REASON)
    assert (counts.changed, counts.lowered, counts.raised) == (1, 1, 0)
    yellow.refresh_from_db()
    assert yellow.tier == "GREEN" and yellow.rescored_at is not None
    assert "常规" in yellow.action or "全体" in yellow.action
    row = Rescore.objects.get(assessment=yellow)
    assert (row.old_tier, row.new_tier, row.reason) == ("YELLOW", "GREEN", REASON)
    assert row.by == world.user("county_admin")
    assert row.changes["totals"] == {"PHQ-9": {"old": 11, "new": 11}}
    assert row.changes["downgrade_blocked"] is False
    world.c1b.refresh_from_db()
    assert world.c1b.latest_tier == "GREEN"


def test_a_lower_cut_off_raises_green_to_yellow_and_quotes_the_new_cut_off(world: World) -> None:
    green = screen(world, world.c1b, 9)
    assert green.tier == "GREEN"
    set_thresholds(world, phq9_moderate=8)
    counts = rescore_campaign(world.camp1, by=None, reason=REASON)
    assert (counts.changed, counts.raised) == (1, 1)
    green.refresh_from_db()
    assert green.tier == "YELLOW"
    assert any("≥ 8" in reason for reason in green.reasons)
    world.c1b.refresh_from_db()
    assert world.c1b.latest_tier == "YELLOW"


def test_a_changed_deadline_is_applied_and_recorded_even_when_the_tier_stays(world: World) -> None:
    yellow = screen(world, world.c1b, 11)
    set_thresholds(world, yellow_contact_days=7)
    rescore_campaign(world.camp1, by=None, reason=REASON)
    yellow.refresh_from_db()
    assert yellow.tier == "YELLOW" and "7" in yellow.deadline
    row = Rescore.objects.get(assessment=yellow)
    assert row.old_tier == row.new_tier == "YELLOW"
    assert {"action", "deadline"} <= set(row.changes["fields"])


def test_red_is_never_lowered_automatically(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("screening.assessments.rescoring.get_instrument", without_critical_items)
    before = Assessment.objects.get(pk=world.a1.pk)
    counts = rescore_campaign(world.camp1, by=world.user("county_admin"), reason=REASON)
    assert (counts.changed, counts.downgrades_blocked, counts.lowered) == (1, 1, 0)
    after = Assessment.objects.get(pk=world.a1.pk)
    assert (after.tier, after.reasons, after.action, after.critical) == (
        "RED", before.reasons, before.action, True,
    )
    row = Rescore.objects.get(assessment=after)
    assert (row.old_tier, row.new_tier) == ("RED", "RED")
    assert row.changes["downgrade_blocked"] is True
    assert row.changes["computed_tier"] == "GREEN"
    # The scores are facts and are brought up to date; the tier waits for a counsellor.
    assert Response.objects.get(assessment=after).critical_items == []
    world.c1.refresh_from_db()
    assert world.c1.latest_tier == "RED"
    again = rescore_campaign(world.camp1, by=None, reason=REASON)
    assert again.changed == 0
    assert Rescore.objects.filter(assessment=after).count() == 1


def test_a_red_from_a_disclosure_stays_red_without_history_noise(world: World) -> None:
    told = screen(world, world.c1b, 2, disclosure=Disclosure.SELF_HARM)
    assert told.tier == "RED" and not told.critical
    counts = rescore_campaign(world.camp1, by=None, reason=REASON)
    assert counts.changed == 0
    told.refresh_from_db()
    assert told.tier == "RED"


def test_it_is_all_or_nothing(world: World) -> None:
    yellow = screen(world, world.c1b, 11)
    set_thresholds(world, phq9_moderate=12)
    Response.objects.filter(assessment=world.a1).update(instrument_version="99")
    with pytest.raises(DomainError, match="PHQ-9"):
        rescore_campaign(world.camp1, by=None, reason=REASON)
    yellow.refresh_from_db()
    assert yellow.tier == "YELLOW" and yellow.rescored_at is None
    assert not Rescore.objects.exists()
    assert not AuditEvent.objects.filter(action="screening.campaign.rescored").exists()


def test_it_needs_a_reason(world: World) -> None:
    with pytest.raises(DomainError):
        rescore_campaign(world.camp1, by=None, reason="  ")


def test_the_background_task_rescores_a_campaign(world: World) -> None:
    screen(world, world.c1b, 11)
    set_thresholds(world, phq9_moderate=12)
    result = rescore_campaign_task.enqueue(str(world.camp1.public_id), world.user("county_admin").pk, REASON)
    assert result.status == "SUCCESSFUL"
    assert result.return_value["lowered"] == 1
    assert Rescore.objects.get().by == world.user("county_admin")


def test_saving_thresholds_queues_rescoring_of_the_countys_campaigns_only(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    yellow = screen(world, world.c1b, 11)
    with django_capture_on_commit_callbacks(execute=True):
        queued = save_thresholds(world.county, Thresholds(phq9_moderate=12), by=world.user("county_admin"))
    assert queued == 1
    yellow.refresh_from_db()
    assert yellow.tier == "GREEN"
    saved = CountyThresholds.objects.get(county=world.county)
    assert saved.values["phq9_moderate"] == 12 and saved.updated_by == world.user("county_admin")
    event = AuditEvent.objects.get(action="screening.thresholds.saved")
    assert event.detail["changed"] == {"phq9_moderate": [10, 12]}
    rescored = AuditEvent.objects.filter(action="screening.campaign.rescored")
    assert list(rescored.values_list("object_id", flat=True)) == [str(world.camp1.public_id)]


def test_saving_the_same_thresholds_queues_nothing(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert save_thresholds(world.county, Thresholds(), by=None) == 0
    assert callbacks == []
    assert not CountyThresholds.objects.exists()
    assert not AuditEvent.objects.exists()


# --- the command --------------------------------------------------------------------------------


def rescore(*args: str) -> str:
    out = StringIO()
    call_command("rescore", *args, stdout=out)
    return out.getvalue()


def test_the_command_rescores_one_campaign_and_prints_counts(world: World) -> None:
    screen(world, world.c1b, 11)
    set_thresholds(world, phq9_moderate=12)
    out = rescore("--campaign", str(world.camp1.public_id), "--reason", REASON)
    assert "重新计分 2 份，有变化 1 份" in out
    assert "降级 1" in out
    assert Rescore.objects.get().reason == REASON


def test_the_command_rescores_every_campaign_of_a_county(world: World) -> None:
    screen(world, world.c1b, 11)
    set_thresholds(world, phq9_moderate=12)
    out = rescore("--county", world.county.code, "--reason", REASON)
    assert str(world.camp1.public_id) in out and str(world.camp3.public_id) not in out
    assert "合计 1 个筛查批次" in out
    assert Rescore.objects.count() == 1


@pytest.mark.parametrize("args", [
    ["--campaign", "not-a-uuid", "--reason", REASON],
    ["--campaign", "00000000-0000-4000-8000-000000000000", "--reason", REASON],
    ["--county", "000000000000", "--reason", REASON],
    ["--county", "x", "--reason", " "],
    ["--reason", REASON],
])
def test_the_command_refuses_bad_targets_and_blank_reasons(world: World, args: list[str]) -> None:
    with pytest.raises(CommandError):
        rescore(*args)
    assert not AuditEvent.objects.filter(action="screening.campaign.rescored").exists()


def test_the_command_help_says_what_it_selects_and_changes() -> None:
    from screening.management.commands.rescore import Command

    for words in ("--campaign", "--county", "Rescore", "RED", "audit event", "Prints"):
        assert words in Command.help
