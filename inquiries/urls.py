from django.urls import path

from inquiries import views
from inquiries.views import calls, departments, exports

app_name = "inquiries"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("export.xlsx", exports.queue_xlsx, name="queue_xlsx"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/claim/", views.claim, name="claim"),
    path("<int:pk>/reveal/", views.text_reveal, name="text_reveal"),
    path("<int:pk>/reply/", views.reply, name="reply"),
    path("<int:pk>/call/", views.call_log, name="call_log"),
    path("<int:pk>/callback-done/", calls.callback_done, name="callback_done"),
    path("<int:pk>/note/", views.note, name="note"),
    path("<int:pk>/escalate/", views.escalate, name="escalate"),
    path("<int:pk>/resolve/", views.resolve, name="resolve"),
    path("<int:pk>/reopen/", views.reopen, name="reopen"),
    path("<int:pk>/reassign/", views.reassign, name="reassign"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("hotline/", views.hotline_new, name="hotline_new"),
    path("hotline/lookup/", views.customer_lookup, name="customer_lookup"),
    path("supervisor/", views.supervisor, name="supervisor"),
    path("departments/", departments.departments, name="departments"),
    path("departments/<slug:code>/", departments.department_queue, name="department_queue"),
    path("<int:pk>/department/", departments.department_inquiry, name="department_inquiry"),
    path("<int:pk>/department/answer/", departments.department_answer, name="department_answer"),
    path("ask/", views.online, name="online"),
    path("ask/thanks/", views.online_thanks, name="online_thanks"),
    path("webhooks/sms/", views.sms_webhook, name="sms_webhook"),
]
