"""Hostile text in an export comes out as text in every output, and the Prefect UI gets the
figures as artifacts."""

from __future__ import annotations

import asyncio
import csv
import json
from datetime import date

import openpyxl
import pytest

from pipelines.flows import hoso_flow
from tests.builders import dossier_sheet, records, write_export

pytestmark = pytest.mark.usefixtures("prefect_harness")

HOSTILE = {
    "Tên thủ tục hành chính": '=HYPERLINK("http://evil.invalid","x")',
    "Lĩnh vực": "+cmd|' /C calc'!A0",
    "Đơn vị xử lý": "@SUM(1+1)",
}


@pytest.fixture(scope="module")
def published(tmp_path_factory, prefect_harness):
    tmp = tmp_path_factory.mktemp("hostile")
    rows = records(6)
    for row in rows:
        row.update(HOSTILE)
    # (a CSV keeps the text as typed; a spreadsheet writer would turn it into a formula)
    # one overdue dossier, so that overdue.csv carries the hostile names too
    rows[1].update({"Ngày hẹn trả": rows[1]["Ngày tiếp nhận"], "Trạng thái": "Đang xử lý"})
    exports = tmp / "exports"
    exports.mkdir()
    write_export(
        exports,
        "hostile_20260416",
        "csv_bom_semicolon",
        [dossier_sheet(rows, title=["Ngày xuất: 16/04/2026"])],
    )
    result = hoso_flow(
        exports=str(exports),
        database=str(tmp / "hoso.duckdb"),
        output=str(tmp / "out"),
        period_from=date(2026, 3, 1),
        period_to=date(2026, 3, 31),
        since=date(2026, 1, 1),
    )
    assert result["exit_code"] == 0, result
    return tmp / "out"


def _cells(path):
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [cell for row in csv.reader(f) for cell in row]


@pytest.mark.parametrize("name", ["indicators.csv", "overdue.csv"])
def test_csv_cells_never_start_a_formula(published, name):
    cells = _cells(published / name)
    assert any(c.startswith("'=HYPERLINK") for c in cells)
    assert any(c.startswith("'@SUM") for c in cells)
    assert not [c for c in cells if c[:1] in ("=", "+", "@")]


def test_workbook_cells_are_text_not_formulas(published):
    workbook = openpyxl.load_workbook(published / "indicators.xlsx")
    seen = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value[:1] in ("=", "+", "@"):
                    assert cell.data_type == "s", (sheet.title, cell.coordinate, cell.value)
                    seen += 1
    assert seen > 0


def test_the_prefect_ui_gets_the_figures_and_the_paragraph(published):
    from prefect.client.orchestration import get_client

    async def read_all():
        async with get_client() as client:
            return await client.read_artifacts()

    artifacts = asyncio.run(read_all())
    keys = {a.key for a in artifacts}
    assert {"hoso-chi-so", "hoso-bao-cao"} <= keys
    table = next(a for a in artifacts if a.key == "hoso-chi-so")
    rows = json.loads(table.data) if isinstance(table.data, str) else table.data
    assert rows[0]["Tiếp nhận mới"] >= 0 and {r["Kỳ"] for r in rows} >= {"Kỳ báo cáo"}
    paragraph = next(a for a in artifacts if a.key == "hoso-bao-cao")
    assert "hồ sơ" in paragraph.data
