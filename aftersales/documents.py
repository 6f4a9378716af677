"""Numbered PDF documents (certificates, letters, agreements): one page template, the number rule, the audit.

An app builds a `DocumentSpec` (title, blocks of text, facts and tables) in the reader's language and calls
`document_issue`, which gives the document its number, renders it and writes the audit entry; `document_email` sends
an issued document to the customer as an attachment and audits that too.

Fonts: ReportLab's built-in CID font STSong-Light (Adobe's Asian font pack; PDF readers supply the glyphs), so
Chinese and Latin text print without a font file in the repository and without anything being fetched.

The number rule: ``<PREFIX>-<yyyymmdd>-<6 characters>``, the date being the day of issue (Asia/Shanghai) and the
six characters drawn at random from 31 letters and digits that cannot be misread (no 0/O, 1/I/L): 887 million
numbers a prefix and day, so two documents of one day sharing a number is not a practical concern. The number is
printed on every page and recorded in the audit entry (`changes["number"]`), where the audit log finds it.
"""

from __future__ import annotations

import io
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from xml.sax.saxutils import escape

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as RLTable

from aftersales.audit import audit_log
from aftersales.money import format_cny

FONT = "STSong-Light"
PDF_CONTENT_TYPE = "application/pdf"
NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
NUMBER_LENGTH = 6
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]")  # a file name safe in a Content-Disposition header


class DocumentError(ValidationError):
    """A document that cannot be issued or sent (an open loan, no decision yet, no e-mail on file)."""


class DeliveryForm(forms.Form):
    """How an issued document leaves the portal: downloaded by the staff member or e-mailed to the customer."""

    DOWNLOAD, EMAIL = "download", "email"
    delivery = forms.ChoiceField(choices=[(DOWNLOAD, DOWNLOAD), (EMAIL, EMAIL)], required=False)

    def wants_email(self) -> bool:
        """True when the customer is to receive the document by e-mail."""
        return self.is_valid() and self.cleaned_data["delivery"] == self.EMAIL


# ---- what a document holds --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Text:
    """A paragraph; the text is escaped (customer text never becomes markup)."""

    text: str


@dataclass(frozen=True)
class Facts:
    """A two-column table of labels and values."""

    rows: Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Table:
    """A table with a header row, body rows and an optional totals row; `numeric` columns are right-aligned."""

    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    totals: Sequence[str] | None = None
    numeric: frozenset[int] = frozenset()
    widths: Sequence[float] | None = None  # relative widths; equal when not given


@dataclass(frozen=True)
class Signatures:
    """Signature lines side by side at the end (the company's seal, the customer's signature)."""

    parties: Sequence[str]


Block = Heading | Text | Facts | Table | Signatures


@dataclass
class DocumentSpec:
    """A document to issue: `kind` names it in the audit log, `prefix` starts its number, `stem` its file name."""

    kind: str
    prefix: str
    title: str
    stem: str
    language: str
    blocks: list[Block] = field(default_factory=list)


@dataclass(frozen=True)
class IssuedDocument:
    number: str
    kind: str
    title: str
    filename: str
    content: bytes
    language: str


# ---- helpers every document uses ---------------------------------------------------------------------------------


def document_number(prefix: str, *, on: date | None = None) -> str:
    """A new document number: PREFIX-yyyymmdd-XXXXXX (the module docstring gives the rule)."""
    on = on or timezone.localdate()
    tail = "".join(secrets.choice(NUMBER_ALPHABET) for _i in range(NUMBER_LENGTH))
    return f"{prefix}-{on:%Y%m%d}-{tail}"


def date_text(value: date | None) -> str:
    """A date as the reader writes it: 2026年1月31日 in Chinese, 2026-01-31 otherwise."""
    if value is None:
        return "—"
    return _("%(year)d-%(month)02d-%(day)02d") % {"year": value.year, "month": value.month, "day": value.day}


def money_text(value) -> str:
    """An amount as every document shows it (the portal's one money format)."""
    return format_cny(value)


def company_name(language: str | None = None) -> str:
    """The company's name for a document in `language`."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    return settings.COMPANY_NAME if language.lower().startswith("zh") else settings.COMPANY_NAME_EN


# ---- rendering ------------------------------------------------------------------------------------------------------


def _styles():

    base = ParagraphStyle("doc", fontName=FONT, fontSize=10.5, leading=16, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=6),
        "heading": ParagraphStyle("heading", parent=base, fontSize=12, leading=18, spaceBefore=10, spaceAfter=4),
        "text": ParagraphStyle("text", parent=base, spaceAfter=6),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=12),
        "cell_right": ParagraphStyle("cell_right", parent=base, fontSize=9, leading=12, alignment=TA_RIGHT),
    }


def _paragraph(text: str, style):

    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def _table_flowable(block: Table | Facts, styles, width: float):

    if isinstance(block, Facts):
        header, rows, totals, numeric, widths = None, [list(r) for r in block.rows], None, frozenset(), (1, 2)
    else:
        header, rows, totals, numeric = list(block.header), [list(r) for r in block.rows], block.totals, block.numeric
        widths = block.widths or [1] * len(header)

    def cells(row):
        return [_paragraph(v, styles["cell_right"] if i in numeric else styles["cell"]) for i, v in enumerate(row)]

    data = ([cells(header)] if header else []) + [cells(r) for r in rows] + ([cells(totals)] if totals else [])
    scale = width / sum(widths)
    table = RLTable(data, colWidths=[w * scale for w in widths], repeatRows=1 if header else 0, hAlign="LEFT")
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")))
    else:
        style.append(("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f5f6f7")))
    if totals:
        style.append(("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f5f6f7")))
    table.setStyle(TableStyle(style))
    return table


def _signatures_flowable(block: Signatures, styles, width: float):

    label = _("Signature / seal: %(line)s") % {"line": "________________"}
    row = [_paragraph(f"{party}\n\n\n{label}", styles["text"]) for party in block.parties]
    return RLTable([row], colWidths=[width / max(1, len(row))] * len(row), hAlign="LEFT")


def _story(spec: DocumentSpec, styles, width: float, *, byline: str) -> list:

    story = [_paragraph(spec.title, styles["title"]), _paragraph(byline, styles["text"])]
    for block in spec.blocks:
        if isinstance(block, Heading):
            story.append(_paragraph(block.text, styles["heading"]))
        elif isinstance(block, Text):
            story.append(_paragraph(block.text, styles["text"]))
        elif isinstance(block, (Facts, Table)):
            story.append(_table_flowable(block, styles, width))
            story.append(Spacer(1, 6))
        elif isinstance(block, Signatures):
            story.append(Spacer(1, 24))
            story.append(_signatures_flowable(block, styles, width))
    return story


def _page_canvas(*, company: str, number: str, issued: str, page_label: str):
    """A canvas class that draws the header and 'page x of y' footer once the page count is known."""

    class PageCanvas(canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):  # noqa: N802 - ReportLab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            width, height = self._pagesize
            self.setFont(FONT, 9)
            self.setFillColor(colors.HexColor("#333333"))
            self.drawString(40, height - 32, company)
            self.drawRightString(width - 40, height - 32, number)
            self.setStrokeColor(colors.grey)
            self.line(40, height - 38, width - 40, height - 38)
            self.line(40, 44, width - 40, 44)
            self.drawString(40, 32, issued)
            self.drawRightString(width - 40, 32, page_label % {"page": self._pageNumber, "pages": total})

    return PageCanvas


def render_pdf(spec: DocumentSpec, *, number: str, issued_on: date) -> bytes:
    """The PDF of a document in its language, numbered on every page."""

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    with translation.override(spec.language):
        company = company_name(spec.language)
        out = io.BytesIO()
        doc = SimpleDocTemplate(
            out,
            pagesize=A4,
            leftMargin=48,
            rightMargin=48,
            topMargin=60,
            bottomMargin=60,
            title=f"{spec.title} {number}",
            author=company,
            subject=number,
            creator=company,
        )
        styles = _styles()
        number_label = _("Document number: %(number)s") % {"number": number}
        byline = _("%(number)s · Date: %(date)s") % {"number": number_label, "date": date_text(issued_on)}
        story = _story(spec, styles, doc.width, byline=byline)
        canvas_class = _page_canvas(
            company=company,
            number=number_label,
            issued=_("Issued on %(date)s") % {"date": date_text(issued_on)},
            page_label=_("Page %(page)s of %(pages)s"),
        )
        doc.build(story, canvasmaker=canvas_class)
        return out.getvalue()


def pdf_response(document: IssuedDocument) -> HttpResponse:
    """The issued document as a download; never cached (it carries customer data)."""
    response = HttpResponse(document.content, content_type=PDF_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    response["Cache-Control"] = "no-store"
    return response


# ---- issuing and sending (audited) ---------------------------------------------------------------------------------


def document_issue(
    *,
    spec: DocumentSpec,
    obj: models.Model,
    actor,
    request: HttpRequest | None = None,
    reason: str = "",
) -> IssuedDocument:
    """Number, render and audit (action `document_issue`) one document about `obj`."""
    issued_on = timezone.localdate()
    number = document_number(spec.prefix, on=issued_on)
    content = render_pdf(spec, number=number, issued_on=issued_on)
    audit_log(
        actor=actor,
        action="document_issue",
        obj=obj,
        changes={"number": number, "kind": spec.kind, "language": spec.language},
        reason=reason,
        request=request,
    )
    return IssuedDocument(
        number=number,
        kind=spec.kind,
        title=spec.title,
        filename=f"{_SAFE_NAME.sub('-', spec.stem)}-{number}.pdf",
        content=content,
        language=spec.language,
    )


def document_email(
    *,
    document: IssuedDocument,
    to: str,
    to_masked: str,
    recipient_name: str,
    obj: models.Model,
    actor,
    request: HttpRequest | None = None,
) -> None:
    """E-mail an issued document to the customer as a PDF attachment and audit it (`document_email`, masked address).

    Refused (DocumentError) when there is no address; the subject and text are in the document's language.
    """
    if not to:
        raise DocumentError(_("There is no e-mail address on file for this customer: the document was not sent."))
    with translation.override(document.language):
        subject = _("%(title)s %(number)s") % {"title": document.title, "number": document.number}
        body = _(
            "Dear %(name)s,\n\nplease find attached your %(title)s (document number %(number)s).\n\n%(company)s"
        ) % {
            "name": recipient_name,
            "title": document.title,
            "number": document.number,
            "company": company_name(document.language),
        }
    message = EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to])
    message.attach(document.filename, document.content, PDF_CONTENT_TYPE)
    message.send()
    audit_log(
        actor=actor,
        action="document_email",
        obj=obj,
        changes={"number": document.number, "kind": document.kind, "to": to_masked},
        request=request,
    )
