"""The supervisor's SLA watch: breached and at-risk inquiries per agent (by the clock each runs on), with reassignment."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from aftersales.permissions import role_required
from inquiries import selectors
from inquiries.models import Category
from inquiries.views.common import LEADERS


@role_required(*LEADERS)
@require_GET
def supervisor(request):
    """Breached and at-risk unanswered inquiries per agent, with reassignment."""
    now = timezone.now()
    rows = selectors.sla_watch(now=now)
    counts = selectors.queue_counts(user=request.user)
    return render(
        request,
        "inquiries/supervisor.html",
        {
            "rows": rows,
            "counts": counts,
            # Plain (id, name, on duty) once for every item's reassign list (rendered up to 5 per agent).
            "agent_options": [
                (p.user_id, p.user.get_full_name() or p.user.get_username(), p.on_duty)
                for p in selectors.assignable_agents()
            ],
            "category_labels": dict(Category.choices),
            "now": now,
        },
    )
