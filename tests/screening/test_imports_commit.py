"""Committing an import: atomic, exactly once, the same tiers as record_assessment."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from lbc.models import AuditEvent, Child
from screening.assessments.recording import InstrumentAnswers, record_assessment
from screening.imports import commit as commit_module
from screening.imports.processing import load_report
from screening.imports.rows import RowData
from screening.imports.scoring import score_rows
from screening.models import Assessment, ImportBatch, Response
from tests.conftest import World
from tests.factories import make_child, make_guardian

from .test_imports_data import (
    batch_url,
    grant_consent,
    header,
    latest_batch,
    media,  # noqa: F401 (fixture)
    row_for,
    upload,
    xlsx_bytes,
)

pytestmark = pytest.mark.usefixtures("media")
RED_ROW = [0, 1, 0, 1, 0, 0, 0, 0, 1]


@pytest.fixture
def pupils(world: World) -> list[Child]:
    kids = [
        make_child(world.v1, world.s1, world.class1, family_name="周", given_name=f"小{n}")
        for n in "一二三四"
    ]
    for kid in kids:
        grant_consent(kid)
    return kids


def send(client: Any, world: World, rows: list[list[Any]], name: str = "五年级.xlsx") -> ImportBatch:
    upload(client, world.camp1, name, xlsx_bytes(header(world.camp1), rows))
    return latest_batch(world.camp1)


def commit(client: Any, batch: ImportBatch) -> ImportBatch:
    response = client.post(batch_url("screening:import-commit", batch))
    assert response.status_code == 302
    batch.refresh_from_db()
    return batch


def test_a_commit_writes_every_row_once_with_one_audit_event(
    login: Any, world: World, pupils: list[Child], settings: Any
) -> None:
    client = login("counsellor")
    rows = [row_for(pupils[0], phq=RED_ROW), *(row_for(c) for c in pupils[1:])]
    batch = send(client, world, rows)
    stored = Path(settings.MEDIA_ROOT) / batch.stored_file
    events_before = AuditEvent.objects.filter(action="screening.import.committed").count()
    batch = commit(client, batch)
    assert batch.status == ImportBatch.Status.COMMITTED
    assert batch.created_count == 4
    imported = Assessment.objects.filter(import_batch=batch)
    assert imported.count() == 4
    assert {a.mode for a in imported} == {"import"}
    assert all(a.source_key and len(a.source_key) == 64 for a in imported)
    assert Response.objects.filter(assessment__import_batch=batch).count() == 8
    pupils[0].refresh_from_db()
    assert pupils[0].latest_tier == "RED" and pupils[0].latest_tier_on == dt.date(2026, 10, 15)
    events = AuditEvent.objects.filter(action="screening.import.committed")
    assert events.count() == events_before + 1
    detail = events.latest("pk").detail
    assert detail["created"] == 4 and detail["tiers"] == {"RED": 1, "GREEN": 3} and detail["critical"] == 1
    assert not any(isinstance(v, str) and "周" in v for v in detail.values())
    assert not stored.exists() and batch.stored_file == ""


def test_answers_are_stored_encrypted_like_paper_entries(
    login: Any, world: World, pupils: list[Child]
) -> None:
    client = login("counsellor")
    batch = commit(client, send(client, world, [row_for(pupils[0], phq=RED_ROW)]))
    response = Response.objects.get(assessment__import_batch=batch, instrument_code="PHQ-9")
    assert response.answers == '{"1": 0, "2": 1, "3": 0, "4": 1, "5": 0, "6": 0, "7": 0, "8": 0, "9": 1}'
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT answers FROM screening_response WHERE id = %s", [response.pk])
        assert cursor.fetchone()[0].startswith("v1:")


def test_uploading_the_same_file_twice_creates_nothing_the_second_time(
    login: Any, world: World, pupils: list[Child]
) -> None:
    client = login("counsellor")
    data = xlsx_bytes(header(world.camp1), [row_for(c) for c in pupils])
    upload(client, world.camp1, "五年级.xlsx", data)
    commit(client, latest_batch(world.camp1))
    batches, assessments = ImportBatch.objects.count(), Assessment.objects.count()
    response = upload(client, world.camp1, "五年级（副本）.xlsx", data)
    assert response.status_code == 302
    follow = client.get(response["Location"])
    assert "这个文件已经导入过" in follow.content.decode()
    assert ImportBatch.objects.count() == batches and Assessment.objects.count() == assessments


def test_the_same_row_in_another_file_is_not_imported_again(
    login: Any, world: World, pupils: list[Child]
) -> None:
    client = login("counsellor")
    commit(client, send(client, world, [row_for(pupils[0]), row_for(pupils[1])]))
    second = send(client, world, [row_for(pupils[1]), row_for(pupils[2])], name="补录.xlsx")
    preview = load_report(second).preview
    assert preview is not None and (preview.rows, preview.already_imported) == (1, 1)
    second = commit(client, second)
    assert second.created_count == 1
    assert Assessment.objects.filter(child=pupils[1], campaign=world.camp1).count() == 1


def test_a_failure_half_way_commits_nothing_and_a_retry_imports_exactly_once(
    login: Any, world: World, pupils: list[Child], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = login("counsellor")
    batch = send(client, world, [row_for(pupils[0], phq=RED_ROW), *(row_for(c) for c in pupils[1:])])
    counts = (Assessment.objects.count(), Response.objects.count())
    original = commit_module.set_latest_tier

    def database_goes_away(child_ids: Any) -> int:
        raise DatabaseError("connection lost")

    monkeypatch.setattr(commit_module, "set_latest_tier", database_goes_away)
    batch = commit(client, batch)
    assert batch.status == ImportBatch.Status.FAILED
    assert (Assessment.objects.count(), Response.objects.count()) == counts
    pupils[0].refresh_from_db()
    assert pupils[0].latest_tier == ""
    assert not AuditEvent.objects.filter(action="screening.import.committed").exists()
    page = client.get(batch_url("screening:import-detail", batch)).content.decode()
    assert "没有写入任何数据" in page and "data-import-retry" in page

    monkeypatch.setattr(commit_module, "set_latest_tier", original)
    batch = commit(client, batch)
    assert batch.status == ImportBatch.Status.COMMITTED and batch.created_count == 4
    batch = commit(client, batch)  # a second click, or a replayed request
    assert batch.status == ImportBatch.Status.COMMITTED
    assert Assessment.objects.filter(import_batch=batch).count() == 4
    assert Assessment.objects.count() == counts[0] + 4


def test_a_commit_whose_worker_died_is_shown_as_failed_and_can_be_retried(
    login: Any, world: World, pupils: list[Child]
) -> None:
    client = login("counsellor")
    batch = send(client, world, [row_for(pupils[0])])
    report = load_report(batch)
    report.commit = {"started_at": (timezone.now() - dt.timedelta(minutes=11)).isoformat()}
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.COMMITTING, report=report.to_json()
    )
    progress = client.get(batch_url("screening:import-progress", batch)).json()
    assert progress["status"] == "failed" and progress["done"] is True
    batch = commit(client, batch)
    assert batch.status == ImportBatch.Status.COMMITTED and batch.created_count == 1


def test_a_running_commit_is_not_started_twice(login: Any, world: World, pupils: list[Child]) -> None:
    client = login("counsellor")
    batch = send(client, world, [row_for(pupils[0])])
    report = load_report(batch)
    report.commit = {"started_at": timezone.now().isoformat()}
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.COMMITTING, report=report.to_json()
    )
    batch = commit(client, batch)
    assert batch.status == ImportBatch.Status.COMMITTING
    assert not Assessment.objects.filter(import_batch=batch).exists()


def test_a_consent_withdrawn_after_the_check_stops_the_commit(
    login: Any, world: World, pupils: list[Child]
) -> None:
    client = login("counsellor")
    batch = send(client, world, [row_for(pupils[0]), row_for(pupils[1])])
    pupils[1].consents.update(withdrawn_on=dt.date(2026, 9, 2))
    batch = commit(client, batch)
    assert batch.status == ImportBatch.Status.INVALID
    assert not Assessment.objects.filter(import_batch=batch).exists()
    assert "同意已撤回" in load_report(batch).commit["error"]


def test_excluded_rows_are_left_out_of_the_commit(login: Any, world: World, pupils: list[Child]) -> None:
    client = login("counsellor")
    rows = [row_for(pupils[0]), row_for(pupils[1], phq=[5] + [0] * 8), row_for(pupils[2])]
    batch = send(client, world, rows)
    assert batch.status == ImportBatch.Status.INVALID
    response = client.post(batch_url("screening:import-detail", batch), {"rows": ["3"], "shown": ["3"]})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.excluded_rows == [3] and batch.status == ImportBatch.Status.READY
    batch = commit(client, batch)
    assert batch.created_count == 2
    assert not Assessment.objects.filter(import_batch=batch, child=pupils[1]).exists()


def test_an_excluded_row_with_a_critical_answer_stays_flagged(
    login: Any, world: World, pupils: list[Child]
) -> None:
    client = login("counsellor")
    rows = [row_for(pupils[0]), row_for(pupils[1], phq=[7, 0, 0, 0, 0, 0, 0, 0, 3])]
    batch = send(client, world, rows)
    client.post(batch_url("screening:import-detail", batch), {"rows": ["3"], "shown": ["3"]})
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.READY
    assert load_report(batch).critical_rows() == [3]
    page = client.get(batch_url("screening:import-detail", batch)).content.decode()
    assert "关键条目" in page and "已被排除" in page


def test_an_exclusion_can_be_undone(login: Any, world: World, pupils: list[Child]) -> None:
    client = login("counsellor")
    batch = send(client, world, [row_for(pupils[0]), row_for(pupils[1], on="x")])
    client.post(batch_url("screening:import-detail", batch), {"rows": ["3"], "shown": ["3"]})
    client.post(batch_url("screening:import-detail", batch), {"shown": ["3"]})
    batch.refresh_from_db()
    assert batch.excluded_rows == [] and batch.status == ImportBatch.Status.INVALID


ANSWER_SETS = [
    ({"PHQ-9": [0, 1, 0, 1, 0, 0, 0, 0, 0]}, {}, "GREEN"),
    ({"PHQ-9": [2, 2, 1, 1, 1, 1, 1, 1, 0], "GAD-7": [1, 1, 1, 1, 1, 1, 1]}, {}, "YELLOW"),
    # a moderate band raised by the context score (self care, yearly contact, ...)
    (
        {"PHQ-9": [2, 2, 1, 1, 1, 1, 1, 1, 0]},
        {"care_arrangement": "self", "parent_contact": "yearly"},
        "ORANGE",
    ),
    ({"PHQ-9": [3, 3, 3, 3, 3, 2, 0, 0, 0]}, {}, "ORANGE"),
    ({"PHQ-9": [0, 0, 0, 0, 0, 0, 0, 0, 2], "GAD-7": [3] * 7}, {}, "RED"),
    ({"PHQ-9": [1, None, None, None, 0, None, 0, 0, 0]}, {}, "GREY"),
    ({"GAD-7": [3, 3, 3, 3, 3, 0, 0]}, {"boarding": True}, "ORANGE"),
]


@pytest.mark.parametrize(("answers", "child_fields", "tier"), ANSWER_SETS)
def test_the_batch_scorer_and_record_assessment_give_the_same_tier(
    world: World, answers: dict[str, list[Any]], child_fields: dict[str, Any], tier: str
) -> None:
    child = make_child(world.v1, world.s1, world.class1, separation_start=dt.date(2015, 1, 1))
    Child.objects.filter(pk=child.pk).update(**child_fields)
    child.refresh_from_db()
    make_guardian(child, health="chronic")
    grant_consent(child)
    on = dt.date(2026, 10, 15)
    row = RowData(2, [], administered_on=on, child=child)
    row.answers = {
        code: {n + 1: v for n, v in enumerate(values) if v is not None} for code, values in answers.items()
    }
    row.seconds = dict.fromkeys(answers)
    [scored] = score_rows(world.camp1.instrument_keys(), [row])
    with transaction.atomic():
        recorded = record_assessment(
            child,
            [InstrumentAnswers(code, "1", row.answers[code]) for code in answers],
            by=None,
            mode="paper",
            administered_on=on,
            campaign=world.camp1,
        )
    assert str(scored.decision.tier) == recorded.tier == tier
    assert [str(r) for r in scored.decision.reasons] == recorded.reasons
    assert scored.context.score == recorded.context_score
    assert [f.key for f in scored.context.factors] == recorded.context_factors
    assert scored.critical == recorded.critical
    stored = {r.instrument_code: r for r in recorded.responses.all()}
    for result in scored.results:
        assert result.total.score == stored[result.code].total
        assert [str(f.code) for f in result.validity] == stored[result.code].validity


def test_a_check_whose_worker_died_can_be_run_again(login: Any, world: World, pupils: list[Child]) -> None:
    client = login("counsellor")
    batch = send(client, world, [row_for(pupils[0])])
    old = timezone.now() - dt.timedelta(minutes=11)
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.VALIDATING, created_at=old)
    page = client.get(batch_url("screening:import-detail", batch)).content.decode()
    assert "检查被中断" in page and "重新检查" in page
    client.post(batch_url("screening:import-detail", batch), {})
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.READY


def test_a_check_in_progress_cannot_be_committed(login: Any, world: World, pupils: list[Child]) -> None:
    client = login("counsellor")
    batch = send(client, world, [row_for(pupils[0])])
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.VALIDATING)
    batch = commit(client, batch)
    assert batch.status == ImportBatch.Status.VALIDATING
    assert not Assessment.objects.filter(import_batch=batch).exists()
