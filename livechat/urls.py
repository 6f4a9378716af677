from django.urls import path

from livechat import views

app_name = "livechat"

urlpatterns = [
    path("chat/", views.chat, name="chat"),
    path("chat/start/", views.start, name="start"),
    path("chat/code/", views.send_code, name="send_code"),
    path("chat/thanks/", views.thanks, name="thanks"),
    path("chat/<slug:token>/", views.window, name="window"),
]
