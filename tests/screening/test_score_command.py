"""`manage.py score`: JSON lines in, JSON lines out, bad lines reported in place. No database."""

from __future__ import annotations

import io
import json
import sys
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from screening.management.commands.score import Command

PHQ9_RED = {"instrument": "PHQ-9", "age": 14, "answers": {"1": 1, "2": 1, "3": 0, "4": 0, "5": 0, "6": 0,
                                                          "7": 0, "8": 0, "9": 1}}


def run(monkeypatch: pytest.MonkeyPatch, *lines: str) -> list[dict[str, Any]]:
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    out = io.StringIO()
    call_command("score", stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_it_scores_a_phq9_line_and_reports_the_tier(monkeypatch):
    (row,) = run(monkeypatch, json.dumps(PHQ9_RED))
    assert row["line"] == 1
    assert (row["instrument"], row["version"], row["total"]) == ("PHQ-9", "1", 3)
    assert row["bands"]["total"] == {"key": "minimal", "label": "无或极轻微"}
    assert [c["item"] for c in row["critical"]] == [9]
    assert row["tier"]["tier"] == "RED"
    assert row["tier"]["neutral_label"] == "需跟进"
    assert row["tier"]["deadline"] == "当天放学前"


def test_it_reports_subscales_missing_items_and_validity(monkeypatch):
    answers = {str(n): 0 for n in range(1, 26) if n not in (16, 24)}
    (row,) = run(monkeypatch, json.dumps({"instrument": "SDQ", "answers": answers, "seconds": 10}))
    assert set(row["subscales"]) == {"emotional", "conduct", "hyperactivity", "peer", "prosocial"}
    assert row["missing_items"] == [16, 24]
    assert "emotional" in row["prorated_scales"]
    assert {v["code"] for v in row["validity"]} == {"speeding", "straightlining", "inconsistent"}
    assert row["valid"] is False
    assert row["tier"]["tier"] == "GREY"


def test_it_adds_the_context_score_with_its_factors(monkeypatch):
    answers = {"1": 3, "2": 3, "3": 1, "4": 1, "5": 1, "6": 1, "7": 1}
    line = {"instrument": "GAD-7", "version": "1", "answers": answers,
            "context": {"no_capable_adult": True, "contact_less_than_monthly": True}}
    (row,) = run(monkeypatch, json.dumps(line))
    assert row["total"] == 11
    assert row["context"]["score"] == 5
    assert [f["points"] for f in row["context"]["factors"]] == [3, 2]
    assert row["tier"]["tier"] == "ORANGE"


def test_bad_lines_get_an_error_in_place_and_the_good_lines_still_score(monkeypatch):
    rows = run(
        monkeypatch,
        json.dumps(PHQ9_RED),
        "{not json",
        json.dumps({"instrument": "BDI", "answers": {}}),
        json.dumps({"instrument": "PHQ-9", "answers": {"10": 1}}),
        json.dumps({"instrument": "PHQ-9", "answers": {"x": 1}}),
        json.dumps({"instrument": "PHQ-9", "answers": {"1": 4}}),
        "",
        json.dumps({"instrument": "GAD-7", "answers": {"1": "2"}}),
        json.dumps(["PHQ-9"]),
        json.dumps({"instrument": "PHQ-9", "answers": {}, "ages": 12}),
        json.dumps({"instrument": "PHQ-9", "version": "9", "answers": {}}),
        json.dumps({"instrument": "PHQ-9", "answers": {}, "context": {"rich": True}}),
        json.dumps({"instrument": "PHQ-9", "answers": {}, "age": "14"}),
        json.dumps(PHQ9_RED),
    )
    errors = {row["line"]: row["error"] for row in rows if "error" in row}
    assert [row["line"] for row in rows] == [1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14]
    assert set(errors) == {2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13}
    assert all(set(row) == {"line", "error"} for row in rows if "error" in row)
    assert "不是有效的JSON" in errors[2]
    assert "未知的量表" in errors[3]
    assert "第10题不存在" in errors[4]
    assert "题号无效" in errors[5]
    assert "第1题的答案 4 无效" in errors[6]
    assert "第1题的答案 2 无效" in errors[8]
    assert "JSON对象" in errors[9]
    assert "未知字段：ages" in errors[10]
    assert "没有版本 9" in errors[11]
    assert "未知的关注度因素" in errors[12]
    assert "年龄" in errors[13]
    assert rows[-1]["tier"]["tier"] == "RED"


def test_a_bad_value_next_to_a_critical_answer_says_so(monkeypatch):
    (row,) = run(monkeypatch, json.dumps({"instrument": "PHQ-9", "answers": {"1": 9, "9": 2}}))
    assert "关键条目" in row["error"]
    assert [(c["item"], c["value"], c["level"]) for c in row["critical"]] == [(9, 2, "critical")]


def test_unreadable_stdin_is_a_command_error(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"\xff\xfe\xfa\n"), encoding="utf-8"))
    with pytest.raises(CommandError, match="stdin cannot be read"):
        call_command("score", stdout=io.StringIO())


def test_the_help_says_what_it_reads_and_prints():
    assert "stdin" in Command.help
    assert '{"line": n, "error"' in Command.help
    assert "no database" in Command.help.lower()
    assert Command.requires_system_checks == []
