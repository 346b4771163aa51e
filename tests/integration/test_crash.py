"""Kill the run (SIGKILL) at each stage: the next run succeeds, and the database and the
published outputs are each either the old complete set or the new one."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipelines.publish.atomic import recover
from pipelines.serve import start_server
from tests.support import REPO

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(os.name == "nt", reason="SIGKILL is POSIX"),
]

SAMPLES = REPO / "sample_exports"
OLD_FILES = ("legacy_biff.xls", "title_block_one_row_header.xlsx")
NEW_FILES = tuple(
    p.name for p in sorted(SAMPLES.iterdir()) if p.suffix in (".xls", ".xlsx", ".csv")
)
STAGES = ("reading", "loading", "building", "publishing-files", "publishing-swap")
PERIOD = ("--from", "2026-03-15", "--to", "2026-04-14")
COMPARED = ("indicators.csv", "overdue.csv", "report.md", "indicators.xlsx")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def prefect_api(tmp_path_factory):
    """One real Prefect server for every subprocess of this module (a run then starts fast)."""
    server = start_server(_free_port(), tmp_path_factory.mktemp("prefect-home"))
    try:
        yield server.api_url
    finally:
        server.stop()


def _env(api_url: str, home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PREFECT_API_URL=api_url,
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        PYTHONIOENCODING="utf-8",
    )
    return env


def _exports(folder: Path, names) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy2(SAMPLES / name, folder / name)
    return folder


def _hoso(work: Path, api_url: str, *extra: str) -> subprocess.CompletedProcess:
    args = ["--exports", str(work / "exports"), "--db", str(work / "db" / "hoso.duckdb")]
    args += ["--out", str(work / "out"), *PERIOD, *extra]
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run", *args],
        cwd=REPO,
        env=_env(api_url, work / "prefect"),
        capture_output=True,
        text=True,
        timeout=300,
    )


def _outputs(out: Path) -> dict[str, bytes]:
    return {n: (out / n).read_bytes() for n in COMPARED if (out / n).exists()}


def _figures(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            'select * from main.indicators order by "window", from_date, group_by, group_value'
        ).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def reference(tmp_path_factory, prefect_api):
    """The old set (old files only) and the new set (all files), each from a clean run."""
    old = tmp_path_factory.mktemp("old")
    _exports(old / "exports", OLD_FILES)
    assert _hoso(old, prefect_api).returncode == 0
    new = tmp_path_factory.mktemp("new")
    _exports(new / "exports", NEW_FILES)
    done = _hoso(new, prefect_api)
    assert done.returncode == 0, done.stderr
    return {
        "old": (old, _outputs(old / "out"), _figures(old / "db" / "hoso.duckdb")),
        "new": (_outputs(new / "out"), _figures(new / "db" / "hoso.duckdb")),
    }


@pytest.mark.parametrize("stage", STAGES)
def test_killed_at_a_stage(stage, reference, prefect_api, tmp_path):
    old_dir, old_out, old_figures = reference["old"]
    new_out, new_figures = reference["new"]
    work = tmp_path / "work"
    shutil.copytree(old_dir, work)
    _exports(work / "exports", NEW_FILES)  # new files arrive

    marker = tmp_path / "paused"
    args = ["run", "--exports", str(work / "exports"), "--db", str(work / "db" / "hoso.duckdb")]
    args += ["--out", str(work / "out"), *PERIOD]
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.crash_driver", stage, str(marker), "--", *args],
        cwd=REPO,
        env=_env(prefect_api, work / "prefect"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 180
    while not marker.exists():
        if process.poll() is not None:
            pytest.fail(f"run ended before the stage: {process.stderr.read().decode()[-2000:]}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("the stage was never reached")
        time.sleep(0.1)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(30)

    # Right after the crash: each of database and outputs is the old set or the new one.
    recover(work / "out")
    assert _outputs(work / "out") in (old_out, new_out)
    assert _figures(work / "db" / "hoso.duckdb") in (old_figures, new_figures)

    # The next run succeeds and publishes the new set.
    again = _hoso(work, prefect_api)
    assert again.returncode == 0, again.stderr[-2000:]
    assert _outputs(work / "out") == new_out
    assert _figures(work / "db" / "hoso.duckdb") == new_figures
    leftovers = [p.name for p in work.iterdir() if p.name.startswith(".out.")]
    assert leftovers == []
