"""The stages of a run as plain functions: read → load → build → validate → publish.

Each stage takes paths and settings, does its work through the library (ingest, load,
transform, validate, publish) and writes what happened into the run record
(``pipelines.summary.RunSummary``): this is where read results become plain entries, so the
record and ``publish`` never import the reader. ``pipelines.flows`` only wires these stages as
Prefect tasks; nothing here imports Prefect.
"""

from __future__ import annotations

import importlib
import threading
import uuid
from contextlib import closing
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from pipelines import (
    db,
    file_checks,
    ingest,
    load,
    periods,
    progress,
    publish,
    row_checks,
    transform,
)
from pipelines import validate as validation
from pipelines.data_warnings import DataWarning
from pipelines.read import ReadResult
from pipelines.settings import Settings
from pipelines.summary import RunSummary, reject_message
from pipelines.vocab import Vocabulary

#: what a stage logs through: ``logger.info/warning/error(format, *args)``
Logger = Any


def new_record(settings: Settings) -> RunSummary:
    """An empty record for a run that starts now over these settings."""
    return RunSummary(
        run_id=uuid.uuid4().hex[:12],
        started_at=datetime.now().replace(microsecond=0),
        exports=str(settings.exports),
        database=str(settings.database),
        output=str(settings.output),
    )


def name_of(summary: RunSummary, path: Path) -> str:
    """A file's name as shown everywhere: its path relative to the exports folder."""
    return ingest.relative_name(Path(path), Path(summary.exports))


# --- read ----------------------------------------------------------------------------------


@dataclass
class ReadPlan:
    """What the read stage has to do: the files to read and what is known already."""

    to_read: list[Path]
    known: frozenset[str]
    digests: dict[Path, str]
    #: file hash → name of every file loaded before
    loaded_names: dict[str, str] = field(default_factory=dict)


def skip_paths(settings: Settings) -> list[Path]:
    """hoso's own files that may sit inside the exports folder: never read as exports."""
    database = Path(settings.database)
    return [
        database,
        database.with_name(database.name + ".lock"),
        database.with_name(database.name + ".wal"),
        publish.failed_runs_dir(database),
        Path(settings.output),
    ]


def plan_reading(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    summary: RunSummary,
    vocab: Vocabulary,
    logger: Logger,
) -> ReadPlan:
    """Recover an interrupted publication, list the exports, and choose the files to read.

    Byte-identical copies in this run: one is read (the oldest, and among equally old the
    shortest name: a copy's name adds " (1)", "- Copy"), the others are skipped.
    """
    publish.recover(settings.output, published=partial(publish.is_published, con))
    load.register_vocabulary(con, vocab)
    loaded_names = dict(con.execute("select file_hash, file_name from files").fetchall())
    known = frozenset(loaded_names)
    paths, ignored = ingest.discover(settings.exports, skip=skip_paths(settings))
    summary.files_ignored = [name_of(summary, p) for p in ignored]
    logger.info("%d tệp cần đọc, %d tệp bỏ qua", len(paths), len(ignored))
    progress.start(len(paths))
    digests = ingest.hash_files(paths)
    first_of: dict[str, str] = {}
    to_read: list[Path] = []
    for path in sorted(paths, key=lambda p: ingest.original_first(p, settings.exports)):
        digest = digests.get(path)
        if digest is not None and digest not in known and digest in first_of:
            progress.file_done(path.name)
            summary.add_skipped(name_of(summary, path), first_of[digest])
            continue
        if digest is not None:
            first_of.setdefault(digest, name_of(summary, path))
        to_read.append(path)
    return ReadPlan(to_read=to_read, known=known, digests=digests, loaded_names=loaded_names)


def read_file(
    path: Path, vocab: Vocabulary, known: frozenset[str], digest: str | None
) -> ingest.ReadOutcome:
    """Read one export (or skip it when its bytes were loaded before)."""
    return ingest.read_one(path, vocab, known, on_new=warm_up_validation, digest=digest)


_warm_up = threading.Lock()
_warm_up_started: list[threading.Thread] = []


def warm_up_validation() -> None:
    """Import Great Expectations (seconds of pure Python) beside the reading, which mostly runs
    in Rust without the GIL; only when a new file is read, i.e. validation will run."""
    with _warm_up:
        if not _warm_up_started:
            thread = threading.Thread(
                target=importlib.import_module, args=("great_expectations",), daemon=True
            )
            thread.start()
            _warm_up_started.append(thread)


# --- load ----------------------------------------------------------------------------------


def file_entry(
    summary: RunSummary,
    result: ReadResult,
    stats: load.LoadStats,
    con: duckdb.DuckDBPyConnection,
) -> dict[str, Any]:
    """A loaded file as the record keeps it: its accounting and its rejects by reason."""
    rejects = con.execute(
        """
        select problem, column_name, coalesce(value, '') as value, count(*) as n,
               list(row_number order by row_number)[1:5] as rows
        from rejects where file_hash = $h
        group by all order by n desc, problem, column_name, value
        """,
        {"h": result.file_hash},
    ).fetchall()
    return {
        "file": name_of(summary, result.path),
        "file_hash": result.file_hash,
        "kind": result.kind,
        "sheet": result.sheet,
        "export_at": result.export_at,
        "export_time_rule": result.export_time_rule,
        "rows_read": stats.rows_read,
        "rows_loaded": stats.rows_loaded,
        "rows_rejected": stats.rows_rejected,
        "rows_skipped": stats.rows_skipped,
        "rows_duplicate": stats.rows_duplicate,
        "header_rows": result.header_rows,
        "columns": result.columns,
        "ignored_headers": result.ignored_headers,
        "ignored_sheets": result.ignored_sheets,
        "personal_columns_dropped": result.personal_columns,
        "rejects": [
            {
                "problem": problem,
                "column": column,
                "value": value,
                "count": n,
                "example_rows": rows,
                "message": reject_message(problem, column, value),
            }
            for problem, column, value, n, rows in rejects
        ],
    }


def refusal_entry(summary: RunSummary, refusal: ingest.Refusal) -> dict[str, Any]:
    """A refused file as the record keeps it."""
    return {
        "file": name_of(summary, refusal.path),
        "sheet": refusal.sheet,
        "reason": refusal.reason,
        "headers_found": list(refusal.headers),
        "error": refusal.error,
    }


def load_outcome(
    con: duckdb.DuckDBPyConnection,
    summary: RunSummary,
    outcome: ingest.ReadOutcome,
    plan: ReadPlan,
    logger: Logger,
) -> None:
    """Load one read outcome (one file's transaction) and record what happened to the file."""
    name = name_of(summary, outcome.path)
    if isinstance(outcome, ReadResult):
        try:
            stats = load.load_file(con, outcome, file_name=name)
        except Exception as exc:
            # that file's transaction is rolled back; a broken database stops the run
            con.execute("select 1").fetchall()
            refusal = ingest.load_refusal(outcome.path, exc)
            summary.add_refused(refusal_entry(summary, refusal))
            logger.warning("%s: bị từ chối: %s", name, refusal.reason)
            return
        summary.add_file(file_entry(summary, outcome, stats, con))
        summary.add_warnings(replace(w, file=name) for w in outcome.warnings)
        outcome.rows = outcome.rows.slice(0, 0)  # loaded: free the rows now
        pa.default_memory_pool().release_unused()
        logger.info(
            "%s: đọc %d dòng = nạp %d + loại %d + bỏ qua %d",
            name,
            stats.rows_read,
            stats.rows_loaded,
            stats.rows_rejected,
            stats.rows_skipped,
        )
    elif isinstance(outcome, ingest.AlreadyLoaded):
        summary.add_skipped(name, plan.loaded_names.get(outcome.file_hash))
        logger.info("%s: đã nạp trước đây, bỏ qua", name)
    else:
        summary.add_refused(refusal_entry(summary, outcome))
        logger.warning("%s: bị từ chối: %s", name, outcome.reason)


def end_reading(con: duckdb.DuckDBPyConnection, summary: RunSummary) -> date | None:
    """Sort the record's file lists; the latest export date loaded (the default period's)."""
    as_of = con.execute("select max(export_at)::date from files").fetchall()[0][0]
    summary.files.sort(key=lambda f: f["file"])
    summary.files_refused.sort(key=lambda f: f["file"])
    summary.files_already_loaded.sort()
    return as_of


# --- build ---------------------------------------------------------------------------------


def choose_windows(
    settings: Settings,
    summary: RunSummary,
    start: date | None,
    end: date | None,
    as_of: date | None,
) -> list[periods.Window]:
    """The report windows (the asked period, else the latest complete month), recorded."""
    if start is None or end is None:
        chosen = periods.latest_complete_month(as_of or date.today())
        start, end = start or chosen.from_date, end or chosen.to_date
    windows = periods.report_windows(start, end, settings.since)
    summary.period_from, summary.period_to = windows[0].from_date, windows[0].to_date
    summary.since = windows[1].from_date
    summary.windows = [
        {"window": w.kind, "from_date": w.from_date, "to_date": w.to_date} for w in windows
    ]
    return windows


def publication_key(settings: Settings, windows: list[periods.Window]) -> str:
    """What the published figures depend on: loaded files, windows, unit, code."""
    with closing(db.connect(settings.database)) as con:
        hashes = [h for (h,) in con.execute("select file_hash from files order by 1").fetchall()]
    return publish.publication_key(hashes, windows, settings.unit_name)


def is_current(settings: Settings, key: str) -> bool:
    """Whether the published folder and tables already hold this publication."""
    with closing(db.connect(settings.database)) as con:
        return publish.is_current(
            settings.output, key, published=partial(publish.is_published, con)
        )


def build_tables(database: Path, windows: list[periods.Window]) -> dict[str, int]:
    """Run the SQL of sql/ into the staging schema; rows per table."""
    with closing(db.connect(database)) as con:
        return transform.build_tables(con, windows)


def file_warnings(
    database: Path, window: periods.Window, new_hashes: list[str]
) -> list[DataWarning]:
    """The judgments about files (SPEC §8) once ``staging.dossiers`` is built."""
    with closing(db.connect(database)) as con:
        return [
            *file_checks.mtime_warnings(con, new_hashes),
            *file_checks.conflict_warnings(con),
            *file_checks.coverage_warnings(con, window),
        ]


def add_data_warnings(
    settings: Settings, summary: RunSummary, windows: list[periods.Window]
) -> None:
    """The warnings about files and rows of this run, into the record."""
    new_hashes = [f["file_hash"] for f in summary.files]
    summary.add_warnings(file_warnings(settings.database, windows[0], new_hashes))
    summary.add_warnings(row_checks.row_warnings_of(settings.database))


# --- validate ------------------------------------------------------------------------------


def validate_tables(
    database: Path, docs_dir: Path, new_files: list[str]
) -> validation.ValidationOutcome:
    """Run the expectation suites over the draft tables; Data Docs into docs_dir."""
    with closing(db.connect(database)) as con:
        return validation.validate_tables(con, transform.STAGING, docs_dir, new_files)


# --- publish -------------------------------------------------------------------------------


def publish_outputs(
    database: Path, draft: Path, out: Path, summary: RunSummary, settings: Settings
) -> list[str]:
    """Write every output into the draft folder, then swap tables and folder."""
    with closing(db.connect(database)) as con:
        return publish.publish(con, draft, out, summary, unit_name=settings.unit_name)


def record(database: Path, summary: RunSummary) -> None:
    """The run into the runs table (and its warnings)."""
    with closing(db.connect(database)) as con:
        publish.record_run(con, summary)


def published_figures(database: Path) -> dict[str, dict[str, Any]]:
    """The published `all` rows of the period and cumulative windows, read under the lock."""
    with closing(db.connect(database)) as con:
        frame = con.sql(
            """select * from main.indicators
               where group_by = 'all' and "window" in ('period', 'cumulative')"""
        ).df()
    return {
        r["window"]: {k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
        for r in frame.to_dict("records")
    }


# --- endings -------------------------------------------------------------------------------

UNCHANGED_MESSAGE = (
    "Không có tệp mới và kỳ báo cáo không đổi: số liệu đã công bố vẫn đúng, không cần tính lại."
)


def end_unchanged(settings: Settings, summary: RunSummary) -> dict[str, Any]:
    """Nothing new and the same period: the published figures stand; the run is recorded."""
    summary.end("unchanged", UNCHANGED_MESSAGE)
    summary.finished_at = datetime.now().replace(microsecond=0)
    record(settings.database, summary)
    summary.figures = published_figures(settings.database)
    return summary.as_dict()


def end_validation_failed(
    settings: Settings, summary: RunSummary, draft: Path, outcome: Any, logger: Logger
) -> dict[str, Any]:
    """A critical check failed: nothing is published, the checked run is kept for reading."""
    summary.end("validation_failed")
    for finding in outcome.failed:
        logger.error(finding.message())
    publish.keep_failed_run(draft, settings.database, summary)
    record(settings.database, summary)
    return summary.as_dict()


def end_swap_failed(
    settings: Settings, summary: RunSummary, draft: Path, exc: publish.SwapFailed, logger: Logger
) -> dict[str, Any]:
    """The outputs could not replace the published ones: the old ones stay, the run is kept."""
    summary.end("failed")
    summary.finished_at = None
    logger.error(exc.message)
    publish.keep_failed_run(draft, settings.database, summary, message=exc.message)
    record(settings.database, summary)
    return summary.as_dict()


def end_failed(settings: Settings, summary: RunSummary, exc: Exception, logger: Logger) -> None:
    """A failure of the database, the SQL or the checks: the run ends failed, with why."""
    summary.end(
        "failed",
        f"Lần chạy dừng vì lỗi ({type(exc).__name__}); không có số liệu mới nào được công bố.",
    )
    summary.finished_at = datetime.now().replace(microsecond=0)
    try:
        record(settings.database, summary)
    except Exception:
        logger.error("Không ghi được lần chạy vào bảng runs.")
