"""Performance scoring pages: weights and bands, the month's reviews, comment, sign-off, payroll export."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales import permissions as roles
from aftersales.exports import Sheet, csv_response, xlsx_response
from aftersales.permissions import role_required
from staff import kpi as kpis
from staff import reviews, selectors
from staff.forms import ReviewCommentForm, ReviewMonthForm, ScoringForm
from staff.models import PerformanceReview
from staff.views.common import fmt


def _month(request) -> date:
    """The month asked for (GET or POST), or last month when none or a bad one is given."""
    form = ReviewMonthForm({"month": request.GET.get("month") or request.POST.get("month") or ""})
    if form.is_valid() and form.cleaned_data["month"]:
        return form.cleaned_data["month"]
    if not form.is_valid():
        messages.warning(request, _("That month cannot be shown; showing last month instead."))
    today = timezone.localdate()
    last = today.replace(day=1) - timezone.timedelta(days=1)
    return last.replace(day=1)


def _visible_reviews(user, month: date):
    qs = PerformanceReview.objects.filter(month=month).select_related("staff", "signed_by", "commented_by")
    ids = selectors.visible_staff_ids(user)
    if ids is not None:
        qs = qs.filter(staff_id__in=ids).exclude(staff=user)
    return qs.order_by("staff__username")


def _review_or_403(request, pk: int) -> PerformanceReview:
    review = get_object_or_404(PerformanceReview.objects.select_related("staff"), pk=pk)
    if not selectors.may_see(request.user, review.staff_id) or (
        review.staff_id == request.user.pk and not roles.has_role(request.user, roles.MANAGER)
    ):
        raise PermissionDenied
    return review


@role_required(*roles.LEADERS)
def review_list(request):
    month = _month(request)
    rows = list(_visible_reviews(request.user, month))
    return render(
        request,
        "staff/reviews.html",
        {
            "month": month,
            "month_value": month.strftime("%Y-%m"),
            "reviews": rows,
            "weights": reviews.scoring_weights(),
            "bands": sorted(reviews.grade_bands().items()),
            "kpi_labels": {k.code: k.label for k in kpis.KPIS},
            "signed": sum(1 for r in rows if r.locked),
            "is_manager": roles.has_role(request.user, roles.MANAGER),
        },
    )


@require_POST
@role_required(roles.MANAGER)
def reviews_generate(request):
    month = _month(request)
    count = reviews.reviews_generate(month=month, actor=request.user, request=request)
    messages.success(
        request, _("%(count)s reviews computed for %(month)s.") % {"count": count, "month": month.strftime("%Y-%m")}
    )
    return redirect(reverse("staff:reviews") + f"?month={month:%Y-%m}")


@role_required(*roles.LEADERS)
def review_detail(request, pk: int):
    review = _review_or_403(request, pk)
    figures = []
    for kpi in kpis.KPIS:
        if not kpi.staff_level:
            continue
        raw = review.kpis.get(kpi.code)

        value = Decimal(raw) if raw is not None else None
        figures.append(
            {"kpi": kpi, "display": fmt(kpi, value), "weight": review.kpis.get("_weights", {}).get(kpi.code)}
        )
    return render(
        request,
        "staff/review_detail.html",
        {
            "review": review,
            "figures": figures,
            "form": ReviewCommentForm(initial={"comment": review.supervisor_comment}),
            "is_manager": roles.has_role(request.user, roles.MANAGER),
        },
    )


@require_POST
@role_required(*roles.LEADERS)
def review_comment(request, pk: int):
    review = _review_or_403(request, pk)
    form = ReviewCommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a comment first."))
        return redirect("staff:review_detail", pk=review.pk)
    try:
        reviews.review_comment(review=review, comment=form.cleaned_data["comment"], actor=request.user, request=request)
    except reviews.ReviewLocked as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Comment saved."))
    return redirect("staff:review_detail", pk=review.pk)


@require_POST
@role_required(roles.MANAGER)
def review_sign_off(request, pk: int):
    review = _review_or_403(request, pk)
    try:
        reviews.review_sign_off(review=review, actor=request.user, request=request)
    except (reviews.ReviewLocked, ValidationError) as exc:
        messages.error(request, exc.messages[0] if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, _("Review signed off and locked."))
    return redirect("staff:review_detail", pk=review.pk)


@role_required(roles.MANAGER)
def scoring(request):
    """KPI weights and grade bands (a manager's decision)."""
    form = ScoringForm(request.POST or None, weights=reviews.scoring_weights(), bands=reviews.grade_bands())
    if request.method == "POST" and form.is_valid():
        reviews.scoring_set(
            weights=form.cleaned_data["weights"], bands=form.cleaned_data["bands"], actor=request.user, request=request
        )
        messages.success(request, _("Weights and grade bands saved."))
        return redirect("staff:scoring")
    return render(request, "staff/scoring.html", {"form": form})


@role_required(roles.MANAGER)
def reviews_export(request):
    """The month's grades and pay coefficients for payroll (signed-off reviews only)."""
    month = _month(request)
    rows = (
        PerformanceReview.objects.filter(month=month, status=PerformanceReview.Status.SIGNED)
        .select_related("staff", "signed_by")
        .order_by("staff__username")
    )
    header = [
        _("Username"),
        _("Staff member"),
        _("Month"),
        _("Score"),
        _("Grade"),
        _("Pay coefficient"),
        _("Signed off by"),
        _("Signed off"),
    ]
    body = [
        [
            r.staff.get_username(),
            r.staff.get_full_name(),
            month.strftime("%Y-%m"),
            float(r.score) if r.score is not None else None,
            r.grade,
            float(r.pay_coefficient) if r.pay_coefficient is not None else None,
            r.signed_by.get_username() if r.signed_by else "",
            timezone.localtime(r.signed_at).strftime("%Y-%m-%d %H:%M"),
        ]
        for r in rows
    ]
    filename = f"payroll-grades-{month:%Y-%m}"
    if request.GET.get("format") == "xlsx":
        return xlsx_response(filename=filename, sheets=[Sheet(title=_("Grades"), header=header, rows=body)])
    return csv_response(filename=filename, header=header, rows=body)
