from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from lbc import access
from lbc.access import FieldTier
from tests.conftest import World
from tests.factories import grant


def visible(world: World, persona: str) -> set[str]:
    return set(access.children_for(world.user(persona)).values_list("given_name", flat=True))


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("county_admin", {"小䶮", "小明", "小红"}),
        ("other_county_admin", {"小兰"}),
        ("supervisor", {"小䶮", "小明"}),
        ("other_supervisor", {"小红"}),
        ("village_director", {"小䶮"}),
        ("counsellor", {"小䶮", "小明"}),
        ("other_counsellor", {"小红"}),
        ("head_teacher", {"小䶮"}),
        ("volunteer", {"小䶮"}),
        ("other_volunteer", set()),
        ("trainer", set()),
        ("nobody", set()),
    ],
)
def test_it_scopes_children_by_membership(world: World, persona: str, expected: set[str]) -> None:
    assert visible(world, persona) == expected


def test_it_includes_children_schooled_in_scope_but_living_elsewhere(world: World) -> None:
    from tests.factories import make_child

    commuter = make_child(world.v2, world.s1, given_name="跨乡生")
    assert commuter in access.children_for(world.user("supervisor"))
    assert commuter in access.children_for(world.user("other_supervisor"))
    assert commuter not in access.children_for(world.user("village_director"))


def test_it_answers_404_outside_scope_and_403_for_weak_role(world: World) -> None:
    with pytest.raises(Http404):
        access.get_child_for_user(world.user("other_supervisor"), world.c1.public_id)
    with pytest.raises(Http404):
        access.get_child_for_user(world.user("supervisor"), "not-a-uuid")
    with pytest.raises(PermissionDenied):
        access.get_child_for_user(world.user("head_teacher"), world.c1.public_id, need=FieldTier.IDENTITY)
    with pytest.raises(PermissionDenied):
        access.get_child_for_user(world.user("head_teacher"), world.c1.public_id, edit=True)
    with pytest.raises(PermissionDenied):
        access.children_for(world.user("trainer"), listing=True)


def test_it_gives_each_role_its_field_tiers(world: World) -> None:
    def fields(persona: str) -> set[str]:
        _, rights = access.get_child_for_user(world.user(persona), world.c1.public_id)
        return access.fields_for(rights, "child")

    assert fields("volunteer") == {"public_id", "given_name", "school"}
    assert "id_number" not in fields("head_teacher")
    assert "family_name" in fields("head_teacher")
    assert "id_number" in fields("village_director")
    _, rights = access.get_child_for_user(world.user("counsellor"), world.c1.public_id)
    assert rights.notes and rights.scores
    _, rights = access.get_child_for_user(world.user("county_admin"), world.c1.public_id)
    assert rights.status and not rights.scores and not rights.notes


def test_it_expires_break_the_glass_grants(world: World) -> None:
    outsider = world.user("other_counsellor")
    grant(outsider, world.c1, "breakglass_child", expires_at=timezone.now() - dt.timedelta(minutes=1),
          reason="测试：已过期")
    assert world.c1 not in access.children_for(outsider)
    grant(outsider, world.c1b, "breakglass_child", expires_at=timezone.now() + dt.timedelta(hours=3),
          reason="测试：紧急联系监护人")
    access.forget_scope(outsider)  # scope and grants are read once per request
    assert world.c1b in access.children_for(outsider)
    _, rights = access.get_child_for_user(outsider, world.c1b.public_id, need=FieldTier.IDENTITY)
    assert not rights.notes


def test_it_ignores_expired_memberships(world: World) -> None:
    from lbc.models import Membership

    user = world.user("supervisor")
    Membership.objects.filter(user=user).update(valid_until=timezone.localdate() - dt.timedelta(days=1))
    access.forget_scope(user)
    assert not access.children_for(user).exists()
