"""Invitation lists: one order by village and name; a neutral priority flag only for who sees warnings."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from lbc.access.roles import capabilities_of
from lbc.access.tiers import FieldTier
from lbc.models import Child, Organisation, Parent, Role
from screening.models import Warning, WarningState
from tests.conftest import World
from tests.factories import make_child, make_guardian, make_parent
from training.invitations import Invitee, children_needing_support, invitees_for_session
from training.models import Audience, Venue

from .helpers import at, make_program, make_venue, next_weekday, schedule

TIER_WORDS = ("RED", "ORANGE", "YELLOW", "GREEN", "GREY", "红", "橙", "黄", "预警", "需跟进")


@pytest.fixture
def neighbour(world: World) -> Any:
    """A second child of v1 without any concern, whose carer's name sorts before g1's."""
    child = make_child(world.v1, world.s1, world.class1, family_name="一", given_name="合成")
    return make_guardian(child, name="一合成祖母", phone="13700000011")


def test_a_trainer_sees_one_list_by_village_and_name(world: World, neighbour: Any) -> None:
    assert world.w1 is not None and world.w1.is_open
    invitees = invitees_for_session(world.user("trainer"), world.ts1)
    assert [i.name for i in invitees] == ["一合成祖母", "测试祖母"]  # g1, whose grandchild is warned, second
    assert invitees[1].status == "enrolled" and invitees[0].status == ""
    assert (invitees[0].phone, invitees[0].village, invitees[0].kind) == ("13700000011", "一村", "guardian")
    assert not any(i.priority for i in invitees)


def test_the_order_a_trainer_sees_does_not_change_with_screening(world: World, neighbour: Any) -> None:
    more = [make_child(world.v1, family_name=f"{c}", given_name="合成") for c in "甲乙丙丁"]
    for i, child in enumerate(more):
        make_guardian(child, name=f"{child.family_name}合成外婆", phone=f"1370000002{i}")
    before = invitees_for_session(world.user("trainer"), world.ts1)
    Warning.objects.filter(pk=world.w1.pk).update(state=WarningState.CLOSED)
    Child.objects.filter(pk__in=[more[1].pk, more[3].pk]).update(latest_tier="RED")
    after = invitees_for_session(world.user("trainer"), world.ts1)
    assert before == after
    assert [i.name for i in after] == sorted(i.name for i in after)


def test_a_village_director_sees_the_neutral_priority_flag(world: World, neighbour: Any) -> None:
    invitees = invitees_for_session(world.user("village_director"), world.ts1)
    assert [(i.name, i.priority) for i in invitees] == [("一合成祖母", False), ("测试祖母", True)]


def test_the_flag_follows_the_capability_table(world: World, neighbour: Any) -> None:
    assert FieldTier.STATUS in capabilities_of(Role.VILLAGE_DIRECTOR).tiers
    assert FieldTier.STATUS not in capabilities_of(Role.TRAINER).tiers


def test_a_trainers_invitees_carry_no_score_tier_reason_or_priority(world: World, neighbour: Any) -> None:
    assert {f.name for f in dataclasses.fields(Invitee)} == {
        "kind",
        "public_id",
        "name",
        "phone",
        "village",
        "status",
        "priority",
    }
    for invitee in invitees_for_session(world.user("trainer"), world.ts1):
        assert invitee.priority is False
        for value in dataclasses.asdict(invitee).values():
            assert not any(word in str(value) for word in TIER_WORDS)


def test_closed_warnings_count_as_dealt_with_and_unwarned_concern_tiers_still_count(world: World) -> None:
    unwarned = make_child(world.v1, latest_tier="ORANGE")
    everyone = Child.objects.filter(village=world.v1)
    assert set(children_needing_support(everyone)) == {world.c1, unwarned}
    Warning.objects.filter(pk=world.w1.pk).update(state=WarningState.CLOSED)
    assert set(children_needing_support(everyone)) == {unwarned}


def test_village_directors_draw_only_from_their_village(world: World, neighbour: Any) -> None:
    world.ts1.villages.add(world.v1b)
    make_guardian(world.c1b, name="二合成祖母", phone="13700000012")
    trainer = {i.name for i in invitees_for_session(world.user("trainer"), world.ts1)}
    director = {i.name for i in invitees_for_session(world.user("village_director"), world.ts1)}
    assert trainer == {"测试祖母", "一合成祖母", "二合成祖母"}
    assert director == {"测试祖母", "一合成祖母"}


@pytest.mark.parametrize(
    ("persona", "error"),
    [
        ("other_village_director", Http404),
        ("other_county_admin", Http404),
        ("head_teacher", PermissionDenied),
        ("counsellor", PermissionDenied),
        ("volunteer", PermissionDenied),
        ("county_admin", PermissionDenied),
    ],
)
def test_others_get_no_invitation_list(world: World, persona: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        invitees_for_session(world.user(persona), world.ts1)


def test_parents_are_reached_through_their_employer(world: World) -> None:
    factory = Organisation.objects.create(name="合成电子厂", kind=Organisation.Kind.COMPANY, city="东莞")
    parent = Parent.objects.get(household=world.c1.household)
    parent.employer = factory
    parent.save()
    make_parent(make_child(world.v2), phone="13700000013")  # works elsewhere
    program = make_program(world.county, audience=Audience.PARENTS)
    venue = make_venue(
        world.county, kind=Venue.Kind.EMPLOYER_SITE, name="合成电子厂培训室", organisation=factory
    )
    saturday = next_weekday(5, weeks=2)
    session = schedule(program, venue, [world.user("trainer")], at(saturday, 14)).session
    invitees = invitees_for_session(world.user("trainer"), session)
    assert [(i.kind, i.name, i.phone) for i in invitees] == [("parent", "测试父亲", "13987654321")]


def test_parents_at_home_are_invited_to_village_sessions(world: World) -> None:
    away = Parent.objects.get(household=world.c1.household)
    home = make_parent(make_child(world.v1), phone="13700000014")
    Parent.objects.filter(pk=home.pk).update(works_away=False, name="在家合成")
    program = make_program(world.county, audience=Audience.PARENTS)
    session = schedule(
        program,
        make_venue(world.v1),
        [world.user("trainer")],
        at(next_weekday(5, weeks=2), 14),
        villages=[world.v1],
    ).session
    names = [i.name for i in invitees_for_session(world.user("trainer"), session)]
    assert names == ["在家合成"] and away.name not in names


def test_teacher_sessions_invite_the_countys_teachers(world: World) -> None:
    program = make_program(world.county, audience=Audience.TEACHERS)
    session = schedule(
        program,
        make_venue(world.t1, kind=Venue.Kind.SCHOOL),
        [world.user("trainer")],
        at(next_weekday(2, weeks=2), 9),
    ).session
    names = {i.name for i in invitees_for_session(world.user("trainer"), session)}
    assert names == {
        "counsellor",
        "head_teacher",
        "other_counsellor",
        "other_head_teacher",
    }  # all of county K
