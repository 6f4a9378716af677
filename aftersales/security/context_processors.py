from django.conf import settings


def session(request):
    """Idle-expiry figures for static/js/session.js (data attributes on <body>)."""
    return {
        "session_idle_seconds": settings.SESSION_IDLE_SECONDS,
        "session_warning_seconds": settings.SESSION_IDLE_WARNING_SECONDS,
    }
