from django.urls import path

from reminders import views

app_name = "reminders"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("outbox/", views.outbox, name="outbox"),
    path("contact-tasks/", views.contact_tasks, name="contact_tasks"),
    path("contact-tasks/<int:pk>/resolve/", views.contact_task_resolve, name="contact_task_resolve"),
    path("loans/<int:loan_id>/", views.loan_reminders, name="loan_reminders"),
    path("installments/<int:installment_id>/send-now/", views.send_now, name="send_now"),
]
