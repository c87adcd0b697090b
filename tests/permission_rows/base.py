from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Row:
    """Expected GET status of one URL for every persona.

    ``target`` names an attribute of the test World (e.g. "c1", "g1", "s1", "t1") whose ``public_id``
    fills the URL kwarg ``kwarg``. ``expected`` maps every persona in conftest.PERSONAS (and
    "anonymous") to a status code; a persona left out fails the matrix test.
    """

    url_name: str
    expected: dict[str, int]
    target: str | None = None
    kwarg: str = "public_id"
    extra_kwargs: dict[str, str] = field(default_factory=dict)


def everyone(status: int, **overrides: int) -> dict[str, int]:
    from tests.conftest import PERSONAS

    table = {p: status for p in PERSONAS}
    table.update(overrides)
    return table
