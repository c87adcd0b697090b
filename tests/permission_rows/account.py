"""The user's own account pages; the reset-code page is for people who cannot log in."""

from .base import Row, everyone

ROWS = [
    Row("lbc:account", everyone(200, anonymous=302)),
    Row("lbc:password-change", everyone(200, anonymous=302)),
    Row("lbc:password-reset", everyone(200, anonymous=200)),
]
