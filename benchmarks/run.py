"""``make bench``: hoso's speed and memory, side by side with the pandas/openpyxl baseline.

Every measurement runs in a fresh subprocess (``python -m benchmarks.run --worker NAME``), so
that its peak memory is its own (``getrusage``: RUSAGE_SELF in the worker, RUSAGE_CHILDREN around
a command) and no import or cache of one item helps another. Each item is repeated (3 times by
default) and the median is reported. See benchmarks/README.md for what each item measures.

    python -m benchmarks.run               # everything, writes benchmarks/results.json
    python -m benchmarks.run --quick       # one repetition, no 10M item, results in data/
    python -m benchmarks.run --items ingest sql
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

TARGET_INGEST_ROWS_S = 100_000
TARGET_INGEST_RATIO = 15
TARGET_RUN_S = 15.0
TARGET_NIGHTLY_S = 2.0
TARGET_SQL_S = 3.0
TARGET_PEAK_MB = 1536  # 1.5 GiB, in MiB like ru_maxrss / 1024
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

    watch = Stopwatch()
    watch.wrap(ingest, "discover", "list the folder")
    watch.wrap(ingest, "read_one", "read (hash + read_export), summed over threads")
    watch.wrap(load, "load_file", "load_file (DuckDB parse + insert)")
    watch.wrap(load, "register_vocabulary", "register vocabulary")
    watch.wrap(load, "known_hashes", "known file hashes")
    watch.wrap(db, "connect", "db.connect (schema + macros)")
    watch.wrap(transform, "build_tables", "build_tables (dossiers, indicators, overdue)")
    watch.wrap(validate, "validate_tables", "validate (Great Expectations)")
    watch.wrap(publish, "publish", "publish (CSV, workbook, report, swap)")
    watch.wrap(publish, "recover", "publish.recover")
    watch.wrap(report_text, "print_run", "print the run")
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
    return {
        "returncode": code,
        "peak_mb_after_stage": watch.peak_after,
        "import_s": round(import_s, 3),
        "main_s": round(main_s, 3),
        "stages": stages,
        "not_in_stages_s": round(main_s - accounted, 3),
        "peak_mb": _peak_mb(),
        "not_timed": watch.missing,
    }


WORKERS: dict[str, Callable[..., dict[str, Any]]] = {
    "baseline": worker_baseline,
    "ingest": worker_ingest,
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


def generate(sizes: Sequence[int]) -> dict[str, Any]:
    out = {}
    for rows in sizes:
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "benchmarks.generate", "--rows", str(rows)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=_env(),
            check=True,
        )
        meta = json.loads(proc.stdout.strip().splitlines()[-1])
        how = "cached" if meta["cached"] else f"written in {time.perf_counter() - start:.1f} s"
        say(f"export {rows:,} rows: {meta['path']} ({meta['bytes'] / 1e6:.1f} MB, {how})")
        out[str(rows)] = meta
    return out


def bench_baseline(n: int, rows: int) -> dict[str, Any]:
    say(f"baseline: pandas.read_excel(openpyxl, dtype=str), {rows:,} rows")
    path = export_path(rows)
    runs = repeat(n, "baseline", lambda: call("baseline", path=str(path)))
    return {"rows": runs[0]["rows"], "runs": runs, "seconds": median(runs)}


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


def bench_full_run(n: int, rows: int) -> dict[str, Any]:
    say(f"hoso run on the {rows:,}-row export, then again with nothing new (nightly)")
    exports = export_path(rows).parent
    first, nightly = [], []
    for i in range(n):
        folder = _fresh(f"run_{rows}")
        argv = _hoso_run_argv(exports, folder / "hoso.duckdb", folder / "out")
        a = call("exec", argv=argv)
        b = call("exec", argv=argv)
        for r in (a, b):
            if r["returncode"] not in (0, 3):
                say(f"  ! hoso run exited {r['returncode']}: {r['stderr_tail'][-600:]}")
        first.append(a)
        nightly.append(b)
        say(
            f"  run {i + 1}/{n}: first {a['seconds']:.2f} s (peak {a['peak_mb']:.0f} MB, exit "
            f"{a['returncode']}), nothing new {b['seconds']:.2f} s (exit {b['returncode']}); "
            f"other processes {a.get('other_cpu', 0):.0%} / {b.get('other_cpu', 0):.0%} of CPU"
        )
    say("  stage breakdown (one more pair of runs, in-process, stages timed)")
    folder = _fresh(f"run_{rows}")
    kwargs = {
        "exports": str(exports),
        "database": str(folder / "hoso.duckdb"),
        "out": str(folder / "out"),
    }
    stages_first = call("run-stages", **kwargs)
    stages_nightly = call("run-stages", **kwargs)
    shutil.rmtree(folder, ignore_errors=True)
    return {
        "rows": rows,
        "first": {
            "runs": first,
            "seconds": median(first),
            "peak_mb": max(r["peak_mb"] for r in first),
        },
        "nightly": {
            "runs": nightly,
            "seconds": median(nightly),
            "peak_mb": max(r["peak_mb"] for r in nightly),
        },
        "stages_first": stages_first,
        "stages_nightly": stages_nightly,
    }


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
    peak: float | None = None,
    target: str = "",
    met: bool | None = None,
) -> dict[str, Any]:
    rate = rows / seconds if rows and seconds else None
    return {
        "item": item,
        "rows": rows,
        "seconds": round(seconds, 3) if seconds is not None else None,
        "rows_per_s": round(rate) if rate else None,
        "ratio_to_baseline": round(rate / base_rate, 1) if rate and base_rate else None,
        "peak_mb": peak,
        "target": target,
        "met": met,
    }


def build_table(res: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    base = res.get("baseline")
    base_rate = base["rows"] / base["seconds"] if base else None
    if base:
        rows.append(
            _row(
                f"baseline: pandas.read_excel openpyxl dtype=str, {base['rows'] // 1000}k",
                base["rows"],
                base["seconds"],
                base_rate=base_rate,
                peak=max(r["peak_mb"] for r in base["runs"]),
            )
        )
        scale = 500_000 / base["rows"]
        rows.append(
            _row(
                "baseline extrapolated to 500k (×5, linear)",
                500_000,
                base["seconds"] * scale,
                base_rate=base_rate,
            )
        )
    for key in ("ingest_100000", "ingest_500000"):
        ing = res.get(key)
        if not ing:
            continue
        rate = ing["rows"] / ing["seconds"]
        ratio = rate / base_rate if base_rate else None
        ok = rate >= TARGET_INGEST_ROWS_S and (ratio is None or ratio >= TARGET_INGEST_RATIO)
        label = f"{ing['rows'] // 1000}k"
        rows.append(
            _row(
                f"hoso ingest {label}: read_export + load_file",
                ing["rows"],
                ing["seconds"],
                base_rate=base_rate,
                peak=ing["peak_mb"],
                target=f"≥ {TARGET_INGEST_ROWS_S:,} rows/s, ≥ {TARGET_INGEST_RATIO}× baseline",
                met=ok,
            )
        )
        rows.append(_row(f"  of which read_export {label}", ing["rows"], ing["read_s"]))
        rows.append(_row(f"  of which load_file {label}", ing["rows"], ing["load_s"]))
    ing = res.get("ingest_500000")
    if ing:
        rows.append(
            _row(
                "peak memory, 500k ingest (process RSS)",
                ing["rows"],
                None,
                peak=ing["peak_mb"],
                target=f"< {TARGET_PEAK_MB} MB",
                met=ing["peak_mb"] < TARGET_PEAK_MB,
            )
        )
    prefect = res.get("prefect")
    if prefect:
        rows.append(
            _row(
                "Prefect start: trivial flow, fresh process",
                None,
                prefect["seconds"],
                peak=max(r["peak_mb"] for r in prefect["runs"]),
            )
        )
    run = res.get("full_run")
    if run:
        p = prefect["seconds"] if prefect else 0.0
        first, nightly = run["first"], run["nightly"]
        rows.append(
            _row(
                "hoso run 500k, new db (wall)",
                run["rows"],
                first["seconds"],
                base_rate=base_rate,
                peak=first["peak_mb"],
            )
        )
        rows.append(
            _row(
                "  hoso run 500k minus Prefect start",
                run["rows"],
                first["seconds"] - p,
                base_rate=base_rate,
                target=f"< {TARGET_RUN_S:g} s + Prefect start",
                met=first["seconds"] - p < TARGET_RUN_S,
            )
        )
        rows.append(
            _row(
                "peak memory, hoso run 500k (largest process)",
                run["rows"],
                None,
                peak=first["peak_mb"],
                target=f"< {TARGET_PEAK_MB} MB (strict reading)",
                met=first["peak_mb"] < TARGET_PEAK_MB,
            )
        )
        rows.append(
            _row("hoso run, nothing new (wall)", None, nightly["seconds"], peak=nightly["peak_mb"])
        )
        rows.append(
            _row(
                "  nothing new minus Prefect start",
                None,
                nightly["seconds"] - p,
                target=f"< {TARGET_NIGHTLY_S:g} s + Prefect start",
                met=nightly["seconds"] - p < TARGET_NIGHTLY_S,
            )
        )
    for key in ("sql_1000000", "sql_10000000"):
        sql = res.get(key)
        if not sql:
            continue
        n = sql["dossiers"]
        label = f"{n // 1_000_000}M"
        big = n >= 10_000_000
        rows.append(
            _row(
                f"build_tables {label} dossiers, {sql['windows']} windows × 4 breakdowns",
                n,
                sql["seconds"],
                peak=sql["peak_mb"],
                target=f"< {TARGET_SQL_S:g} s (strict reading)" if big else "",
                met=sql["seconds"] < TARGET_SQL_S if big else None,
            )
        )
        for layer, seconds in sql["layers"].items():
            rows.append(
                _row(
                    f"  layer {layer}.sql {label}",
                    n,
                    seconds,
                    target=f"< {TARGET_SQL_S:g} s" if big and layer == "indicators" else "",
                    met=seconds < TARGET_SQL_S if big and layer == "indicators" else None,
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
    run = res.get("full_run")
    if run:
        for key, title in (("stages_first", "first run"), ("stages_nightly", "nothing new")):
            st = run[key]
            say(
                f"\nStages of hoso run in-process ({title}): import pipelines.flows "
                f"{st['import_s']:.2f} s, main {st['main_s']:.2f} s, exit {st['returncode']}"
            )
            peaks = st.get("peak_mb_after_stage", {})
            for label, seconds in st["stages"].items():
                peak = f"   (peak RSS {peaks[label]:.0f} MB after)" if label in peaks else ""
                say(f"  {seconds:7.2f} s  {label}{peak}")
            say(f"  {st['not_in_stages_s']:7.2f} s  the rest of main (Prefect engine, summary)")


def _other_cpu(node: Any) -> list[float]:
    """Every ``other_cpu`` recorded in the results (one per measurement)."""
    if isinstance(node, dict):
        found = [node["other_cpu"]] if "other_cpu" in node else []
        return found + [x for v in node.values() for x in _other_cpu(v)]
    if isinstance(node, list):
        return [x for v in node for x in _other_cpu(v)]
    return []


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="hoso benchmarks (make bench)")
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--args", default="{}", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="1 repetition, no 10M item")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of each item")
    parser.add_argument(
        "--items",
        nargs="+",
        choices=("baseline", "ingest", "prefect", "run", "sql"),
        default=("baseline", "ingest", "prefect", "run", "sql"),
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
    res["exports"] = generate([100_000, 500_000])
    if "baseline" in args.items:
        res["baseline"] = bench_baseline(n, 100_000)
    if "ingest" in args.items:
        res["ingest_100000"] = bench_ingest(n, 100_000, overrides)
        res["ingest_500000"] = bench_ingest(n, 500_000, overrides)
    if "prefect" in args.items:
        res["prefect_parts"] = bench_prefect_parts(n)
    if "run" in args.items:
        res["prefect"] = bench_prefect(n)
        res["full_run"] = bench_full_run(n, 500_000)
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
        f"\nMedians of {n} run(s). The baseline is measured at 100k rows and extrapolated to 500k "
        "(openpyxl takes ~90 s there). Peak MB: RSS of the measured process (for hoso run: its "
        "largest process). Prefect start = wall time of a trivial flow in a fresh process."
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
