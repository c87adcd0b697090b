from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from lbc.text import join_items
from screening.scoring.context import ContextError, ContextScore, context_score
from screening.scoring.instruments import UnknownInstrument, get_instrument
from screening.scoring.scores import AnswerError, CriticalFlag, ScoreResult, score_answers
from screening.scoring.tiers import TierDecision, assign_tier

FIELDS = frozenset({"instrument", "version", "age", "seconds", "answers", "context"})


class LineError(ValueError):
    """A line that cannot be read as a screening; the message is Chinese."""


class Command(BaseCommand):
    help = (
        "Scores screenings given as JSON lines on stdin, one screening per line, e.g. "
        '{"instrument": "PHQ-9", "age": 14, "answers": {"1": 0, "2": 3}}: items numbered from 1 as on the '
        'published form, unanswered items left out (or null); optional "version" (default: newest), '
        '"seconds" (time taken to answer) and "context" (context-score factors as true/false). '
        "Prints one JSON line per input line (blank lines are skipped) with the total, subscales, bands, "
        "missing items, critical and validity flags, the context score with its factors, and the tier "
        'with its reasons, action and deadline. A line that cannot be scored prints {"line": n, "error": '
        '"<message>"} instead, with "critical" when bad answers stand next to a positive critical item. '
        "Reads no database and needs no keys; changes nothing. Exit code 0 unless stdin cannot be read."
    )
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            for number, line in enumerate(sys.stdin, start=1):
                if line.strip():
                    self.stdout.write(json.dumps(score_line(line, number), ensure_ascii=False))
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"stdin cannot be read: {exc}") from exc


def score_line(line: str, number: int) -> dict[str, Any]:
    try:
        data = _parse(line)
        instrument = get_instrument(data["instrument"], data.get("version"))
        answers = _answers(data.get("answers"))
        age, seconds = _age(data.get("age")), _seconds(data.get("seconds"))
        result = score_answers(instrument, answers, age=age, seconds=seconds)
        context = context_score(_mapping(data.get("context") or {}, "context"))
    except AnswerError as exc:
        # A typo elsewhere must not hide a positive critical item from a script filtering the output.
        row: dict[str, Any] = {"line": number, "error": str(exc)}
        return {**row, "critical": _critical_json(exc.critical)} if exc.critical else row
    except (LineError, UnknownInstrument, ContextError) as exc:
        return {"line": number, "error": str(exc)}
    decision = assign_tier([result], context.score)
    return {"line": number, **_result_json(result),
            "context": _context_json(context), "tier": _tier_json(decision)}


def _parse(line: str) -> dict[str, Any]:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise LineError(_("不是有效的JSON：%(error)s") % {"error": exc.msg}) from exc
    data = _mapping(data, _("这一行"))
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        raise LineError(_("未知字段：%(fields)s") % {"fields": join_items(unknown)})
    if not isinstance(data.get("instrument"), str):
        raise LineError(_("缺少量表名称（instrument）"))
    version = data.get("version")
    if version is not None and not isinstance(version, str | int):
        raise LineError(_("版本（version）应为文字或数字"))
    return {**data, "version": None if version is None else str(version)}


def _mapping(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise LineError(_("%(what)s应为JSON对象") % {"what": what})
    return value


def _answers(value: object) -> dict[int, Any]:
    answers = _mapping(value, "answers")
    bad = [key for key in answers if not key.isdigit()]
    if bad:
        raise LineError(_("题号无效：%(keys)s（题号从1开始）") % {"keys": join_items(bad)})
    return {int(key): answer for key, answer in answers.items()}


def _age(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 30:
        raise LineError(_("年龄（age）应为0-30的整数"))
    return value


def _seconds(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise LineError(_("用时（seconds）应为非负数"))
    return float(value)


def _result_json(result: ScoreResult) -> dict[str, Any]:
    return {
        "instrument": result.code,
        "version": result.version,
        "total": result.total.score,
        "subscales": {s.key: s.score for s in result.subscales},
        "bands": {key: {"key": band.key, "label": str(band.label)} for key, band in result.bands.items()},
        "incomplete_scales": list(result.incomplete_scales),
        "prorated_scales": [s.key for s in result.scales if s.prorated],
        "missing_items": list(result.missing_items),
        "critical": _critical_json(result.critical),
        "validity": [{"code": str(f.code), "label": f.label, "invalidates": f.invalidates}
                     for f in result.validity],
        "valid": result.is_valid,
    }


def _critical_json(flags: tuple[CriticalFlag, ...]) -> list[dict[str, Any]]:
    return [{"item": f.item, "value": f.value, "level": str(f.level), "label": str(f.label)} for f in flags]


def _context_json(context: ContextScore) -> dict[str, Any]:
    factors = [{"key": f.key, "points": f.points, "label": str(f.label)} for f in context.factors]
    return {"score": context.score, "capped": context.capped, "factors": factors}


def _tier_json(decision: TierDecision) -> dict[str, Any]:
    return {
        "tier": str(decision.tier),
        "label": decision.label,
        "neutral_label": decision.neutral_label,
        "action": decision.action,
        "deadline": decision.deadline.description,
        "reasons": list(decision.reasons),
    }

