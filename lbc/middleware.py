from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.urls import reverse
from django.utils import timezone, translation

from lbc.otp import otp_satisfied

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
