from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from aftersales import permissions as roles
from aftersales.models import Notification
from aftersales.portal import Banner, collect, navigation_for
from aftersales.selectors import background_health


def portal(request):
    """Layout context: navigation by role, banners, unread notifications."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"portal_nav": [], "portal_banners": [], "unread_notifications": 0}
    banners = []
    stale = [c for c in background_health() if not c.healthy]
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
    return {
        "portal_nav": navigation_for(user),
        "portal_banners": banners,
        "portal_roles": roles.user_roles(user),
        "portal_profile": _profile(user),
        "unread_notifications": Notification.objects.filter(recipient=user, read_at__isnull=True).count(),
    }


def _profile(user):
    """The staff profile (cached on the user by UserLanguageMiddleware's access), or None."""
    try:
        return user.staff_profile
    except Exception:
        return None
