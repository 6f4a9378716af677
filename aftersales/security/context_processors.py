from django.conf import settings


def session(request):
    """Idle-expiry figures for static/js/session.js (data attributes on <body>)."""
    return {
        "session_idle_seconds": getattr(settings, "SESSION_IDLE_SECONDS", settings.SESSION_COOKIE_AGE),
        "session_warning_seconds": getattr(settings, "SESSION_IDLE_WARNING_SECONDS", 120),
    }
