"""Customer suggestions and the improvement actions they lead to."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import date, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from aftersales.audit import audit_log
from complaints.models import Complaint, ImprovementAction, Suggestion, SuggestionCategory
from customers.models import Customer

__all__ = ["suggestion_create", "suggestion_status_set", "improvement_action_create", "improvement_action_status_set"]


def _reference(received_at: datetime) -> str:
    while True:
        reference = f"JY{timezone.localdate(received_at):%y%m%d}-{secrets.token_hex(2).upper()}"
        if not Suggestion.objects.filter(reference=reference).exists():
            return reference


@transaction.atomic
def suggestion_create(
    *,
    channel: str,
    category: SuggestionCategory,
    text: str,
    customer: Customer | None = None,
    received_at: datetime | None = None,
    recorded_by: AbstractBaseUser | None = None,
    request: HttpRequest | None = None,
) -> Suggestion:
    """Record a customer's suggestion or feedback from any channel."""
    received_at = received_at or timezone.now()
    suggestion = Suggestion(
        reference=_reference(received_at),
        channel=channel,
        category=category,
        text=text,
        customer=customer,
        received_at=received_at,
        recorded_by=recorded_by,
    )
    suggestion.full_clean()
    suggestion.save()
    audit_log(actor=recorded_by, action="suggestion_create", obj=suggestion, request=request)
    return suggestion


@transaction.atomic
def suggestion_status_set(
    *, suggestion: Suggestion, status: str, actor: AbstractBaseUser, request: HttpRequest | None = None
) -> Suggestion:
    """Mark a suggestion reviewed, actioned or declined."""
    old = suggestion.status
    suggestion.status = status
    suggestion.full_clean()
    suggestion.save(update_fields=["status"])
    audit_log(
        actor=actor, action="suggestion_status", obj=suggestion, changes={"status": [old, status]}, request=request
    )
    return suggestion


@transaction.atomic
def improvement_action_create(
    *,
    title: str,
    owner: AbstractBaseUser,
    description: str = "",
    due_date: date | None = None,
    suggestions: Iterable[Suggestion] = (),
    complaints: Iterable[Complaint] = (),
    actor: AbstractBaseUser | None = None,
    request: HttpRequest | None = None,
) -> ImprovementAction:
    """Create an improvement action linked to the suggestions (and complaints) behind it."""
    action = ImprovementAction(title=title, owner=owner, description=description, due_date=due_date)
    action.full_clean()
    action.save()
    if suggestions:
        action.suggestions.add(*suggestions)
        Suggestion.objects.filter(pk__in=[s.pk for s in suggestions], status=Suggestion.Status.NEW).update(
            status=Suggestion.Status.ACTIONED
        )
    if complaints:
        action.complaints.add(*complaints)
    audit_log(actor=actor, action="improvement_action_create", obj=action, request=request)
    return action


@transaction.atomic
def improvement_action_status_set(
    *, action: ImprovementAction, status: str, actor: AbstractBaseUser, request: HttpRequest | None = None
) -> ImprovementAction:
    """Move an improvement action along (planned → in progress → done)."""
    old = action.status
    action.status = status
    action.completed_at = timezone.now() if status == ImprovementAction.Status.DONE else None
    action.full_clean()
    action.save(update_fields=["status", "completed_at"])
    audit_log(
        actor=actor, action="improvement_action_status", obj=action, changes={"status": [old, status]}, request=request
    )
    return action
