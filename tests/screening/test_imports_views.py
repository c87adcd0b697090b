"""The import pages: who may use them, what they show, and the audit trail of showing the report."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from lbc.models import AuditEvent, Child
from screening.models import ImportBatch
from tests.conftest import World
from tests.factories import make_child

from .test_imports_data import (
    batch_url,
    grant_consent,
    header,
    io_file,
    latest_batch,
    media,  # noqa: F401 (fixture)
    row_for,
    upload,
    xlsx_bytes,
)

pytestmark = pytest.mark.usefixtures("media")


@pytest.fixture
def pupil(world: World) -> Child:
    kid = make_child(world.v1, world.s1, world.class1, family_name="吴", given_name="小𠈌")
    grant_consent(kid)
    return kid


@pytest.fixture
def bad_batch(login: Any, world: World, pupil: Child) -> ImportBatch:
    rows = [row_for(pupil, phq=[0, 0, 0, 0, 0, 0, 0, 0, 2], on="2026.10.15"), row_for(world.c1)]
    upload(login("counsellor"), world.camp1, "五年级.xlsx", xlsx_bytes(header(world.camp1), rows))
    return latest_batch(world.camp1)


def test_the_upload_page_offers_both_templates_and_lists_earlier_imports(
    login: Any, world: World, bad_batch: ImportBatch
) -> None:
    page = login("counsellor").get(
        reverse("screening:import-upload", kwargs={"public_id": world.camp1.public_id})
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "下载Excel模板" in html and "?format=csv" in html
    assert bad_batch.filename in html and "有错误，未导入" in html


def test_the_report_page_puts_the_critical_row_first_and_records_who_saw_it(
    login: Any, world: World, bad_batch: ImportBatch, pupil: Child
) -> None:
    response = login("counsellor").get(batch_url("screening:import-detail", bad_batch))
    html = response.content.decode()
    assert response.status_code == 200
    alert, table = html.index("关键条目（自伤相关）为阳性"), html.index("检查报告")
    assert alert < table
    first_row = html.index("<tbody>")
    assert html.index("table-danger", first_row) < html.index("日期格式无法识别", first_row)
    assert pupil.full_name in html  # rare characters come through
    event = AuditEvent.objects.filter(action="screening.import.report_viewed").latest("pk")
    assert event.actor_username == "counsellor" and event.object_id == str(bad_batch.public_id)


def test_the_report_is_stored_encrypted(world: World, bad_batch: ImportBatch, pupil: Child) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT report FROM screening_importbatch WHERE id = %s", [bad_batch.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith("v1:") and pupil.given_name not in stored


def test_a_ready_batch_shows_the_preview_counts_without_names(login: Any, world: World, pupil: Child) -> None:
    client = login("counsellor")
    rows = [row_for(pupil, phq=[0, 0, 0, 0, 0, 0, 0, 0, 1]), row_for(world.c1)]
    upload(client, world.camp1, "五年级.xlsx", xlsx_bytes(header(world.camp1), rows))
    batch = latest_batch(world.camp1)
    html = client.get(batch_url("screening:import-detail", batch)).content.decode()
    assert "导入预览（尚未写入）" in html and "确认导入" in html
    assert "红色" in html and "绿色" in html
    assert pupil.full_name not in html


def test_the_progress_endpoint_answers_status_and_percent_only(
    login: Any, world: World, bad_batch: ImportBatch
) -> None:
    response = login("counsellor").get(batch_url("screening:import-progress", bad_batch))
    assert response.json() == {"status": "invalid", "label": "有错误，未导入", "progress": 100, "done": True}


def test_uploading_a_file_again_before_it_was_imported_points_to_the_first_upload(
    login: Any, world: World, pupil: Child
) -> None:
    client = login("counsellor")
    data = xlsx_bytes(header(world.camp1), [row_for(pupil)])
    upload(client, world.camp1, "五年级.xlsx", data)
    first = latest_batch(world.camp1)
    response = upload(client, world.camp1, "五年级.xlsx", data)
    assert response["Location"] == batch_url("screening:import-detail", first)
    assert ImportBatch.objects.filter(campaign=world.camp1).count() == 1


@pytest.mark.parametrize(
    ("persona", "status"), [("other_counsellor", 404), ("supervisor", 403), ("county_admin", 403)]
)
def test_only_the_schools_counsellor_sees_a_batch(
    login: Any, world: World, bad_batch: ImportBatch, persona: str, status: int
) -> None:
    client = login(persona)
    for name in ("screening:import-detail", "screening:import-progress"):
        assert client.get(batch_url(name, bad_batch)).status_code == status
    assert client.post(batch_url("screening:import-commit", bad_batch)).status_code == status
    assert client.post(batch_url("screening:import-detail", bad_batch), {"rows": ["2"]}).status_code == status
    bad_batch.refresh_from_db()
    assert bad_batch.excluded_rows == []


def test_a_batch_of_another_campaign_is_not_found_under_this_one(
    login: Any, world: World, bad_batch: ImportBatch
) -> None:
    url = reverse(
        "screening:import-detail",
        kwargs={"public_id": world.camp3.public_id, "batch_id": bad_batch.public_id},
    )
    assert login("counsellor").get(url).status_code == 404


def test_excluding_rows_outside_the_report_is_refused(
    login: Any, world: World, bad_batch: ImportBatch
) -> None:
    client = login("counsellor")
    response = client.post(
        batch_url("screening:import-detail", bad_batch), {"rows": ["999"], "shown": ["999"]}
    )
    assert response.status_code == 302
    bad_batch.refresh_from_db()
    assert bad_batch.excluded_rows == []


def test_the_upload_still_needs_a_csrf_token(world: World) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("counsellor"))
    url = reverse("screening:import-upload", kwargs={"public_id": world.camp1.public_id})
    response = client.post(url, {"file": io_file("五年级.csv", b"x")})
    assert response.status_code == 403
    assert not ImportBatch.objects.exists()


def test_the_commit_url_refuses_get(login: Any, world: World, bad_batch: ImportBatch) -> None:
    assert login("counsellor").get(batch_url("screening:import-commit", bad_batch)).status_code == 405
