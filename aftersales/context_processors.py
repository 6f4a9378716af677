from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from aftersales import permissions as roles
from aftersales.notifications import unread_count
from aftersales.portal import Banner, collect, navigation_for
from aftersales.selectors import background_health


class _Once:
    """A value computed the first time a template asks for it, then kept for the rest of the render.

    Django templates call a callable context value; a page fragment that never shows the layout (the
    queue's htmx refresh every few seconds) thus runs none of the layout's queries.
    """

    def __init__(self, compute):
        self._compute = compute
        self._done = False
        self._value = None

    def __call__(self):
        if not self._done:
            self._value = self._compute()
            self._done = True
        return self._value


def portal(request):
    """Layout context: navigation by role, banners, unread notifications (each computed only when shown)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"portal_nav": [], "portal_banners": [], "unread_notifications": 0}
    return {
        "portal_nav": _Once(lambda: navigation_for(user)),
        "portal_banners": _Once(lambda: _banners(request, user)),
        "portal_roles": _Once(lambda: roles.user_roles(user)),
        "portal_profile": _Once(lambda: _profile(user)),
        "unread_notifications": _Once(lambda: unread_count(user=user)),
        # What the layout's cached menus depend on (templates/base.html, {% cache %}).
        "portal_cache_key": _Once(lambda: _menu_cache_key(request, user)),
        "portal_nav_active": _Once(lambda: _nav_active(request, user)),
    }


def _menu_cache_key(request, user) -> str:
    """The session (its CSRF token is in the sign-out form), language, roles and second-factor state."""
    session = getattr(request, "session", None)
    verified = getattr(user, "is_verified", None)
    return ":".join(
        [
            str(user.pk),
            (session.session_key if session is not None else None) or "-",
            translation.get_language() or "",
            ",".join(sorted(roles.user_roles(user))),
            "su" if user.is_superuser else "",
            "2fa" if callable(verified) and verified() else "",
        ]
    )


def _nav_active(request, user) -> str:
    """The navigation entry the page is (its URL), or "" for pages the menu does not list."""
    path = request.path
    for _label, items in navigation_for(user):
        if any(item.url == path for item in items):
            return path
    return ""


def _banners(request, user) -> list[Banner]:
    """A warning when the worker or beat has gone silent, then every app's banners (open incidents)."""
    banners = []
    stale = [c for c in background_health(cached=True) if not c.healthy]
    if stale:
        minutes = settings.HEARTBEAT_STALE_SECONDS // 60
        labels = {"worker": _("Worker"), "beat": _("Scheduler (beat)")}
        names = ", ".join(str(labels[c.name]) for c in stale)
        link = reverse("status") if roles.has_role(user, roles.MANAGER, roles.BACK_OFFICE) else ""
        banners.append(
            Banner(
                "warning",
                _(
                    "Background processing is silent (%(names)s) for over %(minutes)s minutes: reminders and SLA alerts may be delayed."
                )
                % {"names": names, "minutes": minutes},
                link,
            )
        )
    banners.extend(collect("banners", request))
    return banners


def _profile(user):
    """The staff profile (cached on the user by UserLanguageMiddleware's access), or None."""
    try:
        return user.staff_profile
    except (ObjectDoesNotExist, AttributeError):  # no profile, or an anonymous user
        return None
