"""Permission rows of the psychological record, campaign summary and class overview (namespace "screening").

c1 (school s1, class1, township T1, county K) has a RED assessment with a PHQ-9 response; c3 is in county
K2. The record and its charts need the scores tier: counsellors and township supervisors; the county
administrator, village director, head teacher and assigned volunteer see c1 but too little (403).
Campaign summaries need the colour tier over the whole school through a campaign role: head teachers
and other roles without campaigns answer 403, campaign roles of another school 404.
"""

from __future__ import annotations

from .base import Row, everyone

ANON = 302  # to the login page
RECORD_READERS = ("counsellor", "supervisor")
C1_TOO_WEAK = ("county_admin", "village_director", "head_teacher", "volunteer")
NO_CAMPAIGNS = (
    "village_director",
    "other_village_director",
    "head_teacher",
    "other_head_teacher",
    "trainer",
    "volunteer",
    "other_volunteer",
    "nobody",
)
CHART = {"code": "PHQ-9"}


def c1_record() -> dict[str, int]:
    table = everyone(404, anonymous=ANON)
    table.update({p: 403 for p in C1_TOO_WEAK})
    table.update({p: 200 for p in RECORD_READERS})
    return table


def c3_record() -> dict[str, int]:
    return everyone(404, other_county_admin=403, anonymous=ANON)


def summary(*readers: str) -> dict[str, int]:
    table = everyone(404, anonymous=ANON)
    table.update({p: 403 for p in NO_CAMPAIGNS})
    table.update({p: 200 for p in readers})
    return table


CAMP1_READERS = ("counsellor", "supervisor", "county_admin")
CLASS1_READERS = ("head_teacher", "counsellor", "supervisor", "county_admin")

ROWS = [
    Row("screening:child-record", c1_record(), target="c1"),
    Row("screening:child-record", c3_record(), target="c3"),
    Row("screening:child-chart", c1_record(), target="c1", extra_kwargs=CHART),
    Row("screening:child-chart", c3_record(), target="c3", extra_kwargs=CHART),
    Row("screening:campaign-summary", summary(*CAMP1_READERS), target="camp1"),
    Row("screening:campaign-summary", summary("other_county_admin"), target="camp3"),
    Row("screening:campaign-summary-pdf", summary(*CAMP1_READERS), target="camp1"),
    Row("screening:campaign-summary-pdf", summary("other_county_admin"), target="camp3"),
    Row(
        "screening:class-overview",
        everyone(404, anonymous=ANON, **dict.fromkeys(CLASS1_READERS, 200)),
        target="class1",
    ),
]
