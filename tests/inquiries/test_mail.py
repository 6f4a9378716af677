"""Email ingestion against a real IMAP server (Dovecot on 127.0.0.1, started by the test)."""

from __future__ import annotations

import imaplib
import shutil
import socket
import subprocess
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.core.management import call_command

from inquiries import mailbox, services
from inquiries.models import Inquiry, InquiryAttachment, InquiryMessage
from inquiries.services import intake
from tests.conftest import missing

USER, PASSWORD = "support", "secret"

CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {t}/run
state_dir = {t}/state
log_path = {t}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{t}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {t}/users
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={t}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


def _free_port() -> int:
    """A port nothing listens on now (two test runs at once must not share Dovecot's port)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.02)
    return False


@pytest.fixture(scope="module")
def dovecot():
    """A throwaway Dovecot IMAP server with one mailbox (support/secret), on a free port; yields the port."""
    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    if not Path(binary).exists():
        missing("needs Dovecot: apt-get install dovecot-imapd")
    # Not under pytest's 0700 temp root: Dovecot's auth process (user dovecot) must read the users file.
    t = Path(tempfile.mkdtemp(prefix="inquiries-dovecot-"))
    t.chmod(0o755)
    (t / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    subprocess.run(["install", "-d", "-o", "nobody", "-g", "nogroup", str(t / "mail")], check=True)
    conf = t / "dovecot.conf"
    port = _free_port()
    conf.write_text(CONFIG.format(t=t, port=port))
    process = subprocess.Popen(
        [binary, "-F", "-c", str(conf)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    if not _wait_for_port(port):
        process.terminate()
        process.wait(5)
        missing("Dovecot did not start: " + ((t / "dovecot.log").read_text() if (t / "dovecot.log").exists() else ""))
    yield port
    process.terminate()
    process.wait(10)
    shutil.rmtree(t, ignore_errors=True)


@pytest.fixture
def imap(dovecot, settings):
    """Settings pointed at the server, an empty INBOX, and an admin connection to inspect it."""
    settings.INQUIRY_IMAP_HOST = "127.0.0.1"
    settings.INQUIRY_IMAP_PORT = dovecot
    settings.INQUIRY_IMAP_USER = USER
    settings.INQUIRY_IMAP_PASSWORD = PASSWORD
    settings.INQUIRY_IMAP_SSL = False
    settings.INQUIRY_IMAP_FOLDER = "INBOX"
    conn = imaplib.IMAP4("127.0.0.1", dovecot)
    conn.login(USER, PASSWORD)
    conn.select("INBOX")
    conn.store("1:*", "+FLAGS", "(\\Deleted)") if _count(conn) else None
    conn.expunge()
    yield conn
    conn.logout()


def _count(conn) -> int:
    status, data = conn.select("INBOX")
    return int(data[0])


def _unseen(conn) -> int:
    conn.select("INBOX")
    status, data = conn.search(None, "UNSEEN")
    return len(data[0].split())


def _append(conn, raw: bytes) -> None:
    status, _ = conn.append("INBOX", "", imaplib.Time2Internaldate(time.time()), raw)
    assert status == "OK"


def _mail(subject: str, body: str, *, sender="kehu@example.com", message_id="", in_reply_to="", attach=None) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"客户 <{sender}>"
    msg["To"] = "service@example.com"
    msg["Subject"] = subject
    msg["Date"] = "Sat, 28 Nov 2026 10:00:00 +0800"
    if message_id:
        msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    msg.set_content(body)
    for filename, maintype, subtype, data in attach or []:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return bytes(msg)


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.django_db
def test_new_mail_creates_inquiry_with_checked_attachments(imap):
    # given a mail with a PDF, an executable and a "PNG" that is not one
    _append(
        imap,
        _mail(
            "结清证明",
            "请开具结清证明，谢谢。",
            message_id="<m1@example.com>",
            attach=[
                ("statement.pdf", "application", "pdf", PDF),
                ("virus.exe", "application", "x-msdownload", b"MZ\x90\x00"),
                ("photo.png", "image", "png", b"not really a png"),
            ],
        ),
    )
    # when the mailbox is read
    result = mailbox.mailbox_fetch()
    # then one email inquiry exists with the PDF kept and the refusals noted; the mail is marked seen
    assert (result.created, result.failed) == (1, 0)
    inquiry = Inquiry.objects.get()
    assert inquiry.channel == Inquiry.Channel.EMAIL and inquiry.subject == "结清证明"
    assert inquiry.contact_email == "kehu@example.com" and inquiry.contact_name == "客户"
    attachment = InquiryAttachment.objects.get()
    assert attachment.original_name == "statement.pdf" and attachment.file.read() == PDF
    note = inquiry.messages.get(kind="note").body
    assert "virus.exe (type)" in note and "photo.png (content)" in note
    assert _unseen(imap) == 0 and _count(imap) == 1  # kept in the mailbox, only marked


@pytest.mark.django_db
def test_reply_threads_by_reference_and_by_in_reply_to(imap, agent):
    _append(imap, _mail("还款日", "这期还款日是哪天？", message_id="<q1@example.com>"))
    mailbox.mailbox_fetch()
    inquiry = Inquiry.objects.get()
    # the agent's reply by email carries the reference and a Message-ID
    services.inquiry_reply(inquiry=inquiry, author=agent, body="15号。", via="email")
    ours = inquiry.messages.get(kind="reply").email_message_id
    # when the customer answers quoting the reference, and again answering our Message-ID without it
    _append(imap, _mail(f"Re: [{inquiry.reference}] 还款日", "好的，谢谢", message_id="<q2@example.com>"))
    _append(imap, _mail("Re: 还款日", "还有一个问题", message_id="<q3@example.com>", in_reply_to=ours))
    result = mailbox.mailbox_fetch()
    # then both thread into the same inquiry
    assert (result.created, result.threaded) == (0, 2)
    assert Inquiry.objects.count() == 1
    bodies = list(inquiry.messages.filter(kind="customer").values_list("body", flat=True))
    assert bodies == ["这期还款日是哪天？", "好的，谢谢", "还有一个问题"]
    inquiry.refresh_from_db()
    assert inquiry.awaiting_agent is True


@pytest.mark.django_db
def test_malformed_mail_is_kept_and_flagged(imap):
    # given bytes that are no proper mail: no headers, no sender, broken encoding
    raw = b"\xff\xfe garbage without headers\r\n\r\n\x00\x01 body"
    _append(imap, raw)
    # when the mailbox is read
    result = mailbox.mailbox_fetch()
    # then an inquiry flagged for review keeps the original
    assert result.flagged == 1
    inquiry = Inquiry.objects.get()
    assert inquiry.flagged and "no sender address" in inquiry.flag_reason
    original = InquiryAttachment.objects.get(original_name="original.eml")
    assert original.file.read().startswith(b"\xff\xfe garbage")
    assert _count(imap) == 1


@pytest.mark.django_db(transaction=True)
def test_no_mail_is_marked_before_its_inquiry_is_saved(imap, monkeypatch):
    # given two mails and a database failure while the second is stored
    _append(imap, _mail("第一封", "one", message_id="<a1@example.com>"))
    _append(imap, _mail("第二封", "two", message_id="<a2@example.com>"))
    real = intake.inquiry_create  # the email channel opens new inquiries through the intake module
    calls = {"n": 0}

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("database went away")
        return real(**kwargs)

    monkeypatch.setattr(intake, "inquiry_create", flaky)
    # when the mailbox is read
    result = mailbox.mailbox_fetch()
    # then the first is stored and marked, the second stays unread and nothing half-stored remains
    assert (result.created, result.failed) == (1, 1)
    assert _unseen(imap) == 1
    assert InquiryMessage.objects.count() == 1
    # and the next run picks it up
    monkeypatch.setattr(intake, "inquiry_create", real)
    result = mailbox.mailbox_fetch()
    assert result.created == 1 and _unseen(imap) == 0
    assert sorted(Inquiry.objects.values_list("subject", flat=True)) == ["第一封", "第二封"]


@pytest.mark.django_db
def test_mail_fetched_twice_is_stored_once(imap):
    raw = _mail("重复", "same", message_id="<dup@example.com>")
    mailbox.mail_ingest(raw)  # stored, but (say) the worker died before marking it
    _append(imap, raw)
    result = mailbox.mailbox_fetch()
    assert (result.created, result.duplicates) == (0, 1)
    assert Inquiry.objects.count() == 1 and _unseen(imap) == 0


@pytest.mark.django_db
def test_management_command(imap, capsys):
    _append(imap, _mail("命令", "via command", message_id="<c1@example.com>"))
    call_command("fetch_inquiry_mail")
    assert "new inquiries: 1" in capsys.readouterr().out
    assert Inquiry.objects.count() == 1
