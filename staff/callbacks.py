"""Callback visits (回访) scheduled by the complaints app: the leaders' work list.

Recording an outcome is the complaints app's: the list's form posts to `complaints:callback_complete`
(`complaints.services.callback_visit_complete`), the one write path for callback visits.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from aftersales import permissions as roles
from complaints import selectors as complaint_selectors
from complaints.models import CallbackVisit
from staff import selectors

OPEN_VISITS_SHOWN = 200
DONE_VISITS_SHOWN = 20


def callback_visits_for(user: AbstractBaseUser) -> tuple[list[CallbackVisit], list[CallbackVisit]]:
    """(open visits by date, the 20 most recently completed) that the user may see: managers all, others their teams'."""
    staff_ids = None
    if not roles.has_role(user, roles.MANAGER):
        staff_ids = selectors.visible_staff_ids(user) or []
    qs = complaint_selectors.callback_visits(staff_ids=staff_ids)
    open_visits = list(qs.filter(completed_at__isnull=True).order_by("scheduled_for", "id")[:OPEN_VISITS_SHOWN])
    done = list(qs.filter(completed_at__isnull=False).order_by("-completed_at")[:DONE_VISITS_SHOWN])
    return open_visits, done
