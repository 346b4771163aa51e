"""``indicators.xlsx``: the indicators for people (SPEC §7).

Sheets, in order:

- ``Biểu 06 - Kỳ báo cáo`` and ``Biểu 06 - Lũy kế``: report form 06 (*Biểu số 06/VPCP/KSTT*,
  Circular 01/2020/TT-VPCP) for the period and the cumulative window: one row per sector and a
  total row;
- ``Tỷ lệ``: the four rates of the period, cumulative and year-to-date windows, with the counts
  they are computed from;
- ``Theo tháng``: the monthly series with a native Excel bar chart (on its own printed page);
  a month clipped by the cumulative window is labelled with its days ("01/07–14/07/2025");
- ``Hồ sơ quá hạn``: the overdue list for people (apology letters): one row per dossier
  resolved or pending overdue in any published window, sorted by unit and days late
  (``overdue.csv`` stays the machine contract);
- ``Chỉ số``: every indicators row, with Vietnamese headers.

Every sheet prints well (:func:`print_setup`, applied to each sheet of the workbook, so a sheet
added later prints well too): A4 landscape, one page wide, its header rows repeated on every
page, page numbers in the footer.

Text from the data (sector names…) is never a formula: a cell whose text begins with ``=``,
``+``, ``-`` or ``@`` keeps its text unchanged, is stored as a string and carries Excel's
"quote prefix" (the apostrophe typed before such text), so editing it does not turn it into a
formula either.

The file's bytes depend only on the data: document dates and zip entry times are set from the
latest ``to_date``.
"""

from __future__ import annotations

import io
import math
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import xlsxwriter
import xlsxwriter.worksheet
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.cell import column_index_from_string, coordinate_to_tuple
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from pipelines.contract import (
    FIGURES,
    GROUP_BY_LABELS,
    GROUP_BYS,
    INDICATOR_COLUMNS,
    LABELS,
    NO_BASE_TEXT,
    RATES,
    UNKNOWN_GROUP,
    WINDOW_LABELS,
    WINDOWS,
)
from pipelines.data_warnings import DataWarning
from pipelines.labels import overdue_kind_label
from pipelines.periods import month_containing
from pipelines.publish.files import write_redated_zip
from pipelines.publish.numbers import (
    RATE_PARTS,
    as_date,
    format_date_vi,
    format_rate_vi,
    is_missing,
)

FORM_SHEETS: dict[str, str] = {
    "period": "Biểu 06 - Kỳ báo cáo",
    "cumulative": "Biểu 06 - Lũy kế",
}
RATES_SHEET = "Tỷ lệ"
MONTHLY_SHEET = "Theo tháng"
OVERDUE_SHEET = "Hồ sơ quá hạn"
INDICATORS_SHEET = "Chỉ số"

FORM_CODE = "Biểu số 06/VPCP/KSTT"
FORM_BASIS = "Ban hành kèm theo Thông tư số 01/2020/TT-VPCP ngày 21/10/2020"
FORM_UNIT_OF_COUNT = "Đơn vị tính: Số hồ sơ TTHC"
FORM_TITLE = "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC"
TOTAL_LABEL = "Tổng cộng"

#: Form 06 header: (cell range, text), rows 5–7 of the form sheet.
FORM_HEADER: tuple[tuple[str, str], ...] = (
    ("A5:A7", "STT"),
    ("B5:B7", "Lĩnh vực, công việc giải quyết theo cấp"),
    ("C5:F5", "Số hồ sơ nhận giải quyết"),
    ("C6:C7", "Tổng số"),
    ("D6:E6", "Trong đó"),
    ("D7", "Trực tuyến"),
    ("E7", "Trực tiếp và dịch vụ bưu chính"),
    ("F6:F7", "Từ kỳ trước"),
    ("G5:J5", "Số hồ sơ đã giải quyết"),
    ("G6:G7", "Tổng số"),
    ("H6:H7", "Trước hạn"),
    ("I6:I7", "Đúng hạn"),
    ("J6:J7", "Quá hạn"),
    ("K5:M5", "Số hồ sơ đang giải quyết"),
    ("K6:K7", "Tổng số"),
    ("L6:L7", "Trong hạn"),
    ("M6:M7", "Quá hạn"),
)
FORM_HEADER_ROWS = (5, 7)
FORM_NUMBER_ROW = 8
FORM_FIRST_DATA_ROW = 9

#: Form 06 columns 3–13: the figures summed into each.
FORM_COLUMNS: tuple[tuple[str, ...], ...] = (
    ("handled",),
    ("received_online",),
    ("received_direct", "received_postal"),
    ("carried_over",),
    ("resolved",),
    ("resolved_early",),
    ("resolved_on_time",),
    ("resolved_overdue",),
    ("pending",),
    ("pending_within",),
    ("pending_overdue",),
)
FORM_NOTE = (
    "Ghi chú: (3) = (4) + (5) + (6) = (7) + (11); (7) = (8) + (9) + (10); (11) = (12) + (13). "
    "Hồ sơ công dân rút được tính là đã giải quyết đúng hạn (cột 9); hồ sơ không được tiếp "
    "nhận không có trong biểu."
)

#: Monthly sheet columns after Tháng, Từ ngày, Đến ngày.
MONTHLY_FIGURES: tuple[str, ...] = (
    "received_new",
    "received_online",
    "resolved",
    "resolved_overdue",
    "pending",
    "pending_overdue",
)
MONTHLY_RATES: tuple[str, ...] = ("online_rate", "on_time_rate")

PERCENT_FORMAT = "0.00%"
INT_FORMAT = "#,##0"
DATE_FORMAT = "dd/mm/yyyy"

_FORMULA_TRIGGERS = ("=", "+", "-", "@")
_FORM_FONT = "Times New Roman"


@dataclass(frozen=True, slots=True)
class Font:
    """A cell's font; ``None`` is the workbook's default (Calibri 11)."""

    name: str | None = None
    size: float | None = None
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True, slots=True)
class Alignment:
    """A cell's alignment (openpyxl's names: ``center``, ``left``, ``right``, ``top``)."""

    horizontal: str | None = None
    vertical: str | None = None
    wrap_text: bool = False


_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
_RIGHT = Alignment(horizontal="right", vertical="center")


def write_workbook(
    indicators: pd.DataFrame,
    path: Path,
    *,
    unit_name: str | None = None,
    overdue: pd.DataFrame | pa.Table | None = None,
    warnings: Sequence[DataWarning] = (),
) -> None:
    """Write ``indicators`` (columns ``contract.INDICATOR_COLUMNS``) to the workbook ``path``.

    ``warnings`` (the run's data warnings) are listed on the sheet *Kiểm tra dữ liệu*.

    Needs the ``group_by = all`` rows of the ``period``, ``cumulative`` and ``ytd`` windows;
    ``unit_name`` fills "Đơn vị báo cáo" on the form. ``overdue`` (the ``overdue`` table: one
    row per window and dossier) fills the *Hồ sơ quá hạn* sheet. The file is replaced
    atomically.
    """
    frame = _checked(indicators)
    totals = {window: _all_row(frame, window) for window in ("period", "cumulative", "ytd")}

    sheets: list[_Sheet] = []
    for window, title in FORM_SHEETS.items():
        total = totals[window]
        sheets.append(_Sheet(title))
        _write_form06(
            sheets[-1],
            window=window,
            total=total,
            sectors=_sector_rows(frame, window, total["from_date"]),
            unit_name=unit_name,
        )
    sheets.append(_Sheet(RATES_SHEET))
    _write_rates(sheets[-1], totals)
    sheets.append(_Sheet(MONTHLY_SHEET))
    _write_monthly(sheets[-1], frame)
    sheets.append(_Sheet(OVERDUE_SHEET))
    _write_overdue(
        sheets[-1],
        overdue if overdue is not None else pd.DataFrame(columns=list(OVERDUE_COLUMNS)),
        totals,
        unit_name,
    )
    sheets.append(_Sheet(INDICATORS_SHEET))
    _write_indicators(sheets[-1], frame)
    sheets.append(_Sheet(WARNINGS_SHEET))
    _write_warnings(sheets[-1], warnings)

    stamp = datetime.combine(max(frame["to_date"]), time())
    _save(sheets, Path(path), stamp)


#: The sheet listing the run's data warnings (SPEC §7).
WARNINGS_SHEET = "Kiểm tra dữ liệu"


def _write_warnings(ws: _Sheet, warnings: Sequence[DataWarning]) -> None:
    """One row per data warning: kind, file, message, count, examples (never personal data)."""
    for c, text in enumerate(["Loại cảnh báo", "Mã", "Tệp", "Nội dung", "Số lượng", "Ví dụ"], 1):
        ws.cell(1, c).value = text
        ws.cell(1, c).font = Font(bold=True)
    if not warnings:
        ws.cell(2, 1).value = "Không có cảnh báo nào về dữ liệu của lần chạy này."
    for r, w in enumerate(warnings, start=2):
        values = (w.title, w.code, w.file or "", w.message, w.count, ", ".join(w.examples))
        for c, value in enumerate(values, start=1):
            _put(ws, r, c, value)
    for c, width in enumerate((34, 24, 36, 90, 10, 50), start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    top = Alignment(wrap_text=True, vertical="top")
    for r in range(2, ws.max_row + 1):
        for c in range(1, ws.max_column + 1):
            ws.cell(r, c).alignment = top


# --- input ----------------------------------------------------------------------------------


def _checked(indicators: pd.DataFrame) -> pd.DataFrame:
    """A copy with dates as ``datetime.date``, or a ``ValueError`` naming missing columns."""
    missing = [c for c in INDICATOR_COLUMNS if c not in indicators.columns]
    if missing:
        raise ValueError(f"Bảng chỉ số thiếu cột: {', '.join(missing)}.")
    if indicators.empty:
        raise ValueError("Bảng chỉ số không có dòng nào.")
    frame = indicators.loc[:, list(INDICATOR_COLUMNS)].copy()
    for column in ("from_date", "to_date"):
        frame[column] = [as_date(v) for v in frame[column]]
    frame["group_value"] = ["" if is_missing(v) else str(v) for v in frame["group_value"]]
    return frame


def _all_row(frame: pd.DataFrame, window: str) -> pd.Series:
    rows = frame[(frame["window"] == window) & (frame["group_by"] == "all")]
    if len(rows) != 1:
        raise ValueError(
            f"Cần đúng một dòng tổng (group_by = all) của kỳ '{window}' "
            f"({WINDOW_LABELS[window]}), có {len(rows)}."
        )
    return rows.iloc[0]


def _sector_rows(frame: pd.DataFrame, window: str, from_date: date) -> list[pd.Series]:
    rows = frame[
        (frame["window"] == window)
        & (frame["group_by"] == "sector")
        & (frame["from_date"] == from_date)
    ]
    return sorted((row for _, row in rows.iterrows()), key=lambda r: _name_key(r["group_value"]))


def _name_key(name: str) -> tuple[bool, str, str]:
    """Vietnamese-ish alphabetical order: by letters without marks, đ after d, unknown last."""
    decomposed = unicodedata.normalize("NFD", name.casefold().replace("đ", "d~"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return (name == UNKNOWN_GROUP, bare, name)


def _figure(row: pd.Series, name: str) -> int:
    value = row[name]
    if is_missing(value):
        raise ValueError(f"Số liệu '{name}' bị trống (kỳ {row['window']}).")
    return int(value)


def _rate(row: pd.Series, name: str) -> float | None:
    value = row[name]
    return None if is_missing(value) else float(value)


def _no_rate_text(row: pd.Series, name: str) -> str:
    """Text for a null rate: "không có hồ sơ" (base zero) or "không có dữ liệu" (no flag)."""
    return format_rate_vi(None, base=_figure(row, RATE_PARTS[name][1]))


# --- cells ----------------------------------------------------------------------------------


def put_cell(ws: Worksheet, row: int, column: int, value: object) -> Cell:
    """Write one value; text is cleaned of control characters and never becomes a formula."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = text or None
        if text.startswith(_FORMULA_TRIGGERS):
            cell.data_type = "s"
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


class _Cell:
    """One cell of a sheet being built: its value and its style."""

    __slots__ = ("alignment", "border", "font", "number_format", "quotePrefix", "value")

    def __init__(self) -> None:
        self.value: object = None
        self.font: Font | None = None
        self.alignment: Alignment | None = None
        self.border = False  # a thin box on every side
        self.number_format = "General"
        self.quotePrefix = False


class _Dimension:
    __slots__ = ("height", "width")

    def __init__(self) -> None:
        self.height: float | None = None
        self.width: float | None = None


class _Sheet:
    """A sheet built in memory (cells addressed like openpyxl's), then written by
    :func:`_save` with xlsxwriter."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.cells: dict[tuple[int, int], _Cell] = {}
        self.merges: list[str] = []
        self.row_dimensions: defaultdict[int, _Dimension] = defaultdict(_Dimension)
        self.column_dimensions: defaultdict[str, _Dimension] = defaultdict(_Dimension)
        self.freeze_panes: str | None = None
        self.print_title_rows: str | None = None
        self.auto_filter: str | None = None
        self.row_breaks: list[int] = []
        self.chart: dict[str, Any] | None = None
        #: rows written straight into the sheet's XML after its cells (the overdue list)
        self.body: _OverdueBody | None = None

    def cell(self, row: int, column: int) -> _Cell:
        cell = self.cells.get((row, column))
        if cell is None:
            cell = self.cells[(row, column)] = _Cell()
        return cell

    def __getitem__(self, ref: str) -> _Cell:
        row, column = coordinate_to_tuple(ref)
        return self.cell(row, column)

    def merge_cells(self, cell_range: str) -> None:
        self.merges.append(cell_range)

    @property
    def max_row(self) -> int:
        return max((r for r, _ in self.cells), default=1)

    @property
    def max_column(self) -> int:
        return max((c for _, c in self.cells), default=1)


def _put(ws: _Sheet, row: int, column: int, value: object) -> _Cell:
    """:func:`put_cell` for a sheet being built: the same cleaning and formula guard."""
    cell = ws.cell(row, column)
    if isinstance(value, str):
        cell.value, cell.quotePrefix = _cell_text(value)
    else:
        cell.value = value
        if isinstance(value, datetime):
            cell.number_format = "yyyy-mm-dd h:mm:ss"
        elif isinstance(value, date):
            cell.number_format = "yyyy-mm-dd"
    return cell


def _merge(ws: _Sheet, cell_range: str, value: object) -> _Cell:
    first = cell_range.split(":")[0]
    row, column = coordinate_to_tuple(first)
    cell = _put(ws, row, column, value)
    if ":" in cell_range:
        ws.merge_cells(cell_range)
    return cell


def _box(ws: _Sheet, rows: Iterable[int], columns: Iterable[int]) -> None:
    columns = list(columns)
    for r in rows:
        for c in columns:
            ws.cell(r, c).border = True


def _put_rate(ws: _Sheet, r: int, c: int, row: pd.Series, name: str) -> _Cell:
    rate = _rate(row, name)
    if rate is None:
        cell = _put(ws, r, c, _no_rate_text(row, name))
        cell.alignment = _RIGHT
    else:
        cell = _put(ws, r, c, rate)
        cell.number_format = PERCENT_FORMAT
    return cell


def _window_text(row: pd.Series) -> str:
    return f"từ ngày {format_date_vi(row['from_date'])} đến ngày {format_date_vi(row['to_date'])}"


def _form_window_text(row: pd.Series) -> str:
    """The window as the circular writes it: ``(Từ ngày dd/mm/yyyy đến ngày dd/mm/yyyy)``."""
    return f"(Từ ngày {format_date_vi(row['from_date'])} đến ngày {format_date_vi(row['to_date'])})"


# --- form 06 --------------------------------------------------------------------------------


def _write_form06(
    ws: _Sheet,
    *,
    window: str,
    total: pd.Series,
    sectors: list[pd.Series],
    unit_name: str | None,
) -> None:
    font = Font(name=_FORM_FONT, size=12)
    bold = Font(name=_FORM_FONT, size=12, bold=True)
    italic = Font(name=_FORM_FONT, size=12, italic=True)
    last_col = 2 + len(FORM_COLUMNS)

    _merge(ws, "A1:C1", FORM_CODE).font = bold
    _merge(ws, "A2:C2", FORM_BASIS).font = italic
    _merge(ws, "D1:J1", FORM_TITLE).font = Font(name=_FORM_FONT, size=13, bold=True)
    _merge(ws, "D2:J2", f"{WINDOW_LABELS[window]} {_form_window_text(total)}").font = bold
    unit = " ".join(unit_name.split()) if unit_name and unit_name.strip() else "…………"
    _merge(ws, "K1:M2", f"Đơn vị báo cáo: {unit}").font = font
    _merge(ws, "K3:M3", FORM_UNIT_OF_COUNT).font = italic
    for ref in ("A1", "A2", "D1", "D2", "K1"):
        ws[ref].alignment = _CENTER
    ws["K3"].alignment = Alignment(horizontal="right")
    ws.row_dimensions[1].height = 36
    ws.row_dimensions[2].height = 24

    for cell_range, text in FORM_HEADER:
        _merge(ws, cell_range, text)
    header_rows = range(FORM_HEADER_ROWS[0], FORM_NUMBER_ROW + 1)
    for r in header_rows:
        for c in range(1, last_col + 1):
            cell = ws.cell(row=r, column=c)
            cell.font = bold if r < FORM_NUMBER_ROW else italic
            cell.alignment = _CENTER
    for c in range(1, last_col + 1):
        _put(ws, FORM_NUMBER_ROW, c, f"({c})")
    ws.row_dimensions[5].height = 30
    ws.row_dimensions[6].height = 22
    ws.row_dimensions[7].height = 48

    r = FORM_FIRST_DATA_ROW
    for number, sector in enumerate(sectors, start=1):
        _form_row(ws, r, number, sector["group_value"], sector, font)
        r += 1
    _form_row(ws, r, None, TOTAL_LABEL, total, bold)
    _box(ws, range(FORM_HEADER_ROWS[0], r + 1), range(1, last_col + 1))

    _merge(ws, f"A{r + 2}:M{r + 2}", FORM_NOTE)
    ws.cell(row=r + 2, column=1).font = italic
    ws.cell(row=r + 2, column=1).alignment = _LEFT
    ws.row_dimensions[r + 2].height = 32
    for cell_range, text, style in (
        (f"A{r + 4}:C{r + 4}", "NGƯỜI LẬP BIỂU", bold),
        (f"A{r + 5}:C{r + 5}", "(Ký, ghi rõ họ tên)", italic),
        (f"J{r + 4}:M{r + 4}", "THỦ TRƯỞNG ĐƠN VỊ", bold),
        (f"J{r + 5}:M{r + 5}", "(Ký tên, đóng dấu)", italic),
    ):
        cell = _merge(ws, cell_range, text)
        cell.font = style
        cell.alignment = _CENTER

    widths = {1: 6, 2: 36, 5: 15}
    for c in range(1, last_col + 1):
        ws.column_dimensions[get_column_letter(c)].width = widths.get(c, 11)
    ws.freeze_panes = f"C{FORM_FIRST_DATA_ROW}"
    ws.print_title_rows = f"{FORM_HEADER_ROWS[0]}:{FORM_NUMBER_ROW}"


def _form_row(
    ws: _Sheet, r: int, number: int | None, label: str, row: pd.Series, font: Font
) -> None:
    _put(ws, r, 1, number).alignment = _CENTER
    _put(ws, r, 2, label).alignment = _LEFT
    for c, parts in enumerate(FORM_COLUMNS, start=3):
        cell = _put(ws, r, c, sum(_figure(row, p) for p in parts))
        cell.number_format = INT_FORMAT
    for c in range(1, 3 + len(FORM_COLUMNS)):
        ws.cell(row=r, column=c).font = font


# --- rates ----------------------------------------------------------------------------------


def _write_rates(ws: _Sheet, totals: dict[str, pd.Series]) -> None:
    bold = Font(bold=True)
    windows = ("period", "cumulative", "ytd")
    last_col = 2 + len(windows)

    _merge(ws, f"A1:{get_column_letter(last_col)}1", "TỶ LỆ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH")
    ws["A1"].font = Font(bold=True, size=13)
    ws["A1"].alignment = _CENTER
    _merge(ws, "A3:A4", "Chỉ tiêu")
    _merge(ws, "B3:B4", "Cách tính")
    for c, window in enumerate(windows, start=3):
        _put(ws, 3, c, WINDOW_LABELS[window])
        row = totals[window]
        _put(ws, 4, c, f"{format_date_vi(row['from_date'])} – {format_date_vi(row['to_date'])}")
    for r in (3, 4):
        for c in range(1, last_col + 1):
            ws.cell(row=r, column=c).font = bold
            ws.cell(row=r, column=c).alignment = _CENTER

    r = 5
    for name in RATES:
        numerator, base = RATE_PARTS[name]
        _put(ws, r, 1, LABELS[name]).alignment = _LEFT
        how = formula_label(numerator, base)
        _put(ws, r, 2, how).alignment = _LEFT
        for c, window in enumerate(windows, start=3):
            _put_rate(ws, r, c, totals[window], name)
        r += 1
    _box(ws, range(3, r), range(1, last_col + 1))

    r += 1
    _put(ws, r, 1, "Số liệu dùng để tính tỷ lệ").font = bold
    r += 1
    first = r
    counted = ("received_new", "received_online", "resolved", "resolved_early")
    counted += ("resolved_on_time", "digitized", "e_result")
    for name in counted:
        _put(ws, r, 1, LABELS[name]).alignment = _LEFT
        for c, window in enumerate(windows, start=3):
            _put(ws, r, c, _figure(totals[window], name)).number_format = INT_FORMAT
        r += 1
    _box(ws, range(first, r), range(1, last_col + 1))
    _put(ws, r + 1, 1, f'Tỷ lệ trên 0 hồ sơ ghi "{NO_BASE_TEXT}", không ghi 0% hay 100%.')
    ws.cell(row=r + 1, column=1).font = Font(italic=True)

    for letter, width in zip("ABCDE", (38, 52, 24, 24, 24), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "C5"
    ws.print_title_rows = "3:4"


# --- monthly series -------------------------------------------------------------------------


def month_label(from_date: date, to_date: date) -> str:
    """ "Tháng 4/2026" for a whole standard month (SPEC §6: 15th to 14th); a month clipped by
    the cumulative window (or the period's end) is labelled with its days:
    "01/07–14/07/2025" (the year written once when both ends share it)."""
    month = month_containing(from_date)
    if (month.from_date, month.to_date) == (from_date, to_date):
        return f"Tháng {month.to_date.month}/{month.to_date.year}"
    if from_date.year == to_date.year:
        return f"{from_date:%d/%m}–{to_date:%d/%m/%Y}"
    return f"{from_date:%d/%m/%Y}–{to_date:%d/%m/%Y}"


def formula_label(numerator: tuple[str, ...], base: str) -> str:
    """How a rate is computed, as a report writer writes it: a sum in brackets,
    "(Giải quyết trước hạn + Giải quyết đúng hạn) / Đã giải quyết"."""
    top = " + ".join(LABELS[n] for n in numerator)
    if len(numerator) > 1:
        top = f"({top})"
    return f"{top} / {LABELS[base]}"


def _write_monthly(ws: _Sheet, frame: pd.DataFrame) -> None:
    rows = frame[(frame["window"] == "month") & (frame["group_by"] == "all")]
    rows = rows.sort_values("from_date", kind="stable")
    headers = ["Tháng", LABELS["from_date"], LABELS["to_date"]]
    headers += [LABELS[n] for n in MONTHLY_FIGURES + MONTHLY_RATES]
    for c, text in enumerate(headers, start=1):
        cell = _put(ws, 1, c, text)
        cell.font = Font(bold=True)
        cell.alignment = _CENTER
    ws.row_dimensions[1].height = 62

    r = 1
    for _, row in rows.iterrows():
        r += 1
        _put(ws, r, 1, month_label(row["from_date"], row["to_date"]))
        _put(ws, r, 2, row["from_date"]).number_format = DATE_FORMAT
        _put(ws, r, 3, row["to_date"]).number_format = DATE_FORMAT
        c = 4
        for name in MONTHLY_FIGURES:
            _put(ws, r, c, _figure(row, name)).number_format = INT_FORMAT
            c += 1
        for name in MONTHLY_RATES:
            _put_rate(ws, r, c, row, name)
            c += 1
    _box(ws, range(1, r + 1), range(1, len(headers) + 1))
    ws.column_dimensions["A"].width = 18
    for c in range(2, len(headers) + 1):
        ws.column_dimensions[get_column_letter(c)].width = 13
    ws.freeze_panes = "B2"
    ws.print_title_rows = "1:1"

    if r == 1:
        return
    ws.chart = {
        "title": "Hồ sơ tiếp nhận mới và đã giải quyết theo tháng",
        "x_title": "Tháng",
        "y_title": "Số hồ sơ",
        "series": [4 + MONTHLY_FIGURES.index(name) for name in ("received_new", "resolved")],
        "last_row": r,
        "width_cm": 24,
        "height_cm": 13,
        "anchor": f"A{r + 3}",
    }
    # The chart goes below the table, after a page break: printed on its own page, whole.
    ws.row_breaks.append(r)


# --- all indicators -------------------------------------------------------------------------


def _write_indicators(ws: _Sheet, frame: pd.DataFrame) -> None:
    window_rank = {w: i for i, w in enumerate(WINDOWS)}
    group_rank = {g: i for i, g in enumerate(GROUP_BYS)}
    order = sorted(
        frame.to_dict("records"),  # rows as dicts: iterrows builds a Series per row
        key=lambda row: (
            window_rank.get(row["window"], len(WINDOWS)),
            group_rank.get(row["group_by"], len(GROUP_BYS)),
            row["from_date"],
            _name_key(row["group_value"]),
        ),
    )

    for c, name in enumerate(INDICATOR_COLUMNS, start=1):
        cell = _put(ws, 1, c, LABELS[name])
        cell.font = Font(bold=True)
        cell.alignment = _CENTER
    ws.row_dimensions[1].height = 45

    r = 1
    for row in order:
        r += 1
        _put(ws, r, 1, WINDOW_LABELS.get(row["window"], str(row["window"])))
        _put(ws, r, 2, row["from_date"]).number_format = DATE_FORMAT
        _put(ws, r, 3, row["to_date"]).number_format = DATE_FORMAT
        _put(ws, r, 4, GROUP_BY_LABELS.get(row["group_by"], str(row["group_by"])))
        _put(ws, r, 5, row["group_value"])
        c = 6
        for name in FIGURES:
            _put(ws, r, c, _figure(row, name)).number_format = INT_FORMAT
            c += 1
        for name in RATES:
            _put_rate(ws, r, c, row, name)
            c += 1

    last = get_column_letter(len(INDICATOR_COLUMNS))
    ws.auto_filter = f"A1:{last}{r}"
    ws.freeze_panes = "F2"
    ws.column_dimensions["A"].width = 12
    ws.column_dimensions["D"].width = 10
    ws.column_dimensions["E"].width = 32
    for c in [2, 3, *range(6, len(INDICATOR_COLUMNS) + 1)]:
        ws.column_dimensions[get_column_letter(c)].width = 11
    ws.print_title_rows = "1:1"


# --- overdue list ---------------------------------------------------------------------------

#: Columns of the ``overdue`` table that the sheet reads.
OVERDUE_COLUMNS: tuple[str, ...] = (
    "window",
    "dossier_code",
    "overdue_kind",
    "procedure_code",
    "procedure_name",
    "sector_name",
    "unit_name",
    "due_date",
    "finished_date",
    "days_late",
)
OVERDUE_HEADERS: tuple[str, ...] = (
    "STT",
    "Đơn vị xử lý",
    "Mã hồ sơ",
    "Thủ tục",
    "Lĩnh vực",
    "Tình trạng",
    "Ngày hẹn trả",
    "Ngày có kết quả",
    "Số ngày quá hạn",
    "Trong kỳ báo cáo",
)
OVERDUE_HEADER_ROW = 4
_OVERDUE_WIDTHS: tuple[int, ...] = (6, 26, 20, 46, 18, 24, 12, 12, 10, 10)
_OVERDUE_WRAPPED = (2, 4, 5)  # unit, procedure, sector: long names wrap
#: When a dossier is late in several windows, the row of the widest window is shown.
_OVERDUE_WINDOW_RANK = {"cumulative": 0, "ytd": 1, "period": 2}


def overdue_sheet_rows(overdue: pd.DataFrame | pa.Table) -> list[tuple[Any, ...]]:
    """The sheet's rows: ``sql/publish/overdue_sheet.sql`` over ``overdue`` (the ``overdue``
    table as a DataFrame or an Arrow table), one per dossier late in any window, in the
    sheet's order: (unit, dossier code, procedure, sector, overdue kind, due date, result
    date, days late, in the period)."""
    import duckdb

    from pipelines.db import sql_text

    names = list(overdue.columns) if isinstance(overdue, pd.DataFrame) else overdue.column_names
    missing = [c for c in OVERDUE_COLUMNS if c not in names]
    if missing:
        raise ValueError(f"Bảng hồ sơ quá hạn thiếu cột: {', '.join(missing)}.")
    with duckdb.connect() as con:
        con.register("overdue", overdue)
        if not con.execute("select count(*) from overdue").fetchall()[0][0]:
            return []
        units = [
            name
            for (name,) in con.execute(
                "select distinct coalesce(nullif(unit_name, ''), $unknown_unit) from overdue",
                {"unknown_unit": UNKNOWN_GROUP},
            ).fetchall()
        ]
        units.sort(key=_name_key)
        return con.execute(
            sql_text("publish/overdue_sheet"), {"units": units, "unknown_unit": UNKNOWN_GROUP}
        ).fetchall()


def _write_overdue(
    ws: _Sheet,
    overdue: pd.DataFrame | pa.Table,
    totals: dict[str, pd.Series],
    unit_name: str | None,
) -> None:
    bold = Font(bold=True)
    last = get_column_letter(len(OVERDUE_HEADERS))
    _merge(ws, f"A1:{last}1", "DANH SÁCH HỒ SƠ QUÁ HẠN").font = Font(bold=True, size=13)
    ws["A1"].alignment = _CENTER
    period, cumulative = totals["period"], totals["cumulative"]
    unit = f"{' '.join(unit_name.split())} – " if unit_name and unit_name.strip() else ""
    _merge(
        ws,
        f"A2:{last}2",
        f"{unit}Hồ sơ giải quyết quá hạn hoặc đang giải quyết quá hạn, lũy kế "
        f"{_window_text(cumulative)}; cột “Trong kỳ báo cáo”: có trong kỳ "
        f"{_window_text(period)}. Số ngày quá hạn: ngày có kết quả (hoặc ngày cuối kỳ, nếu "
        "chưa giải quyết) trừ ngày hẹn trả.",
    ).font = Font(italic=True)
    ws["A2"].alignment = _LEFT
    ws.row_dimensions[2].height = 32
    for c, text in enumerate(OVERDUE_HEADERS, start=1):
        cell = _put(ws, OVERDUE_HEADER_ROW, c, text)
        cell.font = bold
        cell.alignment = _CENTER
    ws.row_dimensions[OVERDUE_HEADER_ROW].height = 32

    rows = overdue_sheet_rows(overdue)
    r = OVERDUE_HEADER_ROW
    if rows:
        # tens of thousands of rows: written straight into the sheet's XML (_OverdueBody)
        ws.body = _OverdueBody(rows, first_row=r + 1)
        r += len(rows)
        _box(ws, [OVERDUE_HEADER_ROW], range(1, len(OVERDUE_HEADERS) + 1))
    else:
        r += 1
        _merge(ws, f"A{r}:{last}{r}", "Không có hồ sơ quá hạn.").alignment = _CENTER
        _box(ws, range(OVERDUE_HEADER_ROW, r + 1), range(1, len(OVERDUE_HEADERS) + 1))
    for c, width in enumerate(_OVERDUE_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.freeze_panes = f"A{OVERDUE_HEADER_ROW + 1}"
    ws.print_title_rows = f"{OVERDUE_HEADER_ROW}:{OVERDUE_HEADER_ROW}"
    if rows:
        ws.auto_filter = f"A{OVERDUE_HEADER_ROW}:{last}{r}"


#: Longest text of a cell, in UTF-16 units (Excel's limit; xlsxwriter cuts longer ones).
_EXCEL_TEXT_MAX = 32767


def _cell_text(value: str) -> tuple[str | None, bool]:
    """A text as a cell holds it: cleaned of control characters (``None`` when nothing is
    left), cut to Excel's length as xlsxwriter cuts it, and whether it needs the quote prefix
    of the formula guard (used by :func:`_put` and the streamed overdue rows alike)."""
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not text:
        return None, False
    if len(text) > _EXCEL_TEXT_MAX // 2:
        units = text.encode("utf-16-le", "surrogatepass")
        if len(units) // 2 > _EXCEL_TEXT_MAX:
            text = units[: 2 * _EXCEL_TEXT_MAX].decode("utf-16-le", "ignore")
    return text, text.startswith(_FORMULA_TRIGGERS)


class _OverdueBody:
    """The data rows of the overdue sheet, one per dossier, written into the sheet's XML by
    :class:`_Worksheet` after xlsxwriter's own rows (the title and header above them).

    The XML is what xlsxwriter writes for these cells (``tests/unit/test_workbook_stream.py``
    compares the bytes): shared strings registered in the order ``write_string`` would
    register them, cell styles numbered in the order xlsxwriter would number them, row heights
    as ``set_row_pixels`` writes them. Columns: STT, unit, code, procedure, sector, kind, due
    date, result date, days late, in the period."""

    def __init__(self, rows: list[tuple[Any, ...]], first_row: int) -> None:
        self.rows = rows
        self.first_row = first_row
        self._xml = ""
        #: the cells' formats, in the order of their first cell; the XML holds ``s="#k"``
        self._formats: list[Any] = []

    def attach(self, sheet: xlsxwriter.worksheet.Worksheet, format_for: Callable) -> None:
        """Register the rows' strings with the workbook (row by row, column by column),
        grow the sheet's dimension over them and build their XML, each cell's style a
        placeholder (styles are numbered when the sheet is written). The XML holds no text
        of the data (strings are shared-string numbers), so a placeholder cannot clash."""
        wrapped = {c - 1 for c in _OVERDUE_WRAPPED}
        styles: dict[tuple[bool, str, bool], str] = {}

        def style(column: int, number_format: str = "General", quote: bool = False) -> str:
            key = (column in wrapped, number_format, quote)
            token = styles.get(key)
            if token is None:
                alignment = _LEFT if key[0] else _CENTER
                self._formats.append(format_for((None, alignment, True, number_format, quote)))
                token = styles[key] = f"#{len(self._formats) - 1}"
            return token

        shared = sheet.str_table._get_shared_string_index
        texts: dict[str, tuple[str | None, bool]] = {}
        serials: dict[object, str] = {}
        kinds: dict[object, str] = {}
        centre, left = style(0), style(1)
        plain = [left if c in wrapped else centre for c in range(10)]
        dated = style(6, DATE_FORMAT)
        quoted: dict[int, str] = {}
        heights: dict[int, str] = {}
        widths = [_OVERDUE_WIDTHS[c - 1] - 2 for c in _OVERDUE_WRAPPED]
        out: list[str] = []
        for number, row in enumerate(self.rows, start=1):
            unit, code, procedure, sector, kind, due, finished, days_late, in_period = row
            r = self.first_row + number - 1
            label = kinds.get(kind)
            if label is None:
                label = kinds[kind] = overdue_kind_label(str(kind))
            lines = max(
                math.ceil(len(str(v)) / w)
                for v, w in zip((unit, procedure, sector), widths, strict=True)
            )
            height = heights.get(lines)
            if height is None:
                height = heights[lines] = _row_height_attribute(sheet, 15 * max(1, lines))
            cells = [f'<row r="{r}" spans="1:10"{height}>', f'<c r="A{r}" s="{centre}">']
            cells.append(f"<v>{number:.16G}</v></c>")
            values = (unit, str(code), procedure, sector, label)
            for letter, c, value in zip("BCDEF", range(1, 6), values, strict=True):
                cells.append(self._text(letter, r, c, value, texts, shared, plain, quoted, style))
            for letter, day in (("G", due), ("H", finished)):
                if day is None:
                    cells.append(f'<c r="{letter}{r}" s="{centre}"/>')
                else:
                    serial = serials.get(day)
                    if serial is None:
                        serial = serials[day] = f"{sheet._convert_date_time(as_date(day)):.16G}"
                    cells.append(f'<c r="{letter}{r}" s="{dated}"><v>{serial}</v></c>')
            cells.append(f'<c r="I{r}" s="{centre}"><v>{int(days_late):.16G}</v></c>')
            cells.append(
                self._text(
                    "J", r, 9, "Có" if in_period else "", texts, shared, plain, quoted, style
                )
            )
            cells.append("</row>")
            out.append("".join(cells))
        self._xml = "".join(out)
        sheet._check_dimensions(self.first_row - 1, 0)
        sheet._check_dimensions(self.first_row + len(self.rows) - 2, len(OVERDUE_HEADERS) - 1)

    @staticmethod
    def _text(
        letter: str,
        r: int,
        column: int,
        value: str,
        texts: dict[str, tuple[str | None, bool]],
        shared: Callable[[str], int],
        plain: list[str],
        quoted: dict[int, str],
        style: Callable[..., str],
    ) -> str:
        """One text cell as ``write_string`` (or ``write_blank`` for an empty text) stores
        it: :func:`_put`'s cleaning and formula guard, the shared string registered now."""
        cleaned = texts.get(value)
        if cleaned is None:
            cleaned = texts[value] = _cell_text(value)
        text, quote = cleaned
        if text is None:
            return f'<c r="{letter}{r}" s="{plain[column]}"/>'
        if quote:
            token = quoted.get(column)
            if token is None:
                token = quoted[column] = style(column, quote=True)
        else:
            token = plain[column]
        return f'<c r="{letter}{r}" s="{token}" t="s"><v>{shared(text)}</v></c>'

    def write(self, fh: Any) -> None:
        """The rows' XML with the style numbers: each format is numbered in the order of its
        first cell, as xlsxwriter numbers formats while it writes a sheet's cells."""
        xml = self._xml
        first_use = sorted(
            range(len(self._formats)), key=lambda k: xml.find(f'"#{k}"') % (len(xml) + 1)
        )
        for k in first_use:
            if f'"#{k}"' in xml:
                xml = xml.replace(f'"#{k}"', f'"{self._formats[k]._get_xf_index()}"')
        fh.write(xml)


def _row_height_attribute(sheet: xlsxwriter.worksheet.Worksheet, points: float) -> str:
    """The ``ht``/``customHeight`` attributes xlsxwriter writes for a row of ``points`` set
    as :func:`_write_sheet` sets heights (``set_row_pixels``, a default height kept)."""
    pixels = points / 0.75
    if pixels == sheet.default_row_height:
        pixels = math.nextafter(pixels, math.inf)
    return f' ht="{pixels * 0.75:.16g}" customHeight="1"'


# --- printing -------------------------------------------------------------------------------


def print_setup(ws: Worksheet) -> None:
    """How every sheet prints: A4 landscape, one page wide (as many pages tall as needed),
    centred, page numbers in the footer, and its header rows repeated on every page (the rows
    its writer set, else the first row)."""
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.oddFooter.center.text = "Trang &P/&N"
    if not ws.print_title_rows:
        ws.print_title_rows = "1:1"


# --- saving -------------------------------------------------------------------------------

#: openpyxl's alignment names as xlsxwriter's format properties.
_VERTICAL = {"center": "vcenter", "top": "top", "bottom": "bottom"}
#: A4 in Excel's paper codes.
_PAPER_A4 = 9
_PIXELS_PER_CM = 96 / 2.54


def _format_properties(
    font: Font | None, alignment: Alignment | None, border: bool, number_format: str, quote: bool
) -> dict[str, object]:
    properties: dict[str, object] = {}
    if font is not None:
        if font.name:
            properties["font_name"] = font.name
        if font.size:
            properties["font_size"] = font.size
        if font.bold:
            properties["bold"] = True
        if font.italic:
            properties["italic"] = True
    if alignment is not None:
        if alignment.horizontal:
            properties["align"] = alignment.horizontal
        if alignment.vertical:
            properties["valign"] = _VERTICAL[alignment.vertical]
        if alignment.wrap_text:
            properties["text_wrap"] = True
    if border:
        properties["border"] = 1
    if number_format != "General":
        properties["num_format"] = number_format
    if quote:
        properties["quote_prefix"] = True
    return properties


class _Worksheet(xlsxwriter.worksheet.Worksheet):
    """xlsxwriter's sheet, writing ``fitToWidth="1"`` as openpyxl does (xlsxwriter leaves the
    default out; readers such as openpyxl then see no width to fit), and a sheet's
    :class:`_OverdueBody` after its own rows."""

    def _xml_empty_tag(self, tag: str, attributes: Any = None) -> None:
        if tag == "pageSetup" and self.fit_page and self.fit_width == 1:
            attributes = [*(attributes or []), ("fitToWidth", 1)]
        super()._xml_empty_tag(tag, attributes)

    body: _OverdueBody | None = None

    def _write_rows(self) -> None:
        super()._write_rows()
        if self.body is not None:
            self.body.write(self.fh)


def _write_sheet(book: xlsxwriter.Workbook, ws: _Sheet) -> None:
    """Write one built sheet with xlsxwriter, print setup included (:func:`print_setup`)."""
    sheet = book.add_worksheet(ws.title, worksheet_class=_Worksheet)
    formats: dict[tuple[object, ...], object] = {}

    def format_for(key: tuple[object, ...]) -> object:
        fmt = formats.get(key)
        if fmt is None and key not in formats:
            properties = _format_properties(*key)  # type: ignore[arg-type]
            fmt = formats[key] = book.add_format(properties) if properties else None
        return fmt

    for cell_range in ws.merges:
        first, last = cell_range.split(":")
        r1, c1 = coordinate_to_tuple(first)
        r2, c2 = coordinate_to_tuple(last)
        sheet.merge_range(r1 - 1, c1 - 1, r2 - 1, c2 - 1, None)
    for (r, c), cell in ws.cells.items():
        fmt = format_for(
            (cell.font, cell.alignment, cell.border, cell.number_format, cell.quotePrefix)
        )
        value = cell.value
        if value is None:
            if fmt is not None:
                sheet.write_blank(r - 1, c - 1, None, fmt)
        elif isinstance(value, str):
            sheet.write_string(r - 1, c - 1, value, fmt)
        elif isinstance(value, date):
            sheet.write_datetime(r - 1, c - 1, value, fmt)
        else:
            sheet.write_number(r - 1, c - 1, value, fmt)
    if ws.body is not None:
        ws.body.attach(sheet, format_for)
        sheet.body = ws.body
    for r, dimension in sorted(ws.row_dimensions.items()):
        if dimension.height is not None:
            # in pixels unrounded: xlsxwriter writes pixels × 0.75 points, the exact height.
            # It leaves out a height equal to the default (15 pt); openpyxl wrote it as a
            # custom height (the row keeps it, never auto-fitted): one ulp more keeps it written
            pixels = dimension.height / 0.75
            if pixels == sheet.default_row_height:
                pixels = math.nextafter(pixels, math.inf)
            sheet.set_row_pixels(r - 1, pixels)
    for letter, dimension in ws.column_dimensions.items():
        if dimension.width is not None:
            c = column_index_from_string(letter) - 1
            # xlsxwriter writes pixels / 7 as the width: an exact width in whole characters
            sheet.set_column_pixels(c, c, round(dimension.width * 7))
    if ws.freeze_panes:
        sheet.freeze_panes(ws.freeze_panes)
    if ws.auto_filter:
        sheet.autofilter(ws.auto_filter)
    if ws.row_breaks:
        sheet.set_h_pagebreaks(ws.row_breaks)
    if ws.chart is not None:
        _write_chart(book, sheet, ws.title, ws.chart)
    # print setup: the same as print_setup() gives an openpyxl sheet
    sheet.set_landscape()
    sheet.set_paper(_PAPER_A4)
    sheet.fit_to_pages(1, 0)
    sheet.center_horizontally()
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.set_header("", {"margin": 0.5})
    sheet.set_footer("&CTrang &P/&N", {"margin": 0.5})
    first, last = (ws.print_title_rows or "1:1").split(":")
    sheet.repeat_rows(int(first) - 1, int(last) - 1)


def _write_chart(
    book: xlsxwriter.Workbook, sheet: object, title: str, spec: dict[str, Any]
) -> None:
    """The monthly bar chart: clustered columns, series titled by their header cell."""
    chart = book.add_chart({"type": "column", "subtype": "clustered"})
    last = spec["last_row"] - 1
    for column in spec["series"]:
        c = column - 1
        chart.add_series(
            {
                # a relative reference to the header cell, as openpyxl wrote it
                "name": f"={quote_sheetname(title)}!{get_column_letter(column)}1",
                "categories": [title, 1, 0, last, 0],
                "values": [title, 1, c, last, c],
            }
        )
    chart.set_title({"name": spec["title"]})
    chart.set_x_axis({"name": spec["x_title"]})
    chart.set_y_axis({"name": spec["y_title"]})
    chart.set_size(
        {
            "width": round(spec["width_cm"] * _PIXELS_PER_CM),
            "height": round(spec["height_cm"] * _PIXELS_PER_CM),
        }
    )
    sheet.insert_chart(spec["anchor"], chart)  # type: ignore[attr-defined]


def _save(sheets: list[_Sheet], path: Path, stamp: datetime) -> None:
    """Write the sheets with xlsxwriter, document dates ``stamp``, then re-date the zip entries
    (:func:`files.write_redated_zip`) and replace ``path`` atomically."""
    raw = io.BytesIO()
    book = xlsxwriter.Workbook(
        raw,
        {
            "in_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    book.set_properties(
        {
            "title": "Chỉ số giải quyết thủ tục hành chính",
            "author": "hoso",
            "created": stamp,
        }
    )
    for ws in sheets:
        _write_sheet(book, ws)
    book.close()
    write_redated_zip(raw.getvalue(), path, stamp)
