"""The ASGI application: Django over HTTP, and the live channels' WebSockets (#16) for signed-in staff and chat."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from aftersales.consumers import StaffConsumer  # noqa: E402
from livechat.consumers import AgentChatConsumer, CustomerChatConsumer  # noqa: E402

websocket_urlpatterns = [
    path("ws/staff/", StaffConsumer.as_asgi()),
    # The online chat (#16, protocol in livechat/consumers.py): the agent's panel, the customer's window.
    path("ws/chat/agent/<int:inquiry_id>/", AgentChatConsumer.as_asgi()),
    path("ws/chat/<str:token>/", CustomerChatConsumer.as_asgi()),
]

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
