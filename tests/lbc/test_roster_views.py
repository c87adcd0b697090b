"""Roster import pages: the walk upload -> mapping -> preview -> commit, scope (404), files kept off disk."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.urls import reverse

from lbc.models import AuditEvent, Child, RosterImport
from tests.conftest import World

from .roster_helpers import HEADER, person, xlsx

pytestmark = pytest.mark.django_db


def rows(world: World, count: int, school: str | None = None) -> list[dict[str, Any]]:
    return [person(n, school=school or world.s1.name, village=world.v1.name) for n in range(count)]


def preview(client: Any, batch: RosterImport) -> str:
    """The preview page, after confirming the suggested mapping if the header is new to the county."""
    if batch.status == RosterImport.Status.MAPPING:
        mapping = {f"c{i}": m for i, m in enumerate(batch.mapping)}
        client.post(reverse("lbc:roster-mapping", kwargs={"public_id": batch.public_id}), mapping)
    return str(
        client.get(reverse("lbc:roster-detail", kwargs={"public_id": batch.public_id})).content.decode()
    )


def post_file(client: Any, data: bytes, name: str = "花名册.xlsx") -> Any:
    return client.post(reverse("lbc:roster"), {"file": SimpleUploadedFile(name, data), "scope": "0"})


def test_a_county_administrator_uploads_maps_previews_and_commits(login: Any, world: World) -> None:
    client = login("county_admin")
    header = [HEADER[0], "学生名字", *HEADER[2:]]
    data = xlsx([{**r, "学生名字": r["姓名"]} for r in rows(world, 3)], header)
    response = post_file(client, data)
    batch = RosterImport.objects.get()
    assert response.url == reverse("lbc:roster-mapping", kwargs={"public_id": batch.public_id})
    page = client.get(response.url)
    assert "学生名字" in page.content.decode()
    mapping = {f"c{i}": m for i, m in enumerate(batch.mapping)} | {"c1": "name"}
    response = client.post(reverse("lbc:roster-mapping", kwargs={"public_id": batch.public_id}), mapping)
    detail = reverse("lbc:roster-detail", kwargs={"public_id": batch.public_id})
    assert response.url == detail
    preview = client.get(detail).content.decode()
    assert 'data-count="new">3<' in preview
    assert AuditEvent.objects.filter(action="lbc.roster.previewed").exists()
    client.post(reverse("lbc:roster-commit", kwargs={"public_id": batch.public_id}))
    result = client.get(detail).content.decode()
    created = Child.objects.filter(family_name="合").order_by("pk")
    assert created.count() == 3
    for child in created:
        assert reverse("lbc:child-detail", kwargs={"public_id": child.public_id}) in result


def test_a_mapping_without_the_id_column_keeps_the_choices_and_says_why(login: Any, world: World) -> None:
    client = login("county_admin")
    post_file(client, xlsx(rows(world, 1)))
    batch = RosterImport.objects.get()
    mapping = {f"c{i}": m for i, m in enumerate(batch.mapping)} | {"c3": ""}
    response = client.post(reverse("lbc:roster-mapping", kwargs={"public_id": batch.public_id}), mapping)
    assert response.status_code == 200
    body = response.content.decode()
    assert "身份证号码" in body and 'value="name" selected' in body


def test_imports_of_another_scope_answer_404(login: Any, world: World, client: Any) -> None:
    post_file(login("county_admin"), xlsx(rows(world, 1)))
    batch = RosterImport.objects.get()
    url = reverse("lbc:roster-detail", kwargs={"public_id": batch.public_id})
    for persona in ("other_county_admin", "counsellor"):
        client.force_login(world.user(persona))
        assert client.get(url).status_code == 404
        assert (
            client.post(reverse("lbc:roster-commit", kwargs={"public_id": batch.public_id})).status_code
            == 404
        )
    assert Child.objects.filter(family_name="合").count() == 0


def test_a_counsellors_import_is_limited_to_the_own_school(login: Any, world: World) -> None:
    client = login("counsellor")
    data = xlsx([*rows(world, 1), person(7, school=world.s2.name, village=world.v1.name)])
    post_file(client, data)
    batch = RosterImport.objects.get()
    assert batch.school == world.s1
    body = preview(client, batch)
    assert world.s2.name in body and 'data-count="error">1<' in body


def test_an_upload_never_goes_to_a_temporary_file(
    login: Any, world: World, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # Django would spool anything larger to disk

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the upload was written to a temporary file")

    monkeypatch.setattr(TemporaryUploadedFile, "__init__", refuse)
    data = xlsx(rows(world, 20))
    assert len(data) > 1024
    response = post_file(login("county_admin"), data)
    assert response.status_code == 302 and RosterImport.objects.get().total_rows == 20


def test_the_prefilled_template_is_audited_and_reimports_without_changes(login: Any, world: World) -> None:
    client = login("county_admin")
    response = client.get(reverse("lbc:roster-template"), {"school": world.s1.public_id})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    c1 = next(v for v in values if v[0] == world.c1.full_name)
    assert c1[2] == world.c1.id_number[:6] + "********" + world.c1.id_number[-4:]
    assert world.c1.id_number not in response.content.decode("latin-1")
    event = AuditEvent.objects.get(action="lbc.roster.template_downloaded")
    assert event.detail["rows"] == 2
    post_file(client, response.content, "roster.xlsx")
    body = preview(client, RosterImport.objects.get())
    assert 'data-count="unchanged">2<' in body and 'data-count="error">0<' in body


def test_the_template_refuses_a_school_outside_the_scope(login: Any, world: World) -> None:
    response = login("counsellor").get(reverse("lbc:roster-template"), {"school": world.s2.public_id})
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action="lbc.roster.template_downloaded").exists()


def test_rows_are_excluded_and_restored_from_the_preview(login: Any, world: World) -> None:
    client = login("county_admin")
    data = rows(world, 3)
    data[1]["监护人电话"] = "12345"
    post_file(client, xlsx(data))
    batch = RosterImport.objects.get()
    assert 'data-count="error">1<' in preview(client, batch)
    client.post(reverse("lbc:roster-exclude", kwargs={"public_id": batch.public_id}), {"row": ["3", "99"]})
    batch.refresh_from_db()
    assert batch.excluded_rows == [3]
    body = preview(client, batch)
    assert 'data-count="error">0<' in body and 'data-count="excluded">1<' in body
    client.post(reverse("lbc:roster-exclude", kwargs={"public_id": batch.public_id}), {})
    batch.refresh_from_db()
    assert batch.excluded_rows == []
    assert AuditEvent.objects.filter(action="lbc.roster.rows_excluded").count() == 2
