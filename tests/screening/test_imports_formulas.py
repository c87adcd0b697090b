"""Formula cells in an import file are refused, with or without the value Excel cached for them, and the
report names the cell; calamine alone would read a blank (no cached value) or the cached value silently."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from lbc.imports.files import FileKind
from lbc.imports.reading import read_table
from lbc.models import Child
from screening.imports.processing import load_report
from screening.models import Assessment, ImportBatch
from tests.conftest import World
from tests.factories import make_child

from .test_imports_data import (
    grant_consent,
    header,
    latest_batch,
    media,  # noqa: F401 (fixture)
    row_for,
    upload,
    xlsx_bytes,
)

pytestmark = pytest.mark.usefixtures("media")
SHEET = "xl/worksheets/sheet1.xml"


def with_cached_values(data: bytes, cached: dict[str, str]) -> bytes:
    """Put the value Excel would have cached into the given formula cells (openpyxl writes none)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == SHEET:
                text = body.decode()
                for ref, value in cached.items():
                    text, n = re.subn(
                        rf'(<c r="{ref}"[^>]*>)(<f>[^<]*</f>)<v\s*/>', rf"\g<1>\g<2><v>{value}</v>", text
                    )
                    assert n == 1, ref
                body = text.encode()
            target.writestr(item, body)
    return out.getvalue()


@pytest.fixture
def pupils(world: World) -> list[Child]:
    kids = [
        make_child(world.v1, world.s1, world.class1, family_name="孙", given_name=f"小{n}") for n in "甲乙"
    ]
    for kid in kids:
        grant_consent(kid)
    return [world.c1, *kids]


def send(login: Any, world: World, data: bytes) -> ImportBatch:
    response = upload(login("counsellor"), world.camp1, "五年级.xlsx", data)
    assert response.status_code == 302, response.content.decode()[:500]
    return latest_batch(world.camp1)


def formula_file(world: World, pupils: list[Child]) -> bytes:
    rows = [row_for(c) for c in pupils]
    rows[1][8] = "=A1+1"  # row 3, PHQ-9 item 3 (column I)
    return xlsx_bytes(header(world.camp1), rows)


def test_a_formula_without_a_cached_value_is_refused_not_read_as_blank(
    login: Any, world: World, pupils: list[Child]
) -> None:
    before = Assessment.objects.count()
    batch = send(login, world, formula_file(world, pupils))
    assert batch.status == ImportBatch.Status.INVALID
    [problem] = [p for p in load_report(batch).problems if p.row == 3]
    assert problem.column == "PHQ-9 第3题（I列）" and problem.value == "=A1+1"
    assert problem.message == "第3行“PHQ-9 第3题”是公式（=A1+1），请改为直接填写数值。"
    assert Assessment.objects.count() == before


def test_a_formula_with_a_cached_value_is_refused_too(
    login: Any, world: World, pupils: list[Child], tmp_path: Path
) -> None:
    data = with_cached_values(formula_file(world, pupils), {"I3": "1"})
    path = tmp_path / "cached.xlsx"
    path.write_bytes(data)
    assert read_table(path, FileKind.XLSX).rows[2][8] == 1  # calamine takes the cached value
    batch = send(login, world, data)
    assert batch.status == ImportBatch.Status.INVALID
    [problem] = [p for p in load_report(batch).problems if p.row == 3]
    assert problem.message == "第3行“PHQ-9 第3题”是公式（=A1+1），请改为直接填写数值。"


def test_formulas_in_identity_cells_and_outside_the_data_are_named(
    login: Any, world: World, pupils: list[Child]
) -> None:
    rows = [row_for(c) for c in pupils]
    rows[0][1] = '="孙"&"小甲"'  # row 2, the name, cached as the name itself
    rows.append([])
    rows.append(["=1+1"])  # row 6: no cached value, so calamine sees a blank row and skips it
    data = with_cached_values(xlsx_bytes(header(world.camp1), rows), {"B2": "孙小甲"})
    batch = send(login, world, data)
    assert batch.status == ImportBatch.Status.INVALID
    problems = load_report(batch).problems
    [name] = [p for p in problems if p.row == 2]
    assert (name.column, name.value) == ("姓名（B列）", '="孙"&"小甲"')
    assert name.message == '第2行“姓名”是公式（="孙"&"小甲"），请改为直接填写数值。'
    [outside] = [p for p in problems if p.row == 6]
    assert outside.message == "第6行“身份证号码”是公式（=1+1），请改为直接填写数值。"


def test_a_shared_formula_follower_without_text_is_found(tmp_path: Path, world: World) -> None:
    data = xlsx_bytes(["a", "b"], [[1, "=A2*2"], [2, "=A3*2"]])
    sheet = zipfile.ZipFile(io.BytesIO(data)).read(SHEET).decode()
    sheet = sheet.replace('<c r="B3"><f>A3*2</f><v /></c>', '<c r="B3"><f t="shared" si="0"/><v>4</v></c>')
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, sheet if item.filename == SHEET else source.read(item.filename))
    path = tmp_path / "shared.xlsx"
    path.write_bytes(out.getvalue())
    assert read_table(path, FileKind.XLSX).formulas == {2: {1: "A2*2"}, 3: {1: ""}}


def test_a_file_without_formulas_has_none(tmp_path: Path, world: World, pupils: list[Child]) -> None:
    path = tmp_path / "clean.xlsx"
    path.write_bytes(xlsx_bytes(header(world.camp1), [row_for(c) for c in pupils]))
    assert read_table(path, FileKind.XLSX).formulas == {}
