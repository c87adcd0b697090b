"""Permission rows of screening campaigns, paper entry, self-report and the result page.

camp1 is the open campaign of school s1 (township t1, county K); camp3 the one of s3 in county K2.
Campaigns: counsellors see their school's, supervisors their township's, county admins their county's;
every other role gets 403 whatever the id. Only counsellors run campaigns and enter answers (NOTES).
a1 is c1's RED assessment in camp1: the result page needs STATUS over c1.
The self-report screens hold no id: without a questionnaire in the session they are 404 for everyone.
"""

from __future__ import annotations

from .base import Row, everyone

ANON = 302  # to the login page
NO_CAMPAIGNS = (
    "head_teacher",
    "other_head_teacher",
    "village_director",
    "other_village_director",
    "trainer",
    "volunteer",
    "other_volunteer",
    "nobody",
)
C1_TOO_WEAK_TO_ENTER = ("county_admin", "supervisor", "village_director", "head_teacher", "volunteer")


def campaign_table(**statuses: int) -> dict[str, int]:
    """403 for roles without campaigns, 404 for campaign roles unless listed."""
    table = everyone(404, anonymous=ANON, **dict.fromkeys(NO_CAMPAIGNS, 403))
    table.update(statuses)
    return table


def c1_entry_table() -> dict[str, int]:
    table = everyone(404, anonymous=ANON, counsellor=200)
    table.update(dict.fromkeys(C1_TOO_WEAK_TO_ENTER, 403))
    return table


CAMPAIGN_ROLES_200 = {
    p: 200
    for p in (
        "county_admin",
        "supervisor",
        "counsellor",
        "other_county_admin",
        "other_supervisor",
        "other_counsellor",
    )
}

ROWS = [
    Row("screening:campaign-list", campaign_table(**CAMPAIGN_ROLES_200)),
    Row(
        "screening:campaign-create",
        campaign_table(
            counsellor=200,
            other_counsellor=200,
            county_admin=403,
            other_county_admin=403,
            supervisor=403,
            other_supervisor=403,
        ),
    ),
    Row(
        "screening:campaign-detail",
        campaign_table(counsellor=200, supervisor=200, county_admin=200),
        target="camp1",
    ),
    Row("screening:campaign-detail", campaign_table(other_county_admin=200), target="camp3"),
    Row(
        "screening:campaign-edit",
        campaign_table(counsellor=200, supervisor=403, county_admin=403),
        target="camp1",
    ),
    Row("screening:campaign-edit", campaign_table(other_county_admin=403), target="camp3"),
    Row("screening:entry-paper", c1_entry_table(), target="c1"),
    Row("screening:entry-paper", everyone(404, anonymous=ANON, other_county_admin=403), target="c3"),
    Row("screening:entry-self", c1_entry_table(), target="c1"),
    Row("screening:entry-self", everyone(404, anonymous=ANON, other_county_admin=403), target="c3"),
    Row(
        "screening:assessment-result",
        everyone(
            404,
            anonymous=ANON,
            county_admin=200,
            supervisor=200,
            village_director=200,
            counsellor=200,
            head_teacher=200,
            volunteer=403,
        ),
        target="a1",
    ),
    Row("screening:self-question", everyone(404, anonymous=404)),
    Row("screening:self-handback", everyone(404, anonymous=ANON)),
]
