from django.urls import path

from staff.views import dashboard, people, qa, reviews, survey

app_name = "staff"

urlpatterns = [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/export/", dashboard.export, name="dashboard_export"),
    path("dashboard/records/", dashboard.records, name="records"),
    path("me/", dashboard.my_kpis, name="my_kpis"),
    path("profile/", people.profile, name="profile"),
    path("members/<int:pk>/", people.member, name="member"),
    path("duty/", people.duty_set, name="duty_set"),
    path("on-duty/", people.on_duty, name="on_duty"),
    path("training/", people.training_list, name="training"),
    path("training/new/", people.training_new, name="training_new"),
    path("qa/", qa.qa_queue, name="qa_queue"),
    path("qa/<int:pk>/", qa.qa_review, name="qa_review"),
    path("callbacks/", qa.callback_list, name="callbacks"),
    path("reviews/", reviews.review_list, name="reviews"),
    path("reviews/generate/", reviews.reviews_generate, name="reviews_generate"),
    path("reviews/export/", reviews.reviews_export, name="reviews_export"),
    path("reviews/scoring/", reviews.scoring, name="scoring"),
    path("reviews/<int:pk>/", reviews.review_detail, name="review_detail"),
    path("reviews/<int:pk>/comment/", reviews.review_comment, name="review_comment"),
    path("reviews/<int:pk>/sign-off/", reviews.review_sign_off, name="review_sign_off"),
    path("survey/<str:token>/", survey.survey, name="survey"),
]
