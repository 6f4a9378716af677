"""QA review queue and scorecards, and the callback visits list (recorded through the complaints app)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales import permissions as roles
from aftersales.permissions import role_required
from staff import callbacks, qa, selectors
from staff.forms import QaScorecardForm
from staff.models import QaReview


def _qa_visible(user):
    qs = QaReview.objects.select_related("agent", "reviewer", "reviewed_by")
    ids = selectors.visible_staff_ids(user)
    if ids is not None:
        qs = qs.filter(Q(agent_id__in=ids) | Q(reviewer=user)).exclude(agent=user)
    return qs


@role_required(*roles.LEADERS)
def qa_queue(request):
    """Sampled records waiting for this reviewer's scorecard (managers see every open one), then recent reviews."""
    base = _qa_visible(request.user)
    mine = request.GET.get("all") != "1"
    open_items = base.filter(reviewed_at__isnull=True)
    if mine and not roles.has_role(request.user, roles.MANAGER):
        open_items = open_items.filter(Q(reviewer=request.user) | Q(reviewer__isnull=True))
    open_items = open_items.order_by("week", "agent__username", "id")
    page = Paginator(open_items, 50).get_page(request.GET.get("page"))
    done = base.filter(reviewed_at__isnull=False).order_by("-reviewed_at")[:20]
    for item in page.object_list:
        item.record_url = qa.record_url(item.kind, item.object_id)
    return render(request, "staff/qa_queue.html", {"page": page, "done": done, "open_count": page.paginator.count})


@role_required(*roles.STAFF_ROLES)
def qa_review(request, pk: int):
    """The scorecard: leaders fill it in; the agent reviewed may read it once it is done."""
    review = get_object_or_404(QaReview.objects.select_related("agent", "reviewed_by"), pk=pk)
    is_agent = review.agent_id == request.user.pk
    leader = roles.has_role(request.user, *roles.LEADERS) and selectors.may_see(request.user, review.agent_id)
    leader = leader or (roles.has_role(request.user, *roles.LEADERS) and review.reviewer_id == request.user.pk)
    if is_agent:
        if review.reviewed_at is None:
            raise PermissionDenied  # the agent sees the scorecard, not the pending sample
        leader = False
    elif not leader:
        raise PermissionDenied
    form = None
    if leader:
        initial = {f: getattr(review, f) for f in qa.SCORE_FIELDS}
        initial["comments"] = review.comments
        form = QaScorecardForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                qa.qa_review_record(
                    review=review,
                    scores={f: form.cleaned_data[f] for f in qa.SCORE_FIELDS},
                    comments=form.cleaned_data["comments"],
                    actor=request.user,
                    request=request,
                )
            except ValidationError as exc:
                messages.error(request, exc.messages[0])
            else:
                messages.success(request, _("Scorecard saved; the agent can see it."))
                return redirect("staff:qa_queue")
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "staff/qa_review.html",
        {"review": review, "form": form, "record_url": qa.record_url(review.kind, review.object_id)},
    )


@role_required(*roles.LEADERS)
def callback_list(request):
    """Callback visits (回访) scheduled by complaints: open ones first, then the recently completed.

    Each open visit's form posts to `complaints:callback_complete`, which comes back here (`next`).
    """
    visits_open, visits_done = callbacks.callback_visits_for(request.user)
    return render(
        request,
        "staff/callbacks.html",
        {"open": visits_open, "done": visits_done, "today": timezone.localdate()},
    )
