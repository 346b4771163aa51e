"""`hoso run` and `hoso status` through the command line, on the sample exports."""

from __future__ import annotations

import pytest

from pipelines.cli import main
from tests.support import REPO

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_run_then_status(tmp_path, capsys):
    db, out = tmp_path / "hoso.duckdb", tmp_path / "out"
    argv = ["run", "--exports", str(REPO / "sample_exports"), "--db", str(db), "--out", str(out)]
    assert main([*argv, "--period", "2026-04"]) == 0
    printed = capsys.readouterr().out
    assert "15/03/2026–14/04/2026" in printed and "01/07/2025–14/04/2026" in printed
    assert "Tiếp nhận mới" in printed and "Đã công bố vào thư mục" in printed
    assert "loại 1 dòng — Ngày tiếp nhận: ngày không hợp lệ ('31/02/2026 9:12')" in printed

    assert main(["status", "--db", str(db)]) == 0
    status = capsys.readouterr().out
    assert "6 tệp đã nạp" in status and "đã công bố (mã 0)" in status
    assert "Số liệu đã công bố:" in status

    # a rerun of another period, then nothing new for that period
    assert main([*argv, "--period", "2026-Q1"]) == 0
    assert "15/12/2025–14/03/2026" in capsys.readouterr().out
    assert main([*argv, "--period", "2026-Q1"]) == 0
    assert "không cần tính lại" in capsys.readouterr().out


def test_a_refused_file_gives_exit_code_3(tmp_path, capsys):
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "good.csv").write_bytes(
        (REPO / "sample_exports" / "export_semicolon_bom_20260416.csv").read_bytes()
    )
    (exports / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    code = main(
        [
            "run",
            "--exports",
            str(exports),
            "--db",
            str(tmp_path / "h.duckdb"),
            "--out",
            str(tmp_path / "out"),
            "--period",
            "2026-04",
        ]
    )
    printed = capsys.readouterr().out
    assert code == 3
    assert "broken.xlsx: BỊ TỪ CHỐI" in printed
    assert (tmp_path / "out" / "indicators.csv").exists()
