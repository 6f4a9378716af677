"""Satisfaction surveys: created set-based for newly resolved inquiries and closed complaints, sent by SMS with a
one-time link, answered once on a public page.

Sending follows the contact policy (messaging.api: quiet hours, the daily cap, opt-outs) and is spread out: at most
one survey per customer per local day, none picked while the quiet hours last, and at most SURVEY_SEND_PER_RUN per
run of the task (every 5 minutes), so a burst of resolutions goes out over the day, not in one minute. A survey
whose SMS the policy holds (a cap reached) stays pending with its held message; messaging sends it when allowed
(messaging.tasks.messages_send_held) and `surveys_sync` then marks the survey sent.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from complaints.models import Complaint
from inquiries.models import Inquiry
from messaging.api import is_quiet, local_day_start, sms_send
from messaging.models import OutboundMessage
from staff.models import Survey

# Surveys made per run: a burst of resolutions is spread over a few runs instead of one long task.
CREATE_BATCH = 2000
# Messages still on their way (held by the contact policy, or being handed to the provider).
WAITING = (OutboundMessage.Status.HELD, OutboundMessage.Status.PENDING)


class SurveyClosed(Exception):
    """The link was used already or has expired."""


def valid_days() -> int:
    """How many days a survey link stays valid (SURVEY_VALID_DAYS)."""
    return int(settings.SURVEY_VALID_DAYS)


def new_token() -> str:
    """A fresh unguessable link token."""
    return secrets.token_urlsafe(24)


def survey_url(survey: Survey) -> str:
    """The public answer page of the survey."""
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("staff:survey", args=[survey.token])


@transaction.atomic
def surveys_create(*, now=None) -> int:
    """Make a survey for each inquiry resolved / complaint closed in the last SURVEY_VALID_DAYS days without one."""
    now = now or timezone.now()
    since = now - timedelta(days=valid_days())
    expires = now + timedelta(days=valid_days())
    surveys = []
    inquiries = (
        Inquiry.objects.filter(status=Inquiry.Status.RESOLVED, resolved_at__gte=since, customer__isnull=False)
        .filter(~Exists(Survey.objects.filter(kind=Survey.Kind.INQUIRY, object_id=OuterRef("pk"))))
        .values_list(
            "id", "reference", "customer_id", "resolved_by_id", "assigned_to_id", "customer__preferred_language"
        )
        .order_by("resolved_at")[:CREATE_BATCH]
    )
    for pk, ref, customer_id, resolved_by, assigned_to, language in inquiries:
        surveys.append(
            Survey(
                kind=Survey.Kind.INQUIRY,
                object_id=pk,
                reference=ref,
                customer_id=customer_id,
                staff_id=resolved_by or assigned_to,
                token=new_token(),
                language=language or settings.LANGUAGE_CODE,
                created_at=now,
                expires_at=expires,
            )
        )
    complaints = (
        Complaint.objects.filter(status=Complaint.Status.CLOSED, closed_at__gte=since, customer__isnull=False)
        .filter(~Exists(Survey.objects.filter(kind=Survey.Kind.COMPLAINT, object_id=OuterRef("pk"))))
        .values_list("id", "reference", "customer_id", "assigned_to_id", "customer__preferred_language")
        .order_by("closed_at")[:CREATE_BATCH]
    )
    for pk, ref, customer_id, assigned_to, language in complaints:
        surveys.append(
            Survey(
                kind=Survey.Kind.COMPLAINT,
                object_id=pk,
                reference=ref,
                customer_id=customer_id,
                staff_id=assigned_to,
                token=new_token(),
                language=language or settings.LANGUAGE_CODE,
                created_at=now,
                expires_at=expires,
            )
        )
    return len(Survey.objects.bulk_create(surveys, ignore_conflicts=True))


def survey_send(*, survey_id: int) -> Survey:
    """Send the survey SMS once (a second call does nothing), in the customer's language, under the contact policy:
    a held SMS leaves the survey pending with its message, which goes out when allowed."""
    with transaction.atomic():
        survey = Survey.objects.select_for_update().select_related("customer").get(pk=survey_id)
        if survey.status != Survey.Status.PENDING or survey.outbound_message_id:
            return survey
        customer = survey.customer
        if customer.sms_opt_out or not customer.mobile:
            survey.status = Survey.Status.SKIPPED
            survey.save(update_fields=["status"])
            return survey
        with translation.override(survey.language):
            body = _(
                "Thank you for contacting us about %(reference)s. How satisfied are you? Answer in one minute: "
                "%(link)s (valid %(days)s days)"
            ) % {"reference": survey.reference, "link": survey_url(survey), "days": valid_days()}
        message = sms_send(
            to=customer.mobile,
            body=body,
            purpose=OutboundMessage.Purpose.SURVEY,
            customer=customer,
            language=survey.language,
        )
        survey.outbound_message = message
        survey.status = _status_for(message)
        survey.save(update_fields=["outbound_message", "status"])
    return survey


def _status_for(message: OutboundMessage) -> str:
    if message.status in WAITING:
        return Survey.Status.PENDING
    if message.status == OutboundMessage.Status.FAILED:
        opted_out = message.hold_reason == OutboundMessage.HoldReason.OPTED_OUT
        return Survey.Status.SKIPPED if opted_out else Survey.Status.FAILED
    return Survey.Status.SENT


def surveys_sync() -> int:
    """Surveys whose held SMS has gone out (or failed, or was refused: opted out) take its outcome; set-based."""
    waiting = Survey.objects.filter(status=Survey.Status.PENDING, outbound_message__isnull=False).exclude(
        outbound_message__status__in=WAITING
    )
    failed = Q(outbound_message__status=OutboundMessage.Status.FAILED)
    opted_out = failed & Q(outbound_message__hold_reason=OutboundMessage.HoldReason.OPTED_OUT)
    changed = waiting.filter(opted_out).update(status=Survey.Status.SKIPPED)
    changed += waiting.filter(failed).update(status=Survey.Status.FAILED)
    changed += waiting.update(status=Survey.Status.SENT)
    return changed


def surveys_pending_ids(limit: int | None = None, *, now=None) -> list[int]:
    """Ids of the surveys to send in this run (set-based): none in the quiet hours; of each customer only the
    oldest pending survey, and none for a customer who had a survey SMS today; at most SURVEY_SEND_PER_RUN."""
    now = now or timezone.now()
    if is_quiet(now):
        return []
    limit = settings.SURVEY_SEND_PER_RUN if limit is None else limit
    pending = Survey.objects.filter(status=Survey.Status.PENDING, outbound_message__isnull=True, expires_at__gt=now)
    surveyed_today = OutboundMessage.objects.filter(
        customer_id=OuterRef("customer_id"),
        purpose=OutboundMessage.Purpose.SURVEY,
        created_at__gte=local_day_start(now),
    )
    oldest_of_customer = pending.filter(customer_id=OuterRef("customer_id")).order_by("id").values("id")[:1]
    return list(
        pending.filter(~Exists(surveyed_today), id=Subquery(oldest_of_customer))
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )


def surveys_send_due(*, now=None) -> int:
    """The survey task's sending: take over the outcome of held SMS, then send this run's share; returns how many
    surveys were handed to messaging."""
    surveys_sync()
    ids = surveys_pending_ids(now=now)
    for survey_id in ids:
        survey_send(survey_id=survey_id)  # each send locks its row and checks the status first
    return len(ids)


def survey_state(survey: Survey, *, now=None) -> str:
    """open, answered or expired."""
    if survey.answered_at is not None:
        return "answered"
    if survey.expires_at <= (now or timezone.now()):
        return "expired"
    return "open"


def survey_answer(*, token: str, rating: int, comment: str = "") -> Survey:
    """Record the one answer a link allows; a used or expired link raises SurveyClosed."""
    now = timezone.now()
    rating = int(rating)
    if not 1 <= rating <= 5:
        raise ValueError("rating must be 1-5")
    updated = Survey.objects.filter(token=token, answered_at__isnull=True, expires_at__gt=now).update(
        rating=rating, comment=comment.strip()[:2000], answered_at=now, status=Survey.Status.ANSWERED
    )
    if not updated:
        raise SurveyClosed
    return Survey.objects.get(token=token)
