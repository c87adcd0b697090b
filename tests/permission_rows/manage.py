"""County administrator pages (/manage/): county_admin administers county K (t1, s1, class1 and the
"supervisor" account lie there); other_county_admin administers K2 (t3, s3, "other_county_admin").
Every other role is refused with 403; objects of the other county answer 404; POST-only URLs answer
405 to a GET from the administrator who may use them.
"""

from .base import Row, everyone

ADMIN_PAGE = everyone(403, county_admin=200, other_county_admin=200, anonymous=302)
OWN_COUNTY = everyone(403, county_admin=200, other_county_admin=404, anonymous=302)
OTHER_COUNTY = everyone(403, county_admin=404, other_county_admin=200, anonymous=302)
POST_ONLY = everyone(403, county_admin=405, other_county_admin=404, anonymous=302)
ADMIN_POST = everyone(403, county_admin=405, other_county_admin=405, anonymous=302)
POST_ONLY_OTHER = everyone(403, county_admin=404, other_county_admin=405, anonymous=302)

K_USER = {"username": "supervisor"}
K2_USER = {"username": "other_county_admin"}

ROWS = [
    Row("manage:home", ADMIN_PAGE),
    Row("manage:region-list", ADMIN_PAGE),
    Row("manage:township-create", ADMIN_PAGE),
    Row("manage:village-create", ADMIN_PAGE),
    Row("manage:region-import", ADMIN_PAGE),
    Row("manage:region-import-confirm", ADMIN_POST),
    Row("manage:region-import-template", ADMIN_PAGE),
    Row("manage:region-edit", OWN_COUNTY, target="t1"),
    Row("manage:region-edit", OWN_COUNTY, target="v1"),
    Row("manage:region-edit", OTHER_COUNTY, target="t3"),
    Row("manage:school-list", ADMIN_PAGE),
    Row("manage:school-create", ADMIN_PAGE),
    Row("manage:school-detail", OWN_COUNTY, target="s1"),
    Row("manage:school-detail", OTHER_COUNTY, target="s3"),
    Row("manage:school-edit", OWN_COUNTY, target="s1"),
    Row("manage:school-edit", OTHER_COUNTY, target="s3"),
    Row("manage:class-create", OWN_COUNTY, target="s1"),
    Row("manage:class-create", OTHER_COUNTY, target="s3"),
    Row("manage:class-edit", OWN_COUNTY, target="class1"),
    Row("manage:organisation-list", ADMIN_PAGE),
    Row("manage:organisation-create", ADMIN_PAGE),
    Row("manage:organisation-edit", OWN_COUNTY, target="org1"),
    Row("manage:organisation-edit", OTHER_COUNTY, target="org3"),
    Row("manage:user-list", ADMIN_PAGE),
    Row("manage:user-create", ADMIN_PAGE),
    Row("manage:roster-import", ADMIN_PAGE),
    Row("manage:roster-import-confirm", ADMIN_POST),
    Row("manage:roster-import-template", ADMIN_PAGE),
    Row("manage:user-detail", OWN_COUNTY, extra_kwargs=K_USER),
    Row("manage:user-detail", OTHER_COUNTY, extra_kwargs=K2_USER),
    Row("manage:user-deactivate", POST_ONLY, extra_kwargs=K_USER),
    Row("manage:user-deactivate", POST_ONLY_OTHER, extra_kwargs=K2_USER),
    Row("manage:membership-create", OWN_COUNTY, extra_kwargs=K_USER),
    Row("manage:membership-create", OTHER_COUNTY, extra_kwargs=K2_USER),
    Row("manage:membership-update", POST_ONLY, extra_kwargs=K_USER),
    Row("manage:membership-update", POST_ONLY_OTHER, extra_kwargs=K2_USER),
    Row("manage:membership-end", POST_ONLY, extra_kwargs=K_USER),
    Row("manage:membership-end", POST_ONLY_OTHER, extra_kwargs=K2_USER),
    Row("manage:responder-profile", POST_ONLY, extra_kwargs=K_USER),
    Row("manage:responder-profile", POST_ONLY_OTHER, extra_kwargs=K2_USER),
]
ROWS += [
    Row("manage:user-reactivate", POST_ONLY, extra_kwargs=K_USER),
    Row("manage:user-reactivate", POST_ONLY_OTHER, extra_kwargs=K2_USER),
    Row("manage:user-reset-code", POST_ONLY, extra_kwargs=K_USER),
    Row("manage:user-reset-code", POST_ONLY_OTHER, extra_kwargs=K2_USER),
    Row("manage:user-second-factor-reset", OWN_COUNTY, extra_kwargs=K_USER),
    Row("manage:user-second-factor-reset", OTHER_COUNTY, extra_kwargs=K2_USER),
]
