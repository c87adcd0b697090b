"""Permission rows of the registry pages (namespace "lbc").

c1 lives in T1 / S1 / class1 / village v1 and is assigned to "volunteer"; c3 is in the other county;
g1 is c1's guardian. POST-only URLs decide access first (404 / 403), then refuse GET with 405.
"""

from __future__ import annotations

from .base import Row, everyone

ANON = 302  # to the login page
C1_VIEWERS = ("county_admin", "supervisor", "village_director", "counsellor", "head_teacher", "volunteer")
C1_EDITORS = ("county_admin", "supervisor", "village_director", "counsellor")
C1_READ_ONLY = ("head_teacher", "volunteer")  # in scope, role too weak to change anything
LIST_DENIED = ("trainer", "nobody")
CREATE_DENIED = ("head_teacher", "other_head_teacher", "trainer", "volunteer", "other_volunteer", "nobody")
MISSING_ID = {
    "parent_id": "00000000-0000-4000-8000-000000000000",
    "consent_id": "00000000-0000-4000-8000-000000000000",
}


def c1_table(editor_status: int) -> dict[str, int]:
    """404 for everyone outside c1's scope, 403 for read-only roles, ``editor_status`` for editors."""
    table = everyone(404, anonymous=ANON)
    table.update({p: 403 for p in C1_READ_ONLY})
    table.update({p: editor_status for p in C1_EDITORS})
    return table


def c3_editors(status: int) -> dict[str, int]:
    return everyone(404, other_county_admin=status, anonymous=ANON)


ROWS = [
    Row("lbc:login", everyone(302, anonymous=200)),
    Row("lbc:logout", everyone(405, anonymous=405)),
    Row("lbc:home", everyone(200, anonymous=ANON)),
    Row("lbc:child-list", everyone(200, anonymous=ANON, **{p: 403 for p in LIST_DENIED})),
    Row("lbc:child-create", everyone(200, anonymous=ANON, **{p: 403 for p in CREATE_DENIED})),
    Row("lbc:child-detail", everyone(404, anonymous=ANON, **{p: 200 for p in C1_VIEWERS}), target="c1"),
    Row("lbc:child-detail", c3_editors(200), target="c3"),
    Row("lbc:child-edit", c1_table(200), target="c1"),
    Row("lbc:child-edit", c3_editors(200), target="c3"),
    Row("lbc:child-confirm", c1_table(405), target="c1"),
    Row("lbc:child-confirm", c3_editors(405), target="c3"),
    Row("lbc:guardian-create", c1_table(200), target="c1"),
    Row("lbc:guardian-create", c3_editors(200), target="c3"),
    Row("lbc:guardian-edit", c1_table(200), target="g1"),
    Row("lbc:parent-create", c1_table(200), target="c1"),
    Row("lbc:parent-edit", c1_table(404), target="c1", extra_kwargs={"parent_id": MISSING_ID["parent_id"]}),
    Row("lbc:consent-create", c1_table(200), target="c1"),
    Row("lbc:consent-create", c3_editors(200), target="c3"),
    Row(
        "lbc:consent-withdraw",
        c1_table(405),
        target="c1",
        extra_kwargs={"consent_id": MISSING_ID["consent_id"]},
    ),
]
