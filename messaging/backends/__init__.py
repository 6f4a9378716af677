"""Messaging backends behind one interface (see base.py). `get_backend()` returns the configured one.

Only the messaging app imports this package: other apps send through `messaging.api`.
"""

from __future__ import annotations

import importlib

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from messaging.backends.base import (  # noqa: F401
    BaseBackend,
    MessagingBackend,
    PermanentSendError,
    SendError,
    SendResult,
    StatusUpdate,
    TransientSendError,
)

# MESSAGING_BACKEND short names; anything with a dot is taken as a module path holding a `Backend` class.
BACKENDS = {
    "outbox": "messaging.backends.outbox",
    "twilio": "messaging.backends.twilio",
    "aliyun": "messaging.backends.aliyun",  # Alibaba Cloud SMS (dysmsapi): template code + parameters
}


def get_backend(name: str | None = None) -> MessagingBackend:
    """Instantiate the backend named by MESSAGING_BACKEND ("outbox", "twilio", "aliyun" or a dotted module path)."""
    name = name or settings.MESSAGING_BACKEND
    module_path = name if "." in name else BACKENDS.get(name)
    if module_path is None:
        raise ImproperlyConfigured(f"MESSAGING_BACKEND {name!r} is not one of {', '.join(BACKENDS)} nor a module path")
    return importlib.import_module(module_path).Backend()
