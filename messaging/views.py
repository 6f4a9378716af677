"""Provider webhooks: delivery-status reports (signature or token checked by the backend) applied to the messages,
and the Alibaba Cloud pushes (delivery reports; customers' replies, with the provider's unsubscribes as opt-outs)."""

from django.http import HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from messaging import inbound, services
from messaging.backends import get_backend
from messaging.backends.aliyun import opt_out_events


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


@csrf_exempt
@require_POST
def webhook_aliyun_report(request):
    """Alibaba Cloud SmsReport push: delivery reports, verified by the shared token."""
    backend = get_backend("aliyun")
    updates = backend.parse_status_reports(request)
    if updates is None:
        return HttpResponseForbidden("invalid token")
    for update in updates:
        services.message_status_apply(update=update)
    return backend.callback_response(updates=updates)


@csrf_exempt
@require_POST
def webhook_aliyun_up(request):
    """Alibaba Cloud SmsUp push: customers' replies; the provider's unsubscribes recorded as opt-outs."""
    backend = get_backend("aliyun")
    messages = backend.parse_up_messages(request)
    if messages is None:
        return HttpResponseForbidden("invalid token")
    unsubscribed = set()
    for event in opt_out_events(messages):
        # The provider blocks the number already: recorded unconditionally, no confirmation (it would be refused).
        inbound.provider_opt_out_record(
            phone=event.phone,
            keyword=event.keyword,
            provider=event.provider,
            provider_ref=event.provider_ref,
            received_at=event.received_at,
        )
        unsubscribed.add((event.phone, event.provider_ref))
    for message in messages:
        if (message.phone, message.sequence_id) in unsubscribed:
            continue
        # As a Twilio inbound SMS: an opt-out phrase opts out (and is confirmed), anything else is filed.
        inbound.inbound_sms_receive(
            from_number=message.phone,
            body=message.content,
            provider="aliyun",
            provider_ref=message.sequence_id,
            received_at=message.received_at,
        )
    return backend.callback_response(updates=[])
