"""Permission rows of the whole-grade import (namespace "screening").

Only counsellors of the campaign's school import. Roles that see campaigns but do not run them
(county administrators, township supervisors) get 403 inside their scope and 404 outside it; roles
without campaigns get 403 (screening.access.get_campaign_for_user). Batch URLs use a missing batch id:
access to the campaign is decided first, then the missing batch is 404 (commit, retry: GET is 405).
"""

from __future__ import annotations

from .base import Row, everyone

ANON = 302
NO_CAMPAIGNS = (
    "village_director",
    "head_teacher",
    "trainer",
    "volunteer",
    "nobody",
    "other_village_director",
    "other_head_teacher",
    "other_volunteer",
)
MISSING_BATCH = {"batch_id": "00000000-0000-4000-8000-000000000000"}


def camp1(runner_status: int) -> dict[str, int]:
    table = everyone(404, anonymous=ANON, county_admin=403, supervisor=403, counsellor=runner_status)
    table.update(dict.fromkeys(NO_CAMPAIGNS, 403))
    return table


def camp3() -> dict[str, int]:
    table = everyone(404, anonymous=ANON, other_county_admin=403)
    table.update(dict.fromkeys(NO_CAMPAIGNS, 403))
    return table


ROWS = [
    Row("screening:import-template", camp1(200), target="camp1"),
    Row("screening:import-template", camp3(), target="camp3"),
    Row("screening:import-upload", camp1(200), target="camp1"),
    Row("screening:import-upload", camp3(), target="camp3"),
    Row("screening:import-detail", camp1(404), target="camp1", extra_kwargs=MISSING_BATCH),
    Row("screening:import-detail", camp3(), target="camp3", extra_kwargs=MISSING_BATCH),
    Row("screening:import-progress", camp1(404), target="camp1", extra_kwargs=MISSING_BATCH),
    Row("screening:import-progress", camp3(), target="camp3", extra_kwargs=MISSING_BATCH),
    Row("screening:import-commit", camp1(405), target="camp1", extra_kwargs=MISSING_BATCH),
    Row("screening:import-commit", camp3(), target="camp3", extra_kwargs=MISSING_BATCH),
    Row("screening:import-retry", camp1(405), target="camp1", extra_kwargs=MISSING_BATCH),
    Row("screening:import-retry", camp3(), target="camp3", extra_kwargs=MISSING_BATCH),
]
