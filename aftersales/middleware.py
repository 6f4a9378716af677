from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation


class UserLanguageMiddleware:
    """Serve staff pages in the language chosen on their profile (the language switcher saves it there)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            try:
                language = user.staff_profile.language
            except Exception:  # no profile (e.g. a bare superuser)
                language = ""
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """When the database is unreachable, answer with a clear 503 page, and recover by itself once it is back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, (OperationalError, InterfaceError)):
            for conn in connections.all():
                conn.close_if_unusable_or_obsolete()
            # Rendered without a RequestContext: no context processor may touch the database here.
            html = render_to_string("503.html", {"LANGUAGE_CODE": translation.get_language()})
            response = HttpResponse(html, status=503)
            response["Retry-After"] = "30"
            return response
        return None
