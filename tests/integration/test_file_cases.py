"""Every export file on its own, tried as a new user would (SPEC §2, §5, §7, §8): each case
publishes with the figures the rules give and every judgment in the warnings. Real files
written by the test, the real flow under a real Prefect engine, a real DuckDB file."""

from __future__ import annotations

import json
import math
import os
import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from pipelines.cli import main
from pipelines.contract import FIGURES, RATES
from pipelines.flows import hoso_flow
from tests import builders
from tests.support import REPO

SAMPLES = REPO / "sample_exports"
TRUTH = json.loads((SAMPLES / "expected_figures.json").read_text(encoding="utf-8"))
PERIOD = {
    "period_from": date.fromisoformat(TRUTH["period"]["from"]),
    "period_to": date.fromisoformat(TRUTH["period"]["to"]),
    "since": date.fromisoformat(TRUTH["cumulative"]["from"]),
}
EXPORTS = sorted(p.name for p in SAMPLES.iterdir() if p.suffix in (".xlsx", ".xls", ".csv"))

pytestmark = pytest.mark.usefixtures("prefect_harness")


def samples(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name in EXPORTS:
        shutil.copy2(SAMPLES / name, folder / name)
    return folder


def run(exports: Path, tmp: Path, name: str = "run", *, nightly: bool = False, **kw):
    """The flow on ``exports``; the sample period unless ``nightly`` (the default period)."""
    args = kw if nightly else PERIOD | kw
    return hoso_flow(
        exports=str(exports),
        database=str(tmp / f"{name}-db" / "hoso.duckdb"),
        output=str(tmp / f"{name}-out"),
        **args,
    )


def published(tmp: Path, name: str = "run") -> pd.DataFrame:
    return pd.read_csv(
        tmp / f"{name}-out" / "indicators.csv", encoding="utf-8-sig", keep_default_na=False
    )


def run_json(tmp: Path, name: str = "run") -> dict:
    return json.loads((tmp / f"{name}-out" / "run.json").read_text(encoding="utf-8"))


def assert_truth(frame: pd.DataFrame) -> None:
    for window in ("period", "cumulative"):
        row = frame[(frame["window"] == window) & (frame["group_by"] == "all")].iloc[0]
        for figure in FIGURES:
            assert int(row[figure]) == TRUTH[window][figure], (window, figure)
        for rate in RATES:
            if TRUTH[window][rate] is not None:
                assert math.isclose(float(row[rate]), TRUTH[window][rate], abs_tol=5e-7)


def codes_of(result, code):
    return [w for w in result["warnings"] if w["code"] == code]


def warnings_sheet(tmp: Path, name: str = "run") -> list[tuple]:
    wb = openpyxl.load_workbook(tmp / f"{name}-out" / "indicators.xlsx", read_only=True)
    try:
        return list(wb["Kiểm tra dữ liệu"].iter_rows(values_only=True))
    finally:
        wb.close()


def test_a_byte_identical_second_download_is_read_once(tmp_path):
    exports = samples(tmp_path / "exports")
    shutil.copy2(exports / EXPORTS[-1], exports / f"{Path(EXPORTS[-1]).stem} (1).xlsx")
    result = run(exports, tmp_path)
    assert result["exit_code"] == 0, result["files_refused"]
    assert_truth(published(tmp_path))
    copy = f"{Path(EXPORTS[-1]).stem} (1).xlsx"
    assert copy in result["files_already_loaded"]
    [dup] = codes_of(result, "duplicate_file")
    assert dup["file"] == copy and dup["examples"] == [EXPORTS[-1]]
    assert run_json(tmp_path)["warnings"] == result["warnings"]
    sheet = warnings_sheet(tmp_path)
    assert any(row[1] == "duplicate_file" and row[2] == copy for row in sheet)


def test_a_sample_in_a_sub_folder_is_read_and_named_by_its_path(tmp_path):
    exports = samples(tmp_path / "exports")
    moved = EXPORTS[0]
    (exports / "Tháng 3").mkdir()
    (exports / moved).rename(exports / "Tháng 3" / moved)
    result = run(exports, tmp_path)
    assert result["exit_code"] == 0
    assert_truth(published(tmp_path))
    names = {f["file"] for f in run_json(tmp_path)["files"]}
    assert f"Tháng 3/{moved}" in names and len(names) == len(EXPORTS)
    con = duckdb.connect(str(tmp_path / "run-db" / "hoso.duckdb"), read_only=True)
    try:
        stored = {n for (n,) in con.execute("select file_name from files").fetchall()}
    finally:
        con.close()
    assert stored == names


def _export(folder: Path, stem: str, rows, title=builders.TITLE) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return builders.write_export(
        folder, stem, "xlsx_openpyxl", [builders.dossier_sheet(rows, title=title)]
    )


def test_an_old_export_copied_in_today_never_moves_a_dossier_backwards(tmp_path):
    rows = builders.records(12)
    _export(tmp_path / "alone", "danh_sach", rows)
    alone = run(tmp_path / "alone", tmp_path, "alone")
    assert alone["exit_code"] == 0

    exports = tmp_path / "exports"
    _export(exports, "danh_sach", rows)

    # the same dossiers, an older state (no results yet), no date in name or title, newest mtime
    def had_result(r):  # a result date, or a final status without one (refused)
        return r["Ngày có kết quả"] is not None or r["Trạng thái"] == "Từ chối"

    # other dossiers are as in the newer export: only lost results are judged (SPEC §5)
    old_state = [
        r | {"Ngày có kết quả": None, "Trạng thái": "Đang xử lý"} if had_result(r) else r
        for r in rows
    ]
    old = _export(exports, "ban cu gui lai", old_state, title=["DANH SÁCH HỒ SƠ"])
    later = datetime.now().timestamp() + 3600
    os.utime(old, (later, later))
    result = run(exports, tmp_path)
    assert result["exit_code"] == 0
    rules = {f["file"]: f["export_time_rule"] for f in result["files"]}
    assert rules["ban cu gui lai.xlsx"] == "file_mtime"
    assert published(tmp_path).equals(published(tmp_path, "alone"))
    [w] = codes_of(result, "export_time_from_mtime")
    finished = sorted(r["Mã hồ sơ"] for r in rows if had_result(r))
    assert w["file"] == "ban cu gui lai.xlsx" and sorted(w["examples"]) == finished
    assert w["count"] == len(finished) > 0


def test_two_exports_with_the_same_title_time_that_disagree(tmp_path):
    rows = builders.records(12)
    corrected = [
        r | {"Trạng thái": "Đã trả kết quả", "Ngày có kết quả": r["Ngày hẹn trả"]}
        if r["Ngày có kết quả"] is None
        else r
        for r in rows
    ]
    changed = sorted(r["Mã hồ sơ"] for r in rows if r["Ngày có kết quả"] is None)
    exports = tmp_path / "exports"
    a = _export(exports, "xuat_a", rows)
    b = _export(exports, "xuat_b", corrected)
    result = run(exports, tmp_path)
    assert result["exit_code"] == 0
    hashes = {f["file"]: f["file_hash"] for f in result["files"]}
    winner = max(hashes, key=hashes.get)  # content-hash order (SPEC §5)
    only = tmp_path / "only"
    only.mkdir()
    shutil.copy2({a.name: a, b.name: b}[winner], only / winner)
    assert run(only, tmp_path, "only")["exit_code"] == 0
    assert published(tmp_path).equals(published(tmp_path, "only"))
    [w] = codes_of(result, "snapshot_conflict")
    assert w["file"] == winner and sorted(w["examples"]) == changed
    assert "'xuat_a.xlsx'" in w["message"] and "'xuat_b.xlsx'" in w["message"]


def test_a_file_that_trips_the_reader_is_refused_and_the_others_publish(tmp_path, capsys):
    exports = samples(tmp_path / "exports")
    (exports / "Tháng 4").mkdir()
    # a corrupt inner part: the sheet's XML cut in half
    builders.patch_zip_member(
        SAMPLES / EXPORTS[-1],
        exports / "Tháng 4" / "hong.xlsx",
        "xl/worksheets/sheet2.xml",
        lambda text: text[: len(text) // 2],
    )
    result = run(exports, tmp_path)
    assert result["exit_code"] == 3
    assert_truth(published(tmp_path))
    [refused] = run_json(tmp_path)["files_refused"]
    assert refused["file"] == "Tháng 4/hong.xlsx" and refused["reason"]
    assert refused["error"] is None or refused["error"] in refused["reason"]


def test_a_nightly_run_whose_default_period_the_exports_do_not_reach(tmp_path):
    # received 2–21 March, exported 16 April: the default period is 15/03–14/04
    exports = tmp_path / "exports"
    _export(exports, "danh_sach", builders.records(20))
    result = run(exports, tmp_path, nightly=True)
    assert result["exit_code"] == 0
    assert (result["period_from"], result["period_to"]) == (date(2026, 3, 15), date(2026, 4, 14))
    [w] = codes_of(result, "window_not_covered")
    assert "15/03/2026–14/04/2026" in w["message"] and "14 ngày cuối kỳ" in w["message"]


def test_a_held_output_file_keeps_the_old_tables_and_folder(tmp_path, monkeypatch):
    exports = samples(tmp_path / "exports")
    first = run(exports, tmp_path)
    assert first["exit_code"] == 0
    db_path = tmp_path / "run-db" / "hoso.duckdb"
    out = tmp_path / "run-out"

    def tables():
        con = duckdb.connect(str(db_path), read_only=True)
        try:
            return con.execute("select * from main.indicators order by all").fetchall()
        finally:
            con.close()

    before = tables()
    _export(exports, "them", builders.records(30))
    real = os.replace

    def replace(src, dst):  # the OS refuses: on Windows, indicators.xlsx is open in Excel
        if os.fspath(src) == os.fspath(out):
            raise PermissionError(13, "The process cannot access the file", os.fspath(src))
        return real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    second = run(exports, tmp_path, period_to=date(2026, 4, 15))
    monkeypatch.undo()
    assert second["exit_code"] == 1 and second["outcome"] == "failed"
    assert "indicators.xlsx" in second["message"] and "đóng" in second["message"]
    assert tables() == before
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["run_id"] == first["run_id"]
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        runs = con.execute(
            "select run_id, outcome, finished_at is not null, message from runs order by 1"
        ).fetchall()
    finally:
        con.close()
    by_id = {r[0]: r[1:] for r in runs}
    assert by_id[first["run_id"]][:2] == ("published", True)
    outcome, finished, message = by_id[second["run_id"]]
    assert outcome == "failed" and finished and "indicators.xlsx" in message
    # closing the file and running again publishes
    third = run(exports, tmp_path, period_to=date(2026, 4, 15))
    assert third["exit_code"] == 0 and tables() != before


def test_files_and_forget_on_a_real_database(tmp_path, capsys):
    exports = samples(tmp_path / "exports")
    mistake = _export(exports / "nhầm", "khac_don_vi", builders.records(9))
    db_path = tmp_path / "run-db" / "hoso.duckdb"
    assert run(exports, tmp_path)["exit_code"] == 0
    capsys.readouterr()
    assert main(["files", "--db", str(db_path)]) == 0
    listed = capsys.readouterr().out
    assert "nhầm/khac_don_vi.xlsx" in listed and f"{len(EXPORTS) + 1} tệp đã nạp" in listed
    assert "theo tiêu đề" in listed
    assert main(["forget", "khong/co.xlsx", "--db", str(db_path)]) == 2
    assert main(["forget", "nhầm/khac_don_vi.xlsx", "--db", str(db_path)]) == 0
    assert "Đã bỏ tệp nhầm/khac_don_vi.xlsx" in capsys.readouterr().out
    mistake.unlink()
    assert run(exports, tmp_path)["exit_code"] == 0
    never = samples(tmp_path / "never")
    assert run(never, tmp_path, "never")["exit_code"] == 0
    assert published(tmp_path).equals(published(tmp_path, "never"))
    assert_truth(published(tmp_path))
