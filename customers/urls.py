from django.urls import path

from customers import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("export.xlsx", views.customer_list_xlsx, name="list_xlsx"),
    path("new/", views.customer_create, name="create"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/reveal/", views.customer_reveal, name="reveal"),
    path("<int:pk>/consent/", views.customer_consent, name="consent"),
    path("<int:pk>/data-report/", views.customer_data_report, name="data_report"),
    path("<int:pk>/preferences/", views.customer_preferences, name="preferences"),
]
