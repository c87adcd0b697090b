"""The test world's warning: c1's RED assessment (world.a1) raised it when it was recorded."""

from __future__ import annotations

from typing import Any


def add_warnings(world: Any) -> None:
    from screening.models import Warning

    world.w1 = Warning.objects.get(assessment=world.a1)
