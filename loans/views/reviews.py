"""Post-loan reviews: the risk queue, its export and the review form."""

from __future__ import annotations

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from aftersales import permissions as roles
from aftersales.export_jobs import ListExport, export_builder, export_response
from aftersales.exports import Sheet
from aftersales.permissions import has_role, role_required
from loans import selectors, services
from loans.forms import (
    LoanReviewForm,
    ReviewQueueForm,
)
from loans.models import Loan
from loans.views.common import (
    PAGE_SIZE,
    REVIEWERS,
    refusal_messages,
)


def _review_queue(request):
    form = ReviewQueueForm(request.GET or None, sorts=selectors.REVIEW_SORTS)
    filters = form.cleaned_data if form.is_valid() else {}
    sort = filters.get("sort") or "risk"
    today = timezone.localdate()
    loans = selectors.review_queue(
        today=today,
        classification=filters.get("classification", ""),
        trigger=filters.get("trigger", ""),
        bucket=filters.get("bucket", ""),
        product_id=filters["product"].pk if filters.get("product") else None,
        sort=sort,
    )
    return form, filters, sort, today, loans


class _QueueCountPaginator(Paginator):
    """The queue's row count (a scan of every open loan) shared for a minute per filter set; in risk order a page is
    read from the partial index on (DPD, id) instead of sorting every queued loan."""

    def __init__(self, *args, count_key: str, risk_order: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_key = count_key
        self.risk_order = risk_order

    @cached_property
    def count(self) -> int:
        return cache.get_or_set(self.count_key, lambda: Paginator.count.func(self), REVIEW_COUNT_SECONDS)

    def page(self, number):
        # A shared count may be a minute old: slice a full page whatever it says, so no row is ever cut off.
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        rows = self.object_list
        if self.risk_order:
            # The risk order starts with DPD, highest first: every loan up to the page's end has at least the DPD of
            # the top-th loan in plain (DPD, id) order, which the index gives at once. Sorting only those by the full
            # key yields the same page as sorting the whole queue (a DPD tie at the boundary is kept whole).
            boundary = list(rows.order_by("-dpd", "id").values_list("dpd", flat=True)[top - 1 : top])
            if boundary:
                rows = rows.filter(dpd__gte=boundary[0])
        return self._get_page(rows[bottom:top], number, self)


REVIEW_COUNT_SECONDS = 60


@role_required(*REVIEWERS)
def review_queue(request):
    form, filters, sort, today, loans = _review_queue(request)
    key = "loans:review_queue_count:{}:{}:{}:{}:{}".format(
        today.isoformat(),
        filters.get("classification", ""),
        filters.get("trigger", ""),
        filters.get("bucket", ""),
        filters["product"].pk if filters.get("product") else "",
    )
    paginator = _QueueCountPaginator(loans, PAGE_SIZE, count_key=key, risk_order=sort == "risk")
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = selectors.review_queue_rows(list(page.object_list), today=today)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("sort", None)
    return render(
        request,
        "loans/review_queue.html",
        {
            "form": form,
            "page": page,
            "sort": sort,
            "filter_query": query.urlencode(),
            "filtered": any(v for k, v in filters.items() if k != "sort"),
            "can_review": has_role(request.user, roles.RISK_ASSESSOR),
        },
    )


REVIEW_REASON_LABELS = {
    "complaint": _lazy("recent complaint"),
    "hardship": _lazy("hardship inquiry"),
    "overdue": _lazy("overdue"),
    "periodic": _lazy("periodic"),
}


@role_required(*REVIEWERS)
def review_queue_xlsx(request):
    """The review queue as XLSX (in the worker when long), honouring the queue's filters and order."""
    return export_response(request, review_queue_export)


@export_builder
def review_queue_export(request) -> ListExport:
    """The queue's rows for the export, as the queue's filters select them."""
    _form, _filters, _sort, today, loans = _review_queue(request)
    header = [
        _("Contract number"),
        _("Customer"),
        _("Product"),
        _("Days past due"),
        _("Bucket"),
        _("Outstanding balance"),
        _("Overdue amount"),
        _("Next due date"),
        _("Classification"),
        _("Last review"),
        _("Why now"),
    ]
    rows = (
        [
            loan.contract_number,
            loan.customer.name,
            loan.product.name,
            loan.dpd,
            loan.bucket,
            loan.balance,
            loan.overdue_amount,
            loan.next_due_date,
            loan.get_classification_display(),
            loan.last_reviewed_on,
            "、".join(str(REVIEW_REASON_LABELS[reason]) for reason in loan.reasons),
        ]
        for loan in selectors.review_queue_export_rows(loans, today=today)
    )
    return ListExport(
        filename=f"review-queue-{today.isoformat()}",
        title=_("Post-loan reviews due"),
        total=loans.count(),
        sheets=[
            Sheet(
                title=_("Post-loan reviews due"),
                header=header,
                rows=rows,
                widths=[22, 14, 18, 10, 8, 14, 14, 14, 12, 14, 24],
                freeze_columns=1,
            )
        ],
    )


@role_required(roles.RISK_ASSESSOR)
def review_new(request, pk: int):
    loan = get_object_or_404(Loan.objects.select_related("customer", "product"), pk=pk)
    form = LoanReviewForm(request.POST or None, initial={"classification": loan.classification})
    if request.method == "POST" and form.is_valid():
        try:
            services.loan_review_record(
                loan=loan,
                reviewed_by=request.user,
                trigger=request.POST.get("trigger", "")[:100],
                request=request,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            for message in refusal_messages(exc):
                form.add_error(None, message)
        else:
            messages.success(request, _("Review recorded."))
            return redirect("loans:review_queue")
    history = loan.reviews.select_related("reviewed_by")
    figures = selectors.review_figures(loan=loan)
    return render(
        request,
        "loans/review_form.html",
        {
            "form": form,
            "loan": loan,
            "history": history,
            "figures": figures,
            "trigger": request.POST.get("trigger") or request.GET.get("trigger", "") or ",".join(figures.reasons),
        },
    )


# ---- revenue ---------------------------------------------------------------------------------------------
