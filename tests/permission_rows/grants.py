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
