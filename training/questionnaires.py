"""Pre/post questionnaires: every item on one scale (1-5 or 0-3), scored as the sum of the items."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from lbc import audit
from lbc.services.errors import DomainError

from .models import Enrolment, Questionnaire, QuestionnaireResponse


class AnswerError(DomainError):
    """An answer is missing or outside the scale; the message names the item."""


def score_answers(
    scale: tuple[int, int], items: Sequence[int], answers: Mapping[Any, Any]
) -> tuple[dict[str, int], int]:
    """Check every item is answered within ``scale``; returns the cleaned answers and their sum. Pure."""
    low, high = scale
    cleaned: dict[str, int] = {}
    known = {str(n) for n in items}
    unknown = sorted(str(k) for k in answers if str(k) not in known)
    if unknown:
        raise AnswerError(_("问卷中没有第%(items)s题。") % {"items": _("、").join(unknown)})
    for number in items:
        raw = answers.get(number, answers.get(str(number)))
        if raw is None or raw == "":
            raise AnswerError(_("第%(n)d题没有作答。") % {"n": number})
        try:
            value = int(str(raw).strip())
        except ValueError:
            raise AnswerError(
                _("第%(n)d题的答案“%(value)s”不是数字。") % {"n": number, "value": raw}
            ) from None
        if not low <= value <= high:
            raise AnswerError(
                _("第%(n)d题的答案应在%(low)d到%(high)d之间，填的是%(value)d。")
                % {"n": number, "low": low, "high": high, "value": value}
            )
        cleaned[str(number)] = value
    return cleaned, sum(cleaned.values())


def record_questionnaire(
    enrolment: Enrolment, phase: str, answers: Mapping[Any, Any], *, by: Any, request: Any = None
) -> QuestionnaireResponse:
    """Store one attendee's pre or post answers for the program's questionnaire (once per phase)."""
    questionnaire: Questionnaire | None = enrolment.session.program.questionnaire
    if questionnaire is None:
        raise DomainError(_("该培训项目没有前后测问卷。"))
    if phase not in QuestionnaireResponse.Phase.values:
        raise DomainError(_("阶段只能是培训前或培训后。"))
    if enrolment.status != Enrolment.Status.ENROLLED:
        raise DomainError(_("只有已报名的学员才能填写问卷。"))
    items = list(questionnaire.items.values_list("number", flat=True))
    cleaned, total = score_answers(questionnaire.scale_range, items, answers)
    try:
        with transaction.atomic():
            response = QuestionnaireResponse.objects.create(
                enrolment=enrolment,
                questionnaire=questionnaire,
                phase=phase,
                answers=cleaned,
                total=total,
                recorded_by=by,
            )
            audit.record(
                "training.questionnaire.recorded",
                actor=by,
                request=request,
                obj=response,
                detail={"phase": phase, "session": str(enrolment.session.public_id)},
            )
    except IntegrityError:
        raise DomainError(_("这位学员的该阶段问卷已经录入过了。")) from None
    return response
