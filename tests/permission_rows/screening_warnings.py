"""Permission rows of the warning pages (namespace "screening").

w1 is c1's open RED warning (school s1, class1, village v1, township T1, county K). Lists answer 200 to
every role that sees warnings (an empty list outside the scope) and 403 to trainers, volunteers and
users without a membership. The warning page: 200 in scope (head teachers and village directors get
the neutral view), 404 outside it, 403 for roles without warnings. Actions are POST only.
"""

from __future__ import annotations

from .base import Row, everyone

ANON = 302  # to the login page
NO_WARNINGS = {"trainer": 403, "volunteer": 403, "other_volunteer": 403, "nobody": 403}
IN_SCOPE = ("county_admin", "supervisor", "village_director", "counsellor", "head_teacher")

ROWS = [
    Row("screening:warning-list", everyone(200, anonymous=ANON, **NO_WARNINGS)),
    Row(
        "screening:warning-detail",
        {**everyone(404, anonymous=ANON, **NO_WARNINGS), **{p: 200 for p in IN_SCOPE}},
        target="w1",
    ),
    Row(
        "screening:warning-action",
        everyone(405, anonymous=ANON),
        target="w1",
        extra_kwargs={"action": "acknowledge"},
    ),
]
