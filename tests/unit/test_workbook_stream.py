"""The overdue sheet's rows are written straight into the sheet's XML (``_OverdueBody``), and
the package is re-dated in place (``write_redated_zip``): both must give the very bytes that
xlsxwriter's own cell writers and the full zip rewrite give."""

from __future__ import annotations

import io
import json
import math
import zipfile
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
import xlsxwriter

from pipelines.publish import workbook as wb
from pipelines.publish.files import write_fixed_zip, write_redated_zip
from tests.unit import openpyxl_workbook_reference as reference
from tests.unit.test_workbook import EXPECTED, build_indicators
from tests.unit.test_workbook_print import OVERDUE
from tests.unit.test_workbook_xlsxwriter import WARNINGS, assert_same_content

#: Texts that test the cleaning, the formula guard, whitespace, XML escapes, Excel's _xHHHH_
#: escapes, the alphabetical order of units (đ after d, unknown last) and row heights.
ODD_TEXTS = (
    "=SUM(A1)", "  lề trái", "lề phải  ", "ctl\x07char", "_x0041_ mã", "", None, "+84", "-1",
    "@x", "Đơn vị " * 12, "đ", "Đ", "d", "z", "(không xác định)", "Ủy ban", "A & B <c>", "\x01",
    "tab\tin",
)  # fmt: skip


def odd_overdue(n: int = 300) -> pd.DataFrame:
    """An overdue table (one row per window and dossier) of ``n`` dossiers with odd texts,
    late in the period and cumulative, ytd and cumulative, or cumulative only."""
    rows = []
    for i in range(n):
        code = [f"HS-{i:03d}", f"=HS{i}", f" HS-{i} ", f"_x0030_{i}"][i % 4]
        windows = (["period", "cumulative"], ["ytd", "cumulative"], ["cumulative"])[i % 3]
        for window in windows:
            rows.append(
                (
                    window,
                    code,
                    "pending_overdue" if i % 2 else "resolved_overdue",
                    f"P{i % 5}" if i % 11 else None,
                    ODD_TEXTS[(i * 7) % len(ODD_TEXTS)],
                    ODD_TEXTS[(i * 3) % len(ODD_TEXTS)],
                    ODD_TEXTS[i % len(ODD_TEXTS)],
                    date(2026, 1, 1 + i % 28) if i % 13 else None,
                    None if i % 2 else date(2026, 2, 1 + i % 28),
                    (i * 37) % 50 + (window == "cumulative"),
                )
            )
    return pd.DataFrame(rows, columns=list(OVERDUE.columns))


class _CellByCellBody(wb._OverdueBody):
    """The oracle: the same rows written with xlsxwriter's own ``write_*`` and
    ``set_row_pixels``, as every cell of the workbook was written before the rows were
    streamed."""

    def attach(self, sheet, format_for) -> None:
        def fmt(column: int, number_format: str = "General", quote: bool = False):
            alignment = wb._LEFT if column + 1 in wb._OVERDUE_WRAPPED else wb._CENTER
            return format_for((None, alignment, True, number_format, quote))

        for number, row in enumerate(self.rows, start=1):
            unit, code, procedure, sector, kind, due, finished, days_late, in_period = row
            r = self.first_row + number - 2
            values = [
                number, unit, str(code), procedure, sector, wb.overdue_kind_label(kind),
                due, finished, int(days_late), "Có" if in_period else "",
            ]  # fmt: skip
            for c, value in enumerate(values):
                if isinstance(value, str):
                    text = wb.ILLEGAL_CHARACTERS_RE.sub("", value)
                    if text:
                        quote = text.startswith(wb._FORMULA_TRIGGERS)
                        sheet.write_string(r, c, text, fmt(c, quote=quote))
                    else:
                        sheet.write_blank(r, c, None, fmt(c))
                elif isinstance(value, date):
                    sheet.write_datetime(r, c, value, fmt(c, wb.DATE_FORMAT))
                elif value is None:
                    sheet.write_blank(r, c, None, fmt(c))
                else:
                    sheet.write_number(r, c, value, fmt(c))
            lines = max(
                math.ceil(len(str(values[c - 1])) / (wb._OVERDUE_WIDTHS[c - 1] - 2))
                for c in wb._OVERDUE_WRAPPED
            )
            pixels = 15 * max(1, lines) / 0.75
            if pixels == sheet.default_row_height:
                pixels = math.nextafter(pixels, math.inf)
            sheet.set_row_pixels(r, pixels)

    def write(self, fh) -> None:
        """Nothing: xlsxwriter wrote the cells."""


@pytest.fixture(scope="module")
def indicators() -> pd.DataFrame:
    if not EXPECTED.exists():
        pytest.skip(f"acceptance figures not found: {EXPECTED}")
    return build_indicators(json.loads(EXPECTED.read_text(encoding="utf-8")))


@pytest.mark.parametrize("overdue", [OVERDUE, odd_overdue()], ids=["plain", "odd"])
def test_streamed_rows_are_the_bytes_xlsxwriter_writes(indicators, overdue, tmp_path, monkeypatch):
    streamed, cell_by_cell = tmp_path / "streamed.xlsx", tmp_path / "cells.xlsx"
    wb.write_workbook(indicators, streamed, unit_name="Xã =A", overdue=overdue, warnings=WARNINGS)
    monkeypatch.setattr(wb, "_OverdueBody", _CellByCellBody)
    wb.write_workbook(
        indicators, cell_by_cell, unit_name="Xã =A", overdue=overdue, warnings=WARNINGS
    )
    assert streamed.read_bytes() == cell_by_cell.read_bytes()


def test_the_byte_comparison_sees_a_difference(indicators, tmp_path, monkeypatch):
    """One dossier fewer in the oracle: the bytes differ (the comparison can fail)."""
    streamed, cell_by_cell = tmp_path / "streamed.xlsx", tmp_path / "cells.xlsx"
    wb.write_workbook(indicators, streamed, overdue=odd_overdue())

    class Fewer(_CellByCellBody):
        def __init__(self, rows, first_row) -> None:
            super().__init__(rows[:-1], first_row)

    monkeypatch.setattr(wb, "_OverdueBody", Fewer)
    wb.write_workbook(indicators, cell_by_cell, overdue=odd_overdue())
    assert streamed.read_bytes() != cell_by_cell.read_bytes()


def test_odd_overdue_texts_have_the_content_of_the_openpyxl_workbook(indicators, tmp_path):
    """Order (unit, days late, code), the widest window's row, "Trong kỳ báo cáo", the
    cleaning and the formula guard, as the former writer made them (pandas, cell by cell)."""
    old, new = tmp_path / "old.xlsx", tmp_path / "new.xlsx"
    overdue = odd_overdue()
    reference.write_workbook(indicators, old, unit_name="Xã A", overdue=overdue)
    wb.write_workbook(indicators, new, unit_name="Xã A", overdue=overdue)
    assert_same_content(old, new)


def test_an_arrow_overdue_table_gives_the_same_workbook(indicators, tmp_path):
    """publish hands the table over as Arrow; tests and callers may pass a DataFrame."""
    frame, arrow = tmp_path / "frame.xlsx", tmp_path / "arrow.xlsx"
    overdue = odd_overdue()
    wb.write_workbook(indicators, frame, overdue=overdue)
    wb.write_workbook(indicators, arrow, overdue=pa.Table.from_pandas(overdue))
    assert frame.read_bytes() == arrow.read_bytes()


def test_an_overdue_table_without_a_column_is_refused_naming_it(indicators, tmp_path):
    with pytest.raises(ValueError, match="thiếu cột: days_late"):
        wb.write_workbook(
            indicators, tmp_path / "x.xlsx", overdue=OVERDUE.drop(columns=["days_late"])
        )


def _package() -> bytes:
    raw = io.BytesIO()
    book = xlsxwriter.Workbook(raw, {"in_memory": True})
    sheet = book.add_worksheet("Trang")
    for r in range(2000):
        sheet.write_string(r, 0, f"dòng {r}")
        sheet.write_number(r, 1, r * 1.5)
    book.close()
    return raw.getvalue()


def test_redating_in_place_gives_the_bytes_of_the_full_rewrite(tmp_path):
    stamp = datetime(2026, 4, 14)
    rewritten, redated = tmp_path / "rewritten.xlsx", tmp_path / "redated.xlsx"
    data = _package()
    write_fixed_zip(data, rewritten, stamp)
    write_redated_zip(data, redated, stamp)
    assert redated.read_bytes() == rewritten.read_bytes()
    with zipfile.ZipFile(redated) as z:
        assert {i.date_time for i in z.infolist()} == {(2026, 4, 14, 0, 0, 0)}
        assert {(i.create_system, i.external_attr) for i in z.infolist()} == {(3, 0o644 << 16)}


class _Unseekable(io.RawIOBase):
    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        self.data += b
        return len(b)


def test_a_package_with_data_descriptors_is_rewritten_whole(tmp_path):
    """Entries written to an unseekable stream carry data descriptors (flag bit 3): the
    in-place rewrite would not be exact, so the whole package is rewritten."""
    sink = _Unseekable()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.xml", "<a/>" * 100)
    data = bytes(sink.data)
    assert zipfile.ZipFile(io.BytesIO(data)).infolist()[0].flag_bits & 0x08
    stamp = datetime(2026, 4, 14)
    rewritten, redated = tmp_path / "rewritten.zip", tmp_path / "redated.zip"
    write_fixed_zip(data, rewritten, stamp)
    write_redated_zip(data, redated, stamp)
    assert redated.read_bytes() == rewritten.read_bytes()
    assert Path(redated).read_bytes() != data
