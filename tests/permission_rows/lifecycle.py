"""A child's lifecycle pages: transfer (lbc), life events and the county's warning timings (screening).

Transfer: the capability table gives it to county administrators, counsellors and village directors over
a child they may edit; supervisors edit but do not transfer (403), read-only roles get 403, everyone
outside the child's scope 404. Life events: counsellors and village directors record them (COLOUR tier
and the capability); county administrators and supervisors see the list but do not record (403).
Warning timings: county administrators of the county only, exactly as the thresholds page.
"""

from .base import Row, everyone

ANON = 302


def c1(**statuses: int) -> dict[str, int]:
    return everyone(404, anonymous=ANON, **statuses)


READ_ONLY = {"head_teacher": 403, "volunteer": 403}

ROWS = [
    Row(
        "lbc:child-transfer",
        c1(county_admin=200, counsellor=200, village_director=200, supervisor=403, **READ_ONLY),
        target="c1",
    ),
    Row("lbc:child-transfer", everyone(404, other_county_admin=200, anonymous=ANON), target="c3"),
    Row(
        "screening:life-event-create",
        c1(counsellor=200, village_director=200, county_admin=403, supervisor=403, **READ_ONLY),
        target="c1",
    ),
    Row("screening:life-event-create", everyone(404, other_county_admin=403, anonymous=ANON), target="c3"),
    Row(
        "screening:warning-settings",
        everyone(403, county_admin=302, other_county_admin=302, anonymous=ANON),
    ),
    Row(
        "screening:warning-settings-county",
        everyone(403, county_admin=200, other_county_admin=404, anonymous=ANON),
        target="county",
    ),
    Row(
        "screening:warning-settings-county",
        everyone(403, county_admin=404, other_county_admin=200, anonymous=ANON),
        target="county2",
    ),
]
