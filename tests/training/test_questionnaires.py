"""Pre/post questionnaires scored as a sum of items on one scale."""

from __future__ import annotations

import pytest

from lbc.services.errors import DomainError
from tests.conftest import World
from training.enrolment import Person, enrol_person
from training.models import Questionnaire, QuestionnaireItem
from training.questionnaires import AnswerError, record_questionnaire, score_answers

from .helpers import at, make_program, make_venue, next_weekday, schedule


def test_answers_are_summed_within_the_scale() -> None:
    assert score_answers((1, 5), [1, 2, 3], {1: 5, "2": "4", 3: 1}) == ({"1": 5, "2": 4, "3": 1}, 10)
    assert score_answers((0, 3), [1, 2], {1: 0, 2: 3})[1] == 3


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({1: 5}, "第2题没有作答"),
        ({1: 6, 2: 1}, "第1题的答案应在1到5之间，填的是6"),
        ({1: "很好", 2: 1}, "不是数字"),
        ({1: 1, 2: 1, 9: 1}, "问卷中没有第9题"),
    ],
)
def test_bad_answers_are_refused_naming_the_item(answers: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(AnswerError, match=message):
        score_answers((1, 5), [1, 2], answers)


def test_each_phase_is_recorded_once_per_attendee(world: World) -> None:
    questionnaire = Questionnaire.objects.create(
        name="隔代教养信心问卷（合成）", scale=Questionnaire.Scale.ONE_TO_FIVE
    )
    for n, text in enumerate(["我知道孩子难过时该怎么回应", "我能和孩子的父母谈孩子的情况"], start=1):
        QuestionnaireItem.objects.create(questionnaire=questionnaire, number=n, text=text)
    program = make_program(world.county, questionnaire=questionnaire)
    session = schedule(
        program, make_venue(world.v1), [world.user("trainer")], at(next_weekday(1, weeks=2), 9)
    ).session
    enrolment = enrol_person(session, Person(guardian=world.g1), by=world.user("trainer"))
    pre = record_questionnaire(enrolment, "pre", {1: 2, 2: 3}, by=world.user("trainer"))
    post = record_questionnaire(enrolment, "post", {1: 4, 2: 4}, by=world.user("trainer"))
    assert (pre.total, post.total) == (5, 8)
    with pytest.raises(DomainError, match="已经录入过了"):
        record_questionnaire(enrolment, "pre", {1: 1, 2: 1}, by=world.user("trainer"))
    with pytest.raises(DomainError, match="没有前后测问卷"):
        record_questionnaire(world.ts1.enrolments.get(), "pre", {1: 1}, by=world.user("trainer"))
