from django.urls import path

from loans import views

app_name = "loans"

urlpatterns = [
    path("", views.loan_list, name="list"),
    path("export.xlsx", views.loan_list_xlsx, name="list_xlsx"),
    path("new/", views.loan_create, name="create"),
    path("<int:pk>/", views.loan_detail, name="detail"),
    path("<int:pk>/repayments/new/", views.repayment_post, name="repayment_post"),
    path("<int:pk>/settle/", views.loan_settle, name="settle"),
    path("<int:pk>/settlement-certificate/", views.settlement_certificate, name="settlement_certificate"),
    path("<int:pk>/waivers/new/", views.waiver_request, name="waiver_request"),
    path("<int:pk>/restructure/new/", views.restructure_new, name="restructure_new"),
    path("<int:pk>/review/", views.review_new, name="review_new"),
    path("repayments/<int:pk>/reverse/", views.repayment_reverse, name="repayment_reverse"),
    path("waivers/", views.waiver_list, name="waiver_list"),
    path("waivers/<int:pk>/decide/", views.waiver_decide, name="waiver_decide"),
    path("plans/", views.restructure_list, name="restructure_list"),
    path("plans/<int:pk>/", views.restructure_detail, name="restructure_detail"),
    path("plans/<int:pk>/agreement/", views.restructure_agreement, name="restructure_agreement"),
    path("plans/<int:pk>/review/", views.restructure_review, name="restructure_review"),
    path("plans/<int:pk>/approve/", views.restructure_approve, name="restructure_approve"),
    path("plans/<int:pk>/accept/", views.restructure_accept, name="restructure_accept"),
    path("plans/<int:pk>/reject/", views.restructure_reject, name="restructure_reject"),
    path("reviews/", views.review_queue, name="review_queue"),
    path("reviews.xlsx", views.review_queue_xlsx, name="review_queue_xlsx"),
    path("revenue/", views.revenue_report, name="revenue_report"),
    path("revenue.csv", views.revenue_csv, name="revenue_csv"),
    path("reconciliation/", views.reconciliation, name="reconciliation"),
]
