"""``doi-chieu.xlsx`` and the terminal summary of a reconciliation (Vietnamese).

Sheets of the workbook:

- ``Đối chiếu``: per compared form-06 sheet, one row per sector and the total row; the
  system's columns (3)–(13) beside hoso's, differing cells highlighted in both;
- ``Chênh lệch``: one row per differing cell: both figures, the difference, the number of
  dossiers hoso counts there and the causes that explain it exactly;
- ``Hồ sơ``: one row per (differing cell, dossier): the dossiers hoso counts in the cell, and
  those a named cause would count instead, with the dates that decided them;
- ``Kiểm tra biểu``: the rows where the system's sheet breaks its own identities, cells that
  are not numbers, sectors found on one side only, sheets left out.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from pipelines.publish.workbook import put_cell
from pipelines.reconcile import Reconciliation
from pipelines.reconcile.compare import CellDossier, Difference, SheetComparison
from pipelines.reconcile.form06 import FIGURE_COLUMNS, form06_words

_DIFF_FILL = PatternFill("solid", fgColor="FFC7CE")
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_BOLD = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")
_FORMULA_TRIGGERS = ("=", "+", "-", "@")
_SOURCE = {"title": "theo tiêu đề biểu", "asked": "theo kỳ yêu cầu"}


def _put(ws: Worksheet, row: int, column: int, value: object) -> Cell:
    """One value (text never becomes a formula); date-times shown with their time."""
    cell = put_cell(ws, row, column, value)
    if isinstance(value, datetime):
        cell.number_format = "dd/mm/yyyy hh:mm"
    return cell


def _header(ws: Worksheet, row: int, texts: list[str]) -> None:
    for c, text in enumerate(texts, start=1):
        cell = _put(ws, row, c, text)
        cell.font = _BOLD
        cell.fill = _HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")


def window_text(window: tuple[date, date]) -> str:
    """``từ ngày dd/mm/yyyy đến ngày dd/mm/yyyy``."""
    return f"từ ngày {window[0]:%d/%m/%Y} đến ngày {window[1]:%d/%m/%Y}"


def cause_text(diff: Difference) -> str:
    """The causes that explain a difference, or what to check when none does."""
    if not diff.causes:
        return "chưa rõ nguyên nhân: kiểm tra các hồ sơ hoso đếm trong ô này trên hệ thống"
    return "; ".join(c.description for c in diff.causes)


def write_reconciliation(result: Reconciliation, path: Path) -> None:
    """Write ``doi-chieu.xlsx`` to ``path`` (replaced atomically)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Đối chiếu"
    _side_by_side(ws, result)
    _differences(wb.create_sheet("Chênh lệch"), result)
    _dossiers(wb.create_sheet("Hồ sơ"), result)
    _checks(wb.create_sheet("Kiểm tra biểu"), result)
    wb.properties.creator = "hoso"
    wb.properties.title = "Đối chiếu biểu số 06"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    wb.save(tmp)
    os.replace(tmp, path)


def _side_by_side(ws: Worksheet, result: Reconciliation) -> None:
    labels = form06_words().column_labels
    n = len(FIGURE_COLUMNS)
    r = 1
    _put(ws, r, 1, f"ĐỐI CHIẾU BIỂU SỐ 06 CỦA HỆ THỐNG VỚI SỐ LIỆU HOSO — tệp {result.source.name}")
    ws.cell(row=r, column=1).font = Font(bold=True, size=13)
    r += 2
    for sheet in result.sheets:
        _put(
            ws,
            r,
            1,
            f"Trang '{sheet.sheet}': {window_text(sheet.window)} ({_SOURCE[sheet.window_source]})",
        ).font = _BOLD
        r += 1
        _put(ws, r, 4, "Biểu của hệ thống").font = _BOLD
        _put(ws, r, 4 + n, "Số liệu hoso").font = _BOLD
        ws.merge_cells(start_row=r, start_column=4, end_row=r, end_column=3 + n)
        ws.merge_cells(start_row=r, start_column=4 + n, end_row=r, end_column=3 + 2 * n)
        r += 1
        _header(ws, r, ["Dòng", "Lĩnh vực", "Ghi chú"] + [labels[c] for c in FIGURE_COLUMNS] * 2)
        ws.row_dimensions[r].height = 60
        r += 1
        differing = {(d.row_number, d.label, d.column) for d in sheet.differences}
        for row in sheet.rows:
            _put(ws, r, 1, row.row_number)
            _put(ws, r, 2, row.label).font = _BOLD if row.kind == "total" else Font()
            _put(ws, r, 3, row.note)
            for k, column in enumerate(FIGURE_COLUMNS):
                left = _put(ws, r, 4 + k, None if row.system is None else row.system[column])
                right = _put(ws, r, 4 + n + k, None if row.hoso is None else row.hoso[column])
                if (row.row_number, row.label, column) in differing:
                    left.fill = _DIFF_FILL
                    right.fill = _DIFF_FILL
            r += 1
        if sheet.agrees:
            _put(ws, r, 2, "Khớp toàn bộ: không có ô chênh lệch.").font = Font(italic=True)
            r += 1
        r += 1
    ws.column_dimensions["A"].width = 7
    ws.column_dimensions["B"].width = 36
    ws.column_dimensions["C"].width = 22
    for c in range(4, 4 + 2 * n):
        ws.column_dimensions[get_column_letter(c)].width = 11
    ws.freeze_panes = "D1"


def _differences(ws: Worksheet, result: Reconciliation) -> None:
    labels = form06_words().column_labels
    _header(
        ws,
        1,
        [
            "Trang",
            "Dòng",
            "Lĩnh vực",
            "Cột",
            "Hệ thống",
            "hoso",
            "Chênh lệch (hệ thống − hoso)",
            "Số hồ sơ hoso đếm",
            "Nguyên nhân có thể",
        ],
    )
    r = 2
    for sheet in result.sheets:
        for d in sheet.differences:
            values = [
                sheet.sheet,
                d.row_number,
                d.label,
                labels[d.column],
                d.system,
                d.hoso,
                d.delta,
                len(d.dossiers),
                cause_text(d),
            ]
            for c, v in enumerate(values, start=1):
                _put(ws, r, c, v).alignment = _WRAP
            r += 1
    for letter, width in zip("ABCDEFGHI", (22, 7, 30, 30, 10, 10, 14, 12, 70), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:I{max(r - 1, 1)}"


def _dossier_values(d: CellDossier) -> list[object]:
    words = form06_words()
    return [
        d.dossier_code,
        words.channel_labels.get(d.channel, d.channel),
        words.status_labels.get(d.status_class, d.status_class),
        d.received_at,
        d.due_at,
        d.finished_at,
    ]


def _dossiers(ws: Worksheet, result: Reconciliation) -> None:
    labels = form06_words().column_labels
    _header(
        ws,
        1,
        [
            "Trang",
            "Lĩnh vực",
            "Cột",
            "Mã hồ sơ",
            "Hình thức nộp",
            "Trạng thái",
            "Ngày tiếp nhận",
            "Ngày hẹn trả",
            "Ngày có kết quả",
            "hoso đếm trong ô",
            "Ghi chú",
        ],
    )
    r = 2
    for sheet in result.sheets:
        for diff in sheet.differences:
            head = [sheet.sheet, diff.label, labels[diff.column]]
            for d in diff.dossiers:
                moved = [c.description for c in diff.causes if d in c.removed]
                note = ("không được tính nếu " + "; ".join(moved)) if moved else ""
                for c, v in enumerate([*head, *_dossier_values(d), "có", note], start=1):
                    _put(ws, r, c, v)
                r += 1
            for cause in diff.causes:
                for d in cause.added:
                    note = f"được tính nếu {cause.description}"
                    for c, v in enumerate([*head, *_dossier_values(d), "không", note], start=1):
                        _put(ws, r, c, v)
                    r += 1
    widths = (22, 30, 30, 22, 13, 18, 17, 17, 17, 10, 70)
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:K{max(r - 1, 1)}"


def _checks(ws: Worksheet, result: Reconciliation) -> None:
    _header(ws, 1, ["Trang", "Dòng", "Kiểm tra", "Chi tiết"])
    r = 2
    for line in check_lines(result):
        for c, v in enumerate(line, start=1):
            _put(ws, r, c, v).alignment = _WRAP
        r += 1
    for letter, width in zip("ABCD", (22, 7, 34, 90), strict=True):
        ws.column_dimensions[letter].width = width


def identity_text(sheet: SheetComparison) -> list[tuple[int, str]]:
    """(row, message) for each identity the system's sheet breaks."""
    out = []
    for b in sheet.identities:
        parts = " + ".join(f"({p})" for p in b.parts)
        out.append(
            (
                b.row_number,
                f"{b.label}: ({b.total_column}) = {b.total} nhưng {parts} = {b.parts_sum}",
            )
        )
    return out


def check_lines(result: Reconciliation) -> list[list[object]]:
    """The checks of the system's sheet and of the matching, as rows (sheet, row, check, text)."""
    lines: list[list[object]] = []
    labels = form06_words().column_labels
    for sheet in result.sheets:
        for row_number, text in identity_text(sheet):
            lines.append([sheet.sheet, row_number, "Biểu tự không khớp", text])
        for row_number, label, column, text in sheet.bad_cells:
            lines.append(
                [sheet.sheet, row_number, "Ô không phải số", f"{label}, {labels[column]}: '{text}'"]
            )
        for name in sheet.unmatched_system:
            lines.append([sheet.sheet, None, "Lĩnh vực chỉ có trong biểu", name])
        for name in sheet.unmatched_hoso:
            lines.append([sheet.sheet, None, "Lĩnh vực chỉ có trong hoso", name])
        for note in sheet.notes:
            lines.append([sheet.sheet, None, "Ghi chú", note])
        if sheet.hoso_check:
            lines.append(
                [
                    sheet.sheet,
                    None,
                    "Lỗi của hoso",
                    "Danh sách hồ sơ theo ô không khớp số liệu của hoso ở: "
                    + ", ".join(sheet.hoso_check),
                ]
            )
    for text in result.skipped:
        lines.append([None, None, "Trang không so sánh", text])
    return lines


def summary_lines(result: Reconciliation, *, limit: int = 12) -> list[str]:
    """The short Vietnamese summary printed on the terminal."""
    labels = form06_words().column_labels
    out = [f"Đối chiếu biểu số 06: {result.source.name}"]
    for sheet in result.sheets:
        sectors = sum(1 for r in sheet.rows if r.kind == "sector")
        out.append("")
        out.append(
            f"Trang '{sheet.sheet}', {window_text(sheet.window)} ({_SOURCE[sheet.window_source]}):"
            f" {sectors} lĩnh vực, {len(sheet.differences)} ô chênh lệch."
        )
        for row_number, text in identity_text(sheet):
            out.append(f"  Biểu tự không khớp, dòng {row_number}: {text}")
        for d in sheet.differences[:limit]:
            sign = f"{d.delta:+d}"
            out.append(
                f"  {d.label}, {labels[d.column]}: hệ thống {d.system}, hoso {d.hoso} ({sign}); "
                f"{cause_text(d)}"
            )
        if len(sheet.differences) > limit:
            out.append(f"  … và {len(sheet.differences) - limit} ô khác (xem tệp kết quả).")
        for row_number, label, column, text in sheet.bad_cells:
            out.append(f"  Dòng {row_number} ({label}), {labels[column]}: '{text}' không phải số.")
        if sheet.unmatched_system:
            out.append("  Lĩnh vực chỉ có trong biểu: " + ", ".join(sheet.unmatched_system))
        if sheet.unmatched_hoso:
            out.append("  Lĩnh vực chỉ có trong hoso: " + ", ".join(sheet.unmatched_hoso))
        for note in sheet.notes:
            out.append(f"  {note}")
        if sheet.hoso_check:
            out.append(
                "  CẢNH BÁO (lỗi của hoso): danh sách hồ sơ theo ô không khớp số liệu ở "
                + ", ".join(sheet.hoso_check)
            )
        if sheet.agrees:
            out.append("  Khớp toàn bộ với số liệu hoso.")
    for text in result.skipped:
        out.append(text)
    return out
