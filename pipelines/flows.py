"""Prefect wiring: the nightly flow and its tasks. No business logic lives here: each task is
one stage of ``pipelines.stages``, and the run record is ``pipelines.summary.RunSummary``.

read (in parallel threads, ``workers`` of hoso.toml) → load (one writer) → build (sql/) →
validate (expectations/) → publish (only when no critical check failed).
"""

from __future__ import annotations

from contextlib import closing, nullcontext
from datetime import date
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import unmapped

from pipelines import db, progress, publish, stages
from pipelines.data_warnings import WARNING_CODES
from pipelines.lock import writer_lock
from pipelines.settings import Settings, load_settings
from pipelines.summary import RunSummary
from pipelines.vocab import Vocabulary

TASK_OPTIONS: dict[str, Any] = {"cache_policy": NO_CACHE, "persist_result": False}

read_file = task(name="read-file", task_run_name="read {path.name}", **TASK_OPTIONS)(
    stages.read_file
)
build_tables = task(name="build-tables", **TASK_OPTIONS)(stages.build_tables)
validate_tables = task(name="validate-tables", **TASK_OPTIONS)(stages.validate_tables)
publish_outputs = task(name="publish", **TASK_OPTIONS)(stages.publish_outputs)


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


def reader_pool(settings: Settings) -> ThreadPoolTaskRunner:
    """The task runner of the read stage: ``workers`` threads (0: one per core). Made from the
    run's settings inside the flow, so ``hoso run`` and the served flow (whose runs load
    hoso.toml in a new process) read with the same number of threads."""
    return ThreadPoolTaskRunner(max_workers=settings.reader_threads())


@flow(name="hoso", persist_result=False)
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
    summary = stages.new_record(settings)
    vocab = settings.vocabulary()
    lock = (
        writer_lock(settings.database, settings.lock_timeout_seconds)
        if take_lock
        else nullcontext()
    )
    # One connection stays open for the whole locked section: the file is never released to
    # another process between stages (the tasks' own connections share this one's database).
    with lock, closing(db.connect(settings.database)):
        try:
            return _run(settings, summary, vocab, period_from, period_to)
        except Exception as exc:
            stages.end_failed(settings, summary, exc, logger)
            raise


def _run(
    settings: Settings,
    summary: RunSummary,
    vocab: Vocabulary,
    period_from: date | None,
    period_to: date | None,
) -> dict[str, Any]:
    """The locked part of a run: each stage in turn, the record filled as they go."""
    logger = get_run_logger()
    with closing(db.connect(settings.database)) as con:
        plan = stages.plan_reading(con, settings, summary, vocab, logger)
        with reader_pool(settings) as pool:
            futures = pool.map(
                read_file,
                {
                    "path": plan.to_read,
                    "vocab": unmapped(vocab),
                    "known": unmapped(plan.known),
                    "digest": [plan.digests.get(p) for p in plan.to_read],
                },
            )
            for future in as_completed(futures):
                outcome = future.result()
                progress.file_done(outcome.path.name)
                stages.load_outcome(con, summary, outcome, plan, logger)
        as_of = stages.end_reading(con, summary)

    windows = stages.choose_windows(settings, summary, period_from, period_to, as_of)
    progress.stage("Tính các chỉ số (sql/)")
    key = stages.publication_key(settings, windows)
    if not summary.files and stages.is_current(settings, key):
        logger.info(stages.UNCHANGED_MESSAGE)
        return stages.end_unchanged(settings, summary)
    summary.publication_key = key
    summary.tables = build_tables(settings.database, windows)
    logger.info("Đã dựng bảng: %s", summary.tables)
    stages.add_data_warnings(settings, summary, windows)

    draft = publish.draft_dir(settings.output, summary.run_id)
    progress.stage("Kiểm tra số liệu (expectations/)")
    new_files = [f["file_hash"] for f in summary.files]
    outcome = validate_tables(settings.database, draft / publish.DOCS_DIR, new_files)
    summary.validation = outcome.summary()
    logger.info("Kiểm tra: %d/%d đạt", summary.validation["passed"], summary.validation["checks"])
    if not outcome.success:
        return stages.end_validation_failed(settings, summary, draft, outcome, logger)
    summary.end("published")
    progress.stage("Công bố kết quả")
    try:
        publish_outputs(settings.database, draft, settings.output, summary, settings)
    except publish.SwapFailed as exc:
        return stages.end_swap_failed(settings, summary, draft, exc, logger)
    publish_artifacts(settings.output)
    warnings_artifact(summary.as_dict()["warnings"])
    logger.info("Đã công bố vào %s", settings.output)
    summary.figures = stages.published_figures(settings.database)
    return summary.as_dict()
