"""Roster import (花名册导入): county administrators for their county, counsellors for their school.

Every other role is refused with 403. An import id the importer cannot see (here: none exists in the
world) answers 404; importers of another scope get the same 404 for a real import (tests/lbc/
test_roster_views.py). Commit and exclude are POST-only (405 to a GET). The template download without
a chosen school answers 400 with the form.
"""

from .base import Row, everyone

IMPORTERS = {"county_admin": 200, "other_county_admin": 200, "counsellor": 200, "other_counsellor": 200}
MISSING = {"public_id": "00000000-0000-4000-8000-000000000000"}

ROWS = [
    Row("lbc:roster", everyone(403, **IMPORTERS, anonymous=302)),
    Row("lbc:roster-template", everyone(403, **{p: 400 for p in IMPORTERS}, anonymous=302)),
    Row(
        "lbc:roster-detail", everyone(403, **{p: 404 for p in IMPORTERS}, anonymous=302), extra_kwargs=MISSING
    ),
    Row(
        "lbc:roster-mapping",
        everyone(403, **{p: 404 for p in IMPORTERS}, anonymous=302),
        extra_kwargs=MISSING,
    ),
    Row("lbc:roster-exclude", everyone(405, anonymous=302), extra_kwargs=MISSING),
    Row("lbc:roster-commit", everyone(405, anonymous=302), extra_kwargs=MISSING),
]
