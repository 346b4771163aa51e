"""Prefect wiring: the nightly flow and its tasks. No business logic lives here.

read (in parallel threads) → load (one writer) → build (sql/) → validate (expectations/) →
publish (only when no critical check failed).
"""

from __future__ import annotations

import importlib
import os
import threading
import uuid
from contextlib import closing, nullcontext
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import unmapped

from pipelines import db, ingest, load, periods, progress, publish, row_checks, transform, validate
from pipelines.lock import writer_lock
from pipelines.read import ReadResult
from pipelines.settings import Settings, load_settings
from pipelines.summary import (
    EXIT_PUBLISHED,
    EXIT_PUBLISHED_WITH_REFUSALS,
    EXIT_VALIDATION_FAILED,
    RunSummary,
)
from pipelines.vocab import Vocabulary

TASK_OPTIONS: dict[str, Any] = {"cache_policy": NO_CACHE, "persist_result": False}


@task(name="read-file", task_run_name="read {path.name}", **TASK_OPTIONS)
def read_file(path: Path, vocab: Vocabulary, known: frozenset[str]) -> ingest.ReadOutcome:
    """Read one export (or skip it when its bytes were loaded before)."""
    return ingest.read_one(path, vocab, known, on_new=_warm_up_validation)


_warm_up = threading.Lock()
_warm_up_started: list[threading.Thread] = []


def _warm_up_validation() -> None:
    """Import Great Expectations (seconds of pure Python) beside the reading, which mostly runs
    in Rust without the GIL; only when a new file is read, i.e. validation will run."""
    with _warm_up:
        if not _warm_up_started:
            thread = threading.Thread(
                target=importlib.import_module, args=("great_expectations",), daemon=True
            )
            thread.start()
            _warm_up_started.append(thread)


@task(name="build-tables", **TASK_OPTIONS)
def build_tables(database: Path, windows: list[periods.Window]) -> dict[str, int]:
    """Run the SQL of sql/ into the staging schema."""
    con = db.connect(database)
    try:
        return transform.build_tables(con, windows)
    finally:
        con.close()


@task(name="validate-tables", **TASK_OPTIONS)
def validate_tables(
    database: Path, docs_dir: Path, new_files: list[str]
) -> validate.ValidationOutcome:
    """Run the expectation suites over the staged tables; Data Docs into docs_dir."""
    con = db.connect(database)
    try:
        return validate.validate_tables(con, transform.STAGING, docs_dir, new_files)
    finally:
        con.close()


@task(name="publish", **TASK_OPTIONS)
def publish_outputs(
    database: Path, staged: Path, out: Path, summary: RunSummary, settings: Settings
) -> list[str]:
    """Write every output into the staging folder, then swap tables and folder."""
    con = db.connect(database)
    try:
        return publish.publish(con, staged, out, summary, unit_name=settings.unit_name)
    finally:
        con.close()


@task(name="artifacts", **TASK_OPTIONS)
def publish_artifacts(out: Path) -> None:
    """The published figures and paragraph as Prefect artifacts, for the Prefect UI."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    rows = publish.artifact_rows(out / "indicators.csv")
    create_table_artifact(key="hoso-chi-so", table=rows, description="Chỉ số đã công bố")
    report = (out / "report.md").read_text(encoding="utf-8")
    create_markdown_artifact(key="hoso-bao-cao", markdown=report, description="Đoạn báo cáo")


def _published_figures(database: Path) -> dict[str, dict[str, Any]]:
    """The published `all` rows of the period and cumulative windows, read under the lock."""
    con = db.connect(database)
    try:
        frame = con.sql(
            """select * from main.indicators
               where group_by = 'all' and "window" in ('period', 'cumulative')"""
        ).df()
    finally:
        con.close()
    return {
        r["window"]: {k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
        for r in frame.to_dict("records")
    }


def _record(database: Path, summary: RunSummary) -> None:
    con = db.connect(database)
    try:
        publish.record_run(con, summary)
    finally:
        con.close()


def _publication_key(settings: Settings, windows: list[periods.Window]) -> str:
    con = db.connect(settings.database)
    try:
        hashes = [h for (h,) in con.execute("select file_hash from files order by 1").fetchall()]
    finally:
        con.close()
    return publish.publication_key(hashes, windows, settings.unit_name)


def _windows(settings: Settings, start: date | None, end: date | None, as_of: date | None):
    if start is None or end is None:
        chosen = periods.latest_complete_month(as_of or date.today())
        start, end = start or chosen.from_date, end or chosen.to_date
    return periods.report_windows(start, end, settings.since)


@flow(name="hoso", task_runner=ThreadPoolTaskRunner(max_workers=max(1, os.cpu_count() or 1)))
def hoso_flow(
    exports: str | None = None,
    database: str | None = None,
    output: str | None = None,
    period_from: date | None = None,
    period_to: date | None = None,
    since: date | None = None,
    config: str | None = None,
    take_lock: bool = True,
) -> dict[str, Any]:
    """Ingest the exports folder, build and validate the indicators, publish them.

    ``take_lock=False`` when the caller (``hoso run``) already holds the writer lock.
    """
    logger = get_run_logger()
    settings = load_settings(Path(config) if config else None).override(
        exports=Path(exports) if exports else None,
        database=Path(database) if database else None,
        output=Path(output) if output else None,
        since=since,
    )
    run_id = uuid.uuid4().hex[:12]
    summary = RunSummary(
        run_id=run_id,
        started_at=datetime.now().replace(microsecond=0),
        exports=str(settings.exports),
        database=str(settings.database),
        output=str(settings.output),
    )
    vocab = settings.vocabulary()
    lock = (
        writer_lock(settings.database, settings.lock_timeout_seconds)
        if take_lock
        else nullcontext()
    )
    # One connection stays open for the whole locked section: the file is never released to
    # another process between stages (the tasks' own connections share this one's database).
    with lock, closing(db.connect(settings.database)):
        publish.recover(settings.output)
        con = db.connect(settings.database)
        try:
            load.register_vocabulary(con, vocab)
            known = frozenset(load.known_hashes(con))
            paths, ignored = ingest.discover(settings.exports)
            summary.files_ignored = [p.name for p in ignored]
            logger.info("%d tệp cần đọc, %d tệp bỏ qua", len(paths), len(ignored))
            progress.start(len(paths))
            futures = read_file.map(paths, vocab=unmapped(vocab), known=unmapped(known))
            for future in as_completed(futures):
                outcome = future.result()
                progress.file_done(outcome.path.name)
                if isinstance(outcome, ReadResult):
                    stats = load.load_file(con, outcome)
                    summary.add_loaded(outcome, stats, con)
                    summary.add_warnings(outcome.warnings)
                    outcome.rows = outcome.rows.slice(0, 0)  # loaded: free the rows now
                    pa.default_memory_pool().release_unused()
                    logger.info(
                        "%s: đọc %d dòng = nạp %d + loại %d + bỏ qua %d",
                        outcome.path.name,
                        stats.rows_read,
                        stats.rows_loaded,
                        stats.rows_rejected,
                        stats.rows_skipped,
                    )
                elif isinstance(outcome, ingest.AlreadyLoaded):
                    summary.add_skipped(outcome)
                    logger.info("%s: đã nạp trước đây, bỏ qua", outcome.path.name)
                else:
                    summary.add_refused(outcome)
                    logger.warning("%s: bị từ chối: %s", outcome.path.name, outcome.reason)
            as_of = con.execute("select max(export_at)::date from files").fetchall()[0][0]
        finally:
            con.close()
        summary.files.sort(key=lambda f: f["file"])
        summary.files_refused.sort(key=lambda f: f["file"])
        summary.files_already_loaded.sort()

        windows = _windows(settings, period_from, period_to, as_of)
        summary.period_from, summary.period_to = windows[0].from_date, windows[0].to_date
        summary.since = windows[1].from_date
        summary.windows = [
            {"window": w.kind, "from_date": w.from_date, "to_date": w.to_date} for w in windows
        ]
        progress.stage("Tính các chỉ số (sql/)")
        key = _publication_key(settings, windows)
        if not summary.files and publish.is_current(settings.output, key):
            summary.outcome = "unchanged"
            summary.exit_code = (
                EXIT_PUBLISHED_WITH_REFUSALS if summary.files_refused else EXIT_PUBLISHED
            )
            summary.message = (
                "Không có tệp mới và kỳ báo cáo không đổi: số liệu đã công bố vẫn đúng, "
                "không cần tính lại."
            )
            logger.info(summary.message)
            _record(settings.database, summary)
            summary.figures = _published_figures(settings.database)
            return summary.as_dict()
        summary.publication_key = key
        summary.tables = build_tables(settings.database, windows)
        summary.add_warnings(row_checks.row_warnings_of(settings.database))
        logger.info("Đã dựng bảng: %s", summary.tables)

        staged = publish.staging_dir(settings.output, run_id)
        progress.stage("Kiểm tra số liệu (expectations/)")
        new_files = [f["file_hash"] for f in summary.files]
        outcome = validate_tables(settings.database, staged / publish.DOCS_DIR, new_files)
        summary.validation = outcome.summary()
        logger.info(
            "Kiểm tra: %d/%d đạt", summary.validation["passed"], summary.validation["checks"]
        )
        if not outcome.success:
            summary.outcome = "validation_failed"
            summary.exit_code = EXIT_VALIDATION_FAILED
            for finding in outcome.failed:
                logger.error(finding.message())
            publish.keep_failed_run(staged, settings.database, summary)
            _record(settings.database, summary)
            return summary.as_dict()
        summary.outcome = "published"
        summary.exit_code = (
            EXIT_PUBLISHED_WITH_REFUSALS if summary.files_refused else EXIT_PUBLISHED
        )
        progress.stage("Công bố kết quả")
        publish_outputs(settings.database, staged, settings.output, summary, settings)
        publish_artifacts(settings.output)
        logger.info("Đã công bố vào %s", settings.output)
        summary.figures = _published_figures(settings.database)
    return summary.as_dict()
