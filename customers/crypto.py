"""PII at rest: Fernet encryption with rotating keys, and a keyed hash for exact search."""

from __future__ import annotations

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])


def fernet() -> MultiFernet:
    """The MultiFernet of FIELD_ENCRYPTION_KEYS (newest first: it encrypts, all decrypt)."""
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    """Encrypt a string with the newest key; empty stays empty."""
    if not value:
        return ""
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    """Decrypt a token written by any configured key; empty stays empty."""
    if not token:
        return ""
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("PII token cannot be decrypted with the configured keys") from exc


def rotate(token: str) -> str:
    """Re-encrypt a token with the newest key."""
    if not token:
        return ""
    return fernet().rotate(token.encode()).decode()


def pii_hash(value: str) -> str:
    """Keyed hash (HMAC-SHA256) of a normalised value, for exact search without decrypting."""
    if not value:
        return ""
    key = settings.PII_HASH_KEY.encode()
    return hmac.new(key, value.strip().upper().encode(), hashlib.sha256).hexdigest()
