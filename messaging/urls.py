from django.urls import path

from messaging import inbound_calls, views

app_name = "messaging"

# Mounted at the site root: providers are configured with these paths (they were under /reminders/ before the
# gateway moved into messaging, #15), so the paths stay as they were.
urlpatterns = [
    path("reminders/webhooks/sms-status/", views.webhook_sms_status, name="webhook_sms_status"),
    path("reminders/webhooks/call-status/", views.webhook_call_status, name="webhook_call_status"),
    # Alibaba Cloud's console is configured with these (SmsReport, SmsUp), with ?token=<ALIYUN_SMS_RECEIPT_TOKEN>.
    path("messaging/webhooks/aliyun/report/", views.webhook_aliyun_report, name="webhook_aliyun_report"),
    path("messaging/webhooks/aliyun/up/", views.webhook_aliyun_up, name="webhook_aliyun_up"),
    # The hotline number's voice URLs (#16): "A call comes in", the <Dial> action, "Call status changes".
    path("messaging/webhooks/voice/incoming/", inbound_calls.voice_incoming, name="voice_incoming"),
    path("messaging/webhooks/voice/dial-status/", inbound_calls.voice_dial_status, name="voice_dial_status"),
    path("messaging/webhooks/voice/call-status/", inbound_calls.voice_call_status, name="voice_call_status"),
]
