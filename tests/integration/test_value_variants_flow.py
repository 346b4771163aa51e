"""The real flow on one file of each kind mixing the value variants of SPEC §3: every row loaded
or rejected with its reason, the figures by the rules, every anomaly in the warnings."""

from __future__ import annotations

import json
from datetime import date

import pytest

from pipelines.flows import hoso_flow
from tests import builders as b

pytestmark = pytest.mark.usefixtures("prefect_harness")

HEADER = [
    "Mã hồ sơ", "Đơn vị xử lý", "Hình thức nộp", "Ngày tiếp nhận", "Ngày hẹn trả",
    "Ngày có kết quả", "Trạng thái",
]  # fmt: skip
KINDS = ("xlsx_shared_strings", "xls_biff8", "html_saved_as_xls", "csv_bom_semicolon")


def _rows(k: int) -> list[dict]:
    p = f"K{k}"
    return [
        {"Mã hồ sơ": f"{p}-1", "Đơn vị xử lý": "Xã A", "Hình thức nộp": "Trực tuyến toàn trình",
         "Ngày tiếp nhận": "20/03/2026 9:05:30 SA", "Ngày hẹn trả": "Không quy định",
         "Ngày có kết quả": "21/03/2026 2:10:00 CH", "Trạng thái": "Đã trả kết quả"},
        {"Mã hồ sơ": f"{p}\u20112", "Đơn vị xử lý": "xã a", "Hình thức nộp": "Trực tuyến một phần",
         "Ngày tiếp nhận": "ngày 25 tháng 3 năm 2026", "Ngày hẹn trả": "2026-03-27T10:00:00Z",
         "Ngày có kết quả": "01/01/1900", "Trạng thái": "Đang xử lý"},
        # result typed before reception (across the period start): F = R, warned
        {"Mã hồ sơ": f"{p}-3", "Đơn vị xử lý": "Xã A", "Hình thức nộp": "Trực tiếp",
         "Ngày tiếp nhận": "10:56 16/03/2026", "Ngày hẹn trả": "20/03/2026",
         "Ngày có kết quả": "10/03/2026", "Trạng thái": "Hoàn thành"},
        # an error value in the result date: rejected, never pending
        {"Mã hồ sơ": f"{p}-4", "Đơn vị xử lý": "Xã A", "Hình thức nộp": "Trực tiếp",
         "Ngày tiếp nhận": "17/03/2026", "Ngày có kết quả": "#VALUE!",
         "Trạng thái": "Hoàn thành"},
        {"Mã hồ sơ": f"{p}-2", "Đơn vị xử lý": "Xã A", "Hình thức nộp": "Trực tuyến",
         "Ngày tiếp nhận": "25/03/2026", "Trạng thái": "Đang xử lý"},
    ]  # fmt: skip


def test_every_variant_of_every_kind_through_the_flow(tmp_path):
    exports = tmp_path / "exports"
    exports.mkdir()
    for k, kind in enumerate(KINDS):
        b.write_export(exports, f"mix_{k}_20260416", kind, [b.dossier_sheet(_rows(k), HEADER)])
    result = hoso_flow(
        exports=str(exports),
        database=str(tmp_path / "db" / "hoso.duckdb"),
        output=str(tmp_path / "out"),
        period_from=date(2026, 3, 15),
        period_to=date(2026, 4, 14),
        since=date(2025, 7, 1),
    )
    assert result["exit_code"] == 0, result["validation"]
    run = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))
    assert len(run["files"]) == len(KINDS) and not run["files_refused"]
    for f in run["files"]:
        assert (f["rows_loaded"], f["rows_rejected"]) == (4, 1), f  # 5 rows, one rejected
        assert [r["problem"] for r in f["rejects"]] == ["excel_error"]
        assert "#VALUE!" in f["rejects"][0]["message"]
    period = result["figures"]["period"]
    n = len(KINDS)
    # per file: 3 dossiers (codes -2 written two ways are one), 2 resolved, 1 pending
    assert (period["received_new"], period["resolved"], period["pending"]) == (3 * n, 2 * n, n)
    assert period["received_online"] == 2 * n and period["received_direct"] == n
    codes = {(w["code"], w["file"]) for w in run["warnings"]}
    for k in range(n):
        name = next(f["file"] for f in run["files"] if f["file"].startswith(f"mix_{k}_"))
        assert ("code_normalised", name) in codes
        assert ("result_before_reception", name) in codes
    examples = [e for w in run["warnings"] if w["code"] == "result_before_reception"
                for e in w["examples"]]  # fmt: skip
    assert sorted(examples) == [f"K{k}-3" for k in range(n)]
    units = [r for r in (tmp_path / "out" / "indicators.csv").read_text("utf-8-sig").splitlines()
             if ",unit," in r and r.startswith("period")]  # fmt: skip
    assert len(units) == 1 and ",Xã A," in units[0]
