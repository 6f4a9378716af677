"""Messaging backends behind one interface (see base.py). `get_backend()` returns the configured one."""

from __future__ import annotations

import importlib

from django.conf import settings

from reminders.backends.base import (  # noqa: F401
    MessagingBackend,
    PermanentSendError,
    SendError,
    SendResult,
    StatusUpdate,
    TransientSendError,
)


def get_backend(name: str | None = None) -> MessagingBackend:
    """Instantiate the backend named by MESSAGING_BACKEND ("outbox", "twilio" or a dotted module path)."""
    name = name or settings.MESSAGING_BACKEND
    module_path = name if "." in name else f"reminders.backends.{name}"
    return importlib.import_module(module_path).Backend()
