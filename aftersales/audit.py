"""The audit log: one function every write path calls; entries are never edited or deleted."""

from __future__ import annotations

from typing import Any

from django.db import models

from aftersales.models import AuditEntry

# Field names whose values are never written to the log in full.
PII_FIELDS = frozenset({"national_id", "mobile", "email", "address", "bank_card", "phone", "id_number", "card_number"})


def mask_value(field: str, value: Any) -> Any:
    """Mask a PII value for the log: keep only enough to recognise it."""
    if value in (None, ""):
        return value
    text = str(value)
    if field not in PII_FIELDS:
        return value
    if len(text) <= 4:
        return "*" * len(text)
    return text[:3] + "*" * (len(text) - 6) + text[-3:] if len(text) > 6 else text[0] + "***" + text[-1]


def client_ip(request) -> str | None:
    """Return the client address (REMOTE_ADDR, or X-Forwarded-For only behind settings.TRUSTED_PROXIES)."""
    from aftersales.security.client_address import client_ip as trusted_client_ip

    return trusted_client_ip(request)


def diff_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Return {field: [old, new]} for fields that changed, PII masked."""
    changes = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            changes[key] = [_jsonable(mask_value(key, old)), _jsonable(mask_value(key, new))]
    return changes


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def reason_clean(text: str | None, *, limit: int = 300) -> str:
    """A reason as the audit log keeps it: control characters (NUL included) dropped, white space folded."""
    printable = "".join(ch if ch.isprintable() else " " for ch in (text or ""))
    return " ".join(printable.split())[:limit]


def audit_log(
    *,
    actor=None,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_repr: str = "",
    changes: dict[str, Any] | None = None,
    reason: str = "",
    request=None,
) -> AuditEntry:
    """Append one entry to the audit log."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)[:200]
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        actor = request.user if request.user.is_authenticated else None
    return AuditEntry.objects.create(
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        actor_name=(actor.get_username() if actor is not None and getattr(actor, "pk", None) else "")[:150],
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        object_repr=object_repr[:200],
        changes={k: _jsonable(v) if not isinstance(v, list) else v for k, v in (changes or {}).items()},
        reason=(reason or "").replace("\x00", ""),
        ip_address=client_ip(request),
    )
