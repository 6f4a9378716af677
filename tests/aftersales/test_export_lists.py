"""List exports (#17): the inquiry queue's export, and the background path every list export takes when long."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from aftersales import export_jobs
from aftersales.models import AuditEntry, ExportJob
from inquiries.models import Inquiry
from tests.inquiries.factories import make_inquiry

pytestmark = pytest.mark.django_db
FORMULA = '=HYPERLINK("http://evil.example","点我")'


def _rows(response) -> tuple:
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return sheet, list(sheet.iter_rows(values_only=True))


def test_inquiry_export_headers_formula_subject_and_widths(client_agent):
    # given an inquiry whose subject looks like a formula
    inquiry = make_inquiry(subject=FORMULA, channel=Inquiry.Channel.ONLINE)
    # when the queue is exported
    response = client_agent.get(reverse("inquiries:queue_xlsx"))
    # then the subject is text shown as typed, under the queue's headers
    assert response.status_code == 200
    sheet, rows = _rows(response)
    assert rows[0][:3] == ("Reference", "Received", "Channel")
    row = next(r for r in rows if r[0] == inquiry.reference)
    assert row[6] == "'" + FORMULA
    assert sheet.column_dimensions["G"].width == 40
    assert sheet.freeze_panes == "B2"


def test_inquiry_export_honours_the_channel_filter_and_search(client_agent):
    sms = make_inquiry(channel=Inquiry.Channel.SMS)
    online = make_inquiry(channel=Inquiry.Channel.ONLINE)
    # the channel filter
    _sheet, rows = _rows(client_agent.get(reverse("inquiries:queue_xlsx"), {"channel": "online"}))
    references = [r[0] for r in rows[1:]]
    assert online.reference in references and sms.reference not in references
    # the search box (a full reference)
    _sheet, rows = _rows(client_agent.get(reverse("inquiries:queue_xlsx"), {"q": sms.reference}))
    assert [r[0] for r in rows[1:]] == [sms.reference]


def test_inquiry_export_in_chinese(client, make_staff):
    make_inquiry()
    client.force_login(make_staff("zh_agent", "agent", language="zh-hans"))
    sheet, rows = _rows(client.get(reverse("inquiries:queue_xlsx")))
    assert sheet.title == "咨询"
    assert rows[0][0] == "编号"


def test_inquiry_export_is_refused_to_back_office(client_back_office):
    assert client_back_office.get(reverse("inquiries:queue_xlsx")).status_code == 403


def test_the_queue_links_its_export_with_the_filters(client_agent):
    page = client_agent.get(reverse("inquiries:queue"), {"channel": "online"}).content.decode()
    assert 'href="/inquiries/export.xlsx?channel=online"' in page


# ---- the background path ----


def _start_background(client, url, params, settings, django_capture_on_commit_callbacks, monkeypatch):
    """Request an export over the threshold; returns the response and the job ids handed to the worker."""
    settings.EXPORT_BACKGROUND_ROWS = 0
    queued = []
    monkeypatch.setattr("aftersales.tasks.export_job_run.delay", lambda job_id: queued.append(job_id))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url, params)
    return response, queued


def test_a_long_export_runs_in_the_worker_with_progress_and_an_owner_only_download(
    client_agent, supervisor, settings, django_capture_on_commit_callbacks, monkeypatch, tmp_path
):
    # given three inquiries (the threshold at 0 rows), one of them online with a formula-looking subject
    settings.MEDIA_ROOT = tmp_path
    make_inquiry(channel=Inquiry.Channel.SMS)
    make_inquiry(channel=Inquiry.Channel.ONLINE, subject=FORMULA)
    make_inquiry(channel=Inquiry.Channel.ONLINE)
    # when the agent exports the online ones
    response, queued = _start_background(
        client_agent,
        reverse("inquiries:queue_xlsx"),
        {"channel": "online"},
        settings,
        django_capture_on_commit_callbacks,
        monkeypatch,
    )
    # then a job is queued for the worker and the agent sees its progress page
    job = ExportJob.objects.get()
    assert queued == [job.pk]
    assert response.status_code == 302 and response["Location"] == reverse("export_job", args=[job.token])
    assert (job.status, job.rows_total, job.query) == ("queued", 2, "channel=online")
    page = client_agent.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in page and "<progress" in page and "export_job_download" not in page
    # when the worker runs it (twice: the second run leaves the finished file alone)
    export_jobs.export_job_run(job_id=job.pk)
    export_jobs.export_job_run(job_id=job.pk)
    job.refresh_from_db()
    # then the poll answers the partial with the download link, and the file holds the filtered rows
    assert (job.status, job.rows_done, job.percent) == ("done", 2, 100)
    partial = client_agent.get(reverse("export_job", args=[job.token]), headers={"HX-Request": "true"})
    assert "hx-trigger" not in partial.content.decode()
    assert reverse("export_job_download", args=[job.token]) in partial.content.decode()
    download = client_agent.get(reverse("export_job_download", args=[job.token]))
    _sheet, rows = _rows(download)
    assert len(rows) == 3 and {r[2] for r in rows[1:]} == {"Online form"}
    assert "'" + FORMULA in [r[6] for r in rows]
    assert (tmp_path / "exports" / f"{job.token}.xlsx").exists()
    # and nobody else can see or download it
    other = Client()
    other.force_login(supervisor)
    assert other.get(reverse("export_job", args=[job.token])).status_code == 404
    assert other.get(reverse("export_job_download", args=[job.token])).status_code == 404


def test_a_short_export_is_not_a_job(client_agent, settings):
    settings.EXPORT_BACKGROUND_ROWS = 10
    make_inquiry()
    assert client_agent.get(reverse("inquiries:queue_xlsx")).status_code == 200
    assert not ExportJob.objects.exists()


def test_a_job_not_finished_has_no_download(client_agent, settings, django_capture_on_commit_callbacks, monkeypatch):
    make_inquiry()
    _start_background(
        client_agent, reverse("inquiries:queue_xlsx"), {}, settings, django_capture_on_commit_callbacks, monkeypatch
    )
    job = ExportJob.objects.get()
    assert client_agent.get(reverse("export_job_download", args=[job.token])).status_code == 404


@pytest.mark.parametrize(
    ("client_name", "url_name", "params"),
    [
        ("client_agent", "customers:list_xlsx", {}),
        ("client_agent", "loans:list_xlsx", {}),
        ("client_risk", "loans:review_queue_xlsx", {}),
        ("client_agent", "complaints:list_xlsx", {}),
        ("client_manager", "audit_log", {"format": "xlsx"}),
    ],
)
def test_every_list_export_takes_the_background_path(
    request, client_name, url_name, params, settings, django_capture_on_commit_callbacks, monkeypatch, tmp_path
):
    # given two audit entries (the audit log) and whatever the other lists hold, with a threshold of -1 rows
    settings.MEDIA_ROOT = tmp_path
    AuditEntry.objects.create(actor_name="a", action="x", object_repr=FORMULA)
    AuditEntry.objects.create(actor_name="b", action="y")
    client = request.getfixturevalue(client_name)
    settings.EXPORT_BACKGROUND_ROWS = -1
    monkeypatch.setattr("aftersales.tasks.export_job_run.delay", lambda job_id: None)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse(url_name), params)
    # then the export is a job, and the worker writes a workbook with the list's header
    assert response.status_code == 302
    job = export_jobs.export_job_run(job_id=ExportJob.objects.get().pk)
    assert job.status == "done"
    _sheet, rows = _rows(client.get(reverse("export_job_download", args=[job.token])))
    assert rows[0][0] and len(rows) == job.rows_done + 1
    if url_name == "audit_log":
        assert "'" + FORMULA in [r[5] for r in rows]
