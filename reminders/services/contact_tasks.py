"""Contact-data tasks: an agent fixes a number the provider refused (opened by the sender, closed by hand)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from aftersales.audit import audit_log
from customers.models import Customer
from reminders.models import ContactDataTask, Reminder


def contact_task_open(
    *, customer: Customer, reason: str, reminder: Reminder | None = None, error_code: str = "", number_masked: str = ""
) -> ContactDataTask:
    """Open a contact-data task for the customer, or return the open one for the same reason."""
    task = ContactDataTask.objects.filter(customer=customer, reason=reason, status=ContactDataTask.Status.OPEN).first()
    if task is not None:
        return task
    try:
        with transaction.atomic():
            return ContactDataTask.objects.create(
                customer=customer,
                reason=reason,
                reminder=reminder,
                error_code=error_code[:16],
                number_masked=number_masked,
            )
    except IntegrityError:
        return ContactDataTask.objects.get(customer=customer, reason=reason, status=ContactDataTask.Status.OPEN)


@transaction.atomic
def contact_task_resolve(
    *, task: ContactDataTask, actor: AbstractBaseUser, note: str, request: HttpRequest | None = None
) -> ContactDataTask:
    """Close a contact-data task with what was done (audit-logged)."""
    task = ContactDataTask.objects.select_for_update().get(pk=task.pk)
    if task.status == ContactDataTask.Status.DONE:
        return task
    task.status = ContactDataTask.Status.DONE
    task.note = note[:300]
    task.resolved_by = actor
    task.resolved_at = timezone.now()
    task.full_clean()
    task.save()
    audit_log(actor=actor, action="contact_task_resolve", obj=task, changes={"note": note[:300]}, request=request)
    return task
