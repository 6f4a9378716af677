"""Project middleware: language, database outage page, security headers, idle sessions and the second factor."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ObjectDoesNotExist
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)


class UserLanguageMiddleware:
    """Serve staff pages in the language chosen on their profile (the language switcher saves it there)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            try:
                language = user.staff_profile.language
            except ObjectDoesNotExist:  # no profile (e.g. a bare superuser)
                language = ""
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)


def _mark_database_unavailable(sender, request=None, **kwargs):
    """got_request_exception receiver: remember that this request failed because the database is down."""
    import sys

    exc = sys.exc_info()[1]
    if request is not None and isinstance(exc, DATABASE_ERRORS):
        request._database_unavailable = True


class DatabaseUnavailableMiddleware:
    """When the database is unreachable, answer with a clear 503 page, and recover by itself once it is back.

    The outage can surface anywhere: in a view (process_exception), or in a middleware further in that
    loads the session or the user. Django turns the latter into a 500 response before it reaches us, so a
    got_request_exception receiver flags the request and the 500 is replaced here.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        got_request_exception.connect(_mark_database_unavailable, dispatch_uid="aftersales-db-unavailable")

    def __call__(self, request):
        try:
            response = self.get_response(request)
        except DATABASE_ERRORS:
            return self.unavailable_response()
        if getattr(request, "_database_unavailable", False) and response.status_code >= 500:
            return self.unavailable_response()
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            return self.unavailable_response()
        return None

    @staticmethod
    def unavailable_response() -> HttpResponse:
        for conn in connections.all():
            conn.close_if_unusable_or_obsolete()
        logger.error("database unavailable: answering 503")
        # Rendered without a RequestContext: no context processor may touch the database here.
        html = render_to_string("503.html", {"LANGUAGE_CODE": translation.get_language()})
        response = HttpResponse(html, status=503)
        response["Retry-After"] = "30"
        response["Cache-Control"] = "no-store"
        return response


class ContentSecurityPolicyMiddleware:
    """Security headers on every response: Content-Security-Policy (no inline script), Permissions-Policy,
    and a 413 for request bodies over the upload limit before anything reads them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        too_large = self._too_large(request)
        response = too_large or self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        # Django's technical 404/500 pages (DEBUG only) are all inline style and script: leave them readable.
        if policy and not (settings.DEBUG and response.status_code in (404, 500)):
            response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    @staticmethod
    def _too_large(request) -> HttpResponse | None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        # Room for the other fields of a multipart form on top of the largest file allowed.
        limit = settings.UPLOAD_MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if length > limit:
            return HttpResponse(
                _("The upload is too large. Files may be at most %(mb)s MB.")
                % {"mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024)},
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        return None


# URL names a signed-in user may reach before the second factor (and which never count as activity).
TWO_FACTOR_EXEMPT = frozenset(
    {
        "login",
        "logout",
        "set_language",
        "security:two_factor_verify",
        "security:two_factor_enrol",
        "security:session_keepalive",
    }
)
SESSION_ACTIVITY_KEY = "_last_activity"


def _url_name(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return ""
    return match.view_name or ""


def _redirect(request, url: str) -> HttpResponse:
    """A redirect that also works for htmx requests (which would otherwise swap the target page in)."""
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


def is_background_request(request) -> bool:
    """Requests the browser makes by itself (htmx polling, marked by static/js/session.js): not activity."""
    return request.headers.get("X-Portal-Background") == "1"


ACTIVITY_RESOLUTION_SECONDS = 30


class IdleSessionMiddleware:
    """Sign a user out after SESSION_IDLE_SECONDS without activity.

    The session cookie age alone is not enough: pages that poll (the inquiry queue) would keep a session
    alive forever. Only requests the person makes count; static/js/session.js warns before the end.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            idle_limit = int(settings.SESSION_IDLE_SECONDS)
            last = request.session.get(SESSION_ACTIVITY_KEY)
            if isinstance(last, int) and now - last > idle_limit:
                logout(request)
                messages.info(
                    request,
                    _("You were signed out after %(minutes)s minutes without activity. Please sign in again.")
                    % {"minutes": idle_limit // 60},
                )
                path = (
                    request.get_full_path()
                    if request.method == "GET" and not request.headers.get("HX-Request")
                    else "/"
                )
                return _redirect(request, f"{reverse('login')}?{urlencode({'next': path})}")
            if not is_background_request(request) and not (
                isinstance(last, int) and 0 <= now - last < ACTIVITY_RESOLUTION_SECONDS
            ):
                # Stamped at most every ACTIVITY_RESOLUTION_SECONDS: a session write on every click would
                # cost each page an UPDATE for a few seconds of precision nobody needs.
                request.session[SESSION_ACTIVITY_KEY] = now
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """Managers, supervisors and admin users reach no page (portal or /admin/) before the second factor."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.TWO_FACTOR_REQUIRED:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                from aftersales.security.two_factor import needs_second_factor

                if needs_second_factor(user) and not user.is_verified() and _url_name(request) not in TWO_FACTOR_EXEMPT:
                    return self._to_second_factor(request, user)
        return self.get_response(request)

    @staticmethod
    def _to_second_factor(request, user) -> HttpResponse:
        from django_otp import user_has_device

        name = "security:two_factor_verify" if user_has_device(user, confirmed=True) else "security:two_factor_enrol"
        next_path = request.get_full_path() if request.method == "GET" else "/"
        return _redirect(request, f"{reverse(name)}?{urlencode({'next': next_path})}")


class PublicRateLimitMiddleware:
    """Per-address rate limits on public endpoints named in settings.PUBLIC_RATE_LIMITS, without touching their views.

    PUBLIC_RATE_LIMITS = {"complaints:public_new": ("10/h", ["POST"]), "inquiries:sms_webhook": ("600/m", None)}
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from aftersales.security.client_address import client_ip
        from aftersales.security.ratelimit import hit, too_many_requests_response

        limits = settings.PUBLIC_RATE_LIMITS
        if not limits or not settings.RATELIMIT_ENABLED:
            return None
        name = _url_name(request)
        rule = limits.get(name)
        if rule is None:
            return None
        rate, methods = rule
        if methods and request.method not in methods:
            return None
        allowed, retry_after = hit(f"public:{name}", client_ip(request) or "unknown", rate)
        if not allowed:
            logger.warning("rate limit reached for %s", name)
            return too_many_requests_response(request, retry_after)
        return None
