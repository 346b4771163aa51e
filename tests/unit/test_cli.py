"""The command line: every command has help, is in the README, and refuses bad usage clearly."""

from __future__ import annotations

import pytest

from pipelines.cli import build_parser, main
from tests.support import REPO

COMMANDS = ("run", "check", "periods", "status", "serve", "files", "forget", "doi-chieu")


def _subcommands():
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return action.choices


def test_the_commands_are_the_documented_ones():
    assert set(_subcommands()) == set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_is_in_the_readme(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip()
    assert f"hoso {command}" in (REPO / "README.md").read_text(encoding="utf-8")


def test_run_options_of_spec_section_7_exist():
    run = _subcommands()["run"]
    options = {s for a in run._actions for s in a.option_strings}
    assert {"--exports", "--from", "--to", "--since", "--db", "--out", "--period"} <= options


def test_periods_lists_the_standard_months(capsys):
    assert main(["periods", "--year", "2026"]) == 0
    out = capsys.readouterr().out
    assert "2026-04" in out and "15/03/2026  14/04/2026" in out
    assert "Quý 1/2026" in out


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["run", "--from", "2026-04-01"], "Cần cả --from và --to"),
        (["run", "--period", "tháng tư"], "Không hiểu kỳ báo cáo"),
        (["run", "--period", "2026-04", "--from", "2026-04-01", "--to", "2026-04-30"], "không"),
        (["run", "--from", "2026-04-30", "--to", "2026-04-01"], "--from phải trước"),
    ],
)
def test_bad_usage_exits_2_with_a_message(argv, says, capsys):
    assert main(argv) == 2
    assert says in capsys.readouterr().err


def test_a_non_iso_date_is_refused(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["run", "--from", "16/04/2026", "--to", "2026-04-30"])
    assert exc.value.code == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_a_bad_config_exits_2_naming_the_key(tmp_path, capsys):
    config = tmp_path / "hoso.toml"
    config.write_text('exprots = "x"\n', encoding="utf-8")
    assert main(["--config", str(config), "run"]) == 2
    assert "exprots" in capsys.readouterr().err


def test_check_reads_a_sample_without_loading(capsys):
    sample = REPO / "sample_exports" / "two_row_header_numbered.xlsx"
    assert main(["check", str(sample)]) == 0
    out = capsys.readouterr().out
    assert "Danh sách hồ sơ" in out and "dossier_code" in out
    assert "Thời điểm xuất: 10/03/2026 17:45" in out


def test_check_says_why_a_file_is_refused(tmp_path, capsys):
    bad = tmp_path / "trong.xlsx"
    bad.write_bytes(b"")
    assert main(["check", str(bad)]) == 3
    assert "Tệp rỗng" in capsys.readouterr().out


def test_status_without_a_database_says_what_to_do(tmp_path, capsys):
    assert main(["status", "--db", str(tmp_path / "none.duckdb")]) == 2
    assert "hoso run" in capsys.readouterr().err
