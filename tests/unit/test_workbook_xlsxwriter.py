"""indicators.xlsx written by xlsxwriter has the content of the former openpyxl workbook
(kept in ``openpyxl_workbook_reference.py``, for this comparison only): sheets and order,
values and types, number formats, fonts, fills, borders, alignment, widths, heights, merges,
freeze panes, filters, print setup, page breaks, the chart, defined names and properties."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from pipelines.data_warnings import DataWarning
from pipelines.publish.workbook import write_workbook
from tests.unit import openpyxl_workbook_reference as reference
from tests.unit.test_workbook import EXPECTED, build_indicators
from tests.unit.test_workbook_print import OVERDUE

WARNINGS = [
    DataWarning("duplicate_file", "a.xlsx", "Tệp trùng nội dung với b.xlsx", 2, ("b.xlsx",)),
    DataWarning("csv_damaged", None, '=cmd|"/c calc"!A1\x07 hỏng', 1, ("+84", "-1", "@x")),
]


def _font(font) -> tuple[object, ...]:
    # a font without a name or size is the workbook's default, Calibri 11
    return (font.name or "Calibri", float(font.sz or 11), bool(font.b), bool(font.i), font.u)


def _border(border) -> tuple[object, ...]:
    return tuple(getattr(border, side).style for side in ("left", "right", "top", "bottom"))


def _alignment(alignment) -> tuple[object, ...]:
    return (alignment.horizontal, alignment.vertical, bool(alignment.wrap_text))


def _fill(fill) -> tuple[object, ...]:
    return (fill.fill_type, fill.fgColor.rgb if fill.fill_type else None)


def _widths(ws) -> dict[int, float]:
    widths = {}
    for dimension in ws.column_dimensions.values():
        if dimension.customWidth:
            for index in range(dimension.min, dimension.max + 1):
                widths[index] = dimension.width
    return widths


def _heights(ws) -> dict[int, float]:
    return {r: d.height for r, d in ws.row_dimensions.items() if d.height is not None}


def _chart(chart) -> tuple[object, ...]:
    def text(title) -> str | None:
        if title is None or title.tx is None or title.tx.rich is None:
            return None
        return "".join(r.t for p in title.tx.rich.p for r in (p.r or []))

    series = [
        (s.tx.strRef.f, s.cat.numRef.f if s.cat.numRef else s.cat.strRef.f, s.val.numRef.f)
        for s in chart.series
    ]
    anchor = chart.anchor._from
    return (
        chart.tagname,
        chart.type,
        chart.grouping,
        text(chart.title),
        text(chart.x_axis.title),
        text(chart.y_axis.title),
        series,
        (anchor.row, anchor.col),
    )


def _sheet_facts(ws) -> dict[str, object]:
    setup, margins = ws.page_setup, ws.page_margins
    return {
        "merges": sorted(str(m) for m in ws.merged_cells.ranges),
        "widths": _widths(ws),
        "heights": _heights(ws),
        "freeze": ws.freeze_panes,
        "filter": ws.auto_filter.ref,
        "titles": (ws.print_title_rows, ws.print_title_cols, ws.print_area),
        "setup": (setup.orientation, str(setup.paperSize), setup.fitToWidth, setup.fitToHeight),
        "fit": ws.sheet_properties.pageSetUpPr.fitToPage,
        "centred": (ws.print_options.horizontalCentered, ws.print_options.verticalCentered),
        "margins": tuple(
            getattr(margins, k) for k in ("left", "right", "top", "bottom", "header", "footer")
        ),
        "footer": tuple(
            tuple(part.text for part in (f.left, f.center, f.right))
            for f in (ws.oddFooter, ws.oddHeader)
        ),
        "breaks": [(b.id, b.man) for b in ws.row_breaks.brk],
        "charts": [_chart(c) for c in ws._charts],
        "names": sorted(ws.defined_names),
    }


def _cells(ws, rows: int, columns: int) -> dict[str, tuple[object, ...]]:
    cells = {}
    for r in range(1, rows + 1):
        for c in range(1, columns + 1):
            cell = ws.cell(row=r, column=c)
            cells[f"{get_column_letter(c)}{r}"] = (
                cell.value,
                cell.data_type,
                cell.number_format,
                _font(cell.font),
                _fill(cell.fill),
                _border(cell.border),
                _alignment(cell.alignment),
                bool(cell.quotePrefix),
            )
    return cells


def assert_same_content(old_path: Path, new_path: Path) -> None:
    old, new = load_workbook(old_path), load_workbook(new_path)
    assert new.sheetnames == old.sheetnames
    assert sorted(new.defined_names) == sorted(old.defined_names)
    for key in ("creator", "title", "created", "modified"):
        assert getattr(new.properties, key) == getattr(old.properties, key), key
    for name in old.sheetnames:
        o, n = old[name], new[name]
        assert _sheet_facts(n) == _sheet_facts(o), name
        rows, columns = max(o.max_row, n.max_row), max(o.max_column, n.max_column)
        old_cells, new_cells = _cells(o, rows, columns), _cells(n, rows, columns)
        differing = [ref for ref in old_cells if old_cells[ref] != new_cells[ref]]
        assert not differing, (
            name,
            [(ref, old_cells[ref], new_cells[ref]) for ref in differing[:5]],
        )


CASES = {
    "full": {"unit_name": "UBND xã Xuân Giang", "overdue": OVERDUE, "warnings": WARNINGS},
    "nothing_overdue_no_unit": {"unit_name": None, "overdue": OVERDUE.iloc[:0], "warnings": []},
    "no_overdue_table": {"unit_name": "  ", "overdue": None, "warnings": WARNINGS[:1]},
}


@pytest.fixture(scope="module")
def indicators() -> pd.DataFrame:
    if not EXPECTED.exists():
        pytest.skip(f"acceptance figures not found: {EXPECTED}")
    return build_indicators(json.loads(EXPECTED.read_text(encoding="utf-8")))


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_content_as_the_openpyxl_workbook(case, indicators, tmp_path) -> None:
    old, new = tmp_path / "old.xlsx", tmp_path / "new.xlsx"
    reference.write_workbook(indicators, old, **CASES[case])
    write_workbook(indicators, new, **CASES[case])
    assert_same_content(old, new)


def test_the_comparison_sees_a_difference(indicators, tmp_path) -> None:
    """The comparison can fail: another unit name, one overdue row fewer."""
    old, new = tmp_path / "old.xlsx", tmp_path / "new.xlsx"
    reference.write_workbook(indicators, old, unit_name="Xã A", overdue=OVERDUE)
    write_workbook(indicators, new, unit_name="Xã B", overdue=OVERDUE)
    with pytest.raises(AssertionError):
        assert_same_content(old, new)
    write_workbook(indicators, new, unit_name="Xã A", overdue=OVERDUE.iloc[1:])
    with pytest.raises(AssertionError):
        assert_same_content(old, new)


def test_bytes_are_the_same_run_to_run(indicators, tmp_path) -> None:
    first, second = tmp_path / "1.xlsx", tmp_path / "2.xlsx"
    write_workbook(indicators, first, overdue=OVERDUE, warnings=WARNINGS)
    write_workbook(indicators, second, overdue=OVERDUE, warnings=WARNINGS)
    assert first.read_bytes() == second.read_bytes()


def test_dates_are_dates(indicators, tmp_path) -> None:
    path = tmp_path / "x.xlsx"
    write_workbook(indicators, path, overdue=OVERDUE)
    ws = load_workbook(path)["Hồ sơ quá hạn"]
    assert ws["G5"].is_date and ws["G5"].value.date() == date(2026, 2, 1)  # HS-4, Bộ phận B first
