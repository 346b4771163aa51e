"""hoso's own form 06 reconciles with hoso's figures: the real flow on sample_exports, then
`hoso doi-chieu out/indicators.xlsx` finds zero differences on both form-06 sheets."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from pipelines.cli import main
from pipelines.reconcile import reconcile
from tests.support import REPO

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_hosos_own_form_06_reconciles_with_zero_differences(tmp_path, capsys):
    db, out = tmp_path / "hoso.duckdb", tmp_path / "out"
    argv = ["run", "--exports", str(REPO / "sample_exports"), "--db", str(db), "--out", str(out)]
    assert main([*argv, "--period", "2026-04"]) == 0
    capsys.readouterr()

    workbook = out / "indicators.xlsx"
    result = reconcile(workbook, db)
    assert [s.sheet for s in result.sheets] == ["Biểu 06 - Kỳ báo cáo", "Biểu 06 - Lũy kế"]
    for sheet in result.sheets:
        assert sheet.window_source == "title"
        assert sum(1 for r in sheet.rows if r.kind == "sector") > 1
        assert any(r.kind == "total" and r.system and r.system[3] > 0 for r in sheet.rows)
        assert not sheet.differences and not sheet.identities and not sheet.hoso_check
        assert not sheet.unmatched_system and not sheet.unmatched_hoso

    code = main(["doi-chieu", str(workbook), "--db", str(db), "--out", str(tmp_path)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "từ ngày 15/03/2026 đến ngày 14/04/2026" in printed
    assert "KHỚP" in printed
    assert load_workbook(tmp_path / "doi-chieu.xlsx")["Chênh lệch"].max_row == 1

    # the same file asked for another window compares both sheets with it, and differs
    other = main(["doi-chieu", str(workbook), "--db", str(db), "--out", str(tmp_path),
                  "--period", "2026-04-cal"])  # fmt: skip
    assert other == 4
    assert "biểu tính theo khoảng thời gian khác" in capsys.readouterr().out
