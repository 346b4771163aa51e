"""The grid of an export and its writers: one function per file kind of SPEC §2.

A file is a list of :class:`SheetSpec` (a name, a grid of cells, merged ranges). Writers turn
the same sheets into each kind: .xlsx by openpyxl (inline strings in this version), by
xlsxwriter (shared strings) and by xlsxwriter in constant-memory mode (inline strings), .xlsm,
BIFF8 .xls by xlwt, an HTML table saved as .xls or .html, CSV in its variants (comma or
semicolon, with or without BOM, legacy 8-bit). A grid may be any iterable of rows for the
xlsxwriter writer (large benchmark exports are streamed, never held as one list). Every value
is fake.
"""

from __future__ import annotations

import csv
import html
import io
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
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


@dataclass
class SheetSpec:
    """One sheet: its name, rows of cells (top to bottom) and merged ranges."""

    name: str
    #: rows of cells; any iterable of rows for :func:`write_xlsxwriter` (streamed)
    grid: list[list[Cell]] | Iterable[Sequence[Cell]]
    merges: list[Merge] = field(default_factory=list)

    @property
    def width(self) -> int:
        return max((len(r) for r in self.grid), default=0)


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


def write_openpyxl(path: Path, sheets: Sequence[SheetSpec]) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for spec in sheets:
        ws = wb.create_sheet(spec.name)
        for r, row in enumerate(spec.grid, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    cell = ws.cell(r, c, value)
                    if isinstance(value, datetime):
                        cell.number_format = "dd/mm/yyyy hh:mm:ss"
                    elif isinstance(value, date):
                        cell.number_format = "dd/mm/yyyy"
        for m in spec.merges:
            if m.rows > 1 or m.cols > 1:
                ws.merge_cells(
                    start_row=m.row + 1,
                    start_column=m.col + 1,
                    end_row=m.row + m.rows,
                    end_column=m.col + m.cols,
                )
    wb.save(path)


def write_xlsxwriter(path: Path, sheets: Sequence[SheetSpec], *, constant_memory=False) -> None:
    """xlsxwriter: shared strings, or inline strings in constant-memory mode (rows written in
    order, so merged ranges keep only their top-left value there)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory})
    dt_fmt = wb.add_format({"num_format": "dd/mm/yyyy hh:mm:ss"})
    d_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    for spec in sheets:
        ws = wb.add_worksheet(spec.name)
        merged = {(m.row, m.col): m for m in spec.merges if m.rows > 1 or m.cols > 1}
        for r, row in enumerate(spec.grid):
            for c, value in enumerate(row):
                m = merged.get((r, c))
                if m is not None and not constant_memory:
                    ws.merge_range(r, c, r + m.rows - 1, c + m.cols - 1, value)
                elif isinstance(value, datetime):
                    ws.write_datetime(r, c, value, dt_fmt)
                elif isinstance(value, date):
                    ws.write_datetime(r, c, datetime(value.year, value.month, value.day), d_fmt)
                elif isinstance(value, str):
                    ws.write_string(r, c, value)
                elif value is not None:
                    ws.write(r, c, value)
    wb.close()


def write_xlwt(path: Path, sheets: Sequence[SheetSpec]) -> None:
    """BIFF8 .xls."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    dt_style = xlwt.easyxf(num_format_str="DD/MM/YYYY HH:MM:SS")
    d_style = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    for spec in sheets:
        ws = wb.add_sheet(spec.name, cell_overwrite_ok=True)
        merged = {(m.row, m.col): m for m in spec.merges if m.rows > 1 or m.cols > 1}
        for r, row in enumerate(spec.grid):
            for c, value in enumerate(row):
                m = merged.get((r, c))
                if m is not None:
                    ws.write_merge(r, r + m.rows - 1, c, c + m.cols - 1, value)
                elif isinstance(value, datetime):
                    ws.write(r, c, value, dt_style)
                elif isinstance(value, date):
                    ws.write(r, c, value, d_style)
                elif value is not None:
                    ws.write(r, c, value)
    wb.save(str(path))


SCRIPT = (
    "<script>var rows = '<table><tr><td>Mã hồ sơ</td><td>Ngày tiếp nhận</td>"
    "<td>Hình thức nộp</td></tr></table>'; document.write(rows);</script>"
)


def html_document(
    sheets: Sequence[SheetSpec], *, preamble: str = "", script: bool = True, charset: str = "utf-8"
) -> str:
    """An HTML page with one <table> per sheet: colspan/rowspan for merges, <br> for line
    breaks, entities for &, <, > and quotes, and a <script> that must be ignored."""
    parts = [
        "<!DOCTYPE html><html><head>",
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">',
        SCRIPT if script else "",
        "<style>td { mso-number-format: '\\@'; }</style></head><body>",
        preamble,
    ]
    for spec in sheets:
        merged = {(m.row, m.col): m for m in spec.merges}
        covered = {
            (m.row + dr, m.col + dc)
            for m in spec.merges
            for dr in range(m.rows)
            for dc in range(m.cols)
            if (dr, dc) != (0, 0)
        }
        parts.append('<table border="1">')
        for r, row in enumerate(spec.grid):
            parts.append("<tr>")
            for c in range(spec.width):
                if (r, c) in covered:
                    continue
                value = text(row[c] if c < len(row) else None)
                body = "<br>".join(html.escape(v) for v in value.split("\n")) if value else ""
                m = merged.get((r, c))
                span = ""
                if m is not None:
                    span = f' colspan="{m.cols}"' * (m.cols > 1) + f' rowspan="{m.rows}"' * (
                        m.rows > 1
                    )
                parts.append(f"<td{span}>{body}</td>")
            parts.append("</tr>\n")
        parts.append("</table>")
    parts.append("</body></html>")
    return "".join(parts)


def write_html(path: Path, sheets: Sequence[SheetSpec], **kwargs) -> None:
    path.write_text(html_document(sheets, **kwargs), encoding="utf-8")


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
