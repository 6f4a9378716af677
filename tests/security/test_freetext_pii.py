"""PII typed into free text (issue 12 item 4): masked wherever shown, kept encrypted, revealed only with audit."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.urls import reverse
from twilio.request_validator import RequestValidator

from aftersales.models import AuditEntry
from customers import crypto
from inquiries import mailbox
from inquiries.models import Inquiry, InquiryMessage
from tests.inquiries.factories import make_customer, make_inquiry

pytestmark = pytest.mark.django_db

TOKEN = "test-auth-token"
# Hand-checked: 11010519900101123 has GB 11643 check digit 2; 622202123456789 has Luhn digit 4.
ID_NUMBER = "110105199001011232"
ID_MASKED = "110***********1232"
CARD = "6222021234567894"
CARD_MASKED = "6222 **** **** 7894"
SMS_TEXT = f"我的身份证号{ID_NUMBER}请核实，还款卡{CARD}扣款失败"
SMS_MASKED = f"我的身份证号{ID_MASKED}请核实，还款卡{CARD_MASKED}扣款失败"


@pytest.fixture
def twilio_settings(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.PUBLIC_BASE_URL = "https://portal.example.com"
    return settings


def _sms_in(client, settings, body: str, sid: str = "SMpii1", sender: str = "+8613900002222"):
    url = reverse("inquiries:sms_webhook")
    params = {"From": sender, "To": "+15005550006", "Body": body, "MessageSid": sid}
    signature = RequestValidator(TOKEN).compute_signature(settings.PUBLIC_BASE_URL + url, params)
    response = client.post(url, params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 200
    return Inquiry.objects.get()


def _raw(sql: str, params: list) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


# ---- shown masked -------------------------------------------------------------------------------


def test_sms_with_id_and_card_numbers_is_masked_in_the_queue_and_the_thread(client, twilio_settings, agent):
    # given an SMS with an ID number and a card number glued to Chinese text
    inquiry = _sms_in(client, twilio_settings, SMS_TEXT)
    client.force_login(agent)
    # when the agent opens the queue and the thread
    queue = client.get(reverse("inquiries:queue")).content.decode()
    thread = client.get(reverse("inquiries:detail", args=[inquiry.pk])).content.decode()
    # then both show the masked numbers and neither shows a full one
    for page in (queue, thread):
        assert ID_NUMBER not in page and CARD not in page
    assert SMS_MASKED[:40] in queue  # the subject is the first line, masked
    assert SMS_MASKED in thread
    # and an agent (without view_full_pii) gets no reveal form
    assert 'data-testid="reveal-text-' not in thread


def test_columns_hold_the_masked_text_and_the_encrypted_original(client, twilio_settings):
    # given an SMS with PII
    inquiry = _sms_in(client, twilio_settings, SMS_TEXT)
    message = inquiry.messages.get()
    # when the rows are read as stored
    body, body_full = _raw("SELECT body, body_full FROM inquiries_inquirymessage WHERE id = %s", [message.pk])
    subject, subject_full = _raw("SELECT subject, subject_full FROM inquiries_inquiry WHERE id = %s", [inquiry.pk])
    # then the displayed columns hold no full number; the encrypted ones decrypt to the original
    assert body == SMS_MASKED and subject == SMS_MASKED
    for stored in (body_full, subject_full):
        assert ID_NUMBER not in stored and CARD not in stored
        assert crypto.decrypt(stored) == SMS_TEXT


def test_text_without_numbers_keeps_no_encrypted_copy(client, twilio_settings):
    inquiry = _sms_in(client, twilio_settings, "请问下个月几号还款？")
    message = inquiry.messages.get()
    assert (message.body, message.body_full, inquiry.subject_full) == ("请问下个月几号还款？", "", "")


def test_email_subject_and_body_are_masked():
    # given a mail with a mobile and a card number in its subject and body
    raw = mailbox.build_test_mail(
        subject=f"卡号 {CARD[:4]} {CARD[4:8]} {CARD[8:12]} {CARD[12:]} 扣款问题",
        body="请打我电话 +86 139 0000 3333",
        from_email="kehu@example.com",
        message_id="<pii-1@example.com>",
    )
    # when it is ingested
    received, _parsed = mailbox.mail_ingest(raw)
    inquiry = Inquiry.objects.get(pk=received.inquiry.pk)
    # then the subject and body are masked, the originals kept encrypted
    assert inquiry.subject == f"卡号 {CARD_MASKED} 扣款问题"
    assert inquiry.subject_full == f"卡号 {CARD[:4]} {CARD[4:8]} {CARD[8:12]} {CARD[12:]} 扣款问题"
    message = received.message
    message.refresh_from_db()
    assert message.body == "请打我电话 139****3333"
    assert message.body_full == "请打我电话 +86 139 0000 3333"


def test_online_form_hotline_and_agent_reply_are_masked(client, agent):
    # given an online question, a hotline call and an agent's reply, each with a number typed in
    client.post(
        reverse("inquiries:online"),
        {"name": "Li", "mobile": "13900004444", "category": "fees", "question": f"身份证{ID_NUMBER}"},
    )
    online = Inquiry.objects.get(channel=Inquiry.Channel.ONLINE)
    client.force_login(agent)
    client.post(
        reverse("inquiries:hotline_new"),
        {"mobile": "139 0000 5555", "category": "repayment", "summary": f"卡号{CARD}"},
    )
    hotline = Inquiry.objects.get(channel=Inquiry.Channel.HOTLINE)
    client.post(reverse("inquiries:reply", args=[online.pk]), {"via": "sms", "body": f"您的卡{CARD}已更新"})
    # then every stored text is masked
    assert online.subject == f"身份证{ID_MASKED}"
    assert online.messages.get(kind="customer").body == f"身份证{ID_MASKED}"
    assert hotline.subject == f"卡号{CARD_MASKED}"
    reply = online.messages.get(kind="reply")
    assert (reply.body, reply.body_full) == (f"您的卡{CARD_MASKED}已更新", f"您的卡{CARD}已更新")


def test_customer_360_timeline_shows_the_masked_subject(client_manager, twilio_settings):
    customer = make_customer(mobile="+8613900006666")
    inquiry = make_inquiry(phone="+8613900006666", body=f"卡号{CARD}", customer=customer)
    page = client_manager.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert inquiry.reference in page
    assert f"卡号{CARD_MASKED}" in page and CARD not in page


# ---- reveal -------------------------------------------------------------------------------------


def test_reveal_with_permission_and_reason_shows_the_text_and_is_audited(client_manager, manager, twilio_settings):
    # given an inquiry with PII and a manager (view_full_pii) who sees the reveal form
    inquiry = make_inquiry(body=SMS_TEXT)
    message = inquiry.messages.get()
    page = client_manager.get(reverse("inquiries:detail", args=[inquiry.pk])).content.decode()
    assert f'data-testid="reveal-text-{message.pk}"' in page
    # when the manager reveals the message with a reason (htmx swap)
    response = client_manager.post(
        reverse("inquiries:text_reveal", args=[inquiry.pk]),
        {"message": message.pk, "reason": "  customer disputes   the card  "},
        HTTP_HX_REQUEST="true",
    )
    # then the full text is shown and the reveal is in the audit log with the reason
    assert response.status_code == 200
    assert SMS_TEXT in response.content.decode()
    entry = AuditEntry.objects.get(action="pii_reveal")
    assert entry.actor == manager
    assert entry.reason == "customer disputes the card"
    assert entry.object_id == str(inquiry.pk)
    assert entry.changes == {"field": "message", "message": message.pk}
    assert ID_NUMBER not in str(entry.changes) and CARD not in str(entry.changes)


def test_reveal_of_the_subject_without_htmx_shows_it_on_the_page(client_manager):
    inquiry = make_inquiry(body=SMS_TEXT)
    response = client_manager.post(reverse("inquiries:text_reveal", args=[inquiry.pk]), {"reason": "identity check"})
    assert response.status_code == 200
    assert 'data-testid="revealed-text"' in response.content.decode()
    assert SMS_TEXT in response.content.decode()
    assert AuditEntry.objects.get(action="pii_reveal").changes == {"field": "subject", "message": None}


def test_reveal_without_a_reason_shows_the_message_and_logs_nothing(client_manager):
    inquiry = make_inquiry(body=SMS_TEXT)
    message = inquiry.messages.get()
    response = client_manager.post(
        reverse("inquiries:text_reveal", args=[inquiry.pk]),
        {"message": message.pk, "reason": "   "},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "the reason is written to the audit log" in content
    assert CARD not in content and ID_NUMBER not in content
    assert not AuditEntry.objects.filter(action="pii_reveal").exists()


def test_a_reason_with_control_characters_is_kept_clean_and_never_a_server_error(client_manager):
    # given a reason a client pasted with a NUL byte and a tab (PostgreSQL refuses NUL in text)
    inquiry = make_inquiry(body=SMS_TEXT)
    message = inquiry.messages.get()
    # when
    response = client_manager.post(
        reverse("inquiries:text_reveal", args=[inquiry.pk]),
        {"message": message.pk, "reason": "check\x00 card\tnumber"},
        HTTP_HX_REQUEST="true",
    )
    # then the text is revealed and the audit log keeps the reason without the control characters
    assert response.status_code == 200
    assert AuditEntry.objects.get(action="pii_reveal").reason == "check card number"
    # and a reason made only of control characters is no reason
    response = client_manager.post(
        reverse("inquiries:text_reveal", args=[inquiry.pk]),
        {"message": message.pk, "reason": "\x00\x00"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400


def test_forged_reveal_without_permission_is_403(client_agent):
    inquiry = make_inquiry(body=SMS_TEXT)
    message = inquiry.messages.get()
    response = client_agent.post(
        reverse("inquiries:text_reveal", args=[inquiry.pk]), {"message": message.pk, "reason": "curious"}
    )
    assert response.status_code == 403
    assert CARD not in response.content.decode()
    assert not AuditEntry.objects.filter(action="pii_reveal").exists()


def test_reveal_of_another_inquirys_message_is_404(client_manager):
    inquiry = make_inquiry(body=SMS_TEXT)
    other = make_inquiry(body="卡号" + CARD).messages.get()
    response = client_manager.post(
        reverse("inquiries:text_reveal", args=[inquiry.pk]), {"message": other.pk, "reason": "x"}
    )
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action="pii_reveal").exists()


# ---- complaints ---------------------------------------------------------------------------------


def test_public_complaint_description_is_masked_and_kept_encrypted(client, manager):
    from complaints.models import Complaint

    # given a public complaint with a card number and an ID number in its texts
    client.post(
        reverse("complaints:public_new"),
        {
            "contact_name": "李雷",
            "contact_phone": "138 0013 8000",
            "category": "fees",
            "summary": f"卡{CARD}被多扣",
            "description": f"身份证{ID_NUMBER}，卡号{CARD}，多扣了200元",
            "website": "",
        },
    )
    complaint = Complaint.objects.get()
    # then the shown columns are masked and the originals are kept encrypted
    assert complaint.summary == f"卡{CARD_MASKED}被多扣"
    assert complaint.description == f"身份证{ID_MASKED}，卡号{CARD_MASKED}，多扣了200元"
    assert complaint.description_full == f"身份证{ID_NUMBER}，卡号{CARD}，多扣了200元"
    stored = _raw("SELECT description, description_full FROM complaints_complaint WHERE id = %s", [complaint.pk])
    assert CARD not in stored[0] and CARD not in stored[1]
    # and the complaint pages show no full number
    client.force_login(manager)
    for url in (reverse("complaints:detail", args=[complaint.pk]), reverse("complaints:list")):
        page = client.get(url).content.decode()
        assert CARD not in page and ID_NUMBER not in page
    assert CARD_MASKED in client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()


def test_complaint_from_inquiry_keeps_the_original_encrypted(agent):
    from complaints.services import complaint_from_inquiry

    inquiry = make_inquiry(body=SMS_TEXT)
    complaint, _created = complaint_from_inquiry(inquiry=inquiry, actor=agent)
    assert complaint.description == SMS_MASKED
    assert complaint.description_full == SMS_TEXT
    assert complaint.summary_full == SMS_TEXT


def test_complaint_edit_with_the_masked_text_unchanged_keeps_the_original(agent):
    from complaints.services import complaint_create, complaint_update

    complaint = complaint_create(
        source="hotline", category="fees", summary="多扣费", description=f"卡号{CARD}", created_by=agent
    )
    # when the edit form sends the masked description back unchanged, and a new demand with a mobile
    complaint_update(
        complaint=complaint, actor=agent, description=f"卡号{CARD_MASKED}", customer_demand="回电13900007777"
    )
    complaint.refresh_from_db()
    # then the original description stays, and the new text is protected
    assert (complaint.description, complaint.description_full) == (f"卡号{CARD_MASKED}", f"卡号{CARD}")
    assert (complaint.customer_demand, complaint.customer_demand_full) == ("回电139****7777", "回电13900007777")


# ---- existing rows ------------------------------------------------------------------------------


def test_migration_masks_existing_rows_and_keeps_the_originals():
    # given rows stored before masking existed (full numbers in the shown columns)
    inquiry = make_inquiry(body="hello")
    message = inquiry.messages.get()
    Inquiry.objects.filter(pk=inquiry.pk).update(subject=f"卡号{CARD}")
    InquiryMessage.objects.filter(pk=message.pk).update(body=SMS_TEXT)
    plain = make_inquiry(body="没有号码 123")
    # when the data migration runs
    migration = importlib.import_module("inquiries.migrations.0004_masked_text_with_encrypted_original")
    migration.mask_existing(django_apps, None)
    # then the shown columns are masked and the originals encrypted; text without numbers is untouched
    inquiry.refresh_from_db()
    message.refresh_from_db()
    assert (inquiry.subject, inquiry.subject_full) == (f"卡号{CARD_MASKED}", f"卡号{CARD}")
    assert (message.body, message.body_full) == (SMS_MASKED, SMS_TEXT)
    assert plain.messages.get().body_full == ""
    # and undoing it restores the originals
    migration.unmask_existing(django_apps, None)
    message.refresh_from_db()
    assert (message.body, message.body_full) == (SMS_TEXT, "")


def test_complaint_description_reveal_needs_the_permission_and_is_audited(client, agent, manager):
    from complaints.services import complaint_create

    complaint = complaint_create(
        source="hotline", category="fees", summary="多扣费", description=f"卡号{CARD}", created_by=agent
    )
    url = reverse("complaints:text_reveal", args=[complaint.pk])
    # given an agent: no reveal form on the page, and a forged POST is refused
    client.force_login(agent)
    page = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert 'data-testid="reveal-text-description"' not in page
    assert client.post(url, {"field": "description", "reason": "curious"}).status_code == 403
    # when a manager reveals it with a reason
    client.force_login(manager)
    page = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert 'data-testid="reveal-text-description"' in page
    response = client.post(url, {"field": "description", "reason": "fee refund check"}, HTTP_HX_REQUEST="true")
    # then the text as written is shown once and the reveal is audit-logged
    assert response.status_code == 200 and f"卡号{CARD}" in response.content.decode()
    entry = AuditEntry.objects.get(action="pii_reveal")
    assert (entry.actor, entry.reason, entry.changes) == (manager, "fee refund check", {"field": "description"})
    assert entry.object_id == str(complaint.pk)
    # and a field that is not free text cannot be asked for
    assert client.post(url, {"field": "contact_phone", "reason": "x"}).status_code == 404
