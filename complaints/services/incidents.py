"""Incidents (SPEC §9) and mass-complaint detection; contingency plans and drills."""

from __future__ import annotations

import secrets
import uuid
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales import permissions as roles
from aftersales.audit import audit_log
from aftersales.notifications import notification_send, users_with_role
from complaints.models import Complaint, ContingencyPlan, Drill, Incident, IncidentEntry
from complaints.selectors import OPEN_INCIDENTS_CACHE_KEY
from complaints.uploads import PDF, validate_evidence

__all__ = [
    "incident_open",
    "incident_entry_add",
    "incident_entry_post",
    "incident_update",
    "incident_resolve",
    "complaint_counts_toward_mass",
    "mass_complaint_check",
    "mass_complaint_recheck",
    "plan_save",
    "drill_record",
]


def _banner_forget() -> None:
    """Every page's incident banner shows the change (forgotten now, and again once the transaction commits,
    in case another request cached the list in between)."""
    cache.delete(OPEN_INCIDENTS_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(OPEN_INCIDENTS_CACHE_KEY))


def _reference(opened_at: datetime) -> str:
    while True:
        reference = f"INC{timezone.localdate(opened_at):%y%m%d}-{secrets.token_hex(2).upper()}"
        if not Incident.objects.filter(reference=reference).exists():
            return reference


@transaction.atomic
def incident_open(
    *,
    kind: str,
    title: str,
    severity: str = Incident.Severity.HIGH,
    owner: AbstractBaseUser | None = None,
    summary: str = "",
    actor: AbstractBaseUser | None = None,
    trigger_key: str = "",
    opened_at: datetime | None = None,
    request: HttpRequest | None = None,
) -> Incident:
    """Open an incident; while it is open a banner shows on every page and managers are alerted."""
    opened_at = opened_at or timezone.now()
    incident = Incident(
        reference=_reference(opened_at),
        kind=kind,
        title=title,
        severity=severity,
        owner=owner,
        summary=summary,
        trigger_key=trigger_key,
        opened_at=opened_at,
        created_by=actor,
    )
    incident.full_clean(validate_constraints=False)  # the open-per-trigger constraint is enforced by the database
    incident.save()
    _banner_forget()
    IncidentEntry.objects.create(
        incident=incident, at=opened_at, text=_("Incident opened: %(title)s") % {"title": title}, author=actor
    )
    audit_log(
        actor=actor, action="incident_open", obj=incident, changes={"status": [None, incident.status]}, request=request
    )
    recipients = list(users_with_role(roles.MANAGER))
    if owner is not None and owner not in recipients:
        recipients.append(owner)
    transaction.on_commit(
        lambda: notification_send(
            recipients=recipients,
            message=_("Incident %(ref)s opened: %(title)s") % {"ref": incident.reference, "title": title},
            link=incident.get_absolute_url(),
            level="danger",
            dedupe_key=f"incident-open-{incident.pk}",
        )
    )
    return incident


def incident_entry_add(
    *, incident: Incident, text: str, author: AbstractBaseUser | None = None, at: datetime | None = None
) -> IncidentEntry:
    """Add a timeline entry."""
    entry = IncidentEntry(incident=incident, text=text, author=author, at=at or timezone.now())
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def incident_entry_post(
    *, incident: Incident, text: str, actor: AbstractBaseUser, request: HttpRequest | None = None
) -> IncidentEntry:
    """A timeline entry written by a staff member on the incident page; audit-logged."""
    entry = incident_entry_add(incident=incident, text=text, author=actor)
    audit_log(actor=actor, action="incident_entry", obj=incident, request=request)
    return entry


@transaction.atomic
def incident_update(
    *,
    incident: Incident,
    actor: AbstractBaseUser,
    owner: AbstractBaseUser | None = None,
    severity: str = "",
    request: HttpRequest | None = None,
) -> Incident:
    """Change the owner or severity, noted on the timeline."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    changes = {}
    if owner is not None and owner.pk != incident.owner_id:
        changes["owner"] = [str(incident.owner) if incident.owner else None, str(owner)]
        incident.owner = owner
    if severity and severity != incident.severity:
        changes["severity"] = [incident.severity, severity]
        incident.severity = severity
    if changes:
        incident.save(update_fields=["owner", "severity"])
        _banner_forget()
        incident_entry_add(
            incident=incident,
            author=actor,
            text=_("Owner: %(owner)s; severity: %(severity)s.")
            % {"owner": incident.owner or "—", "severity": incident.get_severity_display()},
        )
        audit_log(actor=actor, action="incident_update", obj=incident, changes=changes, request=request)
    return incident


@transaction.atomic
def incident_resolve(
    *, incident: Incident, actor: AbstractBaseUser, note: str, request: HttpRequest | None = None
) -> Incident:
    """Resolve the incident; the banner goes away."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.status == Incident.Status.RESOLVED:
        return incident
    incident.status = Incident.Status.RESOLVED
    incident.resolved_at = timezone.now()
    incident.save(update_fields=["status", "resolved_at"])
    _banner_forget()
    incident_entry_add(incident=incident, author=actor, text=_("Resolved: %(note)s") % {"note": note})
    audit_log(
        actor=actor,
        action="incident_resolve",
        obj=incident,
        changes={"status": ["open", "resolved"]},
        reason=note,
        request=request,
    )
    return incident


def _mass_keys(complaint: Complaint) -> list[tuple[str, dict, str]]:
    keys = [
        (
            f"category:{complaint.category}",
            {"category": complaint.category},
            _("Mass complaint: %(category)s") % {"category": complaint.get_category_display()},
        )
    ]
    if complaint.product_id:
        keys.append(
            (
                f"product:{complaint.product_id}",
                {"product_id": complaint.product_id},
                _("Mass complaint about product %(product)s") % {"product": complaint.product},
            )
        )
    return keys


def _is_anonymous_public(*, source: str, created_by_id: int | None) -> bool:
    # The public online form is the only way in without a staff member: no one recorded it.
    return source == Complaint.Source.ONLINE and created_by_id is None


def complaint_counts_toward_mass(complaint: Complaint) -> bool:
    """Whether the complaint may count toward mass-complaint detection (SPEC §7).

    A complaint recorded by staff always counts. An anonymous one from the public form counts only once it is
    matched to a customer or accepted (acknowledged) by an agent, unless settings.COMPLAINT_MASS_COUNT_UNVERIFIED.
    """
    if settings.COMPLAINT_MASS_COUNT_UNVERIFIED:
        return True
    if not _is_anonymous_public(source=complaint.source, created_by_id=complaint.created_by_id):
        return True
    return complaint.acknowledged_at is not None or complaint.customer_id is not None


def _matched_by_phone_only(complaint: Complaint) -> bool:
    # A public complaint whose customer is known only from the number typed into the form.
    return (
        not settings.COMPLAINT_MASS_COUNT_UNVERIFIED
        and _is_anonymous_public(source=complaint.source, created_by_id=complaint.created_by_id)
        and complaint.acknowledged_at is None
        and complaint.customer_id is not None
    )


def _counted_ids(rows) -> list[int]:
    """The ids of the complaints that count, from (id, source, created_by_id, acknowledged_at, customer_id) rows.

    A public complaint matched to a customer only by the phone number typed into the form, and not yet accepted
    by an agent, counts once per customer: one known number typed five times is one complaint, not five.
    """
    count_unverified = settings.COMPLAINT_MASS_COUNT_UNVERIFIED
    counted, customers_seen = [], set()
    for pk, source, created_by_id, acknowledged_at, customer_id in rows:
        if count_unverified or not _is_anonymous_public(source=source, created_by_id=created_by_id):
            counted.append(pk)
        elif acknowledged_at is not None:
            counted.append(pk)
        elif customer_id is not None and customer_id not in customers_seen:
            customers_seen.add(customer_id)
            counted.append(pk)
    return counted


def mass_complaint_check(*, complaint: Complaint) -> list[Incident]:
    """Raise one incident when ≥ threshold complaints in a category or about a product arrive within the window.

    Later complaints of the same group join the open incident instead of raising another one; the database
    allows one open incident per trigger, so two complaints arriving together cannot raise two. When the
    complaint completes both its category group and its product group at once, one incident covers both.
    Only verified complaints count (`complaint_counts_toward_mass`): a stranger cannot raise an incident with
    the public form. The check runs again when a public complaint is matched to a customer or acknowledged.
    """
    if not complaint_counts_toward_mass(complaint):
        return []
    threshold = settings.COMPLAINT_MASS_THRESHOLD
    window = timedelta(hours=settings.COMPLAINT_MASS_WINDOW_HOURS)
    touched = []
    for key, lookup, title in _mass_keys(complaint):
        open_incident = Incident.objects.filter(status=Incident.Status.OPEN, trigger_key=key).first()
        if open_incident is not None:
            if (
                _matched_by_phone_only(complaint)
                and open_incident.complaints.filter(customer_id=complaint.customer_id).exists()
            ):
                continue  # this customer's number already counts in the incident
            if not open_incident.complaints.filter(pk=complaint.pk).exists():
                open_incident.complaints.add(complaint)
                incident_entry_add(
                    incident=open_incident,
                    text=_("Complaint %(ref)s joined the incident.") % {"ref": complaint.reference},
                )
            touched.append(open_incident)
            continue
        in_window = Complaint.objects.filter(
            received_at__gt=complaint.received_at - window, received_at__lte=complaint.received_at, **lookup
        )
        ids = _counted_ids(
            in_window.order_by("received_at", "id").values_list(
                "id", "source", "created_by_id", "acknowledged_at", "customer_id"
            )
        )
        if complaint.pk not in ids:  # e.g. a second phone-matched complaint of an already counted customer
            continue
        if len(ids) < threshold:
            continue
        if touched:
            # The same complaint already raised (or joined) an incident for its other group, e.g. five fee
            # complaints that are also about one product: one incident covers both groups.
            touched[0].complaints.add(*ids)
            continue
        try:
            with transaction.atomic():
                incident = incident_open(
                    kind=Incident.Kind.MASS_COMPLAINT,
                    title=title,
                    severity=Incident.Severity.HIGH,
                    summary=_("%(count)s complaints within %(hours)s hours.")
                    % {"count": len(ids), "hours": int(window.total_seconds() // 3600)},
                    trigger_key=key,
                    opened_at=timezone.now(),
                )
                incident.complaints.add(*ids)
        except IntegrityError:
            # Another complaint raised it a moment ago: join that one.
            incident = Incident.objects.get(status=Incident.Status.OPEN, trigger_key=key)
            incident.complaints.add(complaint)
        touched.append(incident)
    return touched


def mass_complaint_recheck(*, complaint: Complaint) -> list[Incident]:
    """A public complaint was just matched to a customer or acknowledged: it may count now, so check again."""
    if not _is_anonymous_public(source=complaint.source, created_by_id=complaint.created_by_id):
        return []  # staff-recorded complaints were counted when they were recorded
    return mass_complaint_check(complaint=complaint)


@transaction.atomic
def plan_save(
    *,
    plan: ContingencyPlan,
    document: UploadedFile | None = None,
    actor: AbstractBaseUser | None = None,
    request: HttpRequest | None = None,
) -> ContingencyPlan:
    """Create or update a contingency plan; a document must be a PDF (checked by content)."""
    if document is not None:
        kind = validate_evidence(document)
        if kind is not PDF:
            raise ValidationError(_("Contingency plans are stored as PDF documents."))
        plan.stored_name = uuid.uuid4().hex + ".pdf"
        plan.document.save(plan.stored_name, document, save=False)
    created = plan.pk is None
    plan.full_clean()
    plan.save()
    audit_log(actor=actor, action="plan_create" if created else "plan_update", obj=plan, request=request)
    return plan


@transaction.atomic
def drill_record(
    *,
    held_on: date,
    scenario: str,
    participants: str,
    findings: str,
    plan: ContingencyPlan | None = None,
    follow_up: str = "",
    actor: AbstractBaseUser | None = None,
    request: HttpRequest | None = None,
) -> Drill:
    """Record a drill of a contingency plan."""
    drill = Drill(
        held_on=held_on,
        scenario=scenario,
        plan=plan,
        participants=participants,
        findings=findings,
        follow_up=follow_up,
        recorded_by=actor,
    )
    drill.full_clean()
    drill.save()
    audit_log(actor=actor, action="drill_record", obj=drill, request=request)
    return drill
