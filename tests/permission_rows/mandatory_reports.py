"""Permission rows of the mandatory-report pages (namespace "reports").

Every role may file; only township supervisors and county administrators handle (list, read the
narrative, change the status). r1 is a report about c1 (township T1, county K) filed by "volunteer":
its handlers are "supervisor" and "county_admin", its reporter sees the receipt page.
"""

from __future__ import annotations

from .base import Row, everyone

ANON = 302
HANDLERS = ("county_admin", "supervisor", "other_county_admin", "other_supervisor")
C1_VIEWERS = ("county_admin", "supervisor", "village_director", "counsellor", "head_teacher", "volunteer")

ROWS = [
    Row("reports:start", everyone(200, anonymous=ANON, nobody=403)),
    Row("reports:file-new", everyone(200, anonymous=ANON, nobody=403)),
    Row("reports:file-child", everyone(404, anonymous=ANON, **{p: 200 for p in C1_VIEWERS}), target="c1"),
    Row("reports:file-child", everyone(404, anonymous=ANON, other_county_admin=200), target="c3"),
    Row("reports:list", everyone(403, anonymous=ANON, **{p: 200 for p in HANDLERS})),
    Row(
        "reports:detail",
        everyone(404, anonymous=ANON, county_admin=200, supervisor=200, volunteer=200),
        target="r1",
    ),
    Row(
        "reports:status",
        everyone(404, anonymous=ANON, county_admin=405, supervisor=405, volunteer=403),
        target="r1",
    ),
]
