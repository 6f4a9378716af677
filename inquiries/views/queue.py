"""The agents' queue (refreshed by htmx every few seconds) and claiming an inquiry from it."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from aftersales import permissions as roles
from aftersales.permissions import role_required
from inquiries import selectors, services
from inquiries.forms_queue import QueueForm
from inquiries.models import Category, Inquiry
from inquiries.views.common import LOGGERS, WORKERS

QUEUE_PAGE_SIZE = 25  # about one screen; the most urgent are always on top
POLL_SECONDS = 5


@role_required(*WORKERS)
@require_GET
def queue(request):
    """Open inquiries, unanswered first by time left; the table refreshes itself every few seconds. The search box
    finds inquiries of any status by reference, mobile, customer name or customer number."""
    form = QueueForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    view, channel, category = form.value("view"), form.value("channel"), form.value("category")
    search = form.value("q")
    now = timezone.now()
    ordered = selectors.queue_list(
        user=request.user, view=view, channel=channel, category=category, now=now, search=search
    )
    counts = selectors.queue_counts(user=request.user)
    filtered = bool(channel or category or search)
    paginator = Paginator(ordered.values_list("id", flat=True), QUEUE_PAGE_SIZE)
    if not filtered:
        # Counted with the tabs (shared, at most a few seconds old): one query less per refresh. Only the
        # "page x of y" line may lag; the rows are read below whatever the count says.
        paginator.count = counts[view]
    elif search is not None:
        paginator.count = min(ordered.count(), selectors.SEARCH_RESULTS_MAX)
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = selectors.queue_page(
        ordered=ordered,
        start=(page.number - 1) * QUEUE_PAGE_SIZE,
        size=QUEUE_PAGE_SIZE,
        view=view,
        filtered=filtered,
    )
    _set_urls(page.object_list)
    context = {
        "form": form,
        "page": page,
        "view": view,
        "channel": channel,
        "category": category,
        "search": search,
        "q": request.GET.get("q", "")[:100],
        "counts": counts,
        "now": now,
        "poll_seconds": POLL_SECONDS,
        "channels": Inquiry.Channel.choices,
        "categories": Category.choices,
        "category_labels": dict(Category.choices),
        "can_log_calls": roles.has_role(request.user, *LOGGERS),
    }
    # Bad parameters: the messages beside the fields, the queue without them (an htmx refresh still swaps: 200).
    status = 400 if form.errors and not request.htmx else 200
    if request.htmx:
        return render(request, "inquiries/_queue_table.html", context, status=status)
    return render(request, "inquiries/queue.html", context, status=status)


def _set_urls(inquiries) -> None:
    """Detail URLs for a page of rows with one reverse() instead of three per row (the queue renders every 5 s)."""
    marker = 987654321
    pattern = reverse("inquiries:detail", args=[marker])
    for inquiry in inquiries:
        inquiry.detail_url = pattern.replace(str(marker), str(inquiry.pk))


@role_required(*WORKERS)
@require_POST
def claim(request, pk: int):
    """Claim an unassigned inquiry; the second of two agents clicking at once is told who was first."""
    inquiry = get_object_or_404(Inquiry, pk=pk)
    try:
        services.inquiry_claim(inquiry=inquiry, user=request.user, request=request)
    except services.ClaimLost as lost:
        if lost.owner is None:
            messages.error(request, _("Inquiry %(ref)s is closed and cannot be claimed.") % {"ref": inquiry.reference})
        elif lost.owner == request.user:
            messages.info(request, _("Inquiry %(ref)s is already yours.") % {"ref": inquiry.reference})
            return redirect(inquiry)
        else:
            messages.warning(
                request,
                _("%(user)s claimed inquiry %(ref)s a moment before you.")
                % {"user": lost.owner.get_full_name() or lost.owner.get_username(), "ref": inquiry.reference},
            )
        return redirect("inquiries:queue")
    messages.success(
        request, _("Inquiry %(ref)s is yours: answer it before the countdown ends.") % {"ref": inquiry.reference}
    )
    return redirect(inquiry)
