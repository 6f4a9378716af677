"""Evidence: checked by content and size, refused with a message, the rest of the form kept; served only to staff."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from complaints.models import Complaint, Evidence
from tests.complaints.factories import make_complaint, make_customer

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def test_executable_disguised_as_pdf_is_refused_and_the_note_kept(client_agent):
    complaint = make_complaint()
    # when
    response = client_agent.post(
        reverse("complaints:evidence_add", args=[complaint.pk]),
        {
            "file": SimpleUploadedFile("statement.pdf", EXE_BYTES, "application/pdf"),
            "description": "Bank statement May",
        },
    )
    # then: the page comes back with the reason and the description still filled in; nothing stored
    body = response.content.decode()
    assert response.status_code == 200
    assert "is not an allowed file type" in body
    assert 'value="Bank statement May"' in body
    assert Evidence.objects.count() == 0


def test_oversize_file_is_refused_with_the_limit(client_agent, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    complaint = make_complaint()
    big = PDF_BYTES + b"0" * 2000
    response = client_agent.post(
        reverse("complaints:evidence_add", args=[complaint.pk]),
        {"file": SimpleUploadedFile("big.pdf", big, "application/pdf"), "description": "Contract"},
    )
    body = response.content.decode()
    assert "files may be at most 1.0" in body
    assert 'value="Contract"' in body
    assert Evidence.objects.count() == 0


def test_intake_form_keeps_everything_when_the_evidence_is_refused(client_agent):
    customer = make_customer()
    data = {
        "source": "letter",
        "category": "collection_conduct",
        "severity": "high",
        "summary": "Collector called my employer",
        "description": "On 3 November a collector phoned my manager twice.",
        "customer_demand": "Stop calling my workplace",
        "customer_number": customer.customer_number,
        "reply_channel": "sms",
        "language": "en",
        "evidence": SimpleUploadedFile("recording.pdf", EXE_BYTES),
        "evidence_description": "Call log",
    }
    response = client_agent.post(reverse("complaints:new"), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "is not an allowed file type" in body
    assert "On 3 November a collector phoned my manager twice." in body
    assert 'value="Collector called my employer"' in body
    assert customer.customer_number in body
    assert Complaint.objects.count() == 0


def test_valid_pdf_is_stored_outside_the_web_root_and_served_to_staff_only(client_agent, settings, client):
    complaint = make_complaint()
    response = client_agent.post(
        reverse("complaints:evidence_add", args=[complaint.pk]),
        {"file": SimpleUploadedFile("../../etc/passwd.pdf", PDF_BYTES), "description": "Contract"},
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    # stored under MEDIA_ROOT with a generated name, not the user's
    assert str(settings.MEDIA_ROOT) in evidence.file.path
    assert "passwd" not in evidence.file.name and evidence.file.name.endswith(".pdf")
    assert evidence.content_type == "application/pdf"
    download = client_agent.get(reverse("complaints:evidence_download", args=[evidence.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert download["X-Content-Type-Options"] == "nosniff"
    client_agent.logout()
    assert client.get(reverse("complaints:evidence_download", args=[evidence.pk])).status_code == 302


@pytest.mark.parametrize(
    "name,content,ok",
    [
        ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", True),
        ("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", True),
        ("call.mp3", b"ID3\x04\x00\x00\x00\x00\x00\x00", True),
        ("photo.pdf", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", False),  # a PNG named .pdf
        ("script.pdf", b"#!/bin/sh\nrm -rf /\n", False),
        ("elf.pdf", b"\x7fELF\x02\x01\x01\x00", False),
    ],
)
def test_content_decides_the_type(name, content, ok):
    from django.core.exceptions import ValidationError

    from complaints.uploads import validate_evidence

    upload = SimpleUploadedFile(name, content)
    if ok:
        validate_evidence(upload)
    else:
        with pytest.raises(ValidationError):
            validate_evidence(upload)
