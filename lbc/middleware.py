from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.middleware.csrf import get_token
from django.middleware.locale import LocaleMiddleware
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from lbc.otp import otp_satisfied
from lbc.transient import is_transient

logger = logging.getLogger(__name__)

SESSION_STARTED = "lbc_session_started"

# No third-party origin anywhere: every script, style and font is served by the application.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'"
)


class SessionLimitsMiddleware:
    """Absolute session lifetime on top of the rolling idle timeout (SESSION_COOKIE_AGE)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            started = request.session.get(SESSION_STARTED)
            now = int(timezone.now().timestamp())
            if started is None:
                request.session[SESSION_STARTED] = now
            elif now - int(started) > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
        return self.get_response(request)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/admin/"):
            response.setdefault("Content-Security-Policy", CSP)
        else:
            response.setdefault(
                "Content-Security-Policy",
                CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'").replace(
                    "script-src 'self'", "script-src 'self' 'unsafe-inline'"
                ),
            )
        response.setdefault("Cache-Control", "no-store" if request.user.is_authenticated else "private")
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class SecondFactorMiddleware:
    """Roles that need a second factor reach nothing but the TOTP pages until they pass it."""

    OPEN_PREFIXES = ("/account/otp/", "/logout/", "/static/", "/i18n/", "/healthz")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(self.OPEN_PREFIXES) or otp_satisfied(request.user):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": "second factor required"}, status=403)
        return HttpResponseRedirect(reverse("otp:verify") + "?next=" + request.get_full_path())


class LanguageMiddleware(LocaleMiddleware):
    """Simplified Chinese unless the user chose another language with the switch (cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language; staff on borrowed or
    English-configured devices must still get the Chinese interface by default.
    """

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        code = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = translation.get_language()


class DatabaseBusyMiddleware:
    """A busy database (locked SQLite, a PostgreSQL deadlock or lost connection: ``lbc.transient``)
    answers 503 at once, with Retry-After, instead of a bare 500. A POST's fields come back as a form
    that submits them again (never passwords or files), so what the user typed is not lost; the view's
    transaction rolled back, so nothing was half-written."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_transient(exception):
            return None
        logger.warning("database busy while answering %s %s: %s", request.method, request.path,
                       str(exception)[:120])
        context: dict[str, object] = {"action": request.get_full_path(), "resubmit": request.method == "POST"}
        if request.method == "POST":
            fields = [
                (name, value)
                for name in request.POST
                if name != "csrfmiddlewaretoken" and "password" not in name
                for value in request.POST.getlist(name)
            ]
            context |= {
                "fields": fields,
                "had_files": bool(request.FILES),
                "had_passwords": any("password" in name for name in request.POST),
                "csrf_token": get_token(request),
            }
        response = HttpResponse(render_to_string("503.html", context), status=503)
        response["Retry-After"] = "10"
        return response
