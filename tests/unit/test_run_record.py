"""The run record (pipelines.summary): plain data, the one home of exit codes, no reader."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from pipelines import summary as record
from pipelines.settings import Settings
from pipelines.summary import RunSummary, exit_code_of

READER_MODULES = ("pipelines.read", "pipelines.ingest", "pipelines.load")


def _imported_by(module: str) -> set[str]:
    probe = f"import sys, {module}; print('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    return set(out.split())


@pytest.mark.parametrize("module", ["pipelines.summary", "pipelines.publish"])
def test_the_record_and_publish_import_nothing_of_the_reader(module: str) -> None:
    loaded = _imported_by(module)
    assert not {m for m in loaded if m.startswith(READER_MODULES)}, module


def test_the_cli_starts_without_the_heavy_libraries() -> None:
    loaded = _imported_by("pipelines.cli")
    heavy = {"prefect", "great_expectations", "duckdb", "pandas", "pyarrow"}
    assert not heavy & loaded


@pytest.mark.parametrize(
    ("outcome", "refusals", "code"),
    [
        ("published", False, 0),
        ("published", True, 3),
        ("unchanged", False, 0),
        ("unchanged", True, 3),
        ("validation_failed", False, 1),
        ("validation_failed", True, 1),
        ("failed", True, 1),
    ],
)
def test_exit_code_follows_the_outcome(outcome: str, refusals: bool, code: int) -> None:
    assert exit_code_of(outcome, refusals=refusals) == code


def test_an_unknown_outcome_has_no_exit_code() -> None:
    with pytest.raises(ValueError, match="running"):
        exit_code_of("running", refusals=False)


def _summary() -> RunSummary:
    return RunSummary("r1", datetime(2026, 4, 15, 2, 0), "exports", "db", "out")


def test_ending_a_run_sets_outcome_code_and_message() -> None:
    run = _summary()
    run.add_refused({"file": "a.xlsx", "sheet": None, "reason": "x", "headers_found": []})
    run.end("published")
    assert (run.outcome, run.exit_code, run.message) == ("published", 3, None)
    run.end("failed", "Lý do")
    assert (run.outcome, run.exit_code, run.message) == ("failed", 1, "Lý do")


def test_a_copy_under_another_name_is_warned_once() -> None:
    run = _summary()
    run.add_skipped("b (1).xlsx", "b.xlsx")
    run.add_skipped("c.xlsx", "c.xlsx")  # loaded before under its own name: no warning
    run.add_skipped("d.xlsx", None)
    assert run.files_already_loaded == ["b (1).xlsx", "c.xlsx", "d.xlsx"]
    assert [(w.code, w.file) for w in run.warnings] == [("duplicate_file", "b (1).xlsx")]


def test_the_cli_and_serve_take_their_exit_codes_from_the_record() -> None:
    from pipelines import cli, serve

    for name in ("EXIT_USAGE", "EXIT_NOT_PUBLISHED", "EXIT_DIFFER", "EXIT_BROKEN_PIPE"):
        assert getattr(cli, name) is getattr(record, name)
    assert serve.EXIT_USAGE is record.EXIT_USAGE
    source = (Path(record.__file__).parent).glob("*.py")
    defined = [p.name for p in source if "\nEXIT_" in p.read_text(encoding="utf-8")]
    assert defined == ["summary.py"]


def test_reader_threads_follow_workers(monkeypatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 6)
    assert Settings(workers=2).reader_threads() == 2
    assert Settings(workers=0).reader_threads() == 6
    monkeypatch.setattr("os.cpu_count", lambda: None)
    assert Settings().reader_threads() == 1
