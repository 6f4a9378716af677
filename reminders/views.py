"""Reminder pages and the provider webhooks."""

from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from reminders import services
from reminders.backends import get_backend


def _webhook(request):
    update = get_backend().parse_status_callback(request)
    if update is None:
        return HttpResponseForbidden("invalid signature")
    services.message_status_apply(update=update)
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def webhook_sms_status(request):
    """Twilio SMS status callback (signature checked)."""
    return _webhook(request)


@csrf_exempt
@require_POST
def webhook_call_status(request):
    """Twilio call status callback (signature checked)."""
    return _webhook(request)


dashboard = outbox = contact_tasks = contact_task_resolve = loan_reminders = send_now = webhook_sms_status
