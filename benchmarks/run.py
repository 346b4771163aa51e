"""``make bench``: hoso's speed and memory, side by side with the pandas/openpyxl baseline.

Every measurement runs in a fresh subprocess (``python -m benchmarks.run --worker NAME``), so
that its peak memory is its own (``getrusage``: RUSAGE_SELF in the worker, RUSAGE_CHILDREN around
a command) and no import or cache of one item helps another. Each item is repeated (3 times by
default) and the median is reported. See benchmarks/README.md for what each item measures.

    python -m benchmarks.run               # everything, writes benchmarks/results.json
    python -m benchmarks.run --quick       # one repetition, ratio on 100k, no 10M item
    python -m benchmarks.run --items ingest files sql

The table has one row for every figure of issue #16's "Done when": whole run on 300k ÷ the
pandas + openpyxl read of the same file, one-file and several-files ingest, the non-Prefect part
of the 500k full run, Prefect's fixed cost part by part, peak memory at 500k, the nightly runs
(nothing new; one new 2k-row file over the 500k history) and counting 10M dossiers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks.generate import DATA_DIR, GENERATOR_VERSION, export_path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results.json"
SCRATCH = DATA_DIR / "runs"
MARK = "@@bench@@ "  # a worker's result line on stdout

#: The report period of the full runs: standard month 4 of 2026.
PERIOD = (date(2026, 3, 15), date(2026, 4, 14))
#: The SQL benchmark's windows: period, cumulative, ytd and the 12 standard months 2025-05..2026-04.
SQL_SINCE = date(2025, 4, 15)

#: The whole-run ratio: ``hoso run`` on this export ÷ pandas + openpyxl reading the same file.
RATIO_ROWS = 300_000
RATIO_ROWS_QUICK = 100_000  # --quick: the same ratio on the 100k export (openpyxl: ~14 s)
#: The full run, its peak memory and the nightly runs: over the export of this many dossiers.
FULL_ROWS = 500_000
#: Several-files ingest: FILES_ROWS dossiers in FILES_PARTS exports (distinct dossier codes).
FILES_ROWS = 500_000
FILES_PARTS = 4
#: The nightly run with one new file: this many new dossiers, numbered after the history's.
NEW_ROWS = 2_000

# Targets of issue #16 ("Done when"), measured on a 2-core machine.
TARGET_RUN_RATIO = 5.0  # whole hoso run ÷ baseline read of the same file, at least
GOAL_RUN_RATIO = 10.0
TARGET_INGEST_ROWS_S = 150_000  # one file, end to end into DuckDB
TARGET_FILES_ROWS_S = 250_000  # several files, reader threads = cores
TARGET_RUN_S = 8.0  # the non-Prefect part of the 500k full run
TARGET_PEAK_MB = 1024  # 1 GB at 500k, read as 1 GiB (MiB like ru_maxrss / 1024)
TARGET_NIGHTLY_S = 1.0  # nothing new: at most this + Prefect's fixed cost
TARGET_NIGHTLY_NEW_S = 2.0  # one new 2k-row file over a 500k history: this + Prefect's cost
TARGET_SQL_S = 2.0  # counting 10M dossiers (the indicators layer)
#: An item whose first run takes longer than this is not repeated.
SLOW_S = 60.0

ENV = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "GX_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_LEVEL": "WARNING",
}

TRIVIAL_FLOW = """
from prefect import flow

@flow(name="bench-trivial")
def trivial() -> int:
    return 1

assert trivial() == 1
"""


# =============================================================================================
# Workers: each runs in its own process and prints one result line (MARK + JSON)
# =============================================================================================


def _peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)  # KiB on Linux


def _cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return round(r.ru_utime + r.ru_stime, 3)


class Stopwatch:
    """Accumulated wall time per label; wraps functions and connections without editing them."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.missing: list[str] = []
        #: the process's peak RSS (MB) when each stage last finished: where the peak is reached
        self.peak_after: dict[str, float] = {}
        self._lock = threading.Lock()

    def add(self, label: str, seconds: float) -> None:
        peak = _peak_mb()
        with self._lock:
            self.seconds[label] += seconds
            self.calls[label] += 1
            self.peak_after[label] = peak

    def timed(self, fn: Callable[..., Any], label: str) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.add(label, time.perf_counter() - start)

        wrapper.__wrapped__ = fn  # type: ignore[attr-defined]
        return wrapper

    def wrap(self, module: Any, attr: str, label: str) -> None:
        """Time every call of ``module.attr`` (skipped, and noted, if the name is gone)."""
        fn = getattr(module, attr, None)
        if fn is None:
            self.missing.append(f"{module.__name__}.{attr}")
            return
        setattr(module, attr, self.timed(fn, label))

    def report(self) -> dict[str, float]:
        return {k: round(v, 3) for k, v in sorted(self.seconds.items(), key=lambda kv: -kv[1])}


def _sql_label(query: str) -> str:
    words = " ".join(query.split())
    lowered = words.lower()
    for key in (
        "create or replace temp table parsed_rows",
        "insert into snapshot_rows",
        "insert into rejects",
        "insert into files",
        "create or replace table staging.dossiers",
        "create or replace table staging.indicators",
        "create or replace table staging.overdue",
        "create or replace table staging.report_windows",
        "insert into staging.report_windows",
    ):
        if lowered.startswith(key):
            return key.replace("create or replace ", "create ")
    if lowered.startswith("select count(*)"):
        return "counts"
    return lowered[:40]


class TimedConnection:
    """A DuckDB connection whose ``execute`` calls are timed by statement kind."""

    def __init__(self, con: Any, watch: Stopwatch, prefix: str = "sql: ") -> None:
        self._con = con
        self._watch = watch
        self._prefix = prefix

    def execute(self, query: str, *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return self._con.execute(query, *args, **kwargs)
        finally:
            self._watch.add(self._prefix + _sql_label(query), time.perf_counter() - start)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def _apply_overrides(overrides: dict[str, str] | None) -> None:
    """Use other SQL files for some names of ``sql/`` (to measure a proposal; nothing edited)."""
    if not overrides:
        return
    import pipelines.db
    import pipelines.load
    import pipelines.transform
    import pipelines.validate

    original = pipelines.db.sql_text

    def sql_text(name: str) -> str:
        if name in overrides:
            return Path(overrides[name]).read_text(encoding="utf-8")
        return original(name)

    for module in (pipelines.db, pipelines.load, pipelines.transform, pipelines.validate):
        module.sql_text = sql_text  # type: ignore[attr-defined]


def worker_baseline(path: str) -> dict[str, Any]:
    """pandas.read_excel with openpyxl, every column as text."""
    import pandas as pd

    start = time.perf_counter()
    frame = pd.read_excel(path, engine="openpyxl", dtype=str, header=None)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": len(frame), "peak_mb": _peak_mb(), "cpu_s": _cpu_s()}


def worker_ingest(
    path: str, database: str, stages: bool = False, overrides: dict[str, str] | None = None
) -> dict[str, Any]:
    """read_export + load_file into a new DuckDB file (what ``hoso run`` does per file)."""
    _apply_overrides(overrides)
    import pipelines.read as read_mod
    from pipelines import db, load
    from pipelines.vocab import load_vocabulary

    watch = Stopwatch()
    if stages:
        _time_reader(read_mod, watch)
    vocab = load_vocabulary()
    Path(database).unlink(missing_ok=True)
    start = time.perf_counter()
    result = read_mod.read_export(Path(path), vocab)
    read_s = time.perf_counter() - start
    con = db.connect(database)
    load.register_vocabulary(con, vocab)
    t_load = time.perf_counter()
    stats = load.load_file(TimedConnection(con, watch) if stages else con, result)
    con.close()
    end = time.perf_counter()
    return {
        "seconds": end - start,
        "read_s": read_s,
        "connect_s": t_load - start - read_s,
        "load_s": end - t_load,
        "rows": stats.rows_loaded,
        "rows_read": stats.rows_read,
        "rows_rejected": stats.rows_rejected,
        "peak_mb": _peak_mb(),
        "cpu_s": _cpu_s(),
        "stages": watch.report() if stages else {},
        "not_timed": watch.missing,
    }


def worker_ingest_files(exports: str, database: str, workers: int = 0) -> dict[str, Any]:
    """The read and load stages of ``hoso run`` over a folder of exports, into a new database.

    The flow's own stage functions in the flow's order (``pipelines.flows._run``):
    ``stages.plan_reading`` (list and hash the files), ``stages.read_file`` in ``workers``
    reader threads (0: one per core, as ``Settings.reader_threads``), each outcome loaded in
    this thread as soon as it is read (``stages.load_outcome``, one writer), then
    ``stages.end_reading``. The pool is ``concurrent.futures.ThreadPoolExecutor``, which is what
    Prefect's ``ThreadPoolTaskRunner`` runs tasks on; Prefect itself (task runs, API) is left
    out. Great Expectations' warm-up import (validation's cost) is switched off. Imports are
    excluded; the time runs from the first stage to the last.
    """
    import logging
    from concurrent.futures import ThreadPoolExecutor, as_completed
    from contextlib import closing

    from pipelines import db, stages
    from pipelines.settings import Settings

    stages.warm_up_validation = lambda: None  # validation's import, not the ingest's
    Path(database).unlink(missing_ok=True)
    settings = Settings(
        exports=Path(exports),
        database=Path(database),
        output=Path(database).parent / "out",
        workers=workers,
    )
    logger = logging.getLogger("hoso.bench")
    summary = stages.new_record(settings)
    vocab = settings.vocabulary()
    threads = settings.reader_threads()
    start = time.perf_counter()
    with closing(db.connect(settings.database)) as con:
        plan = stages.plan_reading(con, settings, summary, vocab, logger)
        planned = time.perf_counter()
        with ThreadPoolExecutor(max_workers=threads) as pool:
            futures = [
                pool.submit(stages.read_file, path, vocab, plan.known, plan.digests.get(path))
                for path in plan.to_read
            ]
            for future in as_completed(futures):
                stages.load_outcome(con, summary, future.result(), plan, logger)
        stages.end_reading(con, summary)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "plan_s": planned - start,
        "threads": threads,
        "files": len(summary.files),
        "files_refused": len(summary.files_refused),
        "rows": sum(f["rows_loaded"] for f in summary.files),
        "rows_read": sum(f["rows_read"] for f in summary.files),
        "peak_mb": _peak_mb(),
        "cpu_s": _cpu_s(),
    }


def _time_reader(read_mod: Any, watch: Stopwatch) -> None:
    """Time the stages of read_export by wrapping the names it calls (no edits)."""
    import dataclasses

    watch.wrap(read_mod, "file_hash", "read: sha-256 of the file")
    watch.wrap(read_mod, "find_header", "read: header detection")
    watch.wrap(read_mod, "export_time", "read: export time")
    watch.wrap(read_mod, "_top_rows", "read: top 40 rows to Python")
    watch.wrap(read_mod, "_blank_to_null", "read: trim + blank→null (Arrow)")
    watch.wrap(read_mod, "_nfc", "read: NFC of mapped columns (Arrow)")
    watch.wrap(read_mod, "_skipped_rows", "read: skipped-row mask (Arrow)")
    watch.wrap(read_mod, "label_mask", "read: label mask (Arrow)")
    original = getattr(read_mod, "_sheets", None)
    if original is None:
        watch.missing.append("pipelines.read._sheets")
        return

    def sheets(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        found, preamble = original(*args, **kwargs)
        watch.add("read: open workbook", time.perf_counter() - start)

        def timed_load(load: Callable[[int | None], Any]) -> Callable[[int | None], Any]:
            def run(n_rows: int | None) -> Any:
                # the first call parses the sheet (fastexcel → Arrow); later ones may be cached
                label = "sheet.load(None)" if n_rows is None else f"sheet.load({n_rows})"
                t = time.perf_counter()
                try:
                    return load(n_rows)
                finally:
                    watch.add(f"read: {label}", time.perf_counter() - t)

            return run

        return [dataclasses.replace(s, load=timed_load(s.load)) for s in found], preamble

    read_mod._sheets = sheets
    read_mod.read_export = watch.timed(read_mod.read_export, "read: read_export total")


def worker_sql(
    dossiers: int, database: str, repeat: int, overrides: dict[str, str] | None = None
) -> dict[str, Any]:
    """build_tables over synthetic dossiers: per layer, each repetition on a fresh connection."""
    _apply_overrides(overrides)
    from benchmarks.generate import fill_synthetic_dossiers
    from pipelines import db, periods, transform

    sidecar = Path(database).with_suffix(".json")
    params = {"generator_version": GENERATOR_VERSION, "dossiers": dossiers}
    fill: dict[str, Any] = {}
    if not (
        Path(database).exists()
        and sidecar.exists()
        and json.loads(sidecar.read_text(encoding="utf-8")).get("params") == params
    ):
        Path(database).unlink(missing_ok=True)
        sidecar.unlink(missing_ok=True)
        start = time.perf_counter()
        con = db.connect(database)
        fill = fill_synthetic_dossiers(con, dossiers)
        con.execute("checkpoint")
        con.close()
        fill["seconds"] = round(time.perf_counter() - start, 2)
        sidecar.write_text(json.dumps({"params": params, "fill": fill}), encoding="utf-8")
    else:
        fill = json.loads(sidecar.read_text(encoding="utf-8"))["fill"] | {"cached": True}
    windows = periods.report_windows(PERIOD[0], PERIOD[1], SQL_SINCE)
    runs = []
    for _ in range(repeat):
        if runs and runs[0]["seconds"] > SLOW_S:
            break  # very slow: one run says enough (reported as fewer runs)
        watch = Stopwatch()
        con = db.connect(database)
        # every repetition builds the dossiers whole (as a first run does), not incrementally
        con.execute("create schema if not exists staging")
        for table in ("dossiers", "dossier_sources"):
            con.execute(f"drop table if exists staging.{table}")
        start = time.perf_counter()
        counts = transform.build_tables(TimedConnection(con, watch), windows)
        seconds = time.perf_counter() - start
        con.close()
        runs.append({"seconds": seconds, "stages": watch.report(), "counts": counts})
    return {
        "runs": runs,
        "windows": len(windows),
        "monthly_windows": sum(w.kind == "month" for w in windows),
        "fill": fill,
        "peak_mb": _peak_mb(),
    }


def worker_exec(argv: list[str]) -> dict[str, Any]:
    """Run a command; its wall time and the peak RSS of its largest process (RUSAGE_CHILDREN)."""
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, check=False)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "returncode": proc.returncode,
        "peak_mb": _peak_mb(resource.RUSAGE_CHILDREN),
        "stdout_tail": proc.stdout[-1500:],
        "stderr_tail": proc.stderr[-1500:],
    }


def worker_run_stages(exports: str, database: str, out: str) -> dict[str, Any]:
    """``hoso run`` in this process, with the library's stages timed (monkeypatched names)."""
    start = time.perf_counter()
    import pipelines.flows  # noqa: F401  (prefect, the flow and its imports)

    import_s = time.perf_counter() - start
    from pipelines import cli, db, ingest, load, publish, report_text, transform, validate
    from pipelines import stages as stages_mod

    watch = Stopwatch()
    span: dict[str, float] = {}
    #: > 0 while a stage of NON_PREFECT (or the read stage) runs: db.connect calls outside
    #: them are the flow's own (its lock and read connections), counted apart
    inside = [0]
    inside_lock = threading.Lock()

    def enter(delta: int) -> None:
        with inside_lock:
            inside[0] += delta

    def mark(attr: str, key: str, at_end: bool) -> None:
        fn = getattr(stages_mod, attr)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not at_end:
                span.setdefault(key, time.perf_counter())
                enter(1)
            try:
                return fn(*args, **kwargs)
            finally:
                if at_end:
                    span[key] = time.perf_counter()
                    enter(-1)

        setattr(stages_mod, attr, wrapper)

    def counted_inside(module: Any, attr: str) -> None:
        fn = getattr(module, attr)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            enter(1)
            try:
                return fn(*args, **kwargs)
            finally:
                enter(-1)

        setattr(module, attr, wrapper)

    connect = db.connect

    def timed_connect(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return connect(*args, **kwargs)
        finally:
            label = "db.connect (schema + macros)" if inside[0] else FLOW_CONNECT
            watch.add(label, time.perf_counter() - start)

    db.connect = timed_connect

    # the read stage's wall time: from the plan (list + hash) to the end of the last load
    mark("plan_reading", "read_start", at_end=False)
    mark("end_reading", "read_end", at_end=True)
    # the other stages of the flow that do not nest in one another (see NON_PREFECT)
    watch.wrap(stages_mod, "publication_key", "publication key")
    watch.wrap(stages_mod, "is_current", "is the publication current")
    watch.wrap(stages_mod, "add_data_warnings", "data warnings (files, rows)")
    watch.wrap(stages_mod, "record", "record the run")
    watch.wrap(stages_mod, "published_figures", "published figures")
    watch.wrap(ingest, "discover", "list the folder")
    watch.wrap(ingest, "read_one", "read (hash + read_export), summed over threads")
    watch.wrap(load, "load_file", "load_file (DuckDB parse + insert)")
    watch.wrap(load, "register_vocabulary", "register vocabulary")
    watch.wrap(load, "known_hashes", "known file hashes")
    watch.wrap(transform, "build_tables", "build_tables (dossiers, indicators, overdue)")
    watch.wrap(validate, "validate_tables", "validate (Great Expectations)")
    watch.wrap(publish, "publish", "publish (CSV, workbook, report, swap)")
    watch.wrap(publish, "recover", "publish.recover")
    watch.wrap(report_text, "print_run", "print the run")
    for module, attr in (
        (stages_mod, "publication_key"),
        (stages_mod, "is_current"),
        (stages_mod, "add_data_warnings"),
        (stages_mod, "record"),
        (stages_mod, "published_figures"),
        (transform, "build_tables"),
        (validate, "validate_tables"),
        (publish, "publish"),
    ):
        counted_inside(module, attr)
    t_main = time.perf_counter()
    code = cli.main(
        [
            "run",
            "--exports",
            exports,
            "--db",
            database,
            "--out",
            out,
            "--from",
            PERIOD[0].isoformat(),
            "--to",
            PERIOD[1].isoformat(),
        ]
    )
    main_s = time.perf_counter() - t_main
    stages = watch.report()
    accounted = sum(
        v for k, v in stages.items() if not k.startswith(("db.connect", "register", "known"))
    )
    read_wall = span["read_end"] - span["read_start"] if len(span) == 2 else None
    non_prefect = {k: stages[k] for k in NON_PREFECT if k in stages}
    if read_wall is not None:
        non_prefect = {"read + load (wall, list and hash included)": round(read_wall, 3)} | (
            non_prefect
        )
    return {
        "returncode": code,
        "non_prefect": non_prefect,
        "non_prefect_s": round(sum(non_prefect.values()), 3),
        "read_wall_s": round(read_wall, 3) if read_wall is not None else None,
        "peak_mb_after_stage": watch.peak_after,
        "import_s": round(import_s, 3),
        "main_s": round(main_s, 3),
        "stages": stages,
        "not_in_stages_s": round(main_s - accounted, 3),
        "peak_mb": _peak_mb(),
        "not_timed": watch.missing,
    }


#: The stages of the flow that are hoso's own work and do not nest in one another; with the
#: read stage's wall time they make the non-Prefect part of a run (the rest of ``main`` is
#: Prefect's engine, its server's start and hoso's command line).
FLOW_CONNECT = "db.connect by the flow itself (lock section, read stage)"
NON_PREFECT = (
    FLOW_CONNECT,
    "build_tables (dossiers, indicators, overdue)",
    "validate (Great Expectations)",
    "publish (CSV, workbook, report, swap)",
    "publication key",
    "is the publication current",
    "data warnings (files, rows)",
    "record the run",
    "published figures",
)


WORKERS: dict[str, Callable[..., dict[str, Any]]] = {
    "baseline": worker_baseline,
    "ingest": worker_ingest,
    "ingest-files": worker_ingest_files,
    "sql": worker_sql,
    "exec": worker_exec,
    "run-stages": worker_run_stages,
}


# =============================================================================================
# Orchestration
# =============================================================================================


def _env() -> dict[str, str]:
    env = os.environ.copy()
    env.update(ENV)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _busy_cpu_s() -> float | None:
    """CPU seconds the whole machine has spent busy since boot (/proc/stat), or None."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
        user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    except (OSError, ValueError):
        return None
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _children_cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _loadavg() -> float:
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return -1.0


def call(worker: str, **kwargs: Any) -> dict[str, Any]:
    """Run one worker in a fresh process; its result dict, plus how busy the rest of the machine
    was meanwhile: ``other_cpu`` = CPU used by other processes / (wall time × cores)."""
    busy0, mine0, t0 = _busy_cpu_s(), _children_cpu_s(), time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--worker", worker, "--args", json.dumps(kwargs)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=_env(),
        check=False,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(MARK)]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(
            f"worker {worker} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n"
            f"{proc.stderr[-3000:]}"
        )
    result = json.loads(lines[-1][len(MARK) :])
    busy1, mine1, wall = _busy_cpu_s(), _children_cpu_s(), time.perf_counter() - t0
    if busy0 is not None and busy1 is not None and wall > 0:
        others = max(0.0, (busy1 - busy0) - (mine1 - mine0))
        result["other_cpu"] = round(others / (wall * (os.cpu_count() or 1)), 3)
    return result


def say(text: str) -> None:
    print(text, flush=True)


def median(runs: Sequence[dict[str, Any]], key: str = "seconds") -> float:
    return statistics.median(r[key] for r in runs)


def repeat(n: int, label: str, fn: Callable[[], dict[str, Any]]) -> list[dict[str, Any]]:
    runs = []
    for i in range(n):
        r = fn()
        runs.append(r)
        extra = f", peak {r['peak_mb']:.0f} MB" if "peak_mb" in r else ""
        if "other_cpu" in r:
            extra += f", other processes {r['other_cpu']:.0%} of CPU"
        say(f"  {label} run {i + 1}/{n}: {r['seconds']:.2f} s{extra}")
    return runs


def _hoso_run_argv(exports: Path, database: Path, out: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pipelines.cli",
        "run",
        "--exports",
        str(exports),
        "--db",
        str(database),
        "--out",
        str(out),
        "--from",
        PERIOD[0].isoformat(),
        "--to",
        PERIOD[1].isoformat(),
    ]


def _fresh(name: str) -> Path:
    folder = SCRATCH / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def split_parts(rows: int, parts: int) -> list[tuple[int, int]]:
    """``rows`` dossiers in ``parts`` exports: (rows, first dossier number) of each."""
    size, extra = divmod(rows, parts)
    out, first = [], 0
    for k in range(parts):
        n = size + (k < extra)
        out.append((n, first))
        first += n
    return out


def link_exports(folder: Path, paths: Sequence[Path]) -> Path:
    """A folder holding these exports (hard links, else copies): an ``--exports`` folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in paths:
        target = folder / path.name
        target.unlink(missing_ok=True)
        try:
            os.link(path, target)
        except OSError:
            shutil.copy2(path, target)
    return folder


def generate(specs: Sequence[int | tuple[int, int]]) -> dict[str, Any]:
    """Write (or find cached) the exports of these sizes: ``rows`` or ``(rows, first)``."""
    out = {}
    for spec in specs:
        rows, first = spec if isinstance(spec, tuple) else (spec, 0)
        start = time.perf_counter()
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.generate",
                "--rows",
                str(rows),
                "--first",
                str(first),
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=_env(),
            check=True,
        )
        meta = json.loads(proc.stdout.strip().splitlines()[-1])
        how = "cached" if meta["cached"] else f"written in {time.perf_counter() - start:.1f} s"
        name = Path(meta["path"]).parent.name
        say(f"export {rows:,} rows: {meta['path']} ({meta['bytes'] / 1e6:.1f} MB, {how})")
        out[name] = meta
    return out


def bench_baseline(n: int, rows: int) -> dict[str, Any]:
    say(f"baseline: pandas.read_excel(openpyxl, dtype=str), {rows:,} rows")
    path = export_path(rows)
    runs = repeat(n, "baseline", lambda: call("baseline", path=str(path)))
    # rows: every row pandas returns (title block and footer included); export_rows: dossiers
    return {"rows": runs[0]["rows"], "export_rows": rows, "runs": runs, "seconds": median(runs)}


def bench_ingest(n: int, rows: int, overrides: dict[str, str]) -> dict[str, Any]:
    say(f"hoso ingest (read_export + load_file into a DuckDB file), {rows:,} rows")
    path = export_path(rows)
    folder = _fresh(f"ingest_{rows}")
    database = folder / "ingest.duckdb"
    kwargs = {"path": str(path), "database": str(database), "overrides": overrides}
    runs = repeat(n, "ingest", lambda: call("ingest", **kwargs))
    say("  stage breakdown (one more run, stages timed)")
    stages = call("ingest", **kwargs, stages=True)
    shutil.rmtree(folder, ignore_errors=True)
    return {
        "rows": runs[0]["rows"],
        "runs": runs,
        "seconds": median(runs),
        "read_s": median(runs, "read_s"),
        "load_s": median(runs, "load_s"),
        "peak_mb": max(r["peak_mb"] for r in runs),
        "stages": stages,
    }


def bench_ingest_files(n: int, rows: int, parts: int) -> dict[str, Any]:
    """Several files: ``rows`` dossiers in ``parts`` exports, read by the flow's read stage."""
    threads = os.cpu_count() or 1
    say(
        f"hoso ingest of several files: {rows:,} rows in {parts} exports, read stage of the "
        f"flow with {threads} reader threads (= cores)"
    )
    folder = _fresh(f"files_{rows}_{parts}")
    exports = link_exports(
        folder / "exports", [export_path(k, first=f) for k, f in split_parts(rows, parts)]
    )
    kwargs = {"exports": str(exports), "database": str(folder / "ingest.duckdb"), "workers": 0}
    runs = repeat(n, "several files", lambda: call("ingest-files", **kwargs))
    shutil.rmtree(folder, ignore_errors=True)
    if any(r["files"] != parts for r in runs):
        raise RuntimeError(f"several-files ingest loaded {runs[-1]['files']} of {parts} files")
    return {
        "rows": runs[0]["rows"],
        "files": parts,
        "threads": runs[0]["threads"],
        "runs": runs,
        "seconds": median(runs),
        "plan_s": median(runs, "plan_s"),
        "peak_mb": max(r["peak_mb"] for r in runs),
    }


def bench_ratio_run(n: int, rows: int) -> dict[str, Any]:
    """The whole ``hoso run`` (new database, wall time) on the export the baseline reads."""
    say(f"hoso run on the {rows:,}-row export (the baseline's file), new database each time")
    exports = export_path(rows).parent
    runs = []

    def once() -> dict[str, Any]:
        folder = _fresh(f"ratio_{rows}")
        r = call("exec", argv=_hoso_run_argv(exports, folder / "hoso.duckdb", folder / "out"))
        if r["returncode"] not in (0, 3):
            raise RuntimeError(f"hoso run exited {r['returncode']}: {r['stderr_tail'][-600:]}")
        return r

    runs = repeat(n, "hoso run", once)
    shutil.rmtree(SCRATCH / f"ratio_{rows}", ignore_errors=True)
    return {"rows": rows, "runs": runs, "seconds": median(runs)}


def bench_prefect(n: int) -> dict[str, Any]:
    say("Prefect start: a trivial flow in a fresh process (temporary API server)")
    argv = [sys.executable, "-c", TRIVIAL_FLOW]
    runs = repeat(n, "trivial flow", lambda: call("exec", argv=argv))
    for r in runs:
        if r["returncode"] != 0:
            raise RuntimeError(f"trivial flow failed: {r['stderr_tail']}")
    return {"runs": runs, "seconds": median(runs)}


def serve_api_url(env: dict[str, str] | None = None) -> str | None:
    """The API of a running ``hoso serve`` / Prefect server the runs would use, if any."""
    url = (os.environ if env is None else env).get("PREFECT_API_URL", "").strip()
    return url or None


def bench_prefect_parts(n: int) -> dict[str, Any]:
    """Prefect's fixed cost part by part, each in a fresh process: the bare interpreter,
    ``import prefect``, and a trivial flow (imports + temporary server + engine + sleeps);
    "server and engine" = trivial flow - import. With a running API (``PREFECT_API_URL``) the
    trivial flow uses it; without one that part is reported as n/a, not failed."""
    say("Prefect's fixed cost, part by part (fresh processes)")
    parts: dict[str, Any] = {}
    for label, code in (("interpreter", "pass"), ("import prefect", "import prefect")):
        argv = [sys.executable, "-c", code]
        runs = repeat(n, label, lambda argv=argv: call("exec", argv=argv))
        if any(r["returncode"] != 0 for r in runs):
            raise RuntimeError(f"{label} failed: {runs[-1]['stderr_tail']}")
        parts[label] = {"runs": runs, "seconds": median(runs)}
    url = serve_api_url()
    argv = [sys.executable, "-c", TRIVIAL_FLOW]
    flow_label = "trivial flow, temporary server" if url is None else f"trivial flow, API {url}"
    runs = repeat(n, flow_label, lambda: call("exec", argv=argv))
    if any(r["returncode"] != 0 for r in runs):
        raise RuntimeError(f"trivial flow failed: {runs[-1]['stderr_tail']}")
    parts[flow_label] = {"runs": runs, "seconds": median(runs)}
    parts["server start + engine + sleeps" if url is None else "engine + sleeps"] = {
        "seconds": parts[flow_label]["seconds"] - parts["import prefect"]["seconds"]
    }
    if url is None:
        na = "n/a: no running API (PREFECT_API_URL unset; start `hoso serve` first)"
        parts["trivial flow, running hoso serve API"] = {"na": na}
        say(f"  trivial flow, running hoso serve API: {na}")
    for label, part in parts.items():
        if "seconds" in part and part["seconds"] is not None:
            say(f"  {label}: {part['seconds']:.2f} s")
    return parts


#: The three runs of the full-run item, in order, over one database: (key, what).
FULL_RUNS = (
    ("first", "first run"),
    ("nightly", "nothing new"),
    ("nightly_new", "one new file"),
)


def bench_full_run(n: int, rows: int, new_rows: int) -> dict[str, Any]:
    """Per repetition, on a new database: ``hoso run`` on the ``rows`` export (first run),
    the same run again (nothing new), then again with one new ``new_rows`` export beside it
    (dossier codes distinct from the history's). Wall time of each subprocess."""
    say(
        f"hoso run on the {rows:,}-row export (first run), again with nothing new, then with "
        f"one new {new_rows:,}-row file"
    )
    history = export_path(rows)
    new_file = export_path(new_rows, first=rows)
    found: dict[str, list[dict[str, Any]]] = {key: [] for key, _ in FULL_RUNS}
    for i in range(n):
        folder = _fresh(f"run_{rows}")
        exports = link_exports(folder / "exports", [history])
        argv = _hoso_run_argv(exports, folder / "hoso.duckdb", folder / "out")
        line = []
        for key, what in FULL_RUNS:
            if key == "nightly_new":
                link_exports(exports, [new_file])
            r = call("exec", argv=argv)
            if r["returncode"] not in (0, 3):
                say(f"  ! hoso run exited {r['returncode']}: {r['stderr_tail'][-600:]}")
            found[key].append(r)
            line.append(
                f"{what} {r['seconds']:.2f} s (peak {r['peak_mb']:.0f} MB, exit "
                f"{r['returncode']}, other processes {r.get('other_cpu', 0):.0%} of CPU)"
            )
        say(f"  run {i + 1}/{n}: " + "; ".join(line))
    say("  stage breakdown (the same three runs once more, in-process, stages timed)")
    folder = _fresh(f"run_{rows}")
    exports = link_exports(folder / "exports", [history])
    kwargs = {
        "exports": str(exports),
        "database": str(folder / "hoso.duckdb"),
        "out": str(folder / "out"),
    }
    out: dict[str, Any] = {"rows": rows, "new_rows": new_rows}
    for key, _ in FULL_RUNS:
        if key == "nightly_new":
            link_exports(exports, [new_file])
        out[f"stages_{key}"] = call("run-stages", **kwargs)
    shutil.rmtree(folder, ignore_errors=True)
    for key, _ in FULL_RUNS:
        runs = found[key]
        out[key] = {
            "runs": runs,
            "seconds": median(runs),
            "peak_mb": max(r["peak_mb"] for r in runs),
        }
    return out


def bench_sql(n: int, dossiers: int, overrides: dict[str, str]) -> dict[str, Any]:
    say(f"indicator SQL: build_tables over {dossiers:,} synthetic dossiers")
    database = DATA_DIR / f"sql_{dossiers // 1_000_000}m.duckdb"
    result = call("sql", dossiers=dossiers, database=str(database), repeat=n, overrides=overrides)
    fill = result["fill"]
    how = "cached" if fill.get("cached") else f"generated in {fill['seconds']:.1f} s"
    say(
        f"  {fill['snapshot_rows']:,} snapshot rows ({how}); {result['windows']} windows; "
        f"other processes {result.get('other_cpu', 0):.0%} of CPU meanwhile"
    )
    for i, r in enumerate(result["runs"]):
        layers = ", ".join(
            f"{k.split('.')[-1]} {v:.2f}"
            for k, v in r["stages"].items()
            if "staging." in k and "windows" not in k
        )
        say(f"  run {i + 1}/{n}: {r['seconds']:.2f} s ({layers})")
    layer_medians = {}
    for layer in ("dossiers", "indicators", "overdue"):
        key = f"sql: create table staging.{layer}"
        values = [r["stages"].get(key) for r in result["runs"] if key in r["stages"]]
        if values:
            layer_medians[layer] = statistics.median(values)
    if len(result["runs"]) < n:
        say(f"  (first run over {SLOW_S:.0f} s: {len(result['runs'])} run(s) only)")
    return result | {
        "dossiers": dossiers,
        "seconds": median(result["runs"]),
        "layers": layer_medians,
    }


# --- the table --------------------------------------------------------------------------------


def _row(
    item: str,
    rows: int | None,
    seconds: float | None,
    *,
    base_rate: float | None = None,
    ratio: float | None = None,
    peak: float | None = None,
    target: str = "",
    met: bool | None = None,
) -> dict[str, Any]:
    rate = rows / seconds if rows and seconds else None
    if ratio is None and rate and base_rate:
        ratio = rate / base_rate
    return {
        "item": item,
        "rows": rows,
        "seconds": round(seconds, 3) if seconds is not None else None,
        "rows_per_s": round(rate) if rate else None,
        "ratio_to_baseline": round(ratio, 1) if ratio else None,
        "peak_mb": peak,
        "target": target,
        "met": met,
    }


def _k(rows: int) -> str:
    return f"{rows // 1000}k" if rows % 1000 == 0 else f"{rows:,}"


def build_table(res: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per figure of issue #16's "Done when", each against its target."""
    rows: list[dict[str, Any]] = []
    base = res.get("baseline")
    base_rate = base["rows"] / base["seconds"] if base else None
    # --- whole run ÷ the baseline's read of the same file
    if base:
        rows.append(
            _row(
                f"baseline: pandas.read_excel openpyxl dtype=str, {_k(base['export_rows'])} file",
                base["rows"],
                base["seconds"],
                ratio=1.0,
                peak=max(r["peak_mb"] for r in base["runs"]),
            )
        )
    whole = res.get("ratio_run")
    if whole:
        ratio = base["seconds"] / whole["seconds"] if base else None
        same = base is not None and base["export_rows"] == whole["rows"]
        rows.append(
            _row(
                f"hoso run {_k(whole['rows'])}, whole (wall, new db) ÷ baseline, same file",
                whole["rows"],
                whole["seconds"],
                ratio=ratio if same else None,
                peak=max(r["peak_mb"] for r in whole["runs"]),
                target=f"≥ {TARGET_RUN_RATIO:g}× (goal {GOAL_RUN_RATIO:g}×)",
                met=ratio >= TARGET_RUN_RATIO if same and ratio else None,
            )
        )
    # --- ingest: one file, several files
    for key in ("ingest_100000", "ingest_500000"):
        ing = res.get(key)
        if not ing:
            continue
        rate = ing["rows"] / ing["seconds"]
        label = _k(ing["rows"])
        rows.append(
            _row(
                f"one-file ingest {label}: read_export + load_file into DuckDB",
                ing["rows"],
                ing["seconds"],
                base_rate=base_rate,
                peak=ing["peak_mb"],
                target=f"≥ {TARGET_INGEST_ROWS_S:,} rows/s",
                met=rate >= TARGET_INGEST_ROWS_S,
            )
        )
        rows.append(_row(f"  of which read_export {label}", ing["rows"], ing["read_s"]))
        rows.append(_row(f"  of which load_file {label}", ing["rows"], ing["load_s"]))
    files = res.get("ingest_files")
    if files:
        rate = files["rows"] / files["seconds"]
        rows.append(
            _row(
                f"several-files ingest: {_k(files['rows'])} in {files['files']} files, "
                f"{files['threads']} reader threads",
                files["rows"],
                files["seconds"],
                base_rate=base_rate,
                peak=files["peak_mb"],
                target=f"≥ {TARGET_FILES_ROWS_S:,} rows/s on 2 cores",
                met=rate >= TARGET_FILES_ROWS_S,
            )
        )
    # --- Prefect's fixed cost, part by part
    prefect = res.get("prefect")
    p = prefect["seconds"] if prefect else None
    for label, part in (res.get("prefect_parts") or {}).items():
        if "seconds" in part:
            rows.append(_row(f"Prefect's fixed cost: {label}", None, part["seconds"]))
        else:
            rows.append(_row(f"Prefect's fixed cost: {label}", None, None, target=part["na"]))
    if prefect and not res.get("prefect_parts"):
        rows.append(_row("Prefect's fixed cost: trivial flow, fresh process", None, p))
    # --- the full run, its memory, the nightly runs
    run = res.get("full_run")
    if run:
        first = run["first"]
        st = run.get("stages_first") or {}
        rows.append(
            _row(
                f"hoso run {_k(run['rows'])}, new db (wall)",
                run["rows"],
                first["seconds"],
                peak=first["peak_mb"],
            )
        )
        if "non_prefect_s" in st:
            rows.append(
                _row(
                    f"  non-Prefect part: the flow's stages (in-process, {_k(run['rows'])})",
                    run["rows"],
                    st["non_prefect_s"],
                    target=f"≤ {TARGET_RUN_S:g} s",
                    met=st["non_prefect_s"] <= TARGET_RUN_S,
                )
            )
            rows.append(
                _row(
                    "  the rest of the in-process run (Prefect engine, server wait, CLI)",
                    None,
                    st["main_s"] - st["non_prefect_s"],
                )
            )
        if p is not None:
            rows.append(
                _row("  wall minus Prefect's fixed cost", run["rows"], first["seconds"] - p)
            )
        rows.append(
            _row(
                f"peak memory, hoso run {_k(run['rows'])} (largest process)",
                run["rows"],
                None,
                peak=first["peak_mb"],
                target=f"≤ {TARGET_PEAK_MB} MB (1 GB)",
                met=first["peak_mb"] <= TARGET_PEAK_MB,
            )
        )
        for key, what, target_s in (
            ("nightly", "nightly, nothing new", TARGET_NIGHTLY_S),
            (
                "nightly_new",
                f"nightly, one new {_k(run['new_rows'])} file over {_k(run['rows'])}",
                TARGET_NIGHTLY_NEW_S,
            ),
        ):
            night = run.get(key)
            if not night:
                continue
            rows.append(_row(f"{what} (wall)", None, night["seconds"], peak=night["peak_mb"]))
            if p is not None:
                rows.append(
                    _row(
                        f"  {what} minus Prefect's fixed cost",
                        None,
                        night["seconds"] - p,
                        target=f"≤ {target_s:g} s + Prefect's fixed cost",
                        met=night["seconds"] - p <= target_s,
                    )
                )
            st = run.get(f"stages_{key}") or {}
            if "non_prefect_s" in st:
                # the same target on hoso's own part, measured inside the run: the trivial
                # flow's cost differs from the Prefect part of hoso run (which starts the
                # server beside its imports and has no heartbeat thread)
                rows.append(
                    _row(
                        f"  {what}: non-Prefect part (in-process)",
                        None,
                        st["non_prefect_s"],
                        target=f"≤ {target_s:g} s",
                        met=st["non_prefect_s"] <= target_s,
                    )
                )
    ing = res.get("ingest_500000")
    if ing:
        rows.append(
            _row(
                "peak memory, 500k one-file ingest (process RSS)",
                ing["rows"],
                None,
                peak=ing["peak_mb"],
                target=f"≤ {TARGET_PEAK_MB} MB (1 GB)",
                met=ing["peak_mb"] <= TARGET_PEAK_MB,
            )
        )
    # --- counting
    for key in ("sql_1000000", "sql_10000000"):
        sql = res.get(key)
        if not sql:
            continue
        n = sql["dossiers"]
        label = f"{n // 1_000_000}M"
        big = n >= 10_000_000
        for layer, seconds in sql["layers"].items():
            judged = big and layer == "indicators"
            rows.append(
                _row(
                    f"counting {label} dossiers: layer {layer}.sql, {sql['windows']} windows"
                    if layer == "indicators"
                    else f"  layer {layer}.sql {label}",
                    n,
                    seconds,
                    target=f"≤ {TARGET_SQL_S:g} s" if judged else "",
                    met=seconds <= TARGET_SQL_S if judged else None,
                )
            )
        rows.append(
            _row(
                f"  build_tables {label} whole (dossier states rebuilt in full + layers)",
                n,
                sql["seconds"],
                peak=sql["peak_mb"],
                target=f"≤ {TARGET_SQL_S:g} s (strict reading)" if big else "",
                met=sql["seconds"] <= TARGET_SQL_S if big else None,
            )
        )
    return rows


def format_table(rows: list[dict[str, Any]]) -> str:
    head = ("item", "rows", "seconds", "rows/s", "× base", "peak MB", "target", "met")

    def fmt(r: dict[str, Any]) -> tuple[str, ...]:
        met = {True: "met", False: "MISSED", None: ""}[r["met"]]
        return (
            r["item"],
            f"{r['rows']:,}" if r["rows"] else "",
            f"{r['seconds']:.2f}" if r["seconds"] is not None else "",
            f"{r['rows_per_s']:,}" if r["rows_per_s"] else "",
            f"{r['ratio_to_baseline']:.1f}" if r["ratio_to_baseline"] else "",
            f"{r['peak_mb']:.0f}" if r["peak_mb"] else "",
            r["target"],
            met,
        )

    cells = [head, *(fmt(r) for r in rows)]
    widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
    right = {1, 2, 3, 4, 5}
    lines = []
    for k, c in enumerate(cells):
        lines.append(
            "  ".join(
                c[i].rjust(widths[i]) if i in right else c[i].ljust(widths[i])
                for i in range(len(head))
            ).rstrip()
        )
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    mem_kb = 0
    cpu = platform.processor()
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    packages = {}
    for name in (
        "duckdb",
        "pyarrow",
        "fastexcel",
        "pandas",
        "numpy",
        "openpyxl",
        "xlsxwriter",
        "prefect",
        "great-expectations",
    ):
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = None
    return {
        "cores": os.cpu_count(),
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "cpu": cpu,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "packages": packages,
    }


def _print_breakdowns(res: dict[str, Any]) -> None:
    for key in ("ingest_100000", "ingest_500000"):
        ing = res.get(key)
        if ing:
            st = ing["stages"]
            say(f"\nStages of one {ing['rows']:,}-row ingest ({st['seconds']:.2f} s in total):")
            for label, seconds in st["stages"].items():
                say(f"  {seconds:7.2f} s  {label}")
    files = res.get("ingest_files")
    if files:
        say(
            f"\nSeveral-files ingest: {files['rows']:,} rows in {files['files']} files, "
            f"{files['threads']} reader threads: {files['seconds']:.2f} s, of which listing and "
            f"hashing the files {files['plan_s']:.2f} s"
        )
    parts = res.get("prefect_parts")
    if parts:
        say("\nPrefect's fixed cost, part by part (fresh processes, medians):")
        for label, part in parts.items():
            shown = f"{part['seconds']:7.2f} s" if "seconds" in part else "    n/a  "
            say(f"  {shown}  {label}" + (f" ({part['na']})" if "na" in part else ""))
    run = res.get("full_run")
    if run:
        for key, title in FULL_RUNS:
            st = run.get(f"stages_{key}")
            if not st:
                continue
            say(
                f"\nStages of hoso run in-process ({title}): import pipelines.flows "
                f"{st['import_s']:.2f} s, main {st['main_s']:.2f} s, exit {st['returncode']}"
            )
            peaks = st.get("peak_mb_after_stage", {})
            for label, seconds in st["stages"].items():
                peak = f"   (peak RSS {peaks[label]:.0f} MB after)" if label in peaks else ""
                say(f"  {seconds:7.2f} s  {label}{peak}")
            say(f"  {st['not_in_stages_s']:7.2f} s  the rest of main (Prefect engine, summary)")
            say(
                f"  non-Prefect part {st['non_prefect_s']:.2f} s = "
                + " + ".join(f"{v:.2f} {k}" for k, v in st["non_prefect"].items())
            )
            say(
                f"  main − non-Prefect part = {st['main_s'] - st['non_prefect_s']:.2f} s "
                "(Prefect's engine and task runs, waiting for its server, the command line)"
            )


def _other_cpu(node: Any) -> list[float]:
    """Every ``other_cpu`` recorded in the results (one per measurement)."""
    if isinstance(node, dict):
        found = [node["other_cpu"]] if "other_cpu" in node else []
        return found + [x for v in node.values() for x in _other_cpu(v)]
    if isinstance(node, list):
        return [x for v in node for x in _other_cpu(v)]
    return []


ITEMS = ("baseline", "ingest", "files", "prefect", "run", "sql")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="hoso benchmarks (make bench)")
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--args", default="{}", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="1 repetition, no 10M item")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of each item")
    parser.add_argument(
        "--items",
        nargs="+",
        choices=ITEMS,
        default=ITEMS,
    )
    parser.add_argument(
        "--output", type=Path, help="results JSON (default benchmarks/results.json)"
    )
    parser.add_argument(
        "--override",
        action="append",
        default=[],
        metavar="NAME=FILE",
        help="measure a proposal: use FILE for sql/NAME.sql in the ingest and SQL items "
        "(e.g. indicators/indicators=my.sql); results go to benchmarks/data/",
    )
    args = parser.parse_args(argv)

    if args.worker:
        result = WORKERS[args.worker](**json.loads(args.args))
        print(MARK + json.dumps(result, default=str), flush=True)
        return 0

    n = 1 if args.quick else args.repeat
    overrides = {}
    for item in args.override:
        name, _, file = item.partition("=")
        if not file or not Path(file).is_file():
            parser.error(f"--override {item}: expected NAME=FILE with an existing FILE")
        overrides[name.removesuffix(".sql")] = str(Path(file).resolve())
    if overrides:
        output = args.output or DATA_DIR / "results-override.json"
    else:
        output = args.output or (DATA_DIR / "results-quick.json" if args.quick else RESULTS)
    started = time.perf_counter()
    res: dict[str, Any] = {
        "measured_at": datetime.now().replace(microsecond=0).isoformat(),
        "machine": machine(),
        "repeat": n,
        "loadavg_start": _loadavg(),
        "overrides": overrides,
    }
    say(
        f"hoso benchmarks: {res['machine']['cores']} cores, {res['machine']['ram_gb']} GB RAM, "
        f"load average {res['loadavg_start']}, {n} run(s) per item, medians\n"
    )
    ratio_rows = RATIO_ROWS_QUICK if args.quick else RATIO_ROWS
    specs = [(100_000, 0), (FULL_ROWS, 0), (NEW_ROWS, FULL_ROWS)]
    if {"baseline", "run"} & set(args.items):
        specs.append((ratio_rows, 0))
    if "files" in args.items:
        specs.extend(split_parts(FILES_ROWS, FILES_PARTS))
    res["exports"] = generate(list(dict.fromkeys(specs)))
    if "baseline" in args.items:
        res["baseline"] = bench_baseline(n, ratio_rows)
    if "ingest" in args.items:
        res["ingest_100000"] = bench_ingest(n, 100_000, overrides)
        res["ingest_500000"] = bench_ingest(n, 500_000, overrides)
    if "files" in args.items:
        res["ingest_files"] = bench_ingest_files(n, FILES_ROWS, FILES_PARTS)
    if "prefect" in args.items:
        res["prefect_parts"] = bench_prefect_parts(n)
    if "run" in args.items:
        trivial = next(
            (v for k, v in res.get("prefect_parts", {}).items() if k.startswith("trivial flow")),
            None,
        )
        # Prefect's fixed cost subtracted from the runs: the parts' trivial flow when measured
        res["prefect"] = trivial if trivial and "runs" in trivial else bench_prefect(n)
        res["ratio_run"] = bench_ratio_run(n, ratio_rows)
        res["full_run"] = bench_full_run(n, FULL_ROWS, NEW_ROWS)
    if "sql" in args.items:
        res["sql_1000000"] = bench_sql(n, 1_000_000, overrides)
        if not args.quick:
            res["sql_10000000"] = bench_sql(n, 10_000_000, overrides)
    res["table"] = build_table(res)
    res["loadavg_end"] = _loadavg()
    res["total_seconds"] = round(time.perf_counter() - started, 1)
    _print_breakdowns(res)
    say("\n" + format_table(res["table"]))
    say(
        f"\nMedians of {n} run(s). "
        + (
            f"The baseline reads the {_k(ratio_rows)} export, the file the whole-run ratio's "
            "hoso run reads. "
            if "baseline" in res
            else ""
        )
        + "Peak MB: RSS of the measured process (for hoso run: its largest process). "
        "Prefect's fixed cost = wall time of a trivial flow in a fresh process; the nightly "
        "targets are judged on wall time minus it."
    )
    shares = _other_cpu(res)
    res["other_cpu_median"] = statistics.median(shares) if shares else None
    say(
        f"Total {res['total_seconds']:.0f} s. Other processes used a median "
        f"{100 * (res['other_cpu_median'] or 0):.0f} % (max {100 * max(shares, default=0):.0f} %) "
        "of the machine's CPU during the measurements."
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(res, indent=2, default=str, ensure_ascii=False) + "\n")
    say(f"Results written to {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")
    missed = [r["item"].strip() for r in res["table"] if r["met"] is False]
    if missed:
        say("Targets missed: " + "; ".join(missed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
