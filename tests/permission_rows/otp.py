from .base import Row, everyone

ROWS = [
    # No confirmed device yet: verify sends everyone to setup; anonymous goes to the login page.
    Row("otp:verify", everyone(302, anonymous=302)),
    Row("otp:setup", everyone(200, anonymous=302)),
]
