"""Evidence files: the type is decided by the file's first bytes (magic numbers), never by its name alone."""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class FileKind:
    content_type: str
    extensions: tuple[str, ...]


PDF = FileKind("application/pdf", (".pdf",))
JPEG = FileKind("image/jpeg", (".jpg", ".jpeg"))
PNG = FileKind("image/png", (".png",))
GIF = FileKind("image/gif", (".gif",))
WEBP = FileKind("image/webp", (".webp",))
MP3 = FileKind("audio/mpeg", (".mp3",))
WAV = FileKind("audio/wav", (".wav",))
M4A = FileKind("audio/mp4", (".m4a", ".mp4"))
ALLOWED = (PDF, JPEG, PNG, GIF, WEBP, MP3, WAV, M4A)
ALLOWED_EXTENSIONS = sorted({ext for kind in ALLOWED for ext in kind.extensions})


def sniff(head: bytes) -> FileKind | None:
    """Return the allowed kind the bytes start with, or None (executables, archives, scripts, unknown)."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return WAV
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return MP3
    if head[4:8] == b"ftyp":
        return M4A
    return None


def max_bytes() -> int:
    return int(settings.UPLOAD_MAX_BYTES)


def validate_evidence(upload) -> FileKind:
    """Check size, content and name of an uploaded file; raise ValidationError with a message saying why."""
    limit = max_bytes()
    if upload.size > limit:
        raise ValidationError(
            _("“%(name)s” is %(size)s; files may be at most %(limit)s.")
            % {"name": upload.name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": upload.name}, code="empty")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = sniff(head)
    if kind is None:
        raise ValidationError(
            _(
                "“%(name)s” is not an allowed file type. Allowed: PDF, images (JPEG, PNG, GIF, WebP) and audio (MP3, WAV, M4A)."
            )
            % {"name": upload.name},
            code="type",
        )
    ext = os.path.splitext(upload.name)[1].lower()
    if ext not in kind.extensions:
        raise ValidationError(
            _("“%(name)s” does not contain what its name says (the content is %(type)s). Rename or re-export it.")
            % {"name": upload.name, "type": kind.content_type},
            code="mismatch",
        )
    return kind
