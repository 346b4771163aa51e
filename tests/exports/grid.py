"""The grid of an export and its writers: one function per file kind of SPEC §2.

A file is a list of :class:`SheetSpec` (a name, a grid of cells, merged ranges, and how it
looks: row styles, column widths, date formats). Writers turn the same sheets into each kind:
.xlsx by openpyxl (inline strings in this version), by xlsxwriter (shared strings) and by
xlsxwriter in constant-memory mode (inline strings), .xlsm, BIFF8 .xls by xlwt, an HTML table
saved as .xls or .html (two page shapes), CSV in its variants (comma or semicolon, with or
without BOM, legacy 8-bit). A grid may be any iterable of rows for the xlsxwriter writer (large
benchmark exports are streamed, never held as one list). With :class:`Properties` (author and
creation time) a workbook's bytes depend on nothing but its sheets: the committed sample
exports are written so. Every value is fake.
"""

from __future__ import annotations

import csv
import html
import io
import os
import re
import sys
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import partial
from pathlib import Path

Cell = str | int | float | bool | datetime | date | None


@dataclass
class Merge:
    """A merged range: its top-left cell (0-based) and its size."""

    row: int
    col: int
    rows: int = 1
    cols: int = 1


@dataclass(frozen=True)
class Style:
    """How a cell looks, in the writers that can show it (xlsx, BIFF, HTML)."""

    bold: bool = False
    italic: bool = False
    #: horizontal alignment: "center", "left", "right"
    align: str | None = None
    #: vertical alignment: "center", "top", "bottom"
    valign: str | None = None
    #: a thin border all round
    border: bool = False
    wrap: bool = False
    #: the number format (dates take the sheet's date formats when this is None)
    number_format: str | None = None
    #: a header cell: ``<th>`` in HTML
    heading: bool = False


@dataclass
class SheetSpec:
    """One sheet: its name, rows of cells (top to bottom), merged ranges and how it looks."""

    name: str
    #: rows of cells; any iterable of rows for :func:`write_xlsxwriter` (streamed)
    grid: list[list[Cell]] | Iterable[Sequence[Cell]]
    merges: list[Merge] = field(default_factory=list)
    #: row (0-based) → the style of every cell written in it; the other cells of a merged range
    #: take the style of its top-left cell
    row_styles: dict[int, Style] = field(default_factory=dict)
    #: column (0-based) → width in characters
    widths: dict[int, float] = field(default_factory=dict)
    #: number formats of datetime and date cells
    datetime_format: str = "dd/mm/yyyy hh:mm:ss"
    date_format: str = "dd/mm/yyyy"

    @property
    def width(self) -> int:
        return max((len(r) for r in self.grid), default=0)

    def style(self, row: int, value: Cell) -> Style | None:
        """The style of a cell of ``row`` holding ``value`` (a date takes its number format)."""
        style = self.row_styles.get(row)
        if isinstance(value, date) and not (style and style.number_format):
            fmt = self.datetime_format if isinstance(value, datetime) else self.date_format
            style = replace(style or Style(), number_format=fmt)
        return style

    def merged(self) -> list[Merge]:
        """The merged ranges of more than one cell."""
        return [m for m in self.merges if m.rows > 1 or m.cols > 1]


@dataclass(frozen=True)
class Properties:
    """A workbook's author and creation time. With them its bytes are stable: the modified time
    and the zip entries' times are the creation time too."""

    author: str
    created: datetime


def text(value: Cell) -> str | None:
    """How a text export (CSV, HTML) writes a cell."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


# --- writers ---------------------------------------------------------------------------------


def _covered(merges: Sequence[Merge]) -> dict[int, dict[int, Merge]]:
    """row → column → the merged range that covers that cell (its top-left cell excepted)."""
    out: dict[int, dict[int, Merge]] = {}
    for m in merges:
        for r in range(m.row, m.row + m.rows):
            for c in range(m.col, m.col + m.cols):
                if (r, c) != (m.row, m.col):
                    out.setdefault(r, {})[c] = m
    return out


def _import_openpyxl():
    """openpyxl, serialising with the standard library when this is its first import.

    openpyxl writes XML with lxml when it is installed (``<a/>``) and with the standard library
    otherwise (``<a />``), chosen once, at import, from ``OPENPYXL_LXML``. Imported here first
    (as ``sample_exports/generate.py`` does), it writes the same bytes whether lxml is installed
    or not; the variable is put back as it was.
    """
    if "openpyxl" not in sys.modules:
        before = os.environ.get("OPENPYXL_LXML")
        os.environ["OPENPYXL_LXML"] = "False"
        try:
            import openpyxl
        finally:
            if before is None:
                del os.environ["OPENPYXL_LXML"]
            else:
                os.environ["OPENPYXL_LXML"] = before
    import openpyxl

    return openpyxl


def _style_openpyxl(cell, style: Style) -> None:
    from openpyxl.styles import Alignment, Border, Font, Side

    if style.bold or style.italic:
        cell.font = Font(**{k: True for k in ("bold", "italic") if getattr(style, k)})
    if style.align or style.valign or style.wrap:
        cell.alignment = Alignment(
            horizontal=style.align, vertical=style.valign, wrap_text=style.wrap or None
        )
    if style.border:
        side = Side(style="thin")
        cell.border = Border(left=side, right=side, top=side, bottom=side)
    if style.number_format:
        cell.number_format = style.number_format


def write_openpyxl(
    path: Path, sheets: Sequence[SheetSpec], *, properties: Properties | None = None
) -> None:
    openpyxl = _import_openpyxl()
    from openpyxl.utils import get_column_letter

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for spec in sheets:
        ws = wb.create_sheet(spec.name)
        for r, row in enumerate(spec.grid):
            for c, value in enumerate(row):
                if value is not None:
                    cell = ws.cell(r + 1, c + 1, value)
                    style = spec.style(r, value)
                    if style is not None:
                        _style_openpyxl(cell, style)
        for m in spec.merged():
            ws.merge_cells(
                start_row=m.row + 1,
                start_column=m.col + 1,
                end_row=m.row + m.rows,
                end_column=m.col + m.cols,
            )
        for c, width in spec.widths.items():
            ws.column_dimensions[get_column_letter(c + 1)].width = width
    if properties is None:
        wb.save(path)
        return
    wb.properties.creator = properties.author
    wb.properties.created = properties.created
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(_dated(buf.getvalue(), properties.created))


def _dated(data: bytes, when: datetime) -> bytes:
    """A workbook zip rewritten with every entry time and the modified time set to ``when``
    (openpyxl writes the time of saving in both)."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + stamp + rb"\g<2>",
                    content,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, content)
    return out.getvalue()


def _xlsxwriter_format(style: Style) -> dict[str, object]:
    props: dict[str, object] = {}
    if style.bold:
        props["bold"] = True
    if style.italic:
        props["italic"] = True
    if style.border:
        props["border"] = 1
    if style.align:
        props["align"] = style.align
    if style.valign:
        props["valign"] = "vcenter" if style.valign == "center" else style.valign
    if style.wrap:
        props["text_wrap"] = True
    if style.number_format:
        props["num_format"] = style.number_format
    return props


def write_xlsxwriter(
    path: Path,
    sheets: Sequence[SheetSpec],
    *,
    constant_memory: bool = False,
    properties: Properties | None = None,
) -> None:
    """xlsxwriter: shared strings, or inline strings in constant-memory mode.

    Constant-memory mode writes rows in order, so ``merge_range()`` cannot write a range over
    two rows there: the writer writes each cell in its row (the other cells of a merged range
    blank, in the style of its top-left cell) and registers the ranges itself.
    """
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory})
    if properties is not None:
        wb.set_properties({"created": properties.created, "author": properties.author})
    formats: dict[Style, object] = {}

    def fmt(style: Style | None):
        if style is None:
            return None
        if style not in formats:
            formats[style] = wb.add_format(_xlsxwriter_format(style))
        return formats[style]

    def put(ws, r: int, c: int, value: Cell, style: Style | None) -> None:
        f = fmt(style)
        if isinstance(value, datetime):
            ws.write_datetime(r, c, value, f)
        elif isinstance(value, date):
            ws.write_datetime(r, c, datetime(value.year, value.month, value.day), f)
        elif isinstance(value, str):
            ws.write_string(r, c, value, f)
        elif value is not None:
            ws.write(r, c, value, f)

    for spec in sheets:
        ws = wb.add_worksheet(spec.name)
        merges = spec.merged()
        top_left = {(m.row, m.col): m for m in merges}
        covered = _covered(merges) if constant_memory else {}
        if constant_memory:
            ws.merge.extend([m.row, m.col, m.row + m.rows - 1, m.col + m.cols - 1] for m in merges)
        merge_style: dict[tuple[int, int], Style | None] = {}  # a range's top-left cell's style
        for r, row in enumerate(spec.grid):
            blanks = covered.get(r, {})
            for c in range(max(len(row), max(blanks, default=-1) + 1)):
                value = row[c] if c < len(row) else None
                style = spec.style(r, value)
                m = top_left.get((r, c))
                if c in blanks:
                    f = fmt(merge_style.get((blanks[c].row, blanks[c].col)))
                    if f is not None:
                        ws.write_blank(r, c, None, f)
                elif m is None:
                    put(ws, r, c, value, style)
                elif constant_memory:
                    merge_style[r, c] = style
                    if value is None and style is not None:
                        ws.write_blank(r, c, None, fmt(style))
                    put(ws, r, c, value, style)
                else:
                    ws.merge_range(r, c, r + m.rows - 1, c + m.cols - 1, value, fmt(style))
        for c, width in spec.widths.items():
            ws.set_column(c, c, width)
    wb.close()


def _xlwt_format(style: Style) -> str:
    parts = []
    font = [f"{k} on" for k in ("bold", "italic") if getattr(style, k)]
    if font:
        parts.append("font: " + ", ".join(font))
    align = [f"horiz {style.align}"] if style.align else []
    align += [f"vert {style.valign}"] if style.valign else []
    align += ["wrap on"] if style.wrap else []
    if align:
        parts.append("align: " + ", ".join(align))
    if style.border:
        parts.append("borders: left thin, right thin, top thin, bottom thin")
    return "; ".join(parts)


def write_xlwt(path: Path, sheets: Sequence[SheetSpec]) -> None:
    """BIFF8 .xls."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    styles: dict[Style, object] = {}

    def xf(style: Style | None) -> tuple:
        if style is None:
            return ()
        if style not in styles:
            styles[style] = xlwt.easyxf(_xlwt_format(style), num_format_str=style.number_format)
        return (styles[style],)

    for spec in sheets:
        ws = wb.add_sheet(spec.name, cell_overwrite_ok=True)
        merged = {(m.row, m.col): m for m in spec.merged()}
        for r, row in enumerate(spec.grid):
            for c, value in enumerate(row):
                m = merged.get((r, c))
                style = xf(spec.style(r, value))
                if m is not None:
                    ws.write_merge(r, r + m.rows - 1, c, c + m.cols - 1, value, *style)
                elif value is not None:
                    ws.write(r, c, value, *style)
        for c, width in spec.widths.items():
            ws.col(c).width = round(256 * width)
    wb.save(str(path))


SCRIPT = (
    "<script>var rows = '<table><tr><td>Mã hồ sơ</td><td>Ngày tiếp nhận</td>"
    "<td>Hình thức nộp</td></tr></table>'; document.write(rows);</script>"
)


def _html_rows(spec: SheetSpec) -> Iterable[str]:
    """The ``<tr>`` of each row: colspan/rowspan for merges, ``<br>`` for line breaks, entities
    for &, <, > and quotes, ``<b>``/``<i>`` and ``<th>`` from the row's style."""
    merged = {(m.row, m.col): m for m in spec.merges}
    covered = _covered(spec.merges)
    for r, row in enumerate(spec.grid):
        style = spec.row_styles.get(r) or Style()
        tag = "th" if style.heading else "td"
        cells = []
        for c in range(spec.width):
            if c in covered.get(r, {}):
                continue
            value = text(row[c] if c < len(row) else None)
            body = "<br>".join(html.escape(v) for v in value.split("\n")) if value else ""
            if body and style.italic:
                body = f"<i>{body}</i>"
            if body and style.bold:
                body = f"<b>{body}</b>"
            m = merged.get((r, c))
            span = ""
            if m is not None:
                span = f' colspan="{m.cols}"' * (m.cols > 1) + f' rowspan="{m.rows}"' * (m.rows > 1)
            cells.append(f"<{tag}{span}>{body}</{tag}>")
        yield "<tr>" + "".join(cells) + "</tr>"


def html_document(
    sheets: Sequence[SheetSpec],
    *,
    preamble: str = "",
    script: bool = True,
    charset: str = "utf-8",
    lines: bool = False,
    table: str = 'border="1"',
) -> str:
    """An HTML page with one ``<table>`` per sheet (attributes ``table``) and a ``<script>``
    that must be ignored.

    Two page shapes: by default a DOCTYPE, the head on one line with an ``mso-number-format``
    style, and one ``<tr>`` a line; with ``lines``, one element a line (LF, a final newline), no
    DOCTYPE, both charset metas and a ``<title>`` (the first sheet's name), as a portal's "save
    as Excel" page has it.
    """
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
    if lines:
        head = ["<html>", "<head>", meta, f'<meta charset="{charset}">']
        head.append(f"<title>{html.escape(sheets[0].name)}</title>" if sheets else "")
        head += [SCRIPT if script else "", "</head>", "<body>", preamble]
        body = [
            part for spec in sheets for part in (f"<table {table}>", *_html_rows(spec), "</table>")
        ]
        return "\n".join([p for p in head if p] + body + ["</body>", "</html>", ""])
    parts = [
        "<!DOCTYPE html><html><head>",
        meta,
        SCRIPT if script else "",
        "<style>td { mso-number-format: '\\@'; }</style></head><body>",
        preamble,
    ]
    for spec in sheets:
        parts.append(f"<table {table}>")
        parts += [f"{tr}\n" for tr in _html_rows(spec)]
        parts.append("</table>")
    parts.append("</body></html>")
    return "".join(parts)


def write_html(path: Path, sheets: Sequence[SheetSpec], **kwargs) -> None:
    """:func:`html_document` in UTF-8, written as bytes (no newline translation)."""
    path.write_bytes(html_document(sheets, **kwargs).encode("utf-8"))


def write_csv(
    path: Path,
    sheets: Sequence[SheetSpec],
    *,
    sep: str = ",",
    bom: bool = False,
    encoding: str = "utf-8",
    newline: str = "\r\n",
) -> None:
    """The first sheet as CSV; an empty row is written as separators only (as exporters do)."""
    spec = sheets[0]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator=newline, quoting=csv.QUOTE_MINIMAL)
    for row in spec.grid:
        cells = [text(v) or "" for v in row] + [""] * (spec.width - len(row))
        writer.writerow(cells)
    data = out.getvalue()
    raw = encode_legacy(data) if encoding == "cp1258" else data.encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + raw)


def encode_legacy(s: str) -> bytes:
    """Vietnamese text in Windows-1258 (base letters plus combining tone marks)."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", s):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", ch)
            for k, mark in enumerate(marks):  # the base letter with one mark, if cp1258 has it
                try:
                    out += unicodedata.normalize("NFC", base + mark).encode("cp1258")
                    marks = marks[:k] + marks[k + 1 :]
                    break
                except UnicodeEncodeError:
                    continue
            else:
                out += base.encode("cp1258", errors="replace")
            for mark in marks:
                out += mark.encode("cp1258", errors="replace")
    return bytes(out)


#: kind → (file suffix, writer). Every fixture of "one per file kind" uses these.
WRITERS: dict[str, tuple[str, Callable[[Path, Sequence[SheetSpec]], None]]] = {
    "xlsx_openpyxl": (".xlsx", write_openpyxl),
    "xlsx_shared_strings": (".xlsx", write_xlsxwriter),
    "xlsx_inline_strings": (".xlsx", partial(write_xlsxwriter, constant_memory=True)),
    "xlsm": (".xlsm", write_openpyxl),
    "xls_biff8": (".xls", write_xlwt),
    "html_saved_as_xls": (".xls", write_html),
    "html": (".html", write_html),
    "csv_bom_semicolon": (".csv", partial(write_csv, sep=";", bom=True)),
    "csv_comma": (".csv", partial(write_csv, sep=",", newline="\n")),
}
EXCEL_KINDS = ("xlsx_openpyxl", "xlsx_shared_strings", "xlsx_inline_strings", "xlsm", "xls_biff8")


def write_export(folder: Path, stem: str, kind: str, sheets: Sequence[SheetSpec]) -> Path:
    suffix, writer = WRITERS[kind]
    path = folder / f"{stem}{suffix}"
    writer(path, sheets)
    return path
