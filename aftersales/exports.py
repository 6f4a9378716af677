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
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
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
    response["Content-Disposition"] = f'attachment; filename="{ascii_name(filename)}.csv"'
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


# Cell styles of the workbook's styles.xml, by index: default, bold header, date, date and time.
_STYLE_BOLD, _STYLE_DATE, _STYLE_DATETIME = 1, 2, 3
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_EXCEL_EPOCH_DATE = _EXCEL_EPOCH.date()
# Rows buffered before one write into the zip stream (fewer, larger writes; memory stays a few hundred KB).
_WRITE_BATCH_ROWS = 500
# zlib level: 3 is about twice as fast as the default 6 for 10-15 % more bytes on sheet XML.
_COMPRESS_LEVEL = 3
_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTR_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})
_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def _column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell_xml(ref: str, value: Any, style: int = 0) -> str:
    """One <c> element for a value already made safe by `safe_cell` ("" writes nothing)."""
    if isinstance(value, str):
        if not value:
            return ""
        text = value.translate(_XML_ESCAPES)
        space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
        style_attr = f' s="{style}"' if style else ""
        return f'<c r="{ref}" t="inlineStr"{style_attr}><is><t{space}>{text}</t></is></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int):
        return f'<c r="{ref}"><v>{value}</v></c>'
    if isinstance(value, Decimal):
        return f'<c r="{ref}"><v>{value:f}</v></c>'
    if isinstance(value, float):
        # 7.0 is written as 7, as openpyxl did (a whole number reads back as an int)
        return f'<c r="{ref}"><v>{int(value) if value.is_integer() else repr(value)}</v></c>'
    if isinstance(value, dt.datetime):
        delta = value - _EXCEL_EPOCH
        serial = delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400
        return f'<c r="{ref}" s="{_STYLE_DATETIME}"><v>{serial!r}</v></c>'
    if isinstance(value, dt.date):
        return f'<c r="{ref}" s="{_STYLE_DATE}"><v>{(value - _EXCEL_EPOCH_DATE).days}</v></c>'
    return _cell_xml(ref, safe_text(value), style)


def _row_xml(number: int, values: Sequence[Any], letters: list[str], style: int = 0) -> str:
    while len(letters) < len(values):
        letters.append(_column_letter(len(letters) + 1))
    n = str(number)
    cells = "".join(_cell_xml(letters[i] + n, value, style) for i, value in enumerate(values))
    return f'<row r="{n}">{cells}</row>'


def _sheet_head(spec: Sheet, widths: list[int]) -> str:
    x_split, y_split = spec.freeze_columns, len(spec.preamble) + 1
    top_left = f"{_column_letter(x_split + 1)}{y_split + 1}"
    pane_name = "bottomRight" if x_split else "bottomLeft"
    x_attr = f' xSplit="{x_split}"' if x_split else ""
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{width}" customWidth="1"/>' for i, width in enumerate(widths, start=1)
    )
    return (
        f'{_XML_HEAD}<worksheet xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}">'
        f'<sheetViews><sheetView workbookViewId="0"><pane{x_attr} ySplit="{y_split}" topLeftCell="{top_left}"'
        f' activePane="{pane_name}" state="frozen"/><selection pane="{pane_name}" activeCell="{top_left}"'
        f' sqref="{top_left}"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{cols}</cols>" if cols else "")
        + "<sheetData>"
    )


_STYLES_XML = (
    f'{_XML_HEAD}<styleSheet xmlns="{_NS_MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    "</fills>"
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _package_parts(titles: list[str]) -> dict[str, str]:
    """The workbook's parts besides the sheets: content types, relationships, workbook, styles."""
    n = len(titles)
    sheet_types = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, n + 1)
    )
    sheet_rels = "".join(
        f'<Relationship Id="rId{i}" Type="{_NS_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, n + 1)
    )
    sheet_list = "".join(
        f'<sheet name="{title.translate(_ATTR_ESCAPES)}" sheetId="{i}" r:id="rId{i}"/>'
        for i, title in enumerate(titles, start=1)
    )
    return {
        "[Content_Types].xml": (
            f'{_XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{sheet_types}</Types>"
        ),
        "_rels/.rels": (
            f'{_XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_NS_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'{_XML_HEAD}<workbook xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}">'
            f'<bookViews><workbookView activeTab="0"/></bookViews><sheets>{sheet_list}</sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'{_XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'{sheet_rels}<Relationship Id="rId{n + 1}" Type="{_NS_REL}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": _STYLES_XML,
    }


def _unique_titles(sheets: Sequence[Sheet]) -> list[str]:
    used: set[str] = set()
    titles = []
    for spec in sheets:
        title = sheet_title(spec.title)
        base, n = title, 2
        while title.lower() in used:  # Excel compares sheet names case-insensitively
            suffix = f" ({n})"
            title = base[: 31 - len(suffix)] + suffix
            n += 1
        used.add(title.lower())
        titles.append(title)
    return titles


def xlsx_write(sheets: Sequence[Sheet], target, *, progress: Callable[[int], None] | None = None) -> int:
    """Write the sheets into `target` (a path or binary file) in constant memory; returns the data rows written.

    The sheet XML is written straight into the zip stream (inline strings, no shared-string table, nothing held
    per row), about ten times faster than openpyxl's write-only mode without lxml. `progress(rows)` is called
    every few hundred data rows (a background export reports it).
    """
    if not sheets:
        sheets = [Sheet(title="Sheet", header=[], rows=[])]
    titles = _unique_titles(sheets)
    written = 0
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=_COMPRESS_LEVEL) as package:
        for index, spec in enumerate(sheets, start=1):
            rows = iter(spec.rows)
            sample: list[list[Any]] = []
            if spec.widths is None:
                for row in rows:
                    sample.append([safe_cell(v) for v in row])
                    if len(sample) >= _WIDTH_SAMPLE_ROWS:
                        break
            letters: list[str] = []
            with package.open(f"xl/worksheets/sheet{index}.xml", "w", force_zip64=True) as raw:
                buffer = [_sheet_head(spec, _column_widths(spec, sample))]
                number = 0
                for row in spec.preamble:
                    number += 1
                    buffer.append(_row_xml(number, [safe_cell(v) for v in row], letters))
                number += 1
                buffer.append(_row_xml(number, [safe_text(h) for h in spec.header], letters, _STYLE_BOLD))
                for row in sample:
                    number += 1
                    buffer.append(_row_xml(number, row, letters))
                written += len(sample)
                for row in rows:
                    number += 1
                    buffer.append(_row_xml(number, [safe_cell(v) for v in row], letters))
                    written += 1
                    if len(buffer) >= _WRITE_BATCH_ROWS:
                        raw.write("".join(buffer).encode())
                        buffer.clear()
                        if progress is not None:
                            progress(written)
                buffer.append("</sheetData></worksheet>")
                raw.write("".join(buffer).encode())
        for name, xml in _package_parts(titles).items():
            package.writestr(name, xml)
    if progress is not None:
        progress(written)
    return written


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
        spool, as_attachment=True, filename=f"{ascii_name(filename)}.xlsx", content_type=XLSX_CONTENT_TYPE
    )
    response["Cache-Control"] = "no-store"  # lists carry customer data: never kept by a proxy or the browser
    return response


def ascii_name(name: str) -> str:
    """A file name safe in a Content-Disposition header."""
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "-" for ch in name) or "export"
