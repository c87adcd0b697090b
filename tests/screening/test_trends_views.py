"""Trend pages, charts and the township digest: a village with one flagged child shows "<5" everywhere.

In the test world c1 (village v1, school s1, township T1) is the only screened child, with a RED
screening; the PDF checks use poppler-utils' pdftotext.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from django.urls import reverse

from screening.models import Warning
from screening.trends.display import TrendPage
from screening.views.trends import trend_page_for
from tests.conftest import World


def page_of(world: World, region: Any) -> TrendPage:
    found = trend_page_for(region, None)
    assert found is not None
    return found[0]


def test_the_chart_data_and_tables_show_a_single_flagged_child_as_small(world: World) -> None:
    page = page_of(world, world.t1)
    schools, villages = page.tables
    v1 = next(r for r in villages.rows if r.label == world.v1.name)
    s1 = next(r for r in schools.rows if r.label == world.s1.name)
    for row in (v1, s1, schools.rows[-1], villages.rows[-1], page.terms.rows[-1]):
        assert (row.screened, row.positives) == ("<5", "<5")
        assert row.rate == row.interval == "—"
    assert page.funnel.points == ()
    assert [(h.label, h.screened, h.positives) for h in page.funnel.hidden] == [(world.s1.name, "<5", "<5")]
    assert page.ewma.rates == (None,) and page.ewma.values == (None,) and page.ewma.hidden == ("<5",)
    assert page.suppressed


def test_the_county_page_suppresses_the_same_child(world: World) -> None:
    page = page_of(world, world.county)
    for table in page.tables:
        assert all(r.positives in ("<5", "*") for r in table.rows)
    assert page.funnel.hidden and not page.funnel.points


def test_the_township_page_shows_aggregates_only(login: Any, world: World) -> None:
    response = login("supervisor").get(reverse("screening:trends", kwargs={"public_id": world.t1.public_id}))
    html = response.content.decode()
    assert response.status_code == 200
    assert "&lt;5" in html and world.v1.name in html and world.s1.name in html
    assert world.c1.given_name not in html and world.c1.family_name + world.c1.given_name not in html
    assert "人数过少未画出" in html


def test_charts_are_png(login: Any, world: World) -> None:
    client = login("county_admin")
    for kind in ("funnel", "ewma"):
        url = reverse("screening:trend-chart", kwargs={"public_id": world.t1.public_id, "kind": kind})
        response = client.get(url)
        assert response.status_code == 200 and response.content.startswith(b"\x89PNG")
    url = reverse("screening:trend-chart", kwargs={"public_id": world.t1.public_id, "kind": "other"})
    assert client.get(url).status_code == 404


def test_an_unknown_term_is_not_found(login: Any, world: World) -> None:
    url = reverse("screening:trends", kwargs={"public_id": world.t1.public_id})
    assert login("supervisor").get(url + "?term=1999-1").status_code == 404
    assert login("supervisor").get(url + "?term=abc").status_code == 404


def test_a_township_without_screenings_says_so(login: Any, world: World) -> None:
    response = login("other_supervisor").get(
        reverse("screening:trends", kwargs={"public_id": world.t2.public_id})
    )
    assert "还没有筛查数据" in response.content.decode()


def test_the_digest_pdf_counts_open_warnings_with_small_cells_hidden(
    login: Any, world: World, tmp_path: Path
) -> None:
    assert Warning.objects.filter(township=world.t1).exclude(state="closed").count() == 1
    response = login("supervisor").get(
        reverse("screening:township-digest", kwargs={"public_id": world.t1.public_id})
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "digest.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert "每周预警与趋势简报" in text and "未结案预警" in text and "已超过响应期限" in text
    assert "<5" in text and "1" not in text.split("已超过响应期限")[1].split("条")[0]
    assert world.c1.given_name not in text
