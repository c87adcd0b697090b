"""Permission rows of the trend pages, their charts and the weekly township digest (aggregates only).

County administrators see their county and its townships; township supervisors their own township;
every other role answers 403 whatever the id. T1 holds c1's RED screening; K is county K.
"""

from __future__ import annotations

from .base import Row, everyone

ANON = 302


def table(*readers: str, **overrides: int) -> dict[str, int]:
    result = everyone(403, anonymous=ANON, supervisor=404, other_supervisor=404)
    result.update({"county_admin": 404, "other_county_admin": 404})
    result.update(dict.fromkeys(readers, 200))
    result.update(overrides)
    return result


ROWS = [
    Row("screening:trends", table("supervisor", "county_admin"), target="t1"),
    Row("screening:trends", table("county_admin"), target="county"),
    Row("screening:trends", table("other_supervisor", "county_admin"), target="t2"),
    Row(
        "screening:trend-chart",
        table("supervisor", "county_admin"),
        target="t1",
        extra_kwargs={"kind": "funnel"},
    ),
    Row("screening:trend-chart", table("county_admin"), target="county", extra_kwargs={"kind": "ewma"}),
    Row("screening:township-digest", table("supervisor", "county_admin"), target="t1"),
    Row("screening:township-digest", table(), target="county"),
]


def allocation(reader: str, neighbour: str) -> dict[str, int]:
    return everyone(403, anonymous=ANON, **{reader: 200, neighbour: 404})


ROWS += [
    Row("screening:allocation", allocation("supervisor", "other_supervisor"), target="t1"),
    Row("screening:allocation", allocation("other_supervisor", "supervisor"), target="t2"),
]
