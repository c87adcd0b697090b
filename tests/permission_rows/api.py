"""REST API rows. Anonymous callers get 401: token authentication comes first and sends WWW-Authenticate."""

from .base import Row, everyone

ROWS = [
    # POST-only: a GET is refused for everyone, before any credential is looked at.
    Row("api:token", everyone(405, anonymous=405)),
    # The schema describes what the API reveals: any signed-in user, nobody else.
    Row("api-schema", everyone(200, anonymous=401)),
    # Trainers hold no child tier and may not list; users without a membership get an empty list.
    Row("api:child-list", everyone(200, trainer=403, anonymous=401)),
    Row(
        "api:child-detail",
        everyone(
            404,
            county_admin=200,
            supervisor=200,
            village_director=200,
            counsellor=200,
            head_teacher=200,
            volunteer=200,
            anonymous=401,
        ),
        target="c1",
    ),
]
