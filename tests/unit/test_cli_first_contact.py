"""First contact (issue 17): the command line speaks Vietnamese, checks usage before anything
starts, creates nothing when it refuses, and never shows a traceback."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys

import pytest

from pipelines import progress
from pipelines.cli import VietnameseParser, build_parser, main
from pipelines.settings import SettingsError, load_settings
from tests.support import REPO

#: English words that argparse, tomllib or Python would print; none may reach the user.
ENGLISH = re.compile(
    r"\b(usage|options?|optional|positional|arguments?|show|help message|error|invalid|"
    r"choose|unrecognized|required|expected|default|traceback|exception|line \d|column \d)\b",
    re.IGNORECASE,
)


def _subcommands():
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return action.choices


def _english(text: str) -> list[str]:
    # option names (--help), metavars and internal names in brackets are not prose
    prose = re.sub(r"--?[a-z][a-z-]*|\([a-z_]+\)", "", text)
    return ENGLISH.findall(prose)


def test_the_english_detector_can_fail() -> None:
    assert _english("usage: hoso [-h]\noptions:\n  -h, --help  show this help message and exit")
    assert not _english("Cách dùng: hoso [-h]\ntùy chọn:\n  -h, --help  hiện hướng dẫn")


@pytest.mark.parametrize("command", [None, *_subcommands()])
def test_every_help_is_vietnamese_and_shows_the_defaults(command, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"] if command else ["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("Cách dùng: hoso")
    assert "tùy chọn:" in out
    assert _english(out) == [], out
    parser = _subcommands()[command] if command else build_parser()
    for action in parser._actions:
        if action.option_strings and action.dest != "help":
            assert "mặc định" in parser._get_formatter()._get_help_string(action), action.dest


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["run", "--bogus"], "không hiểu các tham số: --bogus"),
        (["frob"], "lựa chọn không hợp lệ: 'frob'"),
        (["check"], "thiếu tham số bắt buộc: TỆP"),
        (["status", "--limit", "x"], "giá trị không hợp lệ (cần số nguyên): 'x'"),
        (["run", "--from", "16/04/2026", "--to", "2026-04-30"], "YYYY-MM-DD"),
        (["run", "--exports"], "cần một giá trị"),
    ],
)
def test_argparse_errors_are_vietnamese(argv, says, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("Cách dùng: hoso") and "lỗi:" in err and says in err
    assert _english(err) == [], err


def test_a_subcommand_added_later_is_vietnamese_too() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    later = sub.add_parser("them-sau", help="một lệnh thêm sau")
    later.add_argument("--db")
    assert isinstance(later, VietnameseParser)
    text = later.format_help()
    assert text.startswith("Cách dùng: hoso them-sau") and "tùy chọn:" in text
    assert _english(text) == []


def test_toml_syntax_error_is_vietnamese_with_its_line(tmp_path) -> None:
    config = tmp_path / "hoso.toml"
    config.write_text("since = 2025-07-01\nunit_name = UBND xã\n", encoding="utf-8")
    with pytest.raises(SettingsError) as exc:
        load_settings(config)
    message = str(exc.value)
    assert "ở dòng 2" in message and "ngoặc kép" in message
    assert _english(message) == [], message


def _only_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip() and line != "Đang khởi động…"]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_missing_exports_folder_is_refused_before_anything_starts(tmp_path, capsys) -> None:
    db, out = tmp_path / "data" / "hoso.duckdb", tmp_path / "out"
    argv = ["run", "--exports", str(tmp_path / "khong-co"), "--db", str(db), "--out", str(out)]
    assert main(argv) == 2
    line = _only_line(capsys.readouterr().err)
    assert line.startswith("LỖI: Thư mục tệp xuất") and "--exports" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no database, lock or output


def test_usage_errors_do_not_import_prefect(tmp_path) -> None:
    code = (
        "import sys; from pipelines.cli import main; "
        f"rc = main(['run', '--exports', {str(tmp_path / 'x')!r}]); "
        "print(rc, 'prefect' in sys.modules, 'great_expectations' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.stdout.split() == ["2", "False", "False"], done.stderr


@pytest.mark.parametrize("where", ["out", "db"])
def test_an_output_or_database_that_cannot_be_written_is_refused(tmp_path, capsys, where) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    db = blocker / "hoso.duckdb" if where == "db" else tmp_path / "d" / "hoso.duckdb"
    out = blocker / "out" if where == "out" else tmp_path / "out"
    assert main(["run", "--exports", str(exports), "--db", str(db), "--out", str(out)]) == 2
    line = _only_line(capsys.readouterr().err)
    assert ("--out" if where == "out" else "--db") in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "exports"]


@pytest.mark.parametrize("others", [[], ["README.md", "ghi-chu.json"]])
def test_no_exports_and_nothing_loaded_publishes_nothing(tmp_path, capsys, others) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    for name in others:
        (exports / name).write_text("{}", encoding="utf-8")
    db, out = tmp_path / "data" / "hoso.duckdb", tmp_path / "out"
    assert main(["run", "--exports", str(exports), "--db", str(db), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[0] == "Đang khởi động…"
    line = _only_line(err)
    assert "Không tìm thấy tệp xuất nào" in line and "không công bố" in line
    assert ("2 tệp khác" in line) == bool(others)
    assert not db.exists() and not out.exists() and not db.parent.exists()


def test_an_unexpected_error_is_logged_not_shown(tmp_path, capsys) -> None:
    db = tmp_path / "hoso.duckdb"
    db.write_bytes(b"this is not a DuckDB database file" * 100)
    assert main(["status", "--db", str(db)]) == 1
    err = capsys.readouterr().err
    line = _only_line(err)
    log = tmp_path / "hoso-loi.log"
    assert line.startswith("LỖI: Lỗi không mong đợi") and str(log) in line
    assert "Traceback (most recent call last)" in log.read_text(encoding="utf-8")


def test_a_broken_pipe_ends_quietly() -> None:
    """`hoso periods | head -1`: the reader has gone before hoso writes."""
    env = dict(os.environ, PYTHONUTF8="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "periods", "--year", "2026"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    process.stdout.close()  # the reader is gone before hoso writes its first line
    err = process.stderr.read().decode("utf-8")
    assert process.wait(60) in (0, 141)
    assert err == "", err


def test_status_outcomes_are_vietnamese() -> None:
    from pipelines.labels import outcome_label

    assert outcome_label("published") == "đã công bố"
    assert outcome_label("unchanged").startswith("không đổi")
    assert outcome_label("validation_failed").startswith("kiểm tra không đạt")
    assert outcome_label("something_new") == "something_new"  # shown, never hidden


def test_check_skips_a_non_export_like_run(capsys) -> None:
    readme = REPO / "sample_exports" / "README.md"
    sample = REPO / "sample_exports" / "two_row_header_numbered.xlsx"
    assert main(["check", str(readme), str(sample)]) == 0
    out = capsys.readouterr().out
    assert "Không phải tệp xuất, bỏ qua" in out and "BỊ TỪ CHỐI" not in out
    assert "Số dòng tiêu đề cột: 2" in out and "khối tiêu đề" in out
    assert "→ Mã hồ sơ (dossier_code)" in out and "→ Ngày tiếp nhận (received_at)" in out


def test_line_progress_says_each_stage() -> None:
    stream = io.StringIO()
    reporter = progress.LineProgress(stream)
    reporter.start(3)
    reporter.file_done("a.xlsx")
    reporter.stage("Tính các chỉ số (sql/)")
    reporter.stop()
    assert stream.getvalue().splitlines() == ["Đọc và nạp 3 tệp xuất…", "Tính các chỉ số (sql/)…"]


def test_a_file_that_is_not_a_database_is_refused_before_the_lock(tmp_path, capsys) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    db = tmp_path / "hoso.duckdb"
    db.write_bytes(b"PK\x03\x04 a workbook saved under the database's name" * 10)
    assert (
        main(["run", "--exports", str(exports), "--db", str(db), "--out", str(tmp_path / "o")]) == 2
    )
    line = _only_line(capsys.readouterr().err)
    assert "không phải cơ sở dữ liệu của hoso" in line and "--db" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exports", "hoso.duckdb"]


def test_no_exports_and_an_empty_database_publishes_nothing(tmp_path, capsys) -> None:
    """The database exists (hoso's schema) but holds no file: checked under the writer lock."""
    from pipelines import db as hoso_db

    exports = tmp_path / "exports"
    exports.mkdir()
    database = tmp_path / "data" / "hoso.duckdb"
    hoso_db.connect(database).close()
    out = tmp_path / "out"
    assert main(["run", "--exports", str(exports), "--db", str(database), "--out", str(out)]) == 2
    assert "Không tìm thấy tệp xuất nào" in _only_line(capsys.readouterr().err)
    assert not out.exists()
