"""Publish a validated set of figures: files into ``--out`` and tables into the database.

Everything is written into a draft folder first; the published tables and the folder are
swapped only when every file is complete (see :mod:`pipelines.publish.atomic`).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines.db import STAGING as STAGING_SCHEMA
from pipelines.periods import Window
from pipelines.publish.atomic import SwapFailed, draft_dir, recover, swap_dir, swap_tables
from pipelines.publish.files import write_csv, write_json
from pipelines.summary import RunSummary

__all__ = [
    "DOCS_DIR",
    "SwapFailed",
    "artifact_rows",
    "draft_dir",
    "keep_failed_run",
    "publish",
    "record_run",
    "recover",
]

#: The Great Expectations Data Docs site, inside the output folder.
DOCS_DIR = "kiem-tra"
PUBLISHED_TABLES: tuple[str, ...] = ("indicators", "overdue")


def publish(
    con: duckdb.DuckDBPyConnection,
    draft: Path,
    out: Path,
    summary: RunSummary,
    *,
    unit_name: str | None = None,
) -> list[str]:
    """Write every output of SPEC §7 into ``draft``, then swap it in; returns file names."""
    from pipelines.publish.report import write_report, write_report_docx, write_report_plain
    from pipelines.publish.workbook import write_workbook

    write_csv(con.sql(f"select * from {STAGING_SCHEMA}.indicators"), draft / "indicators.csv")
    write_csv(con.sql(f"select * from {STAGING_SCHEMA}.overdue"), draft / "overdue.csv")
    indicators = con.sql(f"select * from {STAGING_SCHEMA}.indicators").df()
    overdue = con.sql(f"select * from {STAGING_SCHEMA}.overdue").to_arrow_table()
    write_workbook(
        indicators,
        draft / "indicators.xlsx",
        unit_name=unit_name,
        overdue=overdue,
        warnings=summary.warnings,
    )
    (draft / "report.md").write_text(
        write_report(indicators, unit_name=unit_name), encoding="utf-8"
    )
    write_report_docx(indicators, draft / "bao-cao.docx", unit_name=unit_name)
    (draft / "bao-cao.txt").write_text(
        write_report_plain(indicators, unit_name=unit_name), encoding="utf-8"
    )
    summary.finished_at = datetime.now().replace(microsecond=0)
    write_json(summary.for_run_json(), draft / "run.json")
    names = sorted(p.name for p in draft.iterdir())

    old: list[Path | None] = []

    def tables_then_folder() -> None:
        record_run(con, summary)
        # raises SwapFailed: the tables and the run row roll back. The old folder stays until
        # the commit, so that a crash before it can be undone by recover()
        old.append(swap_dir(draft, out, keep_old=True))

    swap_tables(con, PUBLISHED_TABLES, STAGING_SCHEMA, before_commit=tables_then_folder)
    if old and old[0] is not None:
        shutil.rmtree(old[0], ignore_errors=True)
    return names


def is_published(con: duckdb.DuckDBPyConnection, run_id: str) -> bool:
    """Whether run ``run_id`` committed its tables (its ``runs`` row says published)."""
    return bool(
        con.execute(
            "select count(*) from runs where run_id = $run_id and outcome = 'published'",
            {"run_id": run_id},
        ).fetchall()[0][0]
    )


def artifact_rows(indicators_csv: Path) -> list[dict[str, object]]:
    """The `all` rows of the published CSV as JSON-ready rows with Vietnamese labels."""
    import csv

    from pipelines.contract import FIGURES, LABELS, RATES, WINDOW_LABELS

    with indicators_csv.open(encoding="utf-8-sig", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["group_by"] == "all" and r["window"] != "month"]
    return [
        {
            LABELS["window"]: WINDOW_LABELS[r["window"]],
            "Từ ngày": r["from_date"],
            "Đến ngày": r["to_date"],
            **{LABELS[k]: int(r[k]) for k in FIGURES},
            **{LABELS[k]: (float(r[k]) if r[k] else None) for k in RATES},
        }
        for r in rows
    ]


#: The files of a complete publication (besides the Data Docs folder).
OUTPUT_FILES: tuple[str, ...] = (
    "bao-cao.docx",
    "bao-cao.txt",
    "indicators.csv",
    "indicators.xlsx",
    "overdue.csv",
    "report.md",
    "run.json",
)


def publication_key(file_hashes: list[str], windows: list[Window], unit_name: str | None) -> str:
    """A fingerprint of everything the published figures depend on: the loaded files, the
    windows, the unit name and the code that counts and checks (sql/, expectations/)."""
    from pipelines import __version__
    from pipelines.db import ROOT

    digest = hashlib.sha256()
    payload = {
        "version": __version__,
        "files": sorted(file_hashes),
        "windows": [(w.kind, w.from_date.isoformat(), w.to_date.isoformat()) for w in windows],
        "unit_name": unit_name,
    }
    digest.update(json.dumps(payload, sort_keys=True).encode("utf-8"))
    for folder in ("sql", "expectations"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file():
                digest.update(path.relative_to(ROOT).as_posix().encode("utf-8"))
                digest.update(path.read_bytes())
    return digest.hexdigest()


def is_current(out: Path, key: str, published: Callable[[str], bool]) -> bool:
    """Whether ``out`` holds a complete publication made with the same key, by a run whose
    tables were committed (``published(run_id)``): a folder ahead of its tables is not."""
    if not all((out / name).is_file() for name in OUTPUT_FILES):
        return False
    try:
        record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    run_id = record.get("run_id")
    return record.get("publication_key") == key and bool(run_id) and published(run_id)


#: How many kept folders of failed runs stay beside the database (the latest ones).
KEPT_FAILED_RUNS = 10


def failed_runs_dir(database: Path) -> Path:
    """Where failed runs' reports are kept: ``runs/`` beside the database."""
    return Path(database).parent / "runs"


def keep_failed_run(
    draft: Path, database: Path, summary: RunSummary, *, message: str | None = None
) -> Path:
    """Keep a failed run's report and Data Docs beside the database; publish nothing.

    Only the latest :data:`KEPT_FAILED_RUNS` kept folders stay.
    """
    runs = failed_runs_dir(database)
    runs.mkdir(parents=True, exist_ok=True)
    target = runs / f"run-{summary.run_id}"
    if target.exists():
        shutil.rmtree(target)
    if draft.exists():
        shutil.move(str(draft), str(target))
    else:
        target.mkdir(parents=True)
    (target / ".complete").unlink(missing_ok=True)
    summary.finished_at = datetime.now().replace(microsecond=0)
    summary.message = " ".join(t for t in (message, f"Báo cáo kiểm tra: {target}") if t)
    write_json(summary.for_run_json(), target / "run.json")
    prune_failed_runs(runs)
    return target


def prune_failed_runs(runs: Path, keep: int = KEPT_FAILED_RUNS) -> None:
    """Remove all but the ``keep`` most recently kept failed-run folders."""
    kept = sorted(
        (p for p in runs.glob("run-*") if p.is_dir()),
        key=lambda p: (p.stat().st_mtime, p.name),
        reverse=True,
    )
    for old in kept[keep:]:
        shutil.rmtree(old, ignore_errors=True)


def record_run(con: duckdb.DuckDBPyConnection, summary: RunSummary) -> None:
    """The run's row in ``runs`` (with a finish time), its warnings in ``run_warnings`` and
    the files it loaded in ``run_files``."""
    if summary.finished_at is None:
        summary.finished_at = datetime.now().replace(microsecond=0)
    params = {"run_id": summary.run_id}
    con.execute("delete from run_warnings where run_id = $run_id", params)
    for position, w in enumerate(summary.warnings):
        con.execute(
            "insert into run_warnings values ($run_id, $position, $code, $file, $message, "
            "$count, $examples)",
            params
            | {
                "position": position,
                "code": w.code,
                "file": w.file,
                "message": w.message,
                "count": w.count,
                "examples": list(w.examples),
            },
        )
    for f in summary.files:
        con.execute(
            "insert or replace into run_files values ($run_id, $file_hash)",
            params | {"file_hash": f["file_hash"]},
        )
    con.execute(
        """
        insert or replace into runs (run_id, started_at, finished_at, period_from, period_to,
            since, outcome, exit_code, files_loaded, files_skipped, files_refused, message)
        values ($run_id, $started_at, $finished_at, $period_from,
            $period_to, $since, $outcome, $exit_code, $loaded, $skipped, $refused, $message)
        """,
        {
            "run_id": summary.run_id,
            "started_at": summary.started_at,
            "finished_at": summary.finished_at,
            "period_from": summary.period_from,
            "period_to": summary.period_to,
            "since": summary.since,
            "outcome": summary.outcome,
            "exit_code": summary.exit_code,
            "loaded": len(summary.files),
            "skipped": len(summary.files_already_loaded),
            "refused": len(summary.files_refused),
            "message": summary.message,
        },
    )
