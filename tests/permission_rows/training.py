"""Permission rows of the training pages (namespace "training").

ts1 is a grandparent class in county K inviting village v1; ts3 is in county K2. Trainers (county K)
run K's sessions; county administrators read their county's sessions and statistics; village
directors see sessions inviting their village and enrol its guardians. Every other role answers 403;
another county's session answers 404. POST-only URLs answer 405 to a GET.
"""

from __future__ import annotations

from .base import Row, everyone

ANON = 302
NO_TRAINING = (
    "supervisor", "counsellor", "head_teacher", "volunteer", "other_supervisor", "other_counsellor",
    "other_head_teacher", "other_volunteer", "nobody",
)  # fmt: skip
TRAINING_ROLES = (
    "trainer",
    "county_admin",
    "other_county_admin",
    "village_director",
    "other_village_director",
)
ANY_ID = {"enrolment_id": "00000000-0000-4000-8000-000000000000"}


def table(ok: tuple[str, ...], missing: tuple[str, ...] = (), weak: tuple[str, ...] = ()) -> dict[str, int]:
    result = everyone(403, anonymous=ANON)
    result.update(dict.fromkeys(missing, 404))
    result.update(dict.fromkeys(ok, 200))
    result.update(dict.fromkeys(weak, 403))
    return result


K_READERS = ("trainer", "county_admin", "village_director")
K_OUTSIDERS = ("other_county_admin", "other_village_director")
K2_OUTSIDERS = ("trainer", "county_admin", "village_director", "other_village_director")
STAFF = ("trainer", "county_admin", "other_county_admin")
POST_ONLY = everyone(405, anonymous=ANON)

ROWS = [
    Row("training:calendar", table(TRAINING_ROLES)),
    Row("training:session-create", table(("trainer",))),
    Row("training:session-check", table(("trainer",))),
    Row("training:session-detail", table(K_READERS, K_OUTSIDERS), target="ts1"),
    Row("training:session-detail", table(("other_county_admin",), K2_OUTSIDERS), target="ts3"),
    Row("training:session-ics", table(K_READERS, K_OUTSIDERS), target="ts1"),
    Row("training:session-ics", table(("other_county_admin",), K2_OUTSIDERS), target="ts3"),
    Row("training:session-enrolment", table(("trainer", "village_director"), K_OUTSIDERS), target="ts1"),
    Row("training:session-enrolment", table((), K2_OUTSIDERS, ("other_county_admin",)), target="ts3"),
    Row("training:sign-in-sheet", table(("trainer", "village_director"), K_OUTSIDERS), target="ts1"),
    Row("training:sign-in-sheet", table((), K2_OUTSIDERS, ("other_county_admin",)), target="ts3"),
    Row("training:session-attendance", table(("trainer",), K_OUTSIDERS), target="ts1"),
    Row("training:session-attendance", table((), K2_OUTSIDERS, ("other_county_admin",)), target="ts3"),
    Row("training:session-cancel", POST_ONLY, target="ts1"),
    Row("training:enrol-invitees", POST_ONLY, target="ts1"),
    Row("training:enrol-walk-in", POST_ONLY, target="ts1"),
    Row("training:enrolment-cancel", POST_ONLY, target="ts1", extra_kwargs=ANY_ID),
    Row("training:attendance-mark", POST_ONLY, target="ts1", extra_kwargs=ANY_ID),
    Row("training:feed-settings", table(TRAINING_ROLES)),
    Row("training:feed", everyone(404, anonymous=404), extra_kwargs={"token": "not-a-real-token"}),
    Row("training:statistics", table(STAFF)),
    Row("training:statistics-chart", table(STAFF), extra_kwargs={"kind": "audience"}),
    Row("training:material-download", table(K_READERS, K_OUTSIDERS), target="tm1"),
]
