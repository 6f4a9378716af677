"""Sign-in lockout (django-axes): the client address rule and the admin's unlock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from aftersales.audit import audit_log
from aftersales.security.client_address import client_ip as trusted_client_ip


def client_ip(request) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the same address the audit log and the rate limits use."""
    return trusted_client_ip(request)


def cool_off() -> timedelta:
    """How long a lockout lasts without an admin."""
    value = settings.AXES_COOLOFF_TIME
    if isinstance(value, timedelta):
        return value
    return timedelta(hours=float(value or 0))


@dataclass
class Lockout:
    id: int
    username: str
    ip_address: str
    failures: int
    last_attempt: datetime
    locked_until: datetime


def lockouts_current() -> list[Lockout]:
    """Sign-ins locked right now (failures at or over the limit within the cool-off time), newest first."""
    from axes.models import AccessAttempt

    since = timezone.now() - cool_off()
    attempts = AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
    ).order_by("-attempt_time")[:200]
    return [
        Lockout(
            id=a.pk,
            username=a.username or "",
            ip_address=a.ip_address or "",
            failures=a.failures_since_start,
            last_attempt=a.attempt_time,
            locked_until=a.attempt_time + cool_off(),
        )
        for a in attempts
    ]


def lockout_release(*, actor, attempt_id: int, request=None) -> str | None:
    """Unlock one locked sign-in (user name + address); returns the user name, None if it was not locked."""
    from axes.models import AccessAttempt
    from axes.utils import reset

    attempt = AccessAttempt.objects.filter(pk=attempt_id).first()
    if attempt is None:
        return None
    username = attempt.username or ""
    reset(username=username, ip=attempt.ip_address) if attempt.ip_address else reset(username=username)
    AccessAttempt.objects.filter(pk=attempt_id).delete()
    audit_log(
        actor=actor,
        action="lockout_release",
        object_type="auth.user",
        object_repr=username[:150],
        changes={"ip_address": attempt.ip_address or ""},
        request=request,
    )
    return username
