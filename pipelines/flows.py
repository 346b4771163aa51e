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
from dataclasses import replace
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow as pa
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import unmapped

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
    validate,
)
from pipelines.data_warnings import WARNING_CODES, DataWarning
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
def read_file(
    path: Path, vocab: Vocabulary, known: frozenset[str], digests: dict[Path, str]
) -> ingest.ReadOutcome:
    """Read one export (or skip it when its bytes were loaded before)."""
    return ingest.read_one(path, vocab, known, on_new=_warm_up_validation, digest=digests.get(path))


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


@task(name="warning-artifact", **TASK_OPTIONS)
def warnings_artifact(warnings: list[dict[str, Any]]) -> None:
    """The run's data warnings as a Prefect table artifact (an empty run says so)."""
    from prefect.artifacts import create_table_artifact

    rows = [
        {
            "Loại": WARNING_CODES[w["code"]],
            "Mã": w["code"],
            "Tệp": w["file"] or "",
            "Nội dung": w["message"],
            "Số lượng": w["count"],
            "Ví dụ": ", ".join(w["examples"]),
        }
        for w in warnings
    ] or [{"Nội dung": "Không có cảnh báo nào về dữ liệu."}]
    create_table_artifact(key="hoso-canh-bao", table=rows, description="Cảnh báo dữ liệu")


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
    # Warnings of other modules join through summary.add_warnings(...) in _run.
    with lock, closing(db.connect(settings.database)):
        try:
            return _run(settings, summary, vocab, period_from, period_to)
        except Exception as exc:
            # a failure of the database, the SQL or the checks: the run ends failed, with why
            summary.outcome = "failed"
            summary.exit_code = EXIT_VALIDATION_FAILED
            summary.message = (
                f"Lần chạy dừng vì lỗi ({type(exc).__name__}); không có số liệu mới nào được "
                "công bố."
            )
            summary.finished_at = datetime.now().replace(microsecond=0)
            try:
                _record(settings.database, summary)
            except Exception:
                logger.error("Không ghi được lần chạy vào bảng runs.")
            raise


def _is_current(settings: Settings, key: str) -> bool:
    """Whether the published folder and tables already hold this publication."""
    with closing(db.connect(settings.database)) as con:
        return publish.is_current(
            settings.output, key, published=partial(publish.is_published, con)
        )


def _skip_paths(settings: Settings) -> list[Path]:
    """hoso's own files that may sit inside the exports folder: never read as exports."""
    database = Path(settings.database)
    return [
        database,
        database.with_name(database.name + ".lock"),
        database.with_name(database.name + ".wal"),
        publish.failed_runs_dir(database),
        Path(settings.output),
    ]


def _run(
    settings: Settings,
    summary: RunSummary,
    vocab: Vocabulary,
    period_from: date | None,
    period_to: date | None,
) -> dict[str, Any]:
    """The locked part of a run: read, load, build, validate, publish."""
    logger = get_run_logger()
    run_id = summary.run_id
    con = db.connect(settings.database)
    try:
        publish.recover(settings.output, published=partial(publish.is_published, con))
        load.register_vocabulary(con, vocab)
        loaded_names = dict(con.execute("select file_hash, file_name from files").fetchall())
        known = frozenset(loaded_names)
        paths, ignored = ingest.discover(settings.exports, skip=_skip_paths(settings))
        summary.files_ignored = [summary.name_of(p) for p in ignored]
        logger.info("%d tệp cần đọc, %d tệp bỏ qua", len(paths), len(ignored))
        progress.start(len(paths))
        # byte-identical copies in this run: one is read (the oldest, and among equally old
        # the shortest name: a copy's name adds " (1)", "- Copy"), the others are skipped
        digests = ingest.hash_files(paths)
        first_of: dict[str, str] = {}
        to_read: list[Path] = []
        for path in sorted(paths, key=lambda p: ingest.original_first(p, settings.exports)):
            digest = digests.get(path)
            if digest is not None and digest not in known and digest in first_of:
                progress.file_done(path.name)
                summary.add_skipped(ingest.AlreadyLoaded(path, digest, first_of[digest]))
                continue
            if digest is not None:
                first_of.setdefault(digest, summary.name_of(path))
            to_read.append(path)
        futures = read_file.map(
            to_read, vocab=unmapped(vocab), known=unmapped(known), digests=unmapped(digests)
        )
        for future in as_completed(futures):
            outcome = future.result()
            progress.file_done(outcome.path.name)
            name = summary.name_of(outcome.path)
            if isinstance(outcome, ReadResult):
                try:
                    stats = load.load_file(con, outcome, file_name=name)
                except Exception as exc:
                    # that file's transaction is rolled back; a broken database stops the run
                    con.execute("select 1").fetchall()
                    outcome = ingest.load_refusal(outcome.path, exc)
                    summary.add_refused(outcome)
                    logger.warning("%s: bị từ chối: %s", name, outcome.reason)
                    continue
                summary.add_loaded(outcome, stats, con)
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
                outcome = ingest.AlreadyLoaded(
                    outcome.path, outcome.file_hash, loaded_names.get(outcome.file_hash)
                )
                summary.add_skipped(outcome)
                logger.info("%s: đã nạp trước đây, bỏ qua", name)
            else:
                summary.add_refused(outcome)
                logger.warning("%s: bị từ chối: %s", name, outcome.reason)
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
    if not summary.files and _is_current(settings, key):
        summary.outcome = "unchanged"
        summary.exit_code = (
            EXIT_PUBLISHED_WITH_REFUSALS if summary.files_refused else EXIT_PUBLISHED
        )
        summary.message = (
            "Không có tệp mới và kỳ báo cáo không đổi: số liệu đã công bố vẫn đúng, "
            "không cần tính lại."
        )
        logger.info(summary.message)
        summary.finished_at = datetime.now().replace(microsecond=0)
        _record(settings.database, summary)
        summary.figures = _published_figures(settings.database)
        return summary.as_dict()
    summary.publication_key = key
    summary.tables = build_tables(settings.database, windows)
    logger.info("Đã dựng bảng: %s", summary.tables)
    summary.add_warnings(
        _file_warnings(settings.database, windows[0], [f["file_hash"] for f in summary.files])
    )
    summary.add_warnings(row_checks.row_warnings_of(settings.database))

    staged = publish.staging_dir(settings.output, run_id)
    progress.stage("Kiểm tra số liệu (expectations/)")
    new_files = [f["file_hash"] for f in summary.files]
    outcome = validate_tables(settings.database, staged / publish.DOCS_DIR, new_files)
    summary.validation = outcome.summary()
    logger.info("Kiểm tra: %d/%d đạt", summary.validation["passed"], summary.validation["checks"])
    if not outcome.success:
        summary.outcome = "validation_failed"
        summary.exit_code = EXIT_VALIDATION_FAILED
        for finding in outcome.failed:
            logger.error(finding.message())
        publish.keep_failed_run(staged, settings.database, summary)
        _record(settings.database, summary)
        return summary.as_dict()
    summary.outcome = "published"
    summary.exit_code = EXIT_PUBLISHED_WITH_REFUSALS if summary.files_refused else EXIT_PUBLISHED
    progress.stage("Công bố kết quả")
    try:
        publish_outputs(settings.database, staged, settings.output, summary, settings)
    except publish.SwapFailed as exc:
        summary.outcome = "failed"
        summary.exit_code = EXIT_VALIDATION_FAILED
        summary.finished_at = None
        logger.error(exc.message)
        publish.keep_failed_run(staged, settings.database, summary, message=exc.message)
        _record(settings.database, summary)
        return summary.as_dict()
    publish_artifacts(settings.output)
    warnings_artifact(summary.as_dict()["warnings"])
    logger.info("Đã công bố vào %s", settings.output)
    summary.figures = _published_figures(settings.database)
    return summary.as_dict()


def _file_warnings(
    database: Path, window: periods.Window, new_hashes: list[str]
) -> list[DataWarning]:
    """The judgments about files (SPEC §8) once ``staging.dossiers`` is built."""
    con = db.connect(database)
    try:
        return [
            *file_checks.mtime_warnings(con, new_hashes),
            *file_checks.conflict_warnings(con),
            *file_checks.coverage_warnings(con, window),
        ]
    finally:
        con.close()
