"""The child's psychological record and charts, the class overview, and the screening result on the
registry's child list and child file, as each persona sees them.

c1 (王小䶮, class1 of school s1) has one RED assessment in camp1: PHQ-9 total 3, item 9 answered 1.
"""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Any
from unittest import mock

import pytest
from django.urls import reverse

from lbc.models import AuditEvent, Child
from lbc.reporting.fonts import configure_matplotlib, font_path
from screening.assessments.recording import InstrumentAnswers, record_assessment
from screening.records.charts import Point, chart_spec, render_png
from screening.scoring.instruments import get_instrument
from screening.scoring.tiers import DEFAULT_THRESHOLDS

from ..conftest import World
from ..factories import make_child

RED_REASON = "PHQ-9第9题≥1（自伤或轻生念头）"
RED_ACTION = "当天放学前由心理教师完成安全评估，当天告知监护人。"
TIER_WORDS = ("红色", "橙色", "黄色", "绿色", "灰色", "RED", "ORANGE", "YELLOW", "GREEN", "GREY", "tier-")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def record_url(child: Child) -> str:
    return reverse("screening:child-record", kwargs={"public_id": child.public_id})


def chart_url(child: Child, code: str = "PHQ-9") -> str:
    return reverse("screening:child-chart", kwargs={"public_id": child.public_id, "code": code})


def class_url(world: World) -> str:
    return reverse("screening:class-overview", kwargs={"public_id": world.class1.public_id})


def html_of(response: Any) -> str:
    assert response.status_code == 200
    return response.content.decode()


def rescreen_c1(world: World, on: dt.date, answers: dict[int, int], code: str = "PHQ-9") -> None:
    record_assessment(
        world.c1,
        [InstrumentAnswers(code, "1", answers)],
        by=world.user("counsellor"),
        mode="paper",
        administered_on=on,
        campaign=world.camp1,
    )


# --- the record -----------------------------------------------------------------------------------


def test_it_shows_the_counsellor_the_whole_assessment_with_item_answers(login: Any, world: World) -> None:
    html = html_of(login("counsellor").get(record_url(world.c1)))
    for text in (
        "王小䶮",
        "2026-10-15",
        "2026秋季筛查",
        "纸质问卷录入",
        'class="tier-badge tier-red"',
        RED_REASON,
        RED_ACTION,
        "当天放学前",
        "患者健康问卷抑郁量表（PHQ-9）",
        "无或极轻微",
        "父母双方均外出",
        "各题答案",
    ):
        assert text in html, text
    assert '<span class="answer-item">9</span> 1' in html


def test_it_hides_item_answers_from_township_supervisors(login: Any, world: World) -> None:
    html = html_of(login("supervisor").get(record_url(world.c1)))
    assert RED_REASON in html and "无或极轻微" in html
    assert "各题答案" not in html and "answer-item" not in html


@pytest.mark.parametrize("persona", ["county_admin", "village_director", "head_teacher", "volunteer"])
def test_it_refuses_roles_that_see_the_child_but_not_scores(login: Any, world: World, persona: str) -> None:
    assert login(persona).get(record_url(world.c1)).status_code == 403
    assert login(persona).get(chart_url(world.c1)).status_code == 403


def test_it_lists_assessments_newest_first_with_each_instrument(login: Any, world: World) -> None:
    rescreen_c1(world, dt.date(2026, 11, 20), {i: 2 for i in range(1, 8)}, code="GAD-7")
    html = html_of(login("counsellor").get(record_url(world.c1)))
    assert html.index("2026-11-20") < html.index("2026-10-15")
    assert "（GAD-7）" in html
    assert html.count("<img") == 2  # one chart per instrument


def test_it_records_the_view_before_showing_the_record(login: Any, world: World) -> None:
    login("counsellor").get(record_url(world.c1))
    event = AuditEvent.objects.get(action="screening.record.viewed")
    assert event.child_id == str(world.c1.public_id)
    assert event.actor_username == "counsellor"
    assert event.detail == {"tiers": ["scores", "notes"], "page": "record"}


def test_it_shows_nothing_when_the_view_cannot_be_audited(login: Any, world: World) -> None:
    client = login("counsellor")
    client.raise_request_exception = False
    with mock.patch("lbc.audit.record", side_effect=RuntimeError("audit table unavailable")):
        record = client.get(record_url(world.c1))
        chart = client.get(chart_url(world.c1))
    assert record.status_code == chart.status_code == 500
    for response in (record, chart):
        body = response.content
        assert "小䶮".encode() not in body and b"PHQ" not in body and PNG_MAGIC not in body


# --- the chart ------------------------------------------------------------------------------------


def test_the_chart_is_a_private_png_and_its_reading_is_audited(login: Any, world: World) -> None:
    response = login("supervisor").get(chart_url(world.c1))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, no-store"
    assert response.content.startswith(PNG_MAGIC)
    event = AuditEvent.objects.get(action="screening.record.viewed")
    assert event.detail["page"] == "chart" and event.detail["instrument"] == "PHQ-9"


def test_a_chart_of_an_instrument_the_child_never_answered_is_not_found(login: Any, world: World) -> None:
    client = login("counsellor")
    assert client.get(chart_url(world.c1, "GAD-7")).status_code == 404
    assert client.get(chart_url(world.c1, "NO-SUCH")).status_code == 404
    assert not AuditEvent.objects.filter(action="screening.record.viewed").exists()


def glyph_warnings(draw: Any) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        draw()
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


def test_a_rare_character_in_a_chart_title_is_drawn_with_the_bundled_font() -> None:
    from matplotlib import font_manager, rcParams
    from matplotlib.ft2font import FT2Font

    assert ord("䶮") in FT2Font(str(font_path())).get_charmap()
    spec = chart_spec(
        "王小䶮 · PHQ-9 总分",
        get_instrument("PHQ-9", "1"),
        DEFAULT_THRESHOLDS,
        [Point(dt.date(2026, 10, 15), 12), Point(dt.date(2026, 11, 20), None)],
    )
    pngs: list[bytes] = []
    assert glyph_warnings(lambda: pngs.append(render_png(spec))) == []
    assert pngs[0].startswith(PNG_MAGIC)
    family = configure_matplotlib()
    assert rcParams["font.sans-serif"][0] == family
    found = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    assert found == str(font_path())


def test_the_glyph_check_notices_a_font_without_the_character() -> None:
    """The check above could only fail if missing glyphs are reported: draw 䶮 with DejaVu Sans alone."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    def draw() -> None:
        figure = Figure()
        FigureCanvasAgg(figure)
        figure.text(0.5, 0.5, "䶮", family="DejaVu Sans")
        figure.canvas.draw()

    assert glyph_warnings(draw)


# --- the class overview ---------------------------------------------------------------------------


def test_a_head_teacher_sees_only_the_neutral_label_and_the_action(login: Any, world: World) -> None:
    html = html_of(login("head_teacher").get(class_url(world)))
    assert "王小䶮" in html and "需跟进" in html and RED_ACTION in html
    for word in (*TIER_WORDS, RED_REASON, "PHQ", "总分", "无或极轻微", "关注度", "响应时限"):
        assert word not in html, word


def test_the_class_overview_is_neutral_for_every_role(login: Any, world: World) -> None:
    html = html_of(login("counsellor").get(class_url(world)))
    assert "需跟进" in html
    assert not any(word in html for word in TIER_WORDS)


def test_children_never_screened_are_listed_as_such(login: Any, world: World) -> None:
    make_child(world.v1, world.s1, world.class1, family_name="孙", given_name="未测")
    html = html_of(login("head_teacher").get(class_url(world)))
    assert "孙未测" in html and "未筛查" in html


def test_a_head_teacher_cannot_open_another_class(login: Any, world: World) -> None:
    url = reverse("screening:class-overview", kwargs={"public_id": world.class1b.public_id})
    assert login("head_teacher").get(url).status_code == 404


# --- the registry's child list and child file ------------------------------------------------------


def list_html(login: Any, persona: str) -> str:
    return html_of(login(persona).get(reverse("lbc:child-list")))


def file_html(login: Any, persona: str, world: World) -> str:
    return html_of(login(persona).get(reverse("lbc:child-detail", kwargs={"public_id": world.c1.public_id})))


@pytest.mark.parametrize("persona", ["counsellor", "supervisor", "county_admin", "village_director"])
def test_colour_roles_see_a_coloured_badge_on_the_child_list(login: Any, world: World, persona: str) -> None:
    html = list_html(login, persona)
    assert "心理筛查" in html
    assert '<span class="tier-badge tier-red">红色</span>' in html


def test_head_teachers_see_only_the_neutral_label_on_the_child_list(login: Any, world: World) -> None:
    html = list_html(login, "head_teacher")
    assert "心理筛查" in html and "需跟进" in html
    assert not any(word in html for word in TIER_WORDS)


def test_volunteers_see_no_screening_column(login: Any, world: World) -> None:
    html = list_html(login, "volunteer")
    assert "小䶮" in html
    assert "心理筛查" not in html and "需跟进" not in html and "未筛查" not in html


def test_children_never_screened_show_as_such_on_the_list(login: Any, world: World) -> None:
    assert "未筛查" in list_html(login, "counsellor")  # c1b of the same school has no screening


def test_the_child_file_shows_scores_roles_a_link_to_the_full_record(login: Any, world: World) -> None:
    html = file_html(login, "supervisor", world)
    assert 'id="screening-heading"' in html and "tier-badge tier-red" in html
    assert RED_ACTION in html and "当天放学前" in html
    assert record_url(world.c1) in html


def test_the_child_file_shows_the_county_administrator_the_colour_but_no_record_link(
    login: Any, world: World
) -> None:
    html = file_html(login, "county_admin", world)
    assert "tier-badge tier-red" in html
    assert record_url(world.c1) not in html


def test_the_child_file_shows_a_head_teacher_only_the_neutral_label_and_action(
    login: Any, world: World
) -> None:
    html = file_html(login, "head_teacher", world)
    assert 'id="screening-heading"' in html and "需跟进" in html and RED_ACTION in html
    assert not any(word in html for word in TIER_WORDS)
    assert "响应时限" not in html and record_url(world.c1) not in html


def test_the_child_file_shows_a_volunteer_nothing_of_the_screening(login: Any, world: World) -> None:
    html = file_html(login, "volunteer", world)
    assert 'id="screening"' not in html and "需跟进" not in html and RED_ACTION not in html


def test_the_child_file_shows_the_newest_result(login: Any, world: World) -> None:
    rescreen_c1(world, dt.date(2026, 11, 20), {i: 0 for i in range(1, 10)})
    html = file_html(login, "head_teacher", world)
    assert "常规关注" in html and "2026-11-20" in html and "需跟进" not in html
