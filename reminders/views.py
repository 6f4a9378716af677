"""Reminder pages (dashboard, outbox, contact-data tasks, a loan's reminders, send now).

Providers' delivery-status webhooks are messaging's (messaging/views.py)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales import permissions as roles
from aftersales.permissions import role_required
from aftersales.security.redirects import safe_next
from loans.models import Installment, Loan
from messaging import selectors as messaging_selectors
from reminders import selectors, services
from reminders.forms import ContactTaskResolveForm, OutboxFilterForm, SendNowForm
from reminders.models import ContactDataTask

REPORT_ROLES = (roles.SUPERVISOR, roles.MANAGER, roles.BACK_OFFICE)
CONTACT_TASK_ROLES = (roles.AGENT, roles.SUPERVISOR, roles.MANAGER)
SEND_NOW_ROLES = (roles.AGENT, roles.SUPERVISOR, roles.MANAGER)
PAGE_SIZE = 50


@role_required(*REPORT_ROLES)
def dashboard(request):
    """Managers' view: reminders per day and channel, cost per channel and month, failures to fix."""
    rows = selectors.reminder_daily_figures()
    context = {
        "rows": rows,
        "chart": selectors.chart_data(rows),
        "costs": messaging_selectors.cost_by_channel_and_month(),
        "totals": selectors.reminder_status_totals(),
        "failures": selectors.failures_to_fix(),
        "can_work_tasks": roles.has_role(request.user, *CONTACT_TASK_ROLES),
    }
    return render(request, "reminders/dashboard.html", context)


@role_required(*REPORT_ROLES)
def outbox(request):
    """Every SMS and call the portal sent (numbers masked)."""
    form = OutboxFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    queryset = messaging_selectors.outbox_list(
        channel=filters.get("channel", ""), status=filters.get("status", ""), purpose=filters.get("purpose", "")
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reminders/outbox.html", {"form": form, "page": page, "messages_page": page.object_list})


@role_required(*CONTACT_TASK_ROLES)
def contact_tasks(request):
    """Open contact-data tasks: numbers the provider refused, to be checked with the customer."""
    page = Paginator(selectors.contact_tasks_open().order_by("created_at", "id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "reminders/contact_tasks.html", {"page": page, "form": ContactTaskResolveForm()})


@require_POST
@role_required(*CONTACT_TASK_ROLES)
def contact_task_resolve(request, pk: int):
    task = get_object_or_404(ContactDataTask, pk=pk)
    form = ContactTaskResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what was done before closing the task."))
        return redirect("reminders:contact_tasks")
    services.contact_task_resolve(task=task, actor=request.user, note=form.cleaned_data["note"], request=request)
    messages.success(request, _("Contact-data task closed."))
    return redirect(safe_next(request, "reminders:contact_tasks"))


@role_required(*roles.STAFF_ROLES)
def loan_reminders(request, loan_id: int):
    """A loan's reminders with their outcome, and "send reminder now" for agents."""
    loan = get_object_or_404(
        Loan.objects.select_related("customer", "product__reminder_policy_link__policy"), pk=loan_id
    )
    unpaid = list(
        Installment.objects.filter(loan=loan, is_current=True).exclude(status="paid").order_by("due_date")[:12]
    )
    return render(
        request,
        "reminders/loan_reminders.html",
        {
            "loan": loan,
            "reminders": selectors.reminders_for_loan(loan_id=loan.pk),
            "unpaid": unpaid,
            "can_send_now": roles.has_role(request.user, *SEND_NOW_ROLES),
            "send_form": SendNowForm(),
        },
    )


@require_POST
@role_required(*SEND_NOW_ROLES)
def send_now(request, installment_id: int):
    """An agent sends a reminder at once: the same rules as the worker, audit-logged."""
    installment = get_object_or_404(Installment.objects.select_related("loan"), pk=installment_id)
    form = SendNowForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose SMS or voice call."))
        return redirect("reminders:loan_reminders", loan_id=installment.loan_id)
    reminder = services.reminder_send_now(
        installment=installment, channel=form.cleaned_data["channel"], actor=request.user, request=request
    )
    text = services.outcome_text(reminder)
    if reminder.status in ("skipped", "failed"):
        messages.warning(request, text)
    else:
        messages.success(request, text)
    return redirect("reminders:loan_reminders", loan_id=installment.loan_id)
