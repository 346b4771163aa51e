"""indicators.xlsx for people (issue 17): every sheet prints well, the overdue list sheet,
formulas with brackets, the words a report writer uses, partial months named by their days."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from pipelines.contract import UNKNOWN_GROUP
from pipelines.publish.workbook import (
    OVERDUE_HEADERS,
    OVERDUE_SHEET,
    WARNINGS_SHEET,
    month_label,
    print_setup,
    write_workbook,
)
from tests.unit.test_workbook import EXPECTED, build_indicators

#: The overdue table as sql/indicators/overdue.sql makes it: one row per (window, dossier).
OVERDUE = pd.DataFrame(
    [
        # window, code, kind, procedure code, procedure name, sector, unit, due, result, late
        ("period", "HS-3", "pending_overdue", "P1", "Đăng ký khai sinh", "Hộ tịch", "Xã A",
         date(2026, 4, 10), None, 6),
        ("cumulative", "HS-3", "pending_overdue", "P1", "Đăng ký khai sinh", "Hộ tịch", "Xã A",
         date(2026, 4, 10), None, 6),
        ("cumulative", "HS-1", "resolved_overdue", "P2", None, "Đất đai", "Xã A",
         date(2025, 9, 1), date(2025, 9, 3), 2),
        ("ytd", "HS-2", "resolved_overdue", "P3", "Chứng thực", "Chứng thực", None,
         date(2026, 1, 5), date(2026, 1, 25), 20),
        ("cumulative", "HS-2", "resolved_overdue", "P3", "Chứng thực", "Chứng thực", None,
         date(2026, 1, 5), date(2026, 1, 25), 20),
        ("cumulative", "HS-4", "resolved_overdue", "P3", "Chứng thực", "Chứng thực", "Bộ phận B",
         date(2026, 2, 1), date(2026, 2, 3), 2),
    ],
    columns=[
        "window", "dossier_code", "overdue_kind", "procedure_code", "procedure_name",
        "sector_name", "unit_name", "due_date", "finished_date", "days_late",
    ],
)  # fmt: skip


@pytest.fixture(scope="module")
def wb(tmp_path_factory: pytest.TempPathFactory):
    if not EXPECTED.exists():
        pytest.skip(f"acceptance figures not found: {EXPECTED}")
    import json

    indicators = build_indicators(json.loads(EXPECTED.read_text(encoding="utf-8")))
    path = tmp_path_factory.mktemp("xlsx") / "indicators.xlsx"
    write_workbook(indicators, path, unit_name="UBND xã Xuân Giang", overdue=OVERDUE)
    return load_workbook(path)


TITLE_ROWS = {
    "Biểu 06 - Kỳ báo cáo": "$5:$8",
    "Biểu 06 - Lũy kế": "$5:$8",
    "Tỷ lệ": "$3:$4",
    "Theo tháng": "$1:$1",
    OVERDUE_SHEET: "$4:$4",
    "Chỉ số": "$1:$1",
    WARNINGS_SHEET: "$1:$1",
}


def test_every_sheet_prints_landscape_one_page_wide_with_its_header_repeated(wb) -> None:
    assert set(wb.sheetnames) == set(TITLE_ROWS)
    for ws in wb.worksheets:
        setup = ws.page_setup
        assert setup.orientation == "landscape", ws.title
        assert str(setup.paperSize) == ws.PAPERSIZE_A4, ws.title
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0), ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.print_title_rows == TITLE_ROWS[ws.title], ws.title
        assert "&P" in ws.oddFooter.center.text


def test_a_sheet_added_later_prints_well_too() -> None:
    ws = Workbook().active
    assert ws.page_setup.orientation != "landscape"
    print_setup(ws)
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == "$1:$1"


def test_the_chart_is_below_the_table_on_its_own_page(wb) -> None:
    ws = wb["Theo tháng"]
    last_row = max(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=1).value)
    breaks = [b.id for b in ws.row_breaks.brk]
    assert breaks == [last_row]


def test_chart_anchor_is_below_the_break(tmp_path: Path) -> None:
    import json
    import zipfile

    if not EXPECTED.exists():
        pytest.skip(f"acceptance figures not found: {EXPECTED}")
    indicators = build_indicators(json.loads(EXPECTED.read_text(encoding="utf-8")))
    path = tmp_path / "x.xlsx"
    write_workbook(indicators, path, overdue=OVERDUE)
    with zipfile.ZipFile(path) as archive:
        drawing = next(n for n in archive.namelist() if n.startswith("xl/drawings/drawing"))
        # the drawing's namespace prefix (xdr:) is dropped: writers differ in it
        xml = archive.read(drawing).decode("utf-8").replace("<xdr:", "<")
    ws = load_workbook(path)["Theo tháng"]
    anchor = xml.split("<from>")[1]
    row = int(anchor.split("<row>")[1].split("<")[0])  # 0-based row of the anchor
    col = int(anchor.split("<col>")[1].split("<")[0])
    assert col == 0 and row > ws.row_breaks.brk[0].id


def test_rate_formulas_have_brackets(wb) -> None:
    ws = wb["Tỷ lệ"]
    how = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=2).value for r in range(5, 9)}
    assert how["Tỷ lệ giải quyết trước hạn, đúng hạn"] == (
        "(Giải quyết trước hạn + Giải quyết đúng hạn) / Đã giải quyết"
    )
    assert how["Tỷ lệ tiếp nhận trực tuyến"] == "Tiếp nhận trực tuyến / Tiếp nhận mới"


def test_no_cell_says_window(wb) -> None:
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            for value in row:
                assert not (isinstance(value, str) and "cửa sổ" in value.casefold()), ws.title
    assert wb["Chỉ số"]["A1"].value == "Kỳ"


@pytest.mark.parametrize(
    ("start", "end", "label"),
    [
        (date(2025, 7, 1), date(2025, 7, 14), "01/07–14/07/2025"),
        (date(2025, 7, 15), date(2025, 8, 14), "Tháng 8/2025"),
        (date(2025, 12, 15), date(2026, 1, 14), "Tháng 1/2026"),
        (date(2025, 12, 20), date(2026, 1, 14), "20/12/2025–14/01/2026"),
        (date(2026, 3, 15), date(2026, 4, 2), "15/03–02/04/2026"),
    ],
)
def test_month_labels(start: date, end: date, label: str) -> None:
    assert month_label(start, end) == label


def test_overdue_sheet_one_row_per_dossier_sorted_by_unit_and_days_late(wb) -> None:
    ws = wb[OVERDUE_SHEET]
    assert ws["A1"].value == "DANH SÁCH HỒ SƠ QUÁ HẠN"
    assert "UBND xã Xuân Giang" in ws["A2"].value
    assert [c.value for c in ws[4]] == list(OVERDUE_HEADERS)
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=5)]
    assert [r[2] for r in rows] == ["HS-4", "HS-3", "HS-1", "HS-2"]  # unit, then days late
    assert [r[1] for r in rows] == ["Bộ phận B", "Xã A", "Xã A", UNKNOWN_GROUP]
    assert [r[0] for r in rows] == [1, 2, 3, 4]
    hs3, hs1 = rows[1], rows[2]
    assert hs3[5] == "Đang giải quyết quá hạn" and hs3[7] is None and hs3[8] == 6
    assert hs3[9] == "Có" and not hs1[9]
    assert hs1[3] == "P2"  # no procedure name: its code
    assert hs1[5] == "Đã giải quyết quá hạn"
    assert hs1[6] == datetime(2025, 9, 1) and hs1[7] == datetime(2025, 9, 3)
    for cell in (ws["G7"], ws["H7"]):
        assert cell.number_format == "dd/mm/yyyy"
    text = " ".join(str(v) for r in rows for v in r)
    assert "overdue" not in text and "cumulative" not in text


def test_an_empty_overdue_list_says_so(tmp_path: Path) -> None:
    import json

    if not EXPECTED.exists():
        pytest.skip(f"acceptance figures not found: {EXPECTED}")
    indicators = build_indicators(json.loads(EXPECTED.read_text(encoding="utf-8")))
    path = tmp_path / "x.xlsx"
    write_workbook(indicators, path, overdue=OVERDUE.iloc[0:0])
    assert load_workbook(path)[OVERDUE_SHEET]["A5"].value == "Không có hồ sơ quá hạn."
