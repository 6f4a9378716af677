from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from aftersales import audit_labels
from aftersales import permissions as roles
from aftersales.export_jobs import ListExport, export_builder, export_job_path, export_response
from aftersales.exports import XLSX_CONTENT_TYPE, Sheet, ascii_name
from aftersales.models import AuditEntry, ExportJob, Notification
from aftersales.names import user_display
from aftersales.notifications import unread_forget
from aftersales.permissions import role_required
from aftersales.security.redirects import safe_next
from aftersales.selectors import background_health
from org.models import StaffProfile


class NotificationReadForm(forms.Form):
    """Which notification to mark read (none: all of them); the id is bounded so the database never sees 20 digits."""

    id = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


class AuditFilterForm(forms.Form):
    """The audit log's filters; a bad value is reported and ignored, never sent to the database."""

    user = forms.CharField(required=False, max_length=150)
    action = forms.CharField(required=False, max_length=64)
    object_type = forms.CharField(required=False, max_length=100)
    object_id = forms.CharField(required=False, max_length=64)
    date_from = forms.DateField(required=False)
    date_to = forms.DateField(required=False)
    format = forms.ChoiceField(required=False, choices=[("", "HTML"), ("xlsx", "XLSX")])


# Where each role starts its day, first match wins.
HOME_BY_ROLE = [
    (roles.MANAGER, "staff:dashboard"),
    (roles.SUPERVISOR, "inquiries:supervisor"),
    (roles.AGENT, "inquiries:queue"),
    (roles.RISK_ASSESSOR, "loans:review_queue"),
    # Legal's department queue: the inquiries escalated to legal, with the complaints referred to legal beside them.
    (roles.LEGAL_ADVISOR, "inquiries:departments"),
    (roles.FINANCE, "inquiries:departments"),
    (roles.BACK_OFFICE, "customers:list"),
]


@login_required
def home(request):
    """Send each role to its start page; without one, show the overview of what the user may use."""
    user_roles = roles.user_roles(request.user)
    for role, url_name in HOME_BY_ROLE:
        if role in user_roles or (request.user.is_superuser and role == roles.MANAGER):
            try:
                return redirect(url_name)
            except NoReverseMatch:
                continue
    return render(request, "aftersales/home.html")


@role_required(roles.MANAGER, roles.BACK_OFFICE)
def status(request):
    """Database, broker, worker and scheduler health."""
    checks = []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks.append((_("Database"), True, _BACKEND_LABELS.get(connection.vendor, ""), connection.vendor))
    except DatabaseError as exc:  # pragma: no cover - the page cannot render without a database anyway
        checks.append((_("Database"), False, _("unreachable"), exc.__class__.__name__))
    broker_ok, scheme, error = _broker_status()
    broker_detail = _BACKEND_LABELS.get(scheme, "") if broker_ok else _("unreachable")
    checks.append((_("Message broker"), broker_ok, broker_detail, f"{scheme}: {error}" if error else scheme))
    for component in background_health():
        label = _("Worker") if component.name == "worker" else _("Scheduler (beat)")
        if component.last_seen:
            detail = _("last seen %(time)s") % {
                "time": timezone.localtime(component.last_seen).strftime("%Y-%m-%d %H:%M:%S")
            }
        else:
            detail = _("never seen")
        checks.append((label, component.healthy, detail, ""))
    return render(request, "aftersales/status.html", {"checks": checks})


# What each database and broker is, in words; the technical name is shown beside it as code.
_BACKEND_LABELS = {
    "sqlite": gettext_lazy("embedded database file (demo)"),
    "postgresql": gettext_lazy("database server"),
    "atomicfs": gettext_lazy("embedded file queue (demo)"),
    "redis": gettext_lazy("queue server"),
}


def _broker_status() -> tuple[bool, str, str]:
    """(reachable, the broker URL's scheme, the error's class name or "")."""
    from aftersales.celery import app

    url = settings.CELERY_BROKER_URL
    scheme = url.split("://", 1)[0]
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True, scheme, ""
    except Exception as exc:  # noqa: BLE001 — any broker failure (kombu, redis, OS) is reported on the page
        return False, scheme, exc.__class__.__name__


def _audit_entries(request):
    """The audit log's filter form (parsed from the query string) and the entries it selects, newest first."""
    form = AuditFilterForm(request.GET)
    form.is_valid()
    data = {name: value for name, value in form.cleaned_data.items() if name not in form.errors}
    entries = AuditEntry.objects.all()
    if data.get("user"):
        entries = entries.filter(actor_name__icontains=data["user"])
    if data.get("action"):
        entries = entries.filter(action=data["action"])
    if data.get("object_type"):
        entries = entries.filter(object_type=data["object_type"])
    if data.get("object_id"):
        entries = entries.filter(object_id=data["object_id"])
    if data.get("date_from"):
        entries = entries.filter(at__date__gte=data["date_from"])
    if data.get("date_to"):
        entries = entries.filter(at__date__lte=data["date_to"])
    return form, entries


@role_required(roles.MANAGER)
def audit_log(request):
    """Browse and filter the audit log (read-only); `?format=xlsx` exports the filtered entries."""
    form, entries = _audit_entries(request)
    if form.cleaned_data.get("format") == "xlsx":
        return export_response(request, audit_log_export)
    if form.errors:
        messages.error(request, _("Some filters were not valid and are ignored: dates must look like 2026-01-31."))
    # what the filter fields show again: the valid values as given, the invalid ones emptied
    q = {name: ("" if name in form.errors else request.GET.get(name, "").strip()) for name in form.fields}
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    _entries_label(page.object_list)
    actions = AuditEntry.objects.order_by().values_list("action", flat=True).distinct()
    types = AuditEntry.objects.order_by().values_list("object_type", flat=True).distinct()
    export_query = request.GET.copy()
    export_query.pop("page", None)
    export_query["format"] = "xlsx"
    return render(
        request,
        "aftersales/audit_log.html",
        {
            "page": page,
            "q": q,
            "actions": sorted(((a, audit_labels.action_label(a)) for a in actions), key=lambda a: a[1]),
            "object_types": sorted(((t, audit_labels.model_label(t)) for t in types if t), key=lambda t: t[1]),
            "export_query": export_query.urlencode(),
        },
    )


def _entries_label(entries) -> None:
    """Words for a page of entries (audit_labels): action, record, changes, and the actor's name by the name rule."""
    User = get_user_model()
    ids = {e.actor_id for e in entries if e.actor_id}
    users = {u.pk: u for u in User.objects.filter(pk__in=ids).only("username", "first_name", "last_name")}
    for e in entries:
        actor = users.get(e.actor_id)
        e.actor_display = user_display(actor) if actor is not None else e.actor_name
        e.action_display = audit_labels.action_label(e.action)
        e.record_display = audit_labels.record_display(e.object_type, e.object_id)
        e.changes_display = audit_labels.changes_display(e.object_type, e.changes)


AUDIT_EXPORT_CHUNK = 2000  # entries fetched at a time by the export


@export_builder
def audit_log_export(request) -> ListExport:
    """The filtered audit log as XLSX (every page), through the formula-safe export helper."""
    _form, entries = _audit_entries(request)
    header = [_("Time"), _("User"), _("Action"), _("Record type"), _("Record id"), _("Record"), _("Changes")]
    header += [_("Reason"), _("Address")]
    rows = (
        [
            e.at,
            e.actor_name,
            e.action,  # codes in the export: comparable across languages and releases (the page shows the labels)
            e.object_type,
            e.object_id,
            e.object_repr,
            "; ".join(f"{key}: {value}" for key, value in audit_labels.changes_display(e.object_type, e.changes)),
            e.reason,
            e.ip_address or "",
        ]
        for e in entries.iterator(chunk_size=AUDIT_EXPORT_CHUNK)
    )
    return ListExport(
        filename=f"audit-log-{timezone.localdate():%Y%m%d}",
        title=_("Audit log"),
        sheets=[Sheet(title=_("Audit log"), header=header, rows=rows, widths=[18, 12, 20, 20, 10, 30, 50, 30, 14])],
        total=entries.count(),
    )


def _own_export_job(request, token) -> ExportJob:
    """The export job with this token if the signed-in user started it (anyone else: 404, as if it did not exist)."""
    return get_object_or_404(ExportJob, token=token, owner=request.user)


@login_required
def export_job(request, token):
    """A background export's progress bar (htmx polls it) and, when the file is ready, its download link."""
    job = _own_export_job(request, token)
    template = "aftersales/export_job_progress.html" if request.htmx else "aftersales/export_job.html"
    return render(request, template, {"job": job})


@login_required
def export_job_download(request, token):
    """The finished file of a background export, for the user who started it."""
    job = _own_export_job(request, token)
    path = export_job_path(job)
    if job.status != ExportJob.Status.DONE or not path.exists():
        raise Http404
    response = FileResponse(
        path.open("rb"), as_attachment=True, filename=f"{ascii_name(job.filename)}.xlsx", content_type=XLSX_CONTENT_TYPE
    )
    response["Cache-Control"] = "no-store"
    return response


@cache_control(max_age=86400, public=True)
def favicon(request):
    """/favicon.ico, which browsers ask for on every site whatever the page links: the static icon itself."""
    path = finders.find("favicon.ico")
    if not path:
        raise Http404
    return FileResponse(open(path, "rb"), content_type="image/x-icon")  # noqa: SIM115 - FileResponse closes it


@login_required
def notifications(request):
    """The user's notifications, newest first."""
    items = Notification.objects.filter(recipient=request.user)
    page = Paginator(items, 30).get_page(request.GET.get("page"))
    return render(request, "aftersales/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_mark_read(request):
    """Mark all (or one) of the user's notifications read."""
    items = Notification.objects.filter(recipient=request.user, read_at__isnull=True)
    form = NotificationReadForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("This notification does not exist."))
        return redirect("notifications")
    if form.cleaned_data["id"]:
        items = items.filter(pk=form.cleaned_data["id"])
    count = items.update(read_at=timezone.now())
    unread_forget(user_ids=[request.user.pk])
    messages.success(request, _("%(count)s notifications marked as read.") % {"count": count})
    return redirect("notifications")


@require_POST
def set_language(request):
    """Switch the interface language; staff keep the choice on their profile."""
    language = request.POST.get("language", "")
    next_url = safe_next(request, "/")
    response = HttpResponseRedirect(next_url)
    if language in dict(settings.LANGUAGES):
        if request.user.is_authenticated:
            StaffProfile.objects.filter(user=request.user).update(language=language)
        translation.activate(language)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
    return response


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    return render(request, "500.html", status=500, context={})


def home_url_for(user) -> str:
    """The start page URL of a user (used after login)."""
    for role, url_name in HOME_BY_ROLE:
        if roles.has_role(user, role):
            try:
                return reverse(url_name)
            except NoReverseMatch:
                continue
    return reverse("home")
