"""The upload pages of the county administrator: regions from division codes, accounts from a roster."""

from __future__ import annotations

import io
import re
from typing import Any

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from lbc.models import AuditEvent, Organisation, PasswordResetCode, Region
from lbc.services.regions_import import HEADER
from lbc.services.roster_import import HEADER as ROSTER_HEADER
from lbc.tables import read_table
from tests.conftest import World

User = get_user_model()


@pytest.fixture
def coded(world: World) -> World:
    Region.objects.filter(pk=world.county.pk).update(code="990101000000")  # synthetic county code
    return world


def upload(name: str, rows: list[list[str]]) -> SimpleUploadedFile:
    text = "\r\n".join(",".join(row) for row in rows) + "\r\n"
    return SimpleUploadedFile(name, text.encode("utf-8-sig"), content_type="text/csv")


REGIONS = [
    list(HEADER),
    ["990101103000", "新镇", "乡镇/街道", ""],
    ["990101103001", "新镇一村", "村/社区", "220"],
]


def preview_token(body: str) -> str:
    found = re.search(r'name="preview" value="([^"]+)"', body)
    assert found, "no confirm form on the preview"
    return found.group(1)


def admin_client(world: World, persona: str = "county_admin") -> Client:
    client = Client()
    client.force_login(world.user(persona))
    return client


# --- regions --------------------------------------------------------------------------------------


def test_the_regions_page_links_to_the_import(coded: World) -> None:
    body = admin_client(coded).get(reverse("manage:region-list")).content.decode()
    assert reverse("manage:region-import") in body


def test_upload_preview_confirm_creates_the_regions(coded: World) -> None:
    client = admin_client(coded)
    response = client.post(reverse("manage:region-import"), {"file": upload("codes.csv", REGIONS)})
    body = response.content.decode()
    assert response.status_code == 200 and "新增 2 个" in body and "新镇一村" in body
    assert not Region.objects.filter(code="990101103000").exists()  # a preview writes nothing
    response = client.post(
        reverse("manage:region-import-confirm"), {"preview": preview_token(body)}, follow=True
    )
    assert "已导入区划：新增2个" in response.content.decode()
    assert Region.objects.get(code="990101103001").parent == Region.objects.get(code="990101103000")
    assert (
        AuditEvent.objects.filter(
            action="lbc.region.imported", actor_id=coded.user("county_admin").pk
        ).count()
        == 1
    )


def test_the_same_file_again_says_nothing_changes_and_offers_no_confirm(coded: World) -> None:
    client = admin_client(coded)
    body = client.post(
        reverse("manage:region-import"), {"file": upload("codes.csv", REGIONS)}
    ).content.decode()
    client.post(reverse("manage:region-import-confirm"), {"preview": preview_token(body)})
    again = client.post(
        reverse("manage:region-import"), {"file": upload("codes.csv", REGIONS)}
    ).content.decode()
    assert "没有需要导入的变化" in again and 'name="preview"' not in again


def test_bad_cells_are_listed_with_row_column_and_value(coded: World) -> None:
    rows = [
        list(HEADER),
        ["990202103000", "外县镇", "乡镇/街道", ""],
        ["990101103001", "新镇一村", "村", "999"],
    ]
    body = (
        admin_client(coded)
        .post(reverse("manage:region-import"), {"file": upload("codes.csv", rows)})
        .content.decode()
    )
    assert "文件中有 2 处错误" in body and 'name="preview"' not in body
    assert "第2行" in body and "990202103000" in body and "第3行" in body and "999" in body


def test_a_preview_signed_for_one_administrator_is_refused_for_another(coded: World) -> None:
    body = (
        admin_client(coded)
        .post(reverse("manage:region-import"), {"file": upload("codes.csv", REGIONS)})
        .content.decode()
    )
    other = admin_client(coded, "other_county_admin")
    response = other.post(
        reverse("manage:region-import-confirm"), {"preview": preview_token(body)}, follow=True
    )
    assert "预览数据无效" in response.content.decode()
    assert not Region.objects.filter(code__startswith="990101103").exists()


def test_an_altered_preview_is_refused(coded: World) -> None:
    client = admin_client(coded)
    body = client.post(
        reverse("manage:region-import"), {"file": upload("codes.csv", REGIONS)}
    ).content.decode()
    token = preview_token(body)
    response = client.post(
        reverse("manage:region-import-confirm"), {"preview": token[:-2] + "xx"}, follow=True
    )
    assert "预览数据无效" in response.content.decode()
    assert not Region.objects.filter(code__startswith="990101103").exists()


@pytest.mark.parametrize("persona", ["counsellor", "supervisor", "trainer"])
def test_other_roles_cannot_upload_or_confirm(coded: World, persona: str) -> None:
    client = admin_client(coded, persona)
    assert client.post(reverse("manage:region-import"), {"file": upload("c.csv", REGIONS)}).status_code == 403
    assert client.post(reverse("manage:region-import-confirm"), {"preview": "x"}).status_code == 403
    assert client.post(reverse("manage:roster-import-confirm"), {"preview": "x"}).status_code == 403


def test_the_template_has_the_header_and_synthetic_rows_that_are_refused(coded: World) -> None:
    response = admin_client(coded).get(reverse("manage:region-import-template"))
    table = read_table("template.xlsx", response.content)
    assert tuple(table.rows[0]) == HEADER and all("虚构" in row[1] for row in table.rows[1:])
    body = (
        admin_client(coded)
        .post(
            reverse("manage:region-import"), {"file": SimpleUploadedFile("template.xlsx", response.content)}
        )
        .content.decode()
    )
    assert "文件中有 3 处错误" in body


def test_a_county_without_a_standard_code_is_told_so(world: World) -> None:
    body = admin_client(world).get(reverse("manage:region-import")).content.decode()
    assert "不是标准的县级统计用区划代码" in body


# --- roster ---------------------------------------------------------------------------------------


ROSTER = [
    list(ROSTER_HEADER),
    ["测试主任（虚构）", "19900000002", "村儿童主任", "一村", "dir.yicun", ""],
    ["测试教师（虚构）", "19900000003", "学校心理教师", "一乡中心学校", "", ""],
]


def test_the_user_list_links_to_the_roster_import(world: World) -> None:
    body = admin_client(world).get(reverse("manage:user-list")).content.decode()
    assert reverse("manage:roster-import") in body


def test_roster_upload_preview_confirm_shows_the_codes_once(world: World) -> None:
    client = admin_client(world)
    body = client.post(
        reverse("manage:roster-import"), {"file": upload("roster.csv", ROSTER)}
    ).content.decode()
    assert "新建账号 2 个" in body and not User.objects.filter(username="dir.yicun").exists()
    token = preview_token(body)
    sheet = client.post(reverse("manage:roster-import-confirm"), {"preview": token}).content.decode()
    codes = re.findall(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", sheet)
    assert len(codes) == 2 and "dir.yicun" in sheet
    assert PasswordResetCode.objects.filter(user__username="dir.yicun").count() == 1
    # Sending the same confirmation again (a reload) creates nothing and shows no code.
    again = client.post(
        reverse("manage:roster-import-confirm"), {"preview": token}, follow=True
    ).content.decode()
    assert not re.findall(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", again) and "预览之后" in again
    assert User.objects.filter(first_name__endswith="（虚构）").count() == 2
    assert AuditEvent.objects.filter(action="lbc.user.roster_imported").count() == 1


def test_a_known_roster_is_reported_as_unchanged(world: World) -> None:
    client = admin_client(world)
    body = client.post(
        reverse("manage:roster-import"), {"file": upload("roster.csv", ROSTER)}
    ).content.decode()
    client.post(reverse("manage:roster-import-confirm"), {"preview": preview_token(body)})
    again = client.post(
        reverse("manage:roster-import"), {"file": upload("roster.csv", ROSTER)}
    ).content.decode()
    assert "已存在（不改动）2 个" in again and 'name="preview"' not in again


def test_roster_template_is_synthetic(world: World) -> None:
    Organisation.objects.create(name="示例", kind="social", region=world.county)
    content = admin_client(world).get(reverse("manage:roster-import-template")).content
    workbook: Any = openpyxl.load_workbook(io.BytesIO(content))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0] == ROSTER_HEADER and all("虚构" in str(row[0]) for row in rows[1:])


# --- organisations (volunteers belong to the county through theirs) -------------------------------


def test_an_administrator_adds_an_organisation_on_the_county_pages(world: World) -> None:
    client = admin_client(world)
    form = client.get(reverse("manage:organisation-create")).content.decode()
    assert "一村" in form and "三村" not in form
    response = client.post(
        reverse("manage:organisation-create"),
        {
            "name": "合成高校志愿者协会",
            "kind": "university",
            "city": "",
            "region": str(world.county.public_id),
        },
    )
    assert response.status_code == 302
    created = Organisation.objects.get(name="合成高校志愿者协会")
    assert created.region == world.county
    assert AuditEvent.objects.filter(
        action="lbc.organisation.created", object_id=str(created.public_id)
    ).exists()
    assert "合成高校志愿者协会" in client.get(reverse("manage:organisation-list")).content.decode()


def test_an_organisation_of_another_county_cannot_be_chosen_or_opened(world: World) -> None:
    client = admin_client(world)
    response = client.post(
        reverse("manage:organisation-create"),
        {"name": "越界组织", "kind": "social", "city": "", "region": str(world.t3.public_id)},
    )
    assert response.status_code == 200 and not Organisation.objects.filter(name="越界组织").exists()
    assert client.get(reverse("manage:organisation-edit", args=[world.org3.public_id])).status_code == 404
    assert "邻县合成志愿者协会" not in client.get(reverse("manage:organisation-list")).content.decode()
