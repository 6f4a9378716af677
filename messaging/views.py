"""Delivery-status webhooks: the provider's reports (signature checked by the backend) applied to the messages."""

from django.http import HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from messaging import services
from messaging.backends import get_backend


def _webhook(request):
    backend = get_backend()
    updates = backend.parse_status_reports(request)
    if updates is None:
        return HttpResponseForbidden("invalid signature")
    for update in updates:
        services.message_status_apply(update=update)
    return backend.callback_response(updates=updates)


@csrf_exempt
@require_POST
def webhook_sms_status(request):
    """SMS status callback: signature checked, statuses only move forward, price stored."""
    return _webhook(request)


@csrf_exempt
@require_POST
def webhook_call_status(request):
    """Call status callback: signature checked; an unanswered call is followed by an SMS (reminders listen)."""
    return _webhook(request)
