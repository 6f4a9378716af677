"""List exports, short or long: one entry point for every list's XLSX download (#17).

A list's export is a *builder*: a function of the request (its query string, parsed with the list's own filter form,
and its user) returning a `ListExport` — the file name, the sheets with lazy rows, and the row count. Up to
`EXPORT_BACKGROUND_ROWS` rows the file is written during the request and streamed (aftersales.exports). A longer
export becomes an `ExportJob`: the worker runs the same builder with the same query string, language and user, writes
the file under MEDIA_ROOT/exports and records its progress; the owner watches a progress bar and downloads the file
(nobody else can). A builder is marked with `@export_builder`; the job stores its dotted path and the worker only
runs functions carrying that mark.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from aftersales.exports import Sheet, xlsx_response, xlsx_write
from aftersales.models import ExportJob

EXPORT_DIR = "exports"
# Rows between two progress updates of a running job (one UPDATE each; 100,000 rows: 50 updates).
PROGRESS_EVERY_ROWS = 2000


@dataclass
class ListExport:
    """What a builder returns: the file's name (without extension), its title, its sheets (lazy rows) and row count."""

    filename: str
    title: str
    sheets: Sequence[Sheet]
    total: int


Builder = Callable[[HttpRequest], ListExport]


def export_builder(function: Builder) -> Builder:
    """Mark a function as a list export builder the worker may run."""
    function.export_builder = True
    return function


def _builder_path(builder: Builder) -> str:
    return f"{builder.__module__}.{builder.__qualname__}"


def _builder_from_path(path: str) -> Builder:
    builder = import_string(path)
    if not getattr(builder, "export_builder", False):
        raise ValueError(f"{path} is not an export builder")
    return builder


def export_response(request: HttpRequest, builder: Builder) -> HttpResponse:
    """The export of a list: the file itself when short, else a background job and its progress page."""
    export = builder(request)
    if export.total > settings.EXPORT_BACKGROUND_ROWS:
        job = export_job_create(owner=request.user, builder=builder, query=request.GET.urlencode(), export=export)
        messages.info(
            request,
            _("%(count)s rows: the file is being prepared in the background. You can leave this page.")
            % {"count": f"{export.total:,}"},
        )
        return redirect("export_job", token=job.token)
    return xlsx_response(filename=export.filename, sheets=export.sheets)


def export_job_create(*, owner, builder: Builder, query: str, export: ListExport) -> ExportJob:
    """Record a background export and hand it to the worker once the record is committed."""
    from aftersales.tasks import export_job_run

    job = ExportJob(
        token=uuid.uuid4(),
        owner=owner,
        title=str(export.title)[:100],
        builder=_builder_path(builder),
        query=query,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        filename=export.filename[:100],
        rows_total=export.total,
    )
    job.full_clean()
    job.save()
    transaction.on_commit(lambda: export_job_run.delay(job.pk))
    return job


def export_job_path(job: ExportJob) -> Path:
    return Path(settings.MEDIA_ROOT) / EXPORT_DIR / f"{job.token}.xlsx"


def _request_for(job: ExportJob) -> HttpRequest:
    """The request the builder reads in the worker: the list's query string and the job's owner."""
    request = HttpRequest()
    request.method = "GET"
    request.GET = QueryDict(job.query)
    request.user = job.owner
    return request


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Write the job's file (safe to run twice: a finished job is left alone, an interrupted one starts again)."""
    job = ExportJob.objects.select_related("owner").filter(pk=job_id).first()
    if job is None or job.status == ExportJob.Status.DONE:
        return job
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, rows_done=0)
    path = export_job_path(job)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    last = [0]

    def progress(rows: int) -> None:
        if rows - last[0] >= PROGRESS_EVERY_ROWS:
            last[0] = rows
            ExportJob.objects.filter(pk=job.pk).update(rows_done=rows)

    try:
        with translation.override(job.language or settings.LANGUAGE_CODE):
            export = _builder_from_path(job.builder)(_request_for(job))
            with partial.open("wb") as out:
                written = xlsx_write(export.sheets, out, progress=progress)
        partial.replace(path)
    except Exception:
        partial.unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.FAILED, finished_at=timezone.now())
        raise
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.DONE,
        rows_done=written,
        rows_total=max(written, job.rows_total),
        file=str(path.relative_to(Path(settings.MEDIA_ROOT))),
        finished_at=timezone.now(),
    )
    job.refresh_from_db()
    return job
