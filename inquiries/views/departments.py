"""Escalations as tracked work: each department's queue of the inquiries escalated to it, the department's view
of one such inquiry, and its answer back into the thread.

Who may see what is decided by inquiries.services.escalation (the department's members, supervisors, managers),
on the server, in every view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from aftersales import permissions as roles
from aftersales.names import user_display
from aftersales.permissions import role_required
from inquiries import kpi_sources, selectors
from inquiries.forms import DepartmentAnswerForm, DepartmentQueueForm
from inquiries.models import Inquiry
from inquiries.services import escalation
from org.models import Department

PAGE_SIZE = 25


@dataclass(frozen=True)
class _Month:
    """This calendar month, as the KPI sources read a period (local dates [start, end) and their aware datetimes)."""

    start: date
    end: date

    @classmethod
    def current(cls) -> _Month:
        today = timezone.localdate()
        start = today.replace(day=1)
        return cls(start, (start.replace(day=28) + timedelta(days=4)).replace(day=1))

    @property
    def start_dt(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_dt(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.end, time.min))


def _in_time(department_ids) -> dict[int, dict[str, int]]:
    """The escalation SLA's components this month per department (the KPI's own definition), kept one minute: the
    month's figure moves slowly and counting the month's escalations on every page view cost 12 ms."""
    month = _Month.current()
    key = f"inquiries:escalations-in-time:{month.start.isoformat()}"
    figures = cache.get(key)
    if figures is None:
        figures = kpi_sources.escalations_by_department(period=month)
        cache.set(key, figures, 60)
    return {pk: figures.get(pk, {"esc_total": 0, "esc_met": 0}) for pk in department_ids}


def _local_text(value: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A stored time in the portal's time zone ("2026-12-04 18:30"); "" for none."""
    return timezone.localtime(value).strftime(pattern) if value else ""


def _url_or_empty(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _countdown_labels() -> dict[str, str]:
    return {"green": _("Answer due in"), "amber": _("Due soon"), "red": _("Overdue by")}


@role_required(*roles.STAFF_ROLES)
@require_GET
def departments(request):
    """Where a department's staff start: their own queue; supervisors and managers see every department."""
    own = escalation.department_of(user=request.user)
    if own is not None and not roles.has_role(request.user, *roles.LEADERS):
        return redirect("inquiries:department_queue", code=own.code)
    if not roles.has_role(request.user, *roles.LEADERS):
        raise PermissionDenied
    listed = list(Department.objects.filter(code__in=roles.DEPARTMENT_ROLES).order_by("name"))
    counts = escalation.department_counts(departments=listed)
    in_time = _in_time([d.pk for d in listed])
    rows = [(d, counts[d.pk], in_time[d.pk]) for d in listed]
    return render(request, "inquiries/department_overview.html", {"rows": rows})


# What the department queue shows: not the customer's encrypted contact data (decrypting it per row cost more
# than the page's queries), only the name and number; the agent's name.
QUEUE_COLUMNS = (
    "id",
    "reference",
    "subject",
    "status",
    "customer_id",
    "assigned_to_id",
    "escalated_to_id",
    "escalated_at",
    "escalation_due",
    "escalation_answered_at",
    "escalation_breached_at",
    "customer__name",
    "customer__customer_number",
    "assigned_to__username",
    "assigned_to__first_name",
    "assigned_to__last_name",
    "escalated_to__name",
)


@role_required(*roles.STAFF_ROLES)
@require_GET
def department_queue(request, code: str):
    """The inquiries escalated to one department: waiting (overdue first), answered or breached, with countdowns."""
    department = get_object_or_404(Department, code=code)
    if not escalation.may_see_department(user=request.user, department=department):
        raise PermissionDenied
    form = DepartmentQueueForm(request.GET)
    state, page_number = form.values()
    listed = escalation.department_inquiries(department=department, state=state)
    # The page's ids first (an index scan in deadline order, however many wait), then those rows with their customer
    # and owner: joining every waiting inquiry before sorting took 16 ms at 1,300 waiting.
    page = Paginator(listed.values_list("pk", flat=True), PAGE_SIZE).get_page(page_number)
    ids = list(page.object_list)
    rows = {inquiry.pk: inquiry for inquiry in listed.filter(pk__in=ids).only(*QUEUE_COLUMNS)}
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    for inquiry in page.object_list:
        inquiry.owner_name = user_display(inquiry.assigned_to) or _("Unassigned")
        # local times formatted once here (strftime): the template's date filter cost a third of the page's render
        inquiry.escalated_text = _local_text(inquiry.escalated_at)
        inquiry.due_text = _local_text(inquiry.escalation_due)
        inquiry.due_hm = _local_text(inquiry.escalation_due, "%H:%M")
        inquiry.answered_text = _local_text(inquiry.escalation_answered_at)
    counts = escalation.department_counts(departments=[department])[department.pk]
    tabs = [(value, label, counts[value]) for value, label in DepartmentQueueForm.STATES]
    context = {
        "department": department,
        "page": page,
        "inquiries": page.object_list,
        "state": state,
        "tabs": tabs,
        "counts": counts,
        "in_time": _in_time([department.pk])[department.pk],
        "labels": _countdown_labels(),
        "is_member": escalation.is_department_member(user=request.user, department=department),
        # Legal's landing page: the complaints referred to legal are the other half of its work.
        "legal_complaints_url": _url_or_empty("complaints:legal_queue") if code == "legal" else "",
    }
    return render(request, "inquiries/department_queue.html", context)


def _escalated_inquiry(request, pk: int) -> Inquiry:
    inquiry = get_object_or_404(
        Inquiry.objects.select_related("customer", "assigned_to", "escalated_to", "resolved_by"), pk=pk
    )
    if inquiry.escalated_to_id is None:
        raise Http404
    if not escalation.may_see_department(user=request.user, department=inquiry.escalated_to):
        raise PermissionDenied
    return inquiry


def _inquiry_page(request, inquiry: Inquiry, form: DepartmentAnswerForm | None = None, status: int = 200):
    thread = selectors.inquiry_thread(inquiry=inquiry)
    for message in thread:
        message.author_name = user_display(message.author)
    context = {
        "inquiry": inquiry,
        "thread": thread,
        "owner_name": user_display(inquiry.assigned_to),
        "department_answer_form": form or DepartmentAnswerForm(),
        "can_answer_department": escalation.is_department_member(user=request.user, department=inquiry.escalated_to),
        "labels": _countdown_labels(),
        "customer_url": _url_or_empty("customers:detail", inquiry.customer_id) if inquiry.customer_id else "",
        "full_page": roles.has_role(request.user, *roles.FRONT_LINE),
        "answer_next": "department",
    }
    return render(request, "inquiries/department_inquiry.html", context, status=status)


@role_required(*roles.STAFF_ROLES)
@require_GET
def department_inquiry(request, pk: int):
    """An escalated inquiry as its department sees it: the thread (read-only), the deadline, the answer form."""
    return _inquiry_page(request, _escalated_inquiry(request, pk))


@role_required(*roles.STAFF_ROLES)
@require_POST
def department_answer(request, pk: int):
    """The department's answer into the thread; the inquiry goes back to its agent to reply to the customer."""
    inquiry = _escalated_inquiry(request, pk)
    if not escalation.is_department_member(user=request.user, department=inquiry.escalated_to):
        raise PermissionDenied
    form = DepartmentAnswerForm(request.POST)
    if form.is_valid():
        try:
            escalation.department_answer_add(
                inquiry=inquiry, actor=request.user, body=form.cleaned_data["body"], request=request
            )
        except ValidationError as exc:
            for message in exc.message_dict.get("body", exc.messages):
                form.add_error("body", message)
    if form.errors:
        return _inquiry_page(request, inquiry, form, status=400)
    messages.success(
        request,
        _("Answer added to %(ref)s; %(who)s was told to reply to the customer.")
        % {"ref": inquiry.reference, "who": _owner_name(inquiry)},
    )
    if request.POST.get("next") == "detail" and roles.has_role(request.user, *roles.FRONT_LINE):
        return redirect(inquiry)
    return redirect("inquiries:department_queue", code=inquiry.escalated_to.code)


def _owner_name(inquiry: Inquiry) -> str:
    if inquiry.assigned_to_id:
        return user_display(inquiry.assigned_to)
    return _("the supervisors")
