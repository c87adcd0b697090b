"""Permission rows of the intervention pages of a warning (w1: c1's RED warning at school s1, T1).

Roles without any warning (volunteers, trainers, accounts without a role) get 403 before any lookup;
roles with warnings get 404 outside the child's scope. The record needs the COLOUR tier; notes,
safety plans and sign-offs need NOTES (counsellors); contacts, referrals and lowering a tier need the
right to act on the warning (supervisors and counsellors).
"""

from __future__ import annotations

from .base import Row, everyone

ANON = 302
NO_WARNINGS = ("volunteer", "other_volunteer", "trainer", "nobody")
MISSING = "00000000-0000-4000-8000-000000000000"


def table(**in_scope: int) -> dict[str, int]:
    """404 for everyone outside c1's scope, 403 for roles without warnings and for the head teacher."""
    result = everyone(404, anonymous=ANON, **{p: 403 for p in NO_WARNINGS})
    result.update(county_admin=403, supervisor=403, village_director=403, counsellor=403, head_teacher=403)
    result.update(in_scope)
    return result


COLOUR = {"county_admin": 200, "supervisor": 200, "village_director": 200, "counsellor": 200}
ACTORS = {"supervisor": 200, "counsellor": 200}
COUNSELLOR = {"counsellor": 200}

ROWS = [
    Row("screening:interventions", table(**COLOUR), target="w1"),
    Row("screening:intervention-session", table(**COUNSELLOR), target="w1"),
    Row("screening:intervention-safety-plan", table(**COUNSELLOR), target="w1"),
    Row("screening:intervention-sign-off", table(**COUNSELLOR), target="w1"),
    Row("screening:intervention-contact", table(**ACTORS), target="w1"),
    Row("screening:intervention-referral", table(**ACTORS), target="w1"),
    Row("screening:intervention-lower-tier", table(**ACTORS), target="w1"),
    Row(
        "screening:intervention-referral-status",
        table(supervisor=404, counsellor=404),
        target="w1",
        extra_kwargs={"referral_id": MISSING},
    ),
]
