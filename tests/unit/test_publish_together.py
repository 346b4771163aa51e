"""Tables and folder belong to the same run (SPEC §7): a folder that cannot be replaced leaves
the old tables and the old folder; every run ends with a state; warnings are recorded."""

from __future__ import annotations

import os
from datetime import datetime

import pytest

from pipelines import db, publish
from pipelines.data_warnings import DataWarning
from pipelines.publish.atomic import SwapFailed, swap_dir, swap_tables
from pipelines.report_text import print_status, warning_lines
from pipelines.summary import RunSummary


def _folder(path, text):
    path.mkdir(parents=True, exist_ok=True)
    (path / "indicators.csv").write_text(text, encoding="utf-8")


def _refuse_renames_of(out, monkeypatch):
    """The OS refuses to rename the published folder (on Windows: a file in it is open)."""
    real = os.replace

    def replace(src, dst):
        if os.fspath(src) == os.fspath(out):
            raise PermissionError(13, "The process cannot access the file", os.fspath(src))
        return real(src, dst)

    monkeypatch.setattr(os, "replace", replace)


def test_a_held_folder_is_left_as_it_was_and_the_message_names_a_file(tmp_path, monkeypatch):
    out, draft = tmp_path / "out", tmp_path / ".out.draft-r2"
    _folder(out, "old")
    _folder(draft, "new")
    _refuse_renames_of(out, monkeypatch)
    with pytest.raises(SwapFailed) as exc:
        swap_dir(draft, out)
    assert (out / "indicators.csv").read_text(encoding="utf-8") == "old"
    assert (draft / "indicators.csv").read_text(encoding="utf-8") == "new"
    assert "indicators" in exc.value.message and "đóng" in exc.value.message
    assert exc.value.error == "PermissionError"


def test_the_second_rename_failing_puts_the_old_folder_back(tmp_path, monkeypatch):
    out, draft = tmp_path / "out", tmp_path / ".out.draft-r2"
    _folder(out, "old")
    _folder(draft, "new")
    real = os.replace

    def replace(src, dst):
        if os.fspath(src) == os.fspath(draft):
            raise PermissionError(13, "denied", os.fspath(src))
        return real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(SwapFailed):
        swap_dir(draft, out)
    assert (out / "indicators.csv").read_text(encoding="utf-8") == "old"


def test_tables_roll_back_when_the_folder_swap_fails(tmp_path):
    con = db.connect(tmp_path / "h.duckdb")
    con.execute("create schema staging")
    con.execute("create table main.indicators as select 1 as n")
    con.execute("create table staging.indicators as select 2 as n")

    def fail():
        raise SwapFailed("giữ nguyên", "PermissionError")

    with pytest.raises(SwapFailed):
        swap_tables(con, ("indicators",), "staging", before_commit=fail)
    assert con.execute("select n from main.indicators").fetchall() == [(1,)]
    swap_tables(con, ("indicators",), "staging", before_commit=lambda: None)
    assert con.execute("select n from main.indicators").fetchall() == [(2,)]


def test_failed_runs_are_pruned_to_the_latest_ten(tmp_path):
    database = tmp_path / "db" / "hoso.duckdb"
    for k in range(12):
        draft = tmp_path / f".out.draft-r{k:02d}"
        _folder(draft, str(k))
        summary = RunSummary(f"r{k:02d}", datetime(2026, 4, 1), "exports", str(database), "out")
        target = publish.keep_failed_run(draft, database, summary, message="Lý do")
        os.utime(target, (1_000_000 + k, 1_000_000 + k))
    kept = sorted(p.name for p in publish.failed_runs_dir(database).iterdir())
    assert kept == [f"run-r{k:02d}" for k in range(2, 12)]


def test_runs_record_state_finish_time_reason_and_warnings(tmp_path, capsys):
    database = tmp_path / "hoso.duckdb"
    summary = RunSummary("r1", datetime(2026, 4, 1, 8), "exports", str(database), "out")
    summary.add_warnings(
        [
            DataWarning.of("window_not_covered", None, "Chưa phủ hết kỳ.", count=0),
            DataWarning.of("duplicate_file", "a (1).xlsx", "Trùng với 'a.xlsx'.", ["a.xlsx"]),
        ]
    )
    summary.outcome, summary.exit_code = "failed", 1
    summary.message = "Hãy đóng tệp 'out/indicators.xlsx' rồi chạy lại."
    con = db.connect(database)
    publish.record_run(con, summary)
    outcome, finished, message = con.execute(
        "select outcome, finished_at, message from runs"
    ).fetchall()[0]
    codes = con.execute("select code from run_warnings order by position").fetchall()
    con.close()
    assert outcome == "failed" and finished is not None and "indicators.xlsx" in message
    assert codes == [("duplicate_file",), ("window_not_covered",)]  # SPEC §8 order
    assert print_status(database) == 0
    out = capsys.readouterr().out
    assert "thất bại" in out and "lý do: Hãy đóng tệp" in out
    assert "Chưa phủ hết kỳ." in out and "Trùng với 'a.xlsx'." in out


def test_the_warning_block_lists_each_warning_with_examples():
    w = DataWarning.of("snapshot_conflict", "b.xlsx", "Khác nhau.", [f"H{k}" for k in range(7)])
    lines = warning_lines([w.as_dict()])
    assert lines[0].strip() == "Cảnh báo (1):"
    assert "Hai tệp cùng thời điểm xuất khác nhau" in lines[1]
    assert "H0, H1, H2, H3, H4 … (tất cả 7)" in lines[2]
    assert warning_lines([]) == []
