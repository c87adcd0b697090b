"""The campaign summary page and its PDF: aggregates only, small cells suppressed, CJK text embedded.

The PDF checks use Debian's poppler-utils (pdffonts, pdftotext, pdftoppm). The first page is also
written to test-artifacts/ as PNG so a person can look at it.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.urls import reverse

from lbc.models import AuditEvent, Consent
from screening.assessments.recording import InstrumentAnswers, record_assessment
from screening.pdfs.campaign import CampaignSummaryReport
from screening.records.summary import summarise
from screening.views import records

from ..conftest import World
from ..factories import make_child

ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"
GREEN = dict.fromkeys(range(1, 10), 0)
YELLOW = {1: 2, 2: 2, 3: 2, 4: 2, 5: 2, 6: 0, 7: 0, 8: 0, 9: 0}  # PHQ-9 total 10


def summary_url(world: World, pdf: bool = False) -> str:
    name = "screening:campaign-summary-pdf" if pdf else "screening:campaign-summary"
    return reverse(name, kwargs={"public_id": world.camp1.public_id})


def screen_new_children(world: World, count: int, sex: str, *rounds: dict[int, int]) -> None:
    """Synthetic children of class1 with a guardian's consent, screened once per answer set given."""
    for _ in range(count):
        child = make_child(world.v1, world.s1, world.class1, sex=sex)
        Consent.objects.create(
            child=child, purpose=Consent.Purpose.SCREENING, decision=Consent.Decision.GRANTED,
            given_by_name="测试母亲", given_by_relationship="母亲", is_legal_guardian=True,
            channel=Consent.Channel.PAPER, notice_version="2026-1", decided_on=dt.date(2026, 9, 1),
        )  # fmt: skip
        for day, answers in enumerate(rounds, start=1):
            record_assessment(
                child, [InstrumentAnswers("PHQ-9", "1", answers)], by=world.user("counsellor"), mode="paper",
                administered_on=dt.date(2026, 10, day), campaign=world.camp1,
            )  # fmt: skip


def poppler(tool: str, *args: str) -> str:
    path = shutil.which(tool)
    assert path, f"{tool} is missing: install Debian's poppler-utils (apt-get install poppler-utils)"
    return subprocess.run([path, *args], check=True, capture_output=True, text=True, timeout=60).stdout


def export_pdf(login: Any, world: World, tmp_path: Path, persona: str = "counsellor") -> Path:
    response = login(persona).get(summary_url(world, pdf=True))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    path = tmp_path / "summary.pdf"
    path.write_bytes(response.content)
    return path


# --- the page ----------------------------------------------------------------------------------------


def test_one_red_child_shows_as_less_than_five_and_no_name_appears(login: Any, world: World) -> None:
    response = login("county_admin").get(summary_url(world))
    html = response.content.decode()
    assert response.status_code == 200
    assert "一乡中心学校" in html and "2026秋季筛查" in html
    assert "&lt;5" in html and "小䶮" not in html and "王" not in html


def test_the_summary_counts_each_child_once_with_its_latest_result(login: Any, world: World) -> None:
    screen_new_children(world, 3, "F", YELLOW, GREEN)
    record_assessment(
        world.c1, [InstrumentAnswers("PHQ-9", "1", GREEN)], by=world.user("counsellor"), mode="paper",
        administered_on=dt.date(2026, 11, 20), campaign=world.camp1,
    )  # fmt: skip
    with mock.patch.object(records, "summarise", wraps=summarise) as spy:
        assert login("counsellor").get(summary_url(world)).status_code == 200
    screened, unscreened, grades = spy.call_args.args
    assert sorted((c.tier, c.critical) for c in screened) == [("GREEN", False)] * 3 + [("GREEN", True)]
    assert unscreened == {5: 1} and grades == [5]  # c1b of class1b was not screened


def test_the_page_shows_counts_of_five_and_more(login: Any, world: World) -> None:
    screen_new_children(world, 8, "F", GREEN)
    screen_new_children(world, 9, "M", GREEN)
    html = login("supervisor").get(summary_url(world)).content.decode()
    assert "<td>9</td>" in html  # boys of grade 5, all GREEN


# --- the PDF -------------------------------------------------------------------------------------------


def test_the_pdf_embeds_noto_sans_sc_and_a_rare_school_name_is_extractable(
    login: Any, world: World, tmp_path: Path
) -> None:
    world.s1.name = "䶮山小学"
    world.s1.save()
    screen_new_children(world, 12, "F", GREEN)
    screen_new_children(world, 10, "M", YELLOW)
    pdf = export_pdf(login, world, tmp_path)

    fonts = poppler("pdffonts", str(pdf))
    noto = [line for line in fonts.splitlines() if "NotoSansSC" in line]
    assert noto and all(" yes " in line for line in noto), fonts  # embedded (emb column)
    text = poppler("pdftotext", "-layout", str(pdf), "-")
    assert "䶮山小学" in text and "2026秋季筛查" in text
    assert "由 counsellor 于" in text and "含敏感信息，请勿外传" in text
    assert "参与情况" in text and "红色" in text and "<5" in text

    poppler("pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page"))
    page = next(tmp_path.glob("page*.png"))
    assert page.read_bytes().startswith(b"\x89PNG")
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(page, ARTIFACTS / "campaign-summary-pdf.png")


def test_the_pdf_holds_aggregates_only(login: Any, world: World, tmp_path: Path) -> None:
    screen_new_children(world, 6, "F", GREEN)
    text = poppler("pdftotext", str(export_pdf(login, world, tmp_path)), "-")
    assert "小䶮" not in text and "王" not in text and "李小明" not in text


def test_markup_in_a_school_name_prints_literally(login: Any, world: World, tmp_path: Path) -> None:
    world.s1.name = '<b>山</b>小学&amp;<img src="http://example.com/x.png">'
    world.s1.save()
    text = poppler("pdftotext", str(export_pdf(login, world, tmp_path)), "-")
    assert '<b>山</b>小学&amp;<img src="http://example.com/x.png">' in " ".join(text.split("\n"))


def test_exporting_the_pdf_is_audited(login: Any, world: World, tmp_path: Path) -> None:
    export_pdf(login, world, tmp_path, persona="county_admin")
    event = AuditEvent.objects.get(action="screening.summary.exported")
    assert event.actor_username == "county_admin"
    assert event.object_id == str(world.camp1.public_id)
    assert event.detail == {"format": "pdf"}


def test_no_pdf_is_sent_when_the_export_cannot_be_audited(login: Any, world: World) -> None:
    client = login("counsellor")
    client.raise_request_exception = False
    with mock.patch("lbc.audit.record", side_effect=RuntimeError("audit table unavailable")):
        response = client.get(summary_url(world, pdf=True))
    assert response.status_code == 500
    assert not response.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    ("persona", "available"),
    [("counsellor", True), ("supervisor", True), ("county_admin", True), ("head_teacher", False),
     ("other_county_admin", False), ("volunteer", False)],
)  # fmt: skip
def test_the_report_is_available_to_campaign_roles_of_the_school_only(
    world: World, persona: str, available: bool
) -> None:
    report = CampaignSummaryReport(
        campaign=world.camp1,
        summary=summarise([], {}, [5]),
        generated_by="x",
        generated_at=dt.datetime.now(dt.UTC),
    )
    assert report.is_available_to(world.user(persona)) is available


def test_head_teachers_are_refused_the_summary(login: Any, world: World) -> None:
    client = login("head_teacher")
    assert client.get(summary_url(world)).status_code == 403
    assert client.get(summary_url(world, pdf=True)).status_code == 403
    assert not AuditEvent.objects.filter(action="screening.summary.exported").exists()
