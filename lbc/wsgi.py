import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lbc.settings")
application = get_wsgi_application()

# Refuse to serve with keys that do not match the stored data.
from lbc.keycheck import ensure_keys_match  # noqa: E402

ensure_keys_match()
