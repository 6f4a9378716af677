r"""The one export helper: every CSV and XLSX the portal writes goes through here.

Spreadsheet formula injection (OWASP "CSV Injection"): a text cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is read as a formula by Excel, LibreOffice and WPS. Such text is written
with a leading apostrophe, so the cell shows the text as typed and never runs (a signed plain number such as
"+8613812345678" cannot run and stays as typed). Numbers, dates and money stay
typed values (a negative amount is a number, not text), so sums still work in the spreadsheet.

CSV is streamed row by row with a UTF-8 BOM (Excel opens Chinese text correctly only with it); XLSX is
written by openpyxl in write-only mode with column widths, a bold header row and a frozen header.

Long lists: an XLSX file is a zip whose central directory comes last, so it cannot be sent before it is finished.
`xlsx_response` writes it into a temporary file (openpyxl's write-only mode keeps each sheet's rows on disk, not in
memory) and streams that file with FileResponse. Memory stays flat whatever the row count as long as the rows are an
iterator (`QuerySet.iterator(chunk_size=...)`, never a list): 100,000 customers export in a few tens of MB
(bench/export_customers.py). Sheet names and headers are given in the reader's language (Chinese sheet names are
fine: at most 31 characters, none of ``[]:*?/\``).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A sheet name holds at most 31 characters and none of these (Excel refuses the file otherwise).
_SHEET_FORBIDDEN = set("[]:*?/\\")
MAX_CELL_CHARS = 32000  # Excel's limit is 32,767 characters a cell
MIN_WIDTH, MAX_WIDTH = 8, 60
# Control characters an XLSX file may not hold (openpyxl refuses the whole workbook for one of them).
# A signed plain number ("+8613812345678", "-5.00") cannot run anything: it stays readable as typed.
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9][0-9 .,]*")
_ILLEGAL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_text(value: Any) -> str:
    """Text that a spreadsheet shows as typed: a leading formula character is neutralised."""
    text = _ILLEGAL_CHARS.sub("", "" if value is None else str(value))
    if text.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(text):
        text = "'" + text
    return text[:MAX_CELL_CHARS]


def safe_cell(value: Any) -> Any:
    """A cell value: numbers, money and dates stay typed; text is formula-safe; aware times are local."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, (float, Decimal)):
        # NaN and infinities have no spreadsheet number: write them as text
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return value
    return safe_text(value)


def _csv_text(value: Any) -> str:
    cell = safe_cell(value)
    if isinstance(cell, dt.datetime):
        return cell.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return str(cell)


class _Echo:
    """A file-like object whose write returns the line, for csv.writer inside a generator."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The CSV text, line by line, BOM first; every cell formula-safe."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    yield writer.writerow([_csv_text(h) for h in header])
    for row in rows:
        yield writer.writerow([_csv_text(v) for v in row])


def csv_response(*, filename: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> StreamingHttpResponse:
    """A streamed CSV download (`filename` without extension)."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_ascii_name(filename)}.csv"'
    return response


def sheet_title(title: Any) -> str:
    """A valid sheet name: forbidden characters dropped, 31 characters at most, no apostrophe at either end."""
    text = "".join(ch for ch in _ILLEGAL_CHARS.sub("", str(title)) if ch not in _SHEET_FORBIDDEN)
    text = text.strip()[:31].strip("'").strip()
    # "History" is reserved by Excel
    if not text or text.lower() == "history":
        text = "Sheet" if not text else text + " 1"
    return text


def _width(value: Any) -> int:
    text = _csv_text(value)
    # CJK characters take about two columns in Excel's default font.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text[:MAX_WIDTH])


class Sheet:
    """One sheet of an XLSX export: a title, a header and rows (any iterable, read once).

    `preamble` rows (e.g. the period the figures are for) come before the header; `freeze_columns` keeps that many
    leading columns in view besides the header row. `widths` (in characters, one per column) sets the column widths;
    without it they are sized from the header and the first rows.
    """

    def __init__(
        self,
        *,
        title: Any,
        header: Sequence[Any],
        rows: Iterable[Sequence[Any]],
        preamble: Sequence[Sequence[Any]] = (),
        freeze_columns: int = 0,
        widths: Sequence[int] | None = None,
    ):
        self.title = title
        self.header = list(header)
        self.rows = rows
        self.preamble = [list(row) for row in preamble]
        self.freeze_columns = freeze_columns
        self.widths = list(widths) if widths is not None else None


# Rows looked at to size the columns; the rest of a long export is streamed without being held.
_WIDTH_SAMPLE_ROWS = 200


def _column_widths(spec: Sheet, sample: list[list[Any]]) -> list[int]:
    """The width of each column: as given, or from the header and the sample rows, within MIN_WIDTH..MAX_WIDTH."""
    if spec.widths is not None:
        widths = [max(w, _width(h) - 2) for w, h in zip(spec.widths, spec.header, strict=False)]
        widths += spec.widths[len(widths) :]
        return [max(MIN_WIDTH, min(MAX_WIDTH, w)) for w in widths]
    widths = [_width(h) for h in spec.header]
    for row in sample:
        for i, value in enumerate(row):
            if i < len(widths):
                widths[i] = max(widths[i], _width(value))
            else:
                widths.append(_width(value))
    return [max(MIN_WIDTH, min(MAX_WIDTH, width + 2)) for width in widths]


def xlsx_write(sheets: Sequence[Sheet], target) -> None:
    """Write the sheets into `target` (a path or binary file) in constant memory."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    used_titles: set[str] = set()
    for spec in sheets:
        title = sheet_title(spec.title)
        base, n = title, 2
        while title.lower() in used_titles:  # Excel compares sheet names case-insensitively
            suffix = f" ({n})"
            title = base[: 31 - len(suffix)] + suffix
            n += 1
        used_titles.add(title.lower())
        sheet = workbook.create_sheet(title=title)
        rows = iter(spec.rows)
        sample: list[list[Any]] = []
        if spec.widths is None:
            for row in rows:
                sample.append([safe_cell(v) for v in row])
                if len(sample) >= _WIDTH_SAMPLE_ROWS:
                    break
        for i, width in enumerate(_column_widths(spec, sample), start=1):
            sheet.column_dimensions[get_column_letter(i)].width = width
        sheet.freeze_panes = f"{get_column_letter(spec.freeze_columns + 1)}{len(spec.preamble) + 2}"
        for row in spec.preamble:
            sheet.append([safe_cell(v) for v in row])
        header_cells = []
        for h in spec.header:
            cell = WriteOnlyCell(sheet, value=safe_text(h))
            cell.font = bold
            header_cells.append(cell)
        sheet.append(header_cells)
        for row in sample:
            sheet.append(row)
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
    if not sheets:
        workbook.create_sheet(title="Sheet")
    workbook.save(target)


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """The workbook as bytes (for e-mail attachments and tests)."""
    import io

    out = io.BytesIO()
    xlsx_write(sheets, out)
    return out.getvalue()


def xlsx_response(*, filename: str, sheets: Sequence[Sheet]) -> FileResponse:
    """An XLSX download built in a temporary file and streamed from it (`filename` without extension)."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    xlsx_write(sheets, spool)
    spool.seek(0)
    response = FileResponse(
        spool, as_attachment=True, filename=f"{_ascii_name(filename)}.xlsx", content_type=XLSX_CONTENT_TYPE
    )
    response["Cache-Control"] = "no-store"  # lists carry customer data: never kept by a proxy or the browser
    return response


def _ascii_name(name: str) -> str:
    """A file name safe in a Content-Disposition header."""
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "-" for ch in name) or "export"
