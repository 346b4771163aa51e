"""`hoso doi-chieu` on form-06 workbooks written here in three layouts, each with a deliberate
difference of every kind: carried-over dossiers counted as received, a withdrawn dossier left
out, a due date compared by timestamp, a different window, a sheet that breaks its own
identities and a sector hoso does not know.

The dossiers are a handful of canonical rows whose form-06 columns for the standard month
2026-04 (15/03–14/04/2026) are written beside them by hand (``cells``); the system's sheets
are hoso's own figures (the indicator SQL) with the deliberate changes applied.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from pipelines.cli import main
from pipelines.contract import INDICATOR_COLUMNS
from pipelines.db import connect
from pipelines.periods import Window, report_windows
from pipelines.publish.workbook import write_workbook
from pipelines.reconcile import NotForm06, reconcile
from pipelines.reconcile.compare import hoso_figures, open_hoso
from pipelines.reconcile.form06 import FIGURE_COLUMNS, match_key, title_window
from pipelines.transform import STAGING, build_tables
from tests import builders as b
from tests.support import insert_canonical

WINDOW = (date(2026, 3, 15), date(2026, 4, 14))  # standard month 2026-04
CALENDAR = (date(2026, 4, 1), date(2026, 4, 30))
SINCE = date(2025, 7, 1)


def _d(code, sector, channel, status, received, due, finished, cells):
    return {
        "dossier_code": code,
        "sector_name": sector,
        "channel": channel,
        "status": status,
        "received_at": received,
        "due_at": due,
        "finished_at": finished,
        "cells": set(cells),
    }


DOSSIERS = [
    # carried over (received before the window, still pending, online)
    _d("C1", "Hộ tịch", "online", "pending", "2026-03-05 09:00", "2026-04-25", None,
       {3, 6, 11, 12}),
    _d("C2", "Hộ tịch", "online", "pending", "2026-03-10 09:00", "2026-04-26", None,
       {3, 6, 11, 12}),
    _d("N1", "Hộ tịch", "online", "finished", "2026-03-20 08:00", "2026-03-30", "2026-03-25 10:00",
       {3, 4, 7, 8}),
    _d("N2", "Hộ tịch", "direct", "pending", "2026-04-02 08:00", "2026-04-20", None,
       {3, 5, 11, 12}),
    # withdrawn in the window: resolved on time (column 9)
    _d("W1", "Chứng thực", "direct", "withdrawn", "2026-03-18 08:00", "2026-04-20",
       "2026-03-28 10:00", {3, 5, 7, 9}),
    _d("N3", "Chứng thực", "online", "finished", "2026-03-16 08:00", "2026-03-25",
       "2026-03-19 14:00", {3, 4, 7, 8}),
    # resolved on its due day, later in the day than the due time: on time by day
    _d("T1", "Đất đai", "online", "finished", "2026-03-25 08:00", "2026-04-01 08:00",
       "2026-04-01 15:00", {3, 4, 7, 9}),
    _d("N4", "Đất đai", "postal", "pending", "2026-03-20 08:00", "2026-04-05", None,
       {3, 5, 11, 13}),
    _d("N5", "Xây dựng", "online", "pending", "2026-04-03 08:00", "2026-04-30", None,
       {3, 4, 11, 12}),
    _d("N6", "Xây dựng", "online", "pending", "2026-04-14 09:00", "2026-04-28", None,
       {3, 4, 11, 12}),
    _d("R1", "Xây dựng", "online", "refused", "2026-04-01 08:00", None, None, set()),
    _d("P1", "Hộ tịch", "online", "finished", "2026-02-01 08:00", "2026-02-20", "2026-03-01 08:00",
       set()),
]  # fmt: skip

#: The deliberate changes of the system's period sheet, by sector: column → system − hoso.
CHANGES = {
    "Hộ tịch": {4: +2, 6: -2},  # C1, C2 counted as received online
    "Chứng thực": {3: -1, 5: -1, 7: -1, 9: -1},  # W1 left out
    "Đất đai": {9: -1, 10: +1},  # T1 judged by timestamp
    "Xây dựng": {11: +1},  # the sheet breaks (11) = (12) + (13) and (3) = (7) + (11)
}
CAUSES = {
    ("Hộ tịch", 4): ("carried_as_received", {"C1", "C2"}, set()),
    ("Hộ tịch", 6): ("carried_as_received", set(), {"C1", "C2"}),
    ("Chứng thực", 3): ("withdrawn_left_out", set(), {"W1"}),
    ("Chứng thực", 5): ("withdrawn_left_out", set(), {"W1"}),
    ("Chứng thực", 7): ("withdrawn_left_out", set(), {"W1"}),
    ("Chứng thực", 9): ("withdrawn_left_out", set(), {"W1"}),
    ("Đất đai", 9): ("due_by_time", set(), {"T1"}),
    ("Đất đai", 10): ("due_by_time", {"T1"}, set()),
}
UNKNOWN_SECTOR = ("Phòng cháy chữa cháy", {3: 1, 4: 1, 11: 1, 12: 1})
TOTAL_CHANGES = {
    c: sum(ch.get(c, 0) for s, ch in CHANGES.items() if s != "Xây dựng") for c in FIGURE_COLUMNS
}
BROKEN = {("Xây dựng", 11, (12, 13)), ("Xây dựng", 3, (7, 11))}


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("rec") / "hoso.duckdb"
    con = connect(path)
    insert_canonical(con, DOSSIERS)
    build_tables(con, report_windows(WINDOW[0], WINDOW[1], SINCE))
    con.close()
    return path


def _figures(database: Path, window):
    con = open_hoso(database)
    try:
        return hoso_figures(con, window)
    finally:
        con.close()


def _system_rows(database: Path) -> dict[str, list[tuple[str, dict[int, int]]]]:
    """The two sheets of the system: the period with CHANGES, and the standard month's title
    over the calendar month's figures."""
    total, sectors = _figures(database, WINDOW)
    period = []
    for _, (name, cols) in sorted(sectors.items()):
        change = CHANGES.get(name, {})
        period.append((name, {c: cols[c] + change.get(c, 0) for c in FIGURE_COLUMNS}))
    period.append((UNKNOWN_SECTOR[0], {c: UNKNOWN_SECTOR[1].get(c, 0) for c in FIGURE_COLUMNS}))
    period.append(("Tổng cộng", {c: total[c] + TOTAL_CHANGES[c] for c in FIGURE_COLUMNS}))
    cal_total, cal_sectors = _figures(database, CALENDAR)
    other = [(name, cols) for _, (name, cols) in sorted(cal_sectors.items())]
    other.append(("Tổng cộng", cal_total))
    return {"period": period, "calendar": other}


# --- layouts ----------------------------------------------------------------------------------

HEADERS = {
    "html": (
        ["STT", "Lĩnh vực, công việc giải quyết theo cấp", "Số hồ sơ nhận giải quyết", None, None,
         None, "Kết quả giải quyết", None, None, None, "Số hồ sơ đang giải quyết", None, None],
        [None, None, "Tổng số", "Trong đó", None, "Số kỳ trước chuyển qua", "Tổng số",
         "Trước hạn", "Đúng hạn", "Quá hạn", "Tổng số", "Trong hạn", "Quá hạn"],
        [None, None, None, "Trực tuyến", "Trực tiếp, bưu chính", None, None, None, None, None,
         None, None, None],
    ),
    "biff": (
        ["TT", "Tên lĩnh vực", "Tổng số hồ sơ tiếp nhận", None, None, None,
         "Số hồ sơ đã xử lý", None, None, None, "Số hồ sơ chưa giải quyết xong", None, None],
        [None, None, "Cộng", "Mới tiếp nhận", None, "Tồn kỳ trước", "Cộng", "Sớm hạn",
         "Đúng hạn", "Trễ hạn", "Cộng", "Còn hạn", "Trễ hạn"],
        [None, None, None, "Qua mạng", "Tại quầy, bưu chính", None, None, None, None, None,
         None, None, None],
    ),
}  # fmt: skip
HEADER_MERGES = [
    b.Merge(0, 0, rows=3), b.Merge(0, 1, rows=3), b.Merge(0, 2, cols=4), b.Merge(1, 2, rows=2),
    b.Merge(1, 3, cols=2), b.Merge(1, 5, rows=2), b.Merge(0, 6, cols=4), b.Merge(0, 10, cols=3),
]  # fmt: skip


def _grid(rows, title_line: str, layout: str) -> tuple[list[list], list[b.Merge]]:
    title = [
        ["UBND XÃ XUÂN GIANG", None, None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
        ["Biểu số 06/VPCP/KSTT"],
        ["TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC"],
        [title_line],
        [None, None, None, None, None, None, None, None, None, None, "Đơn vị tính: hồ sơ"],
    ]
    top = len(title)
    grid = title + [list(r) for r in HEADERS[layout]]
    numbers = [f"({k})" for k in range(1, 14)] if layout == "html" else list(range(1, 14))
    grid.append(numbers)
    if layout == "html":
        grid.append(["I", "Cấp xã"] + [None] * 11)  # a roman-numeral group row
    n = 0
    for name, cols in rows:
        is_total = name == "Tổng cộng"
        label = name if layout == "html" or is_total else f"  {name.upper()}  "
        if not is_total:
            n += 1
        grid.append([None if is_total else n, label] + [cols[c] for c in FIGURE_COLUMNS])
    grid += [[], ["NGƯỜI LẬP BIỂU", None, None, None, None, None, None, None, "THỦ TRƯỞNG ĐƠN VỊ"],
             ["(Ký, ghi rõ họ tên)"]]  # fmt: skip
    merges = [b.Merge(m.row + top, m.col, m.rows, m.cols) for m in HEADER_MERGES]
    return grid, merges


def _write_html(database: Path, folder: Path) -> Path:
    rows = _system_rows(database)
    sheets = []
    for key, name in (("period", "Kỳ"), ("calendar", "Tháng")):
        grid, merges = _grid(rows[key], "(Từ ngày 15/03/2026 đến ngày 14/04/2026)", "html")
        sheets.append(b.SheetSpec(name, grid, merges))
    path = folder / "bieu06_portal.xls"
    b.write_html(path, sheets)
    return path


def _write_biff(database: Path, folder: Path) -> Path:
    rows = _system_rows(database)
    sheets = []
    for key, name in (("period", "Bieu06"), ("calendar", "Bieu06 (2)")):
        grid, merges = _grid(rows[key], "Kỳ báo cáo: Tháng 4/2026", "biff")
        sheets.append(b.SheetSpec(name, grid, merges))
    path = folder / "bieu06_legacy.xls"
    b.write_xlwt(path, sheets)
    return path


FIGURE_CHANGES = {  # CHANGES in the names of the indicators table
    "Hộ tịch": {"received_online": +2, "received_new": +2, "carried_over": -2},
    "Chứng thực": {"received_direct": -1, "received_new": -1, "handled": -1, "resolved": -1,
                   "resolved_on_time": -1, "withdrawn": -1},
    "Đất đai": {"resolved_on_time": -1, "resolved_overdue": +1},
    "Xây dựng": {"pending": +1},
}  # fmt: skip


def _write_hoso_layout(database: Path, folder: Path) -> Path:
    """hoso's own indicators.xlsx: the period sheet with the changes; the cumulative sheet with
    the figures of the calendar-month-like shift: its window without the last day."""
    con = connect(database)
    frame = con.sql(f"select * from {STAGING}.indicators").df()
    con.close()
    frame = frame.loc[:, list(INDICATOR_COLUMNS)]
    period = frame["window"] == "period"
    for sector, changes in FIGURE_CHANGES.items():
        rows = period & (frame["group_by"] == "sector") & (frame["group_value"] == sector)
        for figure, delta in changes.items():
            frame.loc[rows, figure] += delta
    totals = period & (frame["group_by"] == "all")
    for figure in {f for ch in FIGURE_CHANGES.values() for f in ch}:
        delta = sum(ch.get(figure, 0) for s, ch in FIGURE_CHANGES.items() if s != "Xây dựng")
        frame.loc[totals, figure] += delta
    extra = frame[totals].copy()
    for figure in ("received_new", "received_online", "handled", "pending", "pending_within"):
        extra[figure] = 1
    for figure in ("received_direct", "received_postal", "carried_over", "resolved",
                   "resolved_early", "resolved_on_time", "resolved_overdue", "pending_overdue",
                   "withdrawn", "refused", "digitized", "e_result"):  # fmt: skip
        extra[figure] = 0
    extra["group_by"], extra["group_value"] = "sector", UNKNOWN_SECTOR[0]

    shifted_to = date(2026, 4, 13)
    other = connect(":memory:")
    insert_canonical(other, DOSSIERS)
    build_tables(other, [Window("cumulative", SINCE, shifted_to)])
    cumulative = other.sql(f"select * from {STAGING}.indicators").df()
    other.close()
    cumulative["to_date"] = WINDOW[1]
    frame = pd.concat([frame[frame["window"] != "cumulative"], extra, cumulative])
    path = folder / "indicators.xlsx"
    write_workbook(frame, path, unit_name="UBND xã Xuân Giang")
    return path


LAYOUTS = {"hoso": _write_hoso_layout, "html": _write_html, "biff": _write_biff}


@pytest.fixture(scope="module", params=sorted(LAYOUTS))
def reconciled(request, database, tmp_path_factory):
    folder = tmp_path_factory.mktemp(request.param)
    path = LAYOUTS[request.param](database, folder)
    return request.param, path, reconcile(path, database)


def _by_cell(sheet):
    return {(d.label if d.row_number is None else _name(d.label), d.column): d
            for d in sheet.differences}  # fmt: skip


def _name(label: str) -> str:
    known = {match_key(n): n for n in (*CHANGES, UNKNOWN_SECTOR[0], "Tổng cộng")}
    return known.get(match_key(label), label)


def test_every_deliberate_difference_is_found_and_nothing_else(reconciled):
    _, _, result = reconciled
    sheet = result.sheets[0]
    assert sheet.window == WINDOW
    expected = {(s, c) for s, ch in CHANGES.items() for c in ch}
    expected |= {(UNKNOWN_SECTOR[0], c) for c in UNKNOWN_SECTOR[1]}
    expected |= {("Tổng cộng", c) for c, v in TOTAL_CHANGES.items() if v}
    assert set(_by_cell(sheet)) == expected
    for (sector, column), d in _by_cell(sheet).items():
        change = UNKNOWN_SECTOR[1] if sector == UNKNOWN_SECTOR[0] else None
        if change is not None:
            assert (d.system, d.hoso) == (change[column], 0)
        elif sector == "Tổng cộng":
            assert d.delta == TOTAL_CHANGES[column]
        else:
            assert d.delta == CHANGES[sector][column]
    assert [_name(s) for s in sheet.unmatched_system] == [UNKNOWN_SECTOR[0]]


def test_every_dossier_behind_a_difference_is_listed(reconciled):
    _, _, result = reconciled
    for (sector, column), d in _by_cell(result.sheets[0]).items():
        expected = {
            x["dossier_code"]
            for x in DOSSIERS
            if column in x["cells"] and (sector == "Tổng cộng" or x["sector_name"] == sector)
        }
        assert {x.dossier_code for x in d.dossiers} == expected, (sector, column)
        assert len(d.dossiers) == d.hoso


def test_the_usual_causes_are_named_with_the_dossiers_they_move(reconciled):
    _, _, result = reconciled
    cells = _by_cell(result.sheets[0])
    for cell, (code, added, removed) in CAUSES.items():
        causes = {c.code: c for c in cells[cell].causes}
        assert code in causes, (cell, list(causes))
        assert {x.dossier_code for x in causes[code].added} == added
        assert {x.dossier_code for x in causes[code].removed} == removed
    # the sheet's own error has no rule cause: nothing explains a figure that was typed wrong
    rule_codes = {"carried_as_received", "withdrawn_left_out", "due_by_time"}
    assert not rule_codes & {c.code for c in cells[("Xây dựng", 11)].causes}


def test_the_broken_identities_of_the_system_sheet_are_reported(reconciled):
    _, _, result = reconciled
    broken = {(_name(i.label), i.total_column, i.parts) for i in result.sheets[0].identities}
    assert broken == BROKEN


def test_a_different_window_is_named(reconciled):
    layout, _, result = reconciled
    sheet = result.sheets[1]
    assert sheet.differences and not sheet.identities
    for d in sheet.differences:
        windows = [c.description for c in d.causes if c.code == "other_window"]
        if layout == "hoso":  # the cumulative window without its last day
            assert any("đến ngày 13/04/2026" in w for w in windows), d
        else:
            assert any("từ ngày 01/04/2026 đến ngày 30/04/2026" in w for w in windows), d


def test_the_command_writes_the_workbook_and_exits_4(reconciled, database, tmp_path, capsys):
    _, path, _ = reconciled
    code = main(["doi-chieu", str(path), "--db", str(database), "--out", str(tmp_path)])
    printed = capsys.readouterr().out
    assert code == 4
    assert "hồ sơ kỳ trước chuyển qua bị tính là tiếp nhận mới trong kỳ" in printed
    assert "Biểu tự không khớp" in printed and "CHÊNH LỆCH" in printed
    from openpyxl import load_workbook

    wb = load_workbook(tmp_path / "doi-chieu.xlsx")
    assert wb.sheetnames == ["Đối chiếu", "Chênh lệch", "Hồ sơ", "Kiểm tra biểu"]
    listed = {r[3] for r in wb["Hồ sơ"].iter_rows(min_row=2, values_only=True)}
    assert {"C1", "C2", "W1", "T1"} <= listed
    assert "R1" not in listed  # refused: in no column
    fills = [
        c for row in wb["Đối chiếu"].iter_rows() for c in row if c.fill.fgColor.rgb == "00FFC7CE"
    ]
    n_diff = sum(1 for _ in wb["Chênh lệch"].iter_rows(min_row=2))
    assert len(fills) == 2 * n_diff


def test_asking_for_the_window_compares_only_the_matching_sheets(database, tmp_path):
    path = _write_html(database, tmp_path)
    result = reconcile(path, database, asked=WINDOW)
    assert [s.sheet for s in result.sheets] == ["Bảng 1", "Bảng 2"]  # both titled 2026-04
    result = reconcile(path, database, asked=CALENDAR)
    assert all(s.window == CALENDAR for s in result.sheets)
    assert not result.sheets[1].differences  # the calendar month's figures agree


def test_a_dossier_list_is_not_a_form_06(database, tmp_path, capsys):
    path = b.write_export(tmp_path, "list", "xlsx_openpyxl", [b.dossier_sheet(b.records(4))])
    with pytest.raises(NotForm06):
        reconcile(path, database)
    assert main(["doi-chieu", str(path), "--db", str(database), "--out", str(tmp_path)]) == 2
    assert "Không tìm thấy biểu số 06" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("line", "window"),
    [
        ("(Từ ngày 15/03/2026 đến ngày 14/04/2026)", WINDOW),
        ("Kỳ báo cáo: từ ngày 1/4/2026 đến ngày 30/4/2026", CALENDAR),
        ("KỲ BÁO CÁO: THÁNG 4/2026", WINDOW),
        ("Kỳ báo cáo: Quý I/2026", (date(2025, 12, 15), date(2026, 3, 14))),
        ("Danh sách hồ sơ", None),
    ],
)
def test_the_window_of_a_title(line, window):
    assert title_window([line])[0] == window
