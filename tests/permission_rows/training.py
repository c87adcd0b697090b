"""Permission rows of the training pages (namespace "training").

ts1 is a grandparent class in county K inviting village v1; ts3 is in county K2. Trainers (county K)
run K's sessions; county administrators read their county's sessions and statistics; village
directors see sessions inviting their village and enrol its guardians. Every other role answers 403;
another county's session answers 404. POST-only URLs answer 405 to a GET.

Set-up pages (programs, venues, questionnaires, materials; editing a session): trainers and county
administrators of the object's county (``Can.SET_UP_TRAINING``); the county's training windows: county
administrators only (``Can.TRAINING_WINDOWS``). tp1/tv1/tq1 are county K's program, venue and
questionnaire, tp3/tv3/tq3 county K2's.
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

SETUP = ("trainer", "county_admin", "other_county_admin")  # any set-up county: the lists and the new forms
K_SETUP = ("trainer", "county_admin")
ADMINS = ("county_admin", "other_county_admin")

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
    # editing a session: village directors see ts1 (it invites v1) but may not change it
    Row("training:session-edit", table(K_SETUP, K_OUTSIDERS), target="ts1"),
    Row("training:session-edit", table(("other_county_admin",), K2_OUTSIDERS), target="ts3"),
    Row("training:session-edit-check", table(K_SETUP, K_OUTSIDERS), target="ts1"),
    Row("training:session-edit-check", table(("other_county_admin",), K2_OUTSIDERS), target="ts3"),
    # setting the county up
    Row("training:program-list", table(SETUP)),
    Row("training:program-create", table(SETUP)),
    Row("training:program-edit", table(K_SETUP, ("other_county_admin",)), target="tp1"),
    Row("training:program-edit", table(("other_county_admin",), K_SETUP), target="tp3"),
    Row("training:program-retire", POST_ONLY, target="tp1"),
    Row("training:venue-list", table(SETUP)),
    Row("training:venue-create", table(SETUP)),
    Row("training:venue-edit", table(K_SETUP, ("other_county_admin",)), target="tv1"),
    Row("training:venue-edit", table(("other_county_admin",), K_SETUP), target="tv3"),
    Row("training:venue-deactivate", POST_ONLY, target="tv1"),
    Row("training:questionnaire-list", table(SETUP)),
    Row("training:questionnaire-create", table(SETUP)),
    Row("training:questionnaire-edit", table(K_SETUP, ("other_county_admin",)), target="tq1"),
    Row("training:questionnaire-edit", table(("other_county_admin",), K_SETUP), target="tq3"),
    Row("training:questionnaire-copy", POST_ONLY, target="tq1"),
    Row("training:material-list", table(SETUP)),
    Row("training:material-upload", table(SETUP)),
    Row("training:material-delete", POST_ONLY, target="tm1"),
    Row("training:windows", table(ADMINS)),
    Row("training:windows-edit", table(("county_admin",), ("other_county_admin",)), target="county"),
    Row("training:windows-edit", table(("other_county_admin",), ("county_admin",)), target="county2"),
]
