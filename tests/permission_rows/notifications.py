"""Permission rows of a user's own notifications and contact preference: every signed-in user has them."""

from __future__ import annotations

from .base import Row, everyone

ROWS = [
    Row("lbc:notifications", everyone(200, anonymous=302)),
    Row("lbc:contact-preference", everyone(200, anonymous=302)),
]
