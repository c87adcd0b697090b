"""County warning thresholds (/screening/thresholds/): county administrators only, each for their own
county (county_admin: county, other_county_admin: county2). Every other role is refused with 403; the other
county's page answers 404; the bare URL redirects an administrator of one county to that county's page.
"""

from .base import Row, everyone

ROWS = [
    Row("screening:thresholds", everyone(403, county_admin=302, other_county_admin=302, anonymous=302)),
    Row("screening:thresholds-county", everyone(403, county_admin=200, other_county_admin=404, anonymous=302),
        target="county"),
    Row("screening:thresholds-county", everyone(403, county_admin=404, other_county_admin=200, anonymous=302),
        target="county2"),
]
