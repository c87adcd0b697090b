"""A material's address tells nothing to those who may not read it: the same answer, whether it exists."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.urls import reverse

from tests.conftest import World


def status(client: Any, public_id: Any) -> int:
    return int(client.get(reverse("training:material-download", kwargs={"public_id": public_id})).status_code)


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("counsellor", 403), ("supervisor", 403), ("volunteer", 403), ("head_teacher", 403),
     ("other_county_admin", 404), ("other_village_director", 404)],
)
def test_an_existing_and_a_missing_material_answer_alike(
    client: Any, world: World, persona: str, expected: int
) -> None:
    client.force_login(world.user(persona))
    assert status(client, world.tm1.public_id) == expected
    assert status(client, uuid.uuid4()) == expected
