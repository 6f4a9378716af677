"""Email ingestion: read the inquiry mailbox over IMAP and turn each mail into an inquiry or a thread reply.

A mail is flagged \\Seen (or moved, when INQUIRY_IMAP_DONE_FOLDER is set) only after its inquiry is saved,
so a crash in between leaves it unread and the next run picks it up again; the Message-ID makes that
second pass store nothing twice. A mail that cannot be parsed is kept as an inquiry flagged for review,
with the original attached, and marked like any other.
"""

from __future__ import annotations

import email
import email.errors
import email.policy
import imaplib
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from inquiries import services

logger = logging.getLogger(__name__)

# Attachment types kept (anything else is noted in the thread but not stored).
ALLOWED_ATTACHMENT_TYPES = {
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "text/plain",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/msword",
    "application/vnd.ms-excel",
}
# Magic numbers of binary types: the declared type must match the content.
SIGNATURES = {
    "application/pdf": [b"%PDF"],
    "image/jpeg": [b"\xff\xd8\xff"],
    "image/png": [b"\x89PNG\r\n\x1a\n"],
    "image/gif": [b"GIF87a", b"GIF89a"],
    "image/webp": [b"RIFF"],
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": [b"PK\x03\x04"],
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": [b"PK\x03\x04"],
    "application/msword": [b"\xd0\xcf\x11\xe0"],
    "application/vnd.ms-excel": [b"\xd0\xcf\x11\xe0"],
}
# What reading a malformed mail may raise: the email package's own errors, bad values and charsets (UnicodeError is a
# ValueError; an unknown charset a LookupError), and the Attribute/Type errors its header parser is known to raise on
# broken input. Each is recorded in ParsedMail.problems; anything else is a bug and propagates.
MAIL_ERRORS = (email.errors.MessageError, ValueError, TypeError, LookupError, AttributeError)
# What talking to the IMAP server may raise: protocol errors, and socket, timeout and TLS errors (all OSErrors).
IMAP_ERRORS = (imaplib.IMAP4.error, OSError)
BATCH_SIZE = 50  # mails per run: a minute's worth for a busy mailbox; the rest waits for the next run


@dataclass
class ParsedMail:
    """One mail as the inquiry services need it; `problems` lists what could not be read."""

    subject: str = ""
    body: str = ""
    from_email: str = ""
    from_name: str = ""
    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    received_at: datetime | None = None
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    raw: bytes = b""

    @property
    def malformed(self) -> bool:
        return bool(self.problems)


@dataclass
class FetchResult:
    """What one mailbox run did, by outcome."""

    created: int = 0
    threaded: int = 0
    flagged: int = 0
    duplicates: int = 0
    failed: int = 0


def attachment_check(filename: str, content_type: str, data: bytes) -> str:
    """Why an attachment is refused ("" when it is acceptable): type, size, content matching the type."""
    max_bytes = settings.UPLOAD_MAX_BYTES
    if content_type not in ALLOWED_ATTACHMENT_TYPES:
        return "type"
    if len(data) > max_bytes:
        return "size"
    if not data:
        return "empty"
    signatures = SIGNATURES.get(content_type)
    if signatures and not any(data.startswith(sig) for sig in signatures):
        return "content"
    return ""


def _ids(value: str) -> list[str]:
    return re.findall(r"<[^<>\s]+>", value or "")


def parse_mail(raw: bytes) -> ParsedMail:
    """Parse raw RFC 5322 bytes; anything unreadable is recorded in `problems`, never raised."""
    parsed = ParsedMail(raw=raw)
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
    except MAIL_ERRORS as exc:  # pragma: no cover - the stdlib parser is lenient; this is the last resort
        parsed.problems.append(f"unparseable: {exc.__class__.__name__}")
        parsed.body = raw.decode("utf-8", "replace")[:20000]
        return parsed
    try:
        # Cut generously: the service masks numbers before it cuts the subject to 200 characters.
        parsed.subject = str(msg.get("Subject", "") or "").strip()[:1000]
    except MAIL_ERRORS:
        parsed.problems.append("bad Subject header")
    try:
        addresses = getaddresses([str(msg.get("From", "") or "")])
        name, address = addresses[0] if addresses else ("", "")
        if address and "@" in address:
            parsed.from_email, parsed.from_name = address.strip(), name.strip()
        else:
            parsed.problems.append("no sender address")
    except MAIL_ERRORS:
        parsed.problems.append("bad From header")
    parsed.message_id = (_ids(str(msg.get("Message-ID", "") or "")) or [""])[0]
    parsed.in_reply_to = _ids(str(msg.get("In-Reply-To", "") or "")) + _ids(str(msg.get("References", "") or ""))
    try:
        date = msg.get("Date")
        parsed.received_at = parsedate_to_datetime(str(date)) if date else None
        if parsed.received_at and timezone.is_naive(parsed.received_at):
            parsed.received_at = timezone.make_aware(parsed.received_at)
    except MAIL_ERRORS:
        parsed.received_at = None
    if not msg.keys():
        parsed.problems.append("no headers")
    try:
        body_part = msg.get_body(preferencelist=("plain", "html"))
        if body_part is not None:
            text = body_part.get_content()
            if body_part.get_content_type() == "text/html":
                text = strip_tags(text)
            parsed.body = text.strip()
        elif not msg.is_multipart():
            parsed.body = (msg.get_payload(decode=True) or b"").decode("utf-8", "replace").strip()
    except MAIL_ERRORS as exc:
        parsed.problems.append(f"unreadable body: {exc.__class__.__name__}")
        parsed.body = raw.decode("utf-8", "replace")[:20000]
    try:
        for part in msg.iter_attachments():
            data = part.get_payload(decode=True) or b""
            parsed.attachments.append((part.get_filename() or "attachment", part.get_content_type(), data))
    except MAIL_ERRORS as exc:
        parsed.problems.append(f"unreadable attachments: {exc.__class__.__name__}")
    return parsed


def mail_ingest(raw: bytes) -> tuple[services.Received, ParsedMail]:
    """Store one raw mail as an inquiry (or a reply in its thread), with its checked attachments."""
    parsed = parse_mail(raw)
    with transaction.atomic():
        received = services.inquiry_receive_email(
            subject=parsed.subject or _("(no subject)"),
            body=parsed.body or _("(empty message)"),
            from_email=parsed.from_email,
            from_name=parsed.from_name,
            message_id=parsed.message_id,
            in_reply_to=parsed.in_reply_to,
            received_at=min(parsed.received_at, timezone.now()) if parsed.received_at else timezone.now(),
            flagged=parsed.malformed,
            flag_reason="; ".join(parsed.problems),
        )
        if received.duplicate:
            return received, parsed  # stored by an earlier run
        refused = []
        for filename, content_type, data in parsed.attachments:
            reason = attachment_check(filename, content_type, data)
            if reason:
                refused.append(f"{filename} ({reason})")
                continue
            services.attachment_store(message=received.message, filename=filename, content_type=content_type, data=data)
        if parsed.malformed:
            # Keep the original so nothing the customer sent is lost.
            services.attachment_store(
                message=received.message, filename="original.eml", content_type="message/rfc822", data=raw
            )
        if refused:
            services.inquiry_note_add(
                inquiry=received.inquiry,
                author=None,
                body=_("Attachments not kept (type or size not allowed): %(files)s") % {"files": ", ".join(refused)},
            )
    return received, parsed


def _connect() -> imaplib.IMAP4:
    """A logged-in IMAP connection to the inquiry mailbox (SSL unless INQUIRY_IMAP_SSL is off)."""
    host, port = settings.INQUIRY_IMAP_HOST, settings.INQUIRY_IMAP_PORT
    timeout = settings.INQUIRY_IMAP_TIMEOUT
    if settings.INQUIRY_IMAP_SSL:
        conn = imaplib.IMAP4_SSL(host, port, timeout=timeout)
    else:
        conn = imaplib.IMAP4(host, port, timeout=timeout)
    conn.login(settings.INQUIRY_IMAP_USER, settings.INQUIRY_IMAP_PASSWORD)
    return conn


def mailbox_fetch(*, limit: int = BATCH_SIZE) -> FetchResult:
    """Read unseen mails from the inquiry mailbox and ingest them; each is marked only after it is saved."""
    result = FetchResult()
    if not settings.INQUIRY_IMAP_HOST:
        return result
    done_folder = settings.INQUIRY_IMAP_DONE_FOLDER
    conn = _connect()
    try:
        status, _data = conn.select(settings.INQUIRY_IMAP_FOLDER)
        if status != "OK":
            raise RuntimeError(f"cannot open IMAP folder {settings.INQUIRY_IMAP_FOLDER}")
        status, data = conn.uid("SEARCH", None, "UNSEEN")
        uids = (data[0] or b"").split()[:limit]
        for uid in uids:
            # BODY.PEEK does not set \Seen: only a successful save below does.
            status, fetched = conn.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((part[1] for part in fetched if isinstance(part, tuple)), None)
            if status != "OK" or raw is None:
                result.failed += 1
                continue
            # One mail that cannot be stored (database, storage, a bug) must not stop the batch: it stays unread.
            try:
                received, parsed = mail_ingest(raw)
            except Exception:  # noqa: BLE001 — the worker survives any one mail
                logger.exception("inquiry mail uid %s could not be stored; it stays unread for the next run", uid)
                result.failed += 1
                continue
            if received.duplicate:
                result.duplicates += 1
            elif received.created:
                result.created += 1
            else:
                result.threaded += 1
            if parsed.malformed:
                result.flagged += 1
            if done_folder:
                conn.uid("MOVE", uid, done_folder)
            else:
                conn.uid("STORE", uid, "+FLAGS", "(\\Seen)")
    finally:
        try:
            conn.logout()
        except IMAP_ERRORS:  # noqa: S110 - the connection is gone anyway
            pass
    return result


def build_test_mail(**kwargs) -> bytes:  # pragma: no cover - helper for the shell and demos
    """A simple mail as bytes (subject, body, from_email, message_id, in_reply_to)."""
    msg = EmailMessage()
    msg["Subject"] = kwargs.get("subject", "Question")
    msg["From"] = kwargs.get("from_email", "customer@example.com")
    msg["To"] = settings.INQUIRY_IMAP_USER or "service@example.com"
    if kwargs.get("message_id"):
        msg["Message-ID"] = kwargs["message_id"]
    if kwargs.get("in_reply_to"):
        msg["In-Reply-To"] = kwargs["in_reply_to"]
    msg.set_content(kwargs.get("body", "Hello"))
    return bytes(msg)
