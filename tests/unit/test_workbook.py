"""indicators.xlsx: form 06 sheets, rates, monthly chart, all indicators, safety, determinism.

Input: the rule-case figures of the shared acceptance set (period and cumulative windows), the
year-to-date figures counted by hand from ``rule_cases.csv``, sector rows that add up to the
totals, and a three-month series.
"""

from __future__ import annotations

import json
import zipfile
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from openpyxl import load_workbook

from pipelines.contract import FIGURES, INDICATOR_COLUMNS, RATES, UNKNOWN_GROUP
from pipelines.publish.workbook import write_workbook
from tests.support import RULE_CASE_YTD_FIGURES as YTD
from tests.support import acceptance_dir

EXPECTED = acceptance_dir() / "rule_cases.expected.json"


INJECTION = '=HYPERLINK("http://example.com/x","Bấm vào đây")'


# One sector's share of each window; the other sector gets the rest.
PERIOD_HO_TICH = {
    "received_new": 5,
    "received_online": 4,
    "received_direct": 1,
    "received_postal": 0,
    "carried_over": 2,
    "handled": 7,
    "resolved": 4,
    "resolved_early": 1,
    "resolved_on_time": 2,
    "resolved_overdue": 1,
    "pending": 3,
    "pending_within": 2,
    "pending_overdue": 1,
    "withdrawn": 1,
    "refused": 1,
    "digitized": 4,
    "e_result": 3,
}
CUMULATIVE_HO_TICH = {
    "received_new": 8,
    "received_online": 6,
    "received_direct": 2,
    "received_postal": 0,
    "carried_over": 1,
    "handled": 9,
    "resolved": 6,
    "resolved_early": 1,
    "resolved_on_time": 2,
    "resolved_overdue": 3,
    "pending": 3,
    "pending_within": 2,
    "pending_overdue": 1,
    "withdrawn": 1,
    "refused": 0,
    "digitized": 6,
    "e_result": 5,
}


def _rates(figures: dict[str, int]) -> dict[str, float | None]:
    def share(part: int, base: int) -> float | None:
        return part / base if base else None

    return {
        "online_rate": share(figures["received_online"], figures["received_new"]),
        "on_time_rate": share(
            figures["resolved_early"] + figures["resolved_on_time"], figures["resolved"]
        ),
        "digitization_rate": share(figures["digitized"], figures["received_new"]),
        "e_result_rate": share(figures["e_result"], figures["resolved"]),
    }


def _row(
    window: str,
    span: tuple[date, date],
    figures: dict[str, int],
    *,
    group_by: str = "all",
    group_value: str = "",
    rates: dict[str, float | None] | None = None,
) -> dict[str, object]:
    full = {name: figures.get(name, 0) for name in FIGURES}
    return {
        "window": window,
        "from_date": span[0],
        "to_date": span[1],
        "group_by": group_by,
        "group_value": group_value,
        **full,
        **(rates if rates is not None else _rates(full)),
    }


def _minus(total: dict[str, int], part: dict[str, int]) -> dict[str, int]:
    return {name: total[name] - part[name] for name in FIGURES}


@pytest.fixture(scope="module")
def expected() -> dict[str, dict[str, object]]:
    if not EXPECTED.exists():
        pytest.skip(f"acceptance figures not found: {EXPECTED}")
    return json.loads(EXPECTED.read_text(encoding="utf-8"))


def build_indicators(expected: dict[str, dict[str, object]]) -> pd.DataFrame:
    """The indicators frame of this module: rule-case totals, two sectors, three months."""
    period = {n: int(expected["period"][n]) for n in FIGURES}
    cumulative = {n: int(expected["cumulative"][n]) for n in FIGURES}
    p_span = (date(2026, 3, 19), date(2026, 4, 16))
    c_span = (date(2025, 7, 1), date(2026, 4, 16))
    rows = [
        _row("period", p_span, period, rates={r: expected["period"][r] for r in RATES}),
        _row("period", p_span, PERIOD_HO_TICH, group_by="sector", group_value="Hộ tịch"),
        _row(
            "period",
            p_span,
            _minus(period, PERIOD_HO_TICH),
            group_by="sector",
            group_value=INJECTION,
        ),
        _row("cumulative", c_span, cumulative, rates={r: expected["cumulative"][r] for r in RATES}),
        _row(
            "cumulative",
            c_span,
            _minus(cumulative, CUMULATIVE_HO_TICH),
            group_by="sector",
            group_value=UNKNOWN_GROUP,
        ),
        _row("cumulative", c_span, CUMULATIVE_HO_TICH, group_by="sector", group_value="Hộ tịch"),
        _row("ytd", (date(2026, 1, 1), date(2026, 4, 16)), YTD),
        _row(
            "month",
            (date(2026, 2, 15), date(2026, 3, 14)),
            {"received_new": 3, "received_online": 3, "handled": 3, "pending": 3},
        ),
        _row(
            "month",
            (date(2026, 3, 15), date(2026, 4, 14)),
            {
                "received_new": 8,
                "received_online": 6,
                "carried_over": 2,
                "handled": 10,
                "resolved": 5,
                "resolved_early": 3,
                "resolved_on_time": 2,
                "pending": 5,
            },
        ),
        _row(
            "month",
            (date(2026, 4, 15), date(2026, 4, 16)),
            {
                "received_new": 2,
                "received_online": 1,
                "carried_over": 5,
                "handled": 7,
                "resolved": 2,
                "resolved_on_time": 2,
                "pending": 5,
            },
        ),
    ]
    return pd.DataFrame(rows, columns=list(INDICATOR_COLUMNS))


@pytest.fixture(scope="module")
def indicators(expected: dict[str, dict[str, object]]) -> pd.DataFrame:
    return build_indicators(expected)


@pytest.fixture(scope="module")
def workbook_path(indicators: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("xlsx") / "indicators.xlsx"
    write_workbook(indicators, path, unit_name="UBND xã Xuân Giang")
    return path


@pytest.fixture(scope="module")
def wb(workbook_path: Path):
    return load_workbook(workbook_path)


def _values(ws, row: int, first: int = 1, last: int = 13) -> list[object]:
    return [ws.cell(row=row, column=c).value for c in range(first, last + 1)]


def test_sheets_in_order(wb) -> None:
    assert wb.sheetnames == [
        "Biểu 06 - Kỳ báo cáo",
        "Biểu 06 - Lũy kế",
        "Tỷ lệ",
        "Theo tháng",
        "Hồ sơ quá hạn",
        "Chỉ số",
        "Kiểm tra dữ liệu",
    ]


def test_form_title_and_window(wb) -> None:
    ws = wb["Biểu 06 - Kỳ báo cáo"]
    assert ws["A1"].value == "Biểu số 06/VPCP/KSTT"
    assert ws["A2"].value == "Ban hành kèm theo Thông tư số 01/2020/TT-VPCP ngày 21/10/2020"
    assert ws["K3"].value == "Đơn vị tính: Số hồ sơ TTHC"
    assert ws["D1"].value == (
        "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC"
    )
    assert ws["D2"].value == "Kỳ báo cáo (Từ ngày 19/03/2026 đến ngày 16/04/2026)"
    assert ws["K1"].value == "Đơn vị báo cáo: UBND xã Xuân Giang"
    assert wb["Biểu 06 - Lũy kế"]["D2"].value == "Lũy kế (Từ ngày 01/07/2025 đến ngày 16/04/2026)"


def test_form_header_is_merged_in_three_rows(wb) -> None:
    ws = wb["Biểu 06 - Kỳ báo cáo"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {
        "A5:A7",
        "B5:B7",
        "C5:F5",
        "C6:C7",
        "D6:E6",
        "F6:F7",
        "G5:J5",
        "G6:G7",
        "H6:H7",
        "I6:I7",
        "J6:J7",
        "K5:M5",
        "K6:K7",
        "L6:L7",
        "M6:M7",
    } <= merged
    assert ws["C5"].value == "Số hồ sơ nhận giải quyết"
    assert ws["B5"].value == "Lĩnh vực, công việc giải quyết theo cấp"
    assert ws["D6"].value == "Trong đó"
    assert (ws["D7"].value, ws["E7"].value) == ("Trực tuyến", "Trực tiếp và dịch vụ bưu chính")
    assert ws["G5"].value == "Số hồ sơ đã giải quyết"
    assert ws["K5"].value == "Số hồ sơ đang giải quyết"
    assert _values(ws, 8) == [f"({n})" for n in range(1, 14)]
    assert ws["C5"].font.b
    assert ws["C5"].alignment.wrap_text
    assert ws["C9"].border.left.style == "thin"
    assert ws.freeze_panes == "C9"


def test_period_form_rows(wb) -> None:
    ws = wb["Biểu 06 - Kỳ báo cáo"]
    # Sectors by name ("=" sorts before letters), then the total row from group_by = all.
    assert _values(ws, 9) == [1, INJECTION, 5, 3, 1, 1, 3, 1, 1, 1, 2, 1, 1]
    assert _values(ws, 10) == [2, "Hộ tịch", 7, 4, 1, 2, 4, 1, 2, 1, 3, 2, 1]
    assert _values(ws, 11) == [None, "Tổng cộng", 12, 7, 2, 3, 7, 2, 3, 2, 5, 3, 2]
    assert ws["B11"].font.b


def test_cumulative_form_rows(wb) -> None:
    ws = wb["Biểu 06 - Lũy kế"]
    assert _values(ws, 9) == [1, "Hộ tịch", 9, 6, 2, 1, 6, 1, 2, 3, 3, 2, 1]
    assert _values(ws, 10) == [2, UNKNOWN_GROUP, 5, 3, 2, 0, 3, 1, 1, 1, 2, 1, 1]
    assert _values(ws, 11) == [None, "Tổng cộng", 14, 9, 4, 1, 9, 2, 3, 4, 5, 3, 2]


def test_formula_injection_is_plain_text(wb) -> None:
    for ws, ref in ((wb["Biểu 06 - Kỳ báo cáo"], "B9"), (wb["Chỉ số"], None)):
        if ref is None:
            cells = [c for c in ws["E"] if c.value == INJECTION]
            assert len(cells) == 1
            cell = cells[0]
        else:
            cell = ws[ref]
        assert cell.value == INJECTION
        assert cell.data_type == "s"
        assert cell.quotePrefix


def test_rates_sheet(wb) -> None:
    ws = wb["Tỷ lệ"]
    assert _values(ws, 3, 1, 5) == ["Chỉ tiêu", "Cách tính", "Kỳ báo cáo", "Lũy kế", "Từ đầu năm"]
    assert ws["C4"].value == "19/03/2026 – 16/04/2026"
    assert [ws.cell(row=r, column=1).value for r in range(5, 9)] == [
        "Tỷ lệ tiếp nhận trực tuyến",
        "Tỷ lệ giải quyết trước hạn, đúng hạn",
        "Tỷ lệ số hóa",
        "Tỷ lệ cấp kết quả điện tử",
    ]
    assert _values(ws, 5, 3, 5) == [0.777778, 0.692308, 0.75]
    assert _values(ws, 8, 3, 5) == [0.714286, 0.777778, 0.75]
    for r in range(5, 9):
        for c in range(3, 6):
            assert ws.cell(row=r, column=c).number_format == "0.00%"


def test_monthly_sheet_and_chart(wb) -> None:
    ws = wb["Theo tháng"]
    assert _values(ws, 1, 1, 6) == [
        "Tháng",
        "Từ ngày",
        "Đến ngày",
        "Tiếp nhận mới",
        "Tiếp nhận trực tuyến",
        "Đã giải quyết",
    ]
    assert [ws.cell(row=r, column=1).value for r in range(2, 5)] == [
        "Tháng 3/2026",
        "Tháng 4/2026",
        "15/04–16/04/2026",  # a month clipped by the window's end: labelled with its days
    ]
    assert ws["B2"].value == datetime(2026, 2, 15)
    assert ws["B2"].number_format == "dd/mm/yyyy"
    assert [ws.cell(row=r, column=4).value for r in range(2, 5)] == [3, 8, 2]
    assert [ws.cell(row=r, column=6).value for r in range(2, 5)] == [0, 5, 2]
    on_time = ws.cell(row=1, column=11).value
    assert on_time == "Tỷ lệ giải quyết trước hạn, đúng hạn"
    assert ws.cell(row=2, column=11).value == "không có hồ sơ"  # nothing resolved that month
    assert len(ws._charts) == 1
    assert len(ws._charts[0].series) == 2


def test_indicators_sheet(wb, indicators: pd.DataFrame) -> None:
    ws = wb["Chỉ số"]
    assert _values(ws, 1, 1, 6) == [
        "Kỳ",
        "Từ ngày",
        "Đến ngày",
        "Nhóm theo",
        "Nhóm",
        ("Tiếp nhận mới"),
    ]
    assert ws.max_row == len(indicators) + 1
    assert _values(ws, 2, 1, 6) == [
        "Kỳ báo cáo",
        datetime(2026, 3, 19),
        datetime(2026, 4, 16),
        "Toàn bộ",
        None,
        9,
    ]
    assert ws["B2"].number_format == "dd/mm/yyyy"
    assert ws.auto_filter.ref == f"A1:Z{len(indicators) + 1}"


def test_bytes_depend_only_on_data(indicators: pd.DataFrame, tmp_path: Path) -> None:
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_workbook(indicators, first)
    write_workbook(indicators.iloc[::-1], second)  # row order does not matter either
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2026, 4, 16, 0, 0, 0)}
    props = load_workbook(first).properties
    assert props.created == props.modified == datetime(2026, 4, 16)


def test_frame_from_duckdb_gives_the_same_file(indicators: pd.DataFrame, tmp_path: Path) -> None:
    # publish reads the table with DuckDB's .df(): dates come back as Timestamps, nulls as NaN.
    con = duckdb.connect()
    con.register("indicators_view", indicators)
    from_duckdb = con.sql("select * from indicators_view").df()
    assert from_duckdb["e_result_rate"].isna().any()
    write_workbook(indicators, tmp_path / "a.xlsx")
    write_workbook(from_duckdb, tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_missing_window_is_refused(indicators: pd.DataFrame, tmp_path: Path) -> None:
    without_ytd = indicators[indicators["window"] != "ytd"]
    with pytest.raises(ValueError, match="ytd"):
        write_workbook(without_ytd, tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()


def test_missing_column_is_named(indicators: pd.DataFrame, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="e_result_rate"):
        write_workbook(indicators.drop(columns=["e_result_rate"]), tmp_path / "x.xlsx")
