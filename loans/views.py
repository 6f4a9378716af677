"""Loan pages: thin request handling around loans.services and loans.selectors."""

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
from django.views.decorators.http import require_POST

from aftersales import permissions as roles
from aftersales.approvals import REASON_EARLIER_STEP, REASON_REQUESTED, four_eyes_conflict
from aftersales.exports import Sheet, csv_response, xlsx_response
from aftersales.permissions import has_role, role_required
from loans import selectors, services
from loans.api import loan_panels_for
from loans.forms import (
    DecisionForm,
    LoanCreateForm,
    LoanFilterForm,
    LoanReviewForm,
    MonthForm,
    NoteForm,
    RepaymentForm,
    RestructureForm,
    ReversalForm,
    ReviewQueueForm,
    SettlementForm,
    WaiverRequestForm,
)
from loans.models import FeeWaiver, Loan, Repayment, RestructurePlan

PAGE_SIZE = 50
WAIVER_REQUESTERS = (roles.AGENT, roles.SUPERVISOR)
WAIVER_VIEWERS = (roles.AGENT, roles.SUPERVISOR, roles.MANAGER)
PLAN_VIEWERS = tuple(roles.FRONT_LINE)
REVIEWERS = (roles.RISK_ASSESSOR, roles.MANAGER)
FINANCE = (roles.MANAGER, roles.BACK_OFFICE)


def _errors(exc: ValidationError) -> list[str]:
    return list(exc.messages)


def _add_errors(form, exc: ValidationError, fields: dict[str, str] | None = None) -> None:
    """A service's refusal next to the field it names (e.g. received_at), otherwise above the form.

    `fields` maps a service's name to the form's (annual_rate → annual_rate_percent).
    """
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            name = (fields or {}).get(name, name)
            form.add_error(name if name in form.fields else None, errors)
    else:
        for message in _errors(exc):
            form.add_error(None, message)


# ---- lists and the loan page ---------------------------------------------------------------------------


@role_required(*roles.STAFF_ROLES)
def loan_list(request):
    form = LoanFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    loans = selectors.loan_list(
        query=filters.get("q", ""),
        product_id=filters["product"].pk if filters.get("product") else None,
        status=filters.get("status", ""),
        bucket=filters.get("bucket", ""),
        due_from=filters.get("due_from"),
        due_to=filters.get("due_to"),
    )
    page = Paginator(loans, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "loans/list.html",
        {
            "form": form,
            "page": page,
            "can_create": has_role(request.user, roles.BACK_OFFICE),
            "filtered": bool(filters and any(filters.values())),
        },
    )


@role_required(*roles.STAFF_ROLES)
def loan_detail(request, pk: int):
    try:
        data = selectors.loan_page(loan_id=pk)
    except Loan.DoesNotExist:
        return render(request, "404.html", status=404)
    quote = None
    if data.loan.status in Loan.Status.open_statuses():
        quote = services.settlement_quote(loan=data.loan, rows=data.schedule)
    user = request.user
    return render(
        request,
        "loans/detail.html",
        {
            "data": data,
            "loan": data.loan,
            "quote": quote,
            "can_post": has_role(user, roles.BACK_OFFICE),
            "can_request_waiver": has_role(user, *WAIVER_REQUESTERS),
            "can_propose": has_role(user, roles.AGENT),
            "can_review": has_role(user, roles.RISK_ASSESSOR),
            "reversal_form": ReversalForm(),
            "loan_panels": loan_panels_for(request, data.loan),
        },
    )


# ---- contracts -----------------------------------------------------------------------------------------


@role_required(roles.BACK_OFFICE)
def loan_create(request):
    form = LoanCreateForm(request.POST or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        terms = {
            "product": data["product"],
            "principal": data["principal"],
            "annual_rate": form.annual_rate,
            "term_months": data["term_months"],
        }
        try:
            services.contract_terms_check(**terms, extra_fees=form.extra_fees)
            preview = services.contract_preview(
                **terms, disbursement_date=data["disbursement_date"], first_due_date=data["first_due_date"]
            )
            if preview.exceeds_cap:
                # The cost is over the cap on the actual dates: say so beside the rate, sign nothing.
                form.add_error("annual_rate_percent", services.cost_cap_message(cost=preview.apr, cap=preview.cap))
            elif "save" in request.POST:
                loan = services.loan_create(
                    customer=form.customer,
                    disbursement_date=data["disbursement_date"],
                    first_due_date=data["first_due_date"],
                    purpose=data["purpose"],
                    created_by=request.user,
                    extra_fees=form.extra_fees,
                    request=request,
                    **terms,
                )
                messages.success(request, _("Contract %(number)s signed.") % {"number": loan.contract_number})
                return redirect(loan)
        except ValidationError as exc:
            _add_errors(form, exc, {"annual_rate": "annual_rate_percent"})
    return render(request, "loans/create.html", {"form": form, "preview": preview})


# ---- repayments ----------------------------------------------------------------------------------------


@role_required(roles.BACK_OFFICE)
def repayment_post(request, pk: int):
    loan = get_object_or_404(Loan, pk=pk)
    form = RepaymentForm(request.POST or None, loan=loan)
    if request.method == "POST" and form.is_valid():
        try:
            repayment = services.repayment_post(loan=loan, posted_by=request.user, request=request, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            credit = sum(a.amount for a in repayment.allocations.all() if a.income_type == "credit")
            text = _("Repayment %(id)s of %(amount)s posted.") % {
                "id": repayment.external_id,
                "amount": repayment.amount,
            }
            if credit:
                text += " " + _("%(credit)s exceeded what is due and is held as customer credit.") % {"credit": credit}
            messages.success(request, text)
            return redirect(loan)
    return render(request, "loans/repayment_form.html", {"form": form, "loan": loan})


@require_POST
@role_required(roles.BACK_OFFICE)
def repayment_reverse(request, pk: int):
    repayment = get_object_or_404(Repayment.objects.select_related("loan"), pk=pk)
    form = ReversalForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for the reversal."))
        return redirect(repayment.loan)
    try:
        services.repayment_reverse(
            repayment=repayment, reason=form.cleaned_data["reason"], reversed_by=request.user, request=request
        )
    except ValidationError as exc:
        messages.error(request, " ".join(_errors(exc)))
    else:
        messages.success(request, _("Repayment %(id)s reversed.") % {"id": repayment.external_id})
    return redirect(repayment.loan)


@role_required(roles.BACK_OFFICE)
def loan_settle(request, pk: int):
    loan = get_object_or_404(Loan.objects.select_related("customer", "product"), pk=pk)
    quote = services.settlement_quote(loan=loan)
    form = SettlementForm(request.POST or None, loan=loan)
    partial = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        prepay = data["prepay_principal"] if data["mode"] == "partial" else None
        if prepay and prepay < quote.future_principal:
            partial = quote.partial(prepay)
        try:
            services.loan_settle(
                loan=loan,
                amount=data["amount"],
                received_at=data["received_at"],
                channel=data["channel"],
                external_id=data["external_id"],
                prepay_principal=prepay,
                option=data["option"],
                posted_by=request.user,
                request=request,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Early repayment posted."))
            return redirect(loan)
    return render(request, "loans/settle.html", {"form": form, "loan": loan, "quote": quote, "partial": partial})


# ---- fee waivers ---------------------------------------------------------------------------------------


def _waiver_list_page(request, *, status: str, refused=None, refused_note: str = "", refused_errors=None, code=200):
    waivers = FeeWaiver.objects.select_related("loan", "loan__customer", "requested_by", "decided_by", "installment")
    if status in FeeWaiver.Status.values:
        waivers = waivers.filter(status=status)
    page = Paginator(waivers, PAGE_SIZE).get_page(request.GET.get("page"))
    for waiver in page.object_list:
        # Four eyes: the requester sees why the decide buttons are missing.
        waiver.requested_by_me = four_eyes_conflict(actor=request.user, involved=services.fee_waiver_involved(waiver))
        if refused is not None and waiver.pk == refused.pk:
            waiver.note_value, waiver.note_errors = refused_note, refused_errors or []
    return render(
        request,
        "loans/waiver_list.html",
        {
            "page": page,
            "status": status,
            "statuses": FeeWaiver.Status.choices,
            "can_decide": has_role(request.user, roles.MANAGER),
            "requested_reason": REASON_REQUESTED,
        },
        status=code,
    )


@role_required(*WAIVER_VIEWERS)
def waiver_list(request):
    return _waiver_list_page(request, status=request.GET.get("status", FeeWaiver.Status.REQUESTED))


@role_required(*WAIVER_REQUESTERS)
def waiver_request(request, pk: int):
    loan = get_object_or_404(Loan, pk=pk)
    form = WaiverRequestForm(request.POST or None, loan=loan)
    if request.method == "POST" and form.is_valid():
        try:
            services.fee_waiver_request(loan=loan, requested_by=request.user, request=request, **form.cleaned_data)
        except ValidationError as exc:
            for message in _errors(exc):
                form.add_error(None, message)
        else:
            messages.success(request, _("Waiver requested; a manager will decide."))
            return redirect(loan)
    available = services.waivable_amount(loan=loan)
    return render(request, "loans/waiver_form.html", {"form": form, "loan": loan, "available": available})


@require_POST
@role_required(roles.MANAGER)
def waiver_decide(request, pk: int):
    waiver = get_object_or_404(FeeWaiver, pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
        return redirect("loans:waiver_list")
    note = form.cleaned_data["note"]
    try:
        if form.cleaned_data["decision"] == "approve":
            services.fee_waiver_approve(waiver=waiver, approved_by=request.user, note=note, request=request)
            messages.success(request, _("Waiver approved."))
        else:
            services.fee_waiver_reject(waiver=waiver, rejected_by=request.user, note=note, request=request)
            messages.success(request, _("Waiver rejected."))
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "note" in exc.error_dict:
            # The missing note is shown under that row's note field, the page otherwise unchanged.
            errors = exc.message_dict["note"]
            return _waiver_list_page(
                request, status=FeeWaiver.Status.REQUESTED, refused=waiver, refused_note=note, refused_errors=errors
            )
        messages.error(request, " ".join(_errors(exc)))
    return redirect("loans:waiver_list")


# ---- restructuring -------------------------------------------------------------------------------------


@role_required(*PLAN_VIEWERS)
def restructure_list(request):
    status = request.GET.get("status", "")
    plans = RestructurePlan.objects.select_related("loan", "loan__customer", "proposed_by")
    if status in RestructurePlan.Status.values:
        plans = plans.filter(status=status)
    else:
        status = ""
    page = Paginator(plans, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "loans/restructure_list.html",
        {"page": page, "status": status, "statuses": RestructurePlan.Status.choices},
    )


@role_required(roles.AGENT)
def restructure_new(request, pk: int):
    loan = get_object_or_404(Loan.objects.select_related("customer"), pk=pk)
    form = RestructureForm(request.POST or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        options = {
            "extension_months": form.cleaned_data["extension_months"],
            "holiday_installments": form.cleaned_data["holiday_installments"],
            "new_rate": form.new_rate,
            "waive_penalty": form.cleaned_data["waive_penalty"],
        }
        try:
            if "save" in request.POST:
                plan = services.restructure_propose(
                    loan=loan, proposed_by=request.user, reason=form.cleaned_data["reason"], request=request, **options
                )
                messages.success(request, _("Plan proposed; it goes to a risk assessor for review."))
                return redirect(plan)
            preview = services.restructure_preview(loan=loan, **options)
        except ValidationError as exc:
            _add_errors(form, exc, {"new_rate": "new_rate_percent"})
    return render(request, "loans/restructure_form.html", {"form": form, "loan": loan, "preview": preview})


@role_required(*PLAN_VIEWERS)
def restructure_detail(request, pk: int):
    plan = get_object_or_404(
        RestructurePlan.objects.select_related(
            "loan", "loan__customer", "proposed_by", "reviewed_by", "approved_by", "acceptance_recorded_by"
        ),
        pk=pk,
    )
    # Only a plan still in progress is compared with the schedule; an applied or rejected one is history.
    in_progress = (RestructurePlan.Status.PROPOSED, RestructurePlan.Status.REVIEWED, RestructurePlan.Status.APPROVED)
    preview = services.plan_preview(plan) if plan.status in in_progress else None
    user = request.user
    step = {
        RestructurePlan.Status.PROPOSED: has_role(user, roles.RISK_ASSESSOR) and "review",
        RestructurePlan.Status.REVIEWED: has_role(user, roles.MANAGER) and "approve",
        RestructurePlan.Status.APPROVED: has_role(user, roles.AGENT) and "accept",
    }.get(plan.status)
    # Four eyes: whoever took an earlier step sees why the button is missing instead of the button.
    four_eyes_reason = ""
    if step and four_eyes_conflict(actor=user, involved=services.restructure_step_involved(plan)):
        step, four_eyes_reason = "", REASON_EARLIER_STEP
    return render(
        request,
        "loans/restructure_detail.html",
        {
            "plan": plan,
            "loan": plan.loan,
            "preview": preview,
            "step": step or "",
            "four_eyes_reason": four_eyes_reason,
            "note_form": NoteForm(),
        },
    )


def _plan_step(request, pk: int, action):
    plan = get_object_or_404(RestructurePlan, pk=pk)
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        action(plan, note)
    except ValidationError as exc:
        messages.error(request, " ".join(_errors(exc)))
    return redirect("loans:restructure_detail", pk=plan.pk)


@require_POST
@role_required(roles.RISK_ASSESSOR)
def restructure_review(request, pk: int):
    def act(plan, note):
        services.restructure_review(plan=plan, reviewed_by=request.user, note=note, request=request)
        messages.success(request, _("Review recorded; the plan goes to a manager."))

    return _plan_step(request, pk, act)


@require_POST
@role_required(roles.MANAGER)
def restructure_approve(request, pk: int):
    def act(plan, note):
        services.restructure_approve(plan=plan, approved_by=request.user, request=request)
        messages.success(request, _("Plan approved; record the customer's acceptance to apply it."))

    return _plan_step(request, pk, act)


@require_POST
@role_required(roles.AGENT)
def restructure_accept(request, pk: int):
    def act(plan, note):
        services.restructure_accept(plan=plan, recorded_by=request.user, note=note, request=request)
        messages.success(request, _("Customer acceptance recorded; the new schedule is in force."))

    return _plan_step(request, pk, act)


@require_POST
@role_required(roles.RISK_ASSESSOR, roles.MANAGER)
def restructure_reject(request, pk: int):
    def act(plan, note):
        services.restructure_reject(plan=plan, rejected_by=request.user, note=note, request=request)
        messages.success(request, _("Plan rejected."))

    return _plan_step(request, pk, act)


# ---- post-loan reviews ---------------------------------------------------------------------------------


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
    """The queue's row count (a scan of every open loan) shared for a minute per filter set."""

    def __init__(self, *args, count_key: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_key = count_key

    @cached_property
    def count(self) -> int:
        return cache.get_or_set(self.count_key, lambda: Paginator.count.func(self), REVIEW_COUNT_SECONDS)

    def page(self, number):
        # A shared count may be a minute old: slice a full page whatever it says, so no row is ever cut off.
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(self.object_list[bottom : bottom + self.per_page], number, self)


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
    page = _QueueCountPaginator(loans, PAGE_SIZE, count_key=key).get_page(request.GET.get("page"))
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
    return xlsx_response(
        filename=f"review-queue-{today.isoformat()}",
        sheets=[Sheet(title=_("Post-loan reviews due"), header=header, rows=rows)],
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
            for message in _errors(exc):
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


@role_required(*FINANCE)
def revenue_report(request):
    form = MonthForm(request.GET or None)
    year, month = form.period()
    rows, total = selectors.revenue_report(year=year, month=month)
    return render(
        request,
        "loans/revenue_report.html",
        {"form": form, "rows": rows, "total": total, "year": year, "month": month, "period": f"{year}-{month:02d}"},
    )


@role_required(*FINANCE)
def revenue_csv(request):
    form = MonthForm(request.GET or None)
    year, month = form.period()
    rows, total = selectors.revenue_report(year=year, month=month)
    header = [
        _("Product"),
        _("Interest"),
        _("Penalty interest"),
        _("Fees"),
        _("Upfront fees"),
        _("Income"),
        _("Principal repaid"),
        _("Customer credit"),
    ]
    body = (
        [
            row.product or _("Total"),
            row.interest,
            row.penalty,
            row.fee,
            row.upfront_fee,
            row.income,
            row.principal,
            row.credit,
        ]
        for row in [*rows, total]
    )
    # formula-safe cells (a product named "=HYPERLINK(...)" stays text), streamed with a BOM for Excel
    return csv_response(filename=f"revenue-{year}-{month:02d}", header=header, rows=body)


@role_required(*FINANCE)
def reconciliation(request):
    return render(request, "loans/reconciliation.html", {"rec": selectors.reconciliation()})
