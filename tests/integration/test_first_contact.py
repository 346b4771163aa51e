"""Issue 17 through the real flow: progress lines from the start, the people's outputs
(bao-cao.docx/.txt, the overdue sheet) agree with the machine ones, and an empty exports
folder is fine once files were loaded."""

from __future__ import annotations

import csv

import pytest
from docx import Document
from openpyxl import load_workbook

from pipelines.cli import main
from pipelines.publish.workbook import OVERDUE_HEADER_ROW, OVERDUE_SHEET
from tests.support import REPO

pytestmark = pytest.mark.integration


@pytest.mark.usefixtures("prefect_harness")
def test_a_run_as_a_new_user_sees_it(tmp_path, capsys) -> None:
    db, out = tmp_path / "data" / "hoso.duckdb", tmp_path / "out"
    argv = ["run", "--exports", str(REPO / "sample_exports"), "--db", str(db), "--out", str(out)]
    assert main([*argv, "--period", "2026-04"]) == 0
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert lines[0] == "Đang khởi động…"
    for stage in ("Đọc và nạp 6 tệp xuất…", "Tính các chỉ số (sql/)…", "Công bố kết quả…"):
        assert stage in lines, captured.err
    assert "Traceback" not in captured.err and "bao-cao.docx" in captured.out

    # the overdue sheet lists exactly the dossiers of overdue.csv, one row each
    with (out / "overdue.csv").open(encoding="utf-8-sig", newline="") as f:
        codes = {r["dossier_code"] for r in csv.DictReader(f)}
    assert codes  # the sample exports have overdue dossiers
    ws = load_workbook(out / "indicators.xlsx")[OVERDUE_SHEET]
    listed = [row[2] for row in ws.iter_rows(min_row=OVERDUE_HEADER_ROW + 1, values_only=True)]
    assert sorted(listed) == sorted(codes)

    text = (out / "bao-cao.txt").read_text(encoding="utf-8")
    assert "15/03/2026" in text and not text.startswith("#")
    paragraphs = [p.text for p in Document(str(out / "bao-cao.docx")).paragraphs]
    assert paragraphs[2:] == text.strip().split("\n\n")[2:]

    # nothing new in the folder, but files were loaded before: a normal run, not a refusal
    empty = tmp_path / "exports-empty"
    empty.mkdir()
    code = main(["run", "--exports", str(empty), "--db", str(db), "--out", str(out)])
    assert code == 0, capsys.readouterr().err


def test_an_unexpected_error_in_the_flow_shows_no_traceback(tmp_path) -> None:
    """A real DuckDB file of another program (a `files` table of its own) breaks the flow:
    the user reads one Vietnamese line that names the log; the traceback is in the log.
    Run as the user runs it: `hoso run` in its own process (Prefect's logging is set up there)."""
    import os
    import subprocess
    import sys

    import duckdb

    db = tmp_path / "data" / "hoso.duckdb"
    db.parent.mkdir()
    con = duckdb.connect(str(db))
    con.execute("create table files (note varchar)")
    con.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PYTHONUTF8="1", PREFECT_HOME=str(tmp_path / "prefect-home"))
    argv = ["run", "--exports", str(REPO / "sample_exports"), "--db", str(db)]
    argv += ["--out", str(tmp_path / "out"), "--period", "2026-04"]
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *argv],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "ERROR" not in done.stderr, done.stderr
    log = db.parent / "hoso-loi.log"
    assert f"Chi tiết kỹ thuật đã ghi vào {log}" in done.stderr
    assert "Traceback (most recent call last)" in log.read_text(encoding="utf-8")
    assert not (tmp_path / "out").exists()
