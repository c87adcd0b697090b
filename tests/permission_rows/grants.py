"""Break-the-glass: counsellors and township supervisors open it; county administrators review it.

The end page is POST-only (405 to a GET from an administrator) and takes the grant id in the body.
"""

from .base import Row, everyone

BREAK_GLASS = everyone(403, supervisor=200, other_supervisor=200, counsellor=200, other_counsellor=200,
                       anonymous=302)
ADMIN_PAGE = everyone(403, county_admin=200, other_county_admin=200, anonymous=302)
ADMIN_POST = everyone(403, county_admin=405, other_county_admin=405, anonymous=302)

ROWS = [
    Row("lbc:breakglass", BREAK_GLASS),
    Row("manage:breakglass-list", ADMIN_PAGE),
    Row("manage:breakglass-end", ADMIN_POST),
]

# Referrals: counsellors only. c1 sits in s1 (the "counsellor"'s school); other roles covering c1 may not
# refer it (403), roles that do not see c1 get 404. No referral exists in the world: a referral id
# answers 404 to counsellors (not theirs) and 403 to every other role (checked first).
MISSING = {"public_id": "00000000-0000-4000-8000-000000000000"}
COUNSELLORS = everyone(403, counsellor=200, other_counsellor=200, anonymous=302)

ROWS += [
    Row("lbc:referral-list", COUNSELLORS),
    Row("lbc:referral-detail", everyone(403, counsellor=404, other_counsellor=404, anonymous=302),
        extra_kwargs=MISSING),
    Row("lbc:referral-create", everyone(
        404, counsellor=200, county_admin=403, supervisor=403, village_director=403, head_teacher=403,
        volunteer=403, anonymous=302,
    ), target="c1"),
]
