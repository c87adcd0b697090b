"""The one settings file. Everything that differs between machines comes from the environment.

Typed helpers fail loudly on bad values so a typo never silently falls back to a default.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Environment variable {name} is required.")
    return value


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}.") from None


def env_rate(name: str, default: str) -> str:
    """A DRF throttle rate such as ``60/min``: a positive count per second, minute, hour or day."""
    value = (os.environ.get(name) or default).strip()
    if not re.fullmatch(r"[1-9]\d*/(s|sec|second|m|min|minute|h|hour|d|day)", value):
        raise ImproperlyConfigured(f"{name} must look like 60/min (a count per s, min, h, d), got {value!r}.")
    return value


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_secret(name: str) -> str | None:
    """A secret from NAME, or from the file named by NAME_FILE (docker/systemd style)."""
    if os.environ.get(name):
        return os.environ[name]
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE points to an unreadable file: {exc}") from exc
    return None


import sys  # noqa: E402

# Under pytest the test settings apply (fast hasher, immediate tasks, throwaway keys).
TESTING = env_bool("LBC_TESTING", "pytest" in sys.modules)
DEBUG = env_bool("LBC_DEBUG", False)
# Demo mode allows the synthetic county and its known passwords. Never on in production.
DEMO_MODE = env_bool("LBC_DEMO_MODE", False)
VAR_DIR = Path(env_str("LBC_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_secret("LBC_SECRET_KEY") or ""
if not SECRET_KEY:
    if DEBUG or DEMO_MODE or TESTING:
        SECRET_KEY = "insecure-local-only-secret-key-for-demo-and-tests"  # noqa: S105  # nosec B105
    else:
        raise ImproperlyConfigured(
            "LBC_SECRET_KEY (or LBC_SECRET_KEY_FILE) must be set outside demo/test mode."
        )

ALLOWED_HOSTS = env_list("LBC_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("LBC_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "guardian",
    "axes",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "lbc",
    "screening",
    "training",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "lbc.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "lbc.middleware.SessionLimitsMiddleware",
    "lbc.middleware.SecondFactorMiddleware",
    "lbc.middleware.SecurityHeadersMiddleware",
    "lbc.middleware.DatabaseBusyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # AxesMiddleware must be last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lbc.urls"
WSGI_APPLICATION = "lbc.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lbc.context_processors.navigation",
            ],
        },
    }
]

# SQLite by default (embedded demo); DATABASE_URL switches to PostgreSQL.
_default_sqlite = f"sqlite:///{VAR_DIR / 'lbc.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(env_str("DATABASE_URL", _default_sqlite), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE transactions serialise writers up front, which keeps the audit hash chain linear.
        "transaction_mode": "IMMEDIATE",
        # Seconds a writer waits for another before "database is locked" (then the task retries).
        # 5 s: a page waits no longer before answering 503 (lbc.middleware.DatabaseBusyMiddleware).
        "timeout": env_int("LBC_SQLITE_TIMEOUT", 5),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "lbc.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "lbc.passwords.WordAndYearValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "lbc:login"
LOGIN_REDIRECT_URL = "lbc:home"
LOGOUT_REDIRECT_URL = "lbc:login"

# Sessions: idle timeout (rolling) plus an absolute limit enforced by SessionLimitsMiddleware.
SESSION_COOKIE_AGE = env_int("LBC_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_ABSOLUTE_SECONDS = env_int("LBC_SESSION_ABSOLUTE_SECONDS", 10 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# django-axes: lock the (username, IP) pair, never a whole township office behind one IP.
AXES_FAILURE_LIMIT = env_int("LBC_LOGIN_FAILURE_LIMIT", 10)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = 1  # hours
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "lbc/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLED = env_bool("LBC_AXES_ENABLED", True)

# TOTP second factor for county administrators and counsellors (off in demo and test mode unless set).
LBC_REQUIRE_OTP = env_bool("LBC_REQUIRE_OTP", not (DEMO_MODE or TESTING))
OTP_TOTP_ISSUER = "留守儿童关爱服务平台"

# django-guardian: only explicit per-object grants; no anonymous user row. Its auth backend is not
# used: lbc/access.py reads the direct-FK grant model itself, so guardian's W001 does not apply.
SILENCED_SYSTEM_CHECKS = ["guardian.W001"]
ANONYMOUS_USER_NAME = None
GUARDIAN_RENDER_403 = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if TESTING or DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = TESTING or DEBUG
if TESTING:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing root otherwise
MEDIA_ROOT = VAR_DIR / "media"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "lbc.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.ScopedRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "token": "20/min",  # nosec B105
        # Reads of children (lists and details together), per user: one bucket for every person-data view.
        "person_data": env_rate("LBC_API_PERSON_DATA_RATE", "60/min"),
    },
}
# The address people open the platform at (e.g. https://lbc.example-county.gov.cn), used in the link an
# SMS or email notice carries; without it the notice names the notifications page instead.
LBC_PUBLIC_URL = env_str("LBC_PUBLIC_URL", "")
# An API token lives this long after it is issued; a password change, deactivation or DELETE ends it sooner.
LBC_API_TOKEN_HOURS = env_int("LBC_API_TOKEN_HOURS", 8)
SPECTACULAR_SETTINGS = {
    "TITLE": "Left-behind children registry API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# Background jobs are written once against the django.tasks API; the backend is configuration.
_task_backend = env_str("LBC_TASK_BACKEND", "immediate" if TESTING else "database")
TASKS = {
    "default": {
        "BACKEND": {
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
            "database": "django_tasks_db.DatabaseBackend",
        }.get(_task_backend, _task_backend)
    }
}
# Transient database errors (locked SQLite, PostgreSQL serialization failure, deadlock, lost connection)
# are retried this many times, waiting base, 2x base ... at most cap seconds (lbc/transient.py). Kept
# well under the import's stale deadline (10 minutes), after which a running task is shown as failed.
LBC_TRANSIENT_RETRY = {
    "attempts": env_int("LBC_TRANSIENT_RETRY_ATTEMPTS", 6),
    "base": 1.0,
    "cap": 30.0,
}

# Notifications: which gateway delivers each outbox channel (see lbc/notifications.py). SMS has no
# production gateway built in: set LBC_SMS_GATEWAY to an adapter's dotted path; until then SMS waits.
LBC_NOTIFY_GATEWAYS: dict[str, str] = {
    "console": "lbc.notifications.ConsoleGateway",
    "email": "lbc.notifications.EmailGateway",
    "sms": env_str(
        "LBC_SMS_GATEWAY",
        "lbc.notifications.FakeSmsGateway"
        if TESTING
        else "lbc.notifications.ConsoleGateway"
        if DEMO_MODE
        else "",
    ),
}
_mail = "console" if (DEBUG or DEMO_MODE) else "smtp"
EMAIL_BACKEND = env_str("LBC_EMAIL_BACKEND", f"django.core.mail.backends.{_mail}.EmailBackend")
EMAIL_HOST = env_str("LBC_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("LBC_EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = env_str("LBC_EMAIL_FROM", "noreply@localhost")

# Keys for field encryption and blind indexes: from env or a key file, never from SECRET_KEY or the repo.
LBC_KEY_FILE = env_secret("LBC_KEY_FILE_PATH") or os.environ.get("LBC_KEY_FILE") or ""
# Append-only file with the audit chain's anchored heads (lbc/audit_anchor.py): keep it off the
# database's disk and backups, or ship its lines to a second system. Tests point it at a temp folder.
LBC_AUDIT_ANCHOR_FILE = Path(env_str("LBC_AUDIT_ANCHOR_FILE", str(VAR_DIR / "audit-anchor.log")))

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tests keep the per-process memory cache even when REDIS_URL is set: parallel test processes reuse
# the same user ids, and a shared Redis would mix their API throttle counts.
if os.environ.get("REDIS_URL") and not TESTING:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not (DEBUG or DEMO_MODE or TESTING):
    SECURE_SSL_REDIRECT = env_bool("LBC_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("LBC_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("LBC_HSTS_PRELOAD", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# No personal data in logs: requests are logged by path only, never by body or query string.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LBC_LOG_LEVEL", "WARNING")},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False}},
}
