"""Two ``hoso run`` processes on one database: one writer at a time (pipelines/lock.py).

Real processes (``python -m pipelines.cli run``), each with its own temporary Prefect server
(~10 s), sharing one PREFECT_HOME as two users of one machine would. The test holds the writer
lock itself so that the timing is deterministic: a run with a 1 s timeout is refused with exit
code 2; two runs with a long timeout both wait for it, then take turns.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook

from pipelines.lock import writer_lock

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
EXPORT = "xuat_20260416.xlsx"
ROWS = 20
WAITING = "đang chờ lần chạy đó kết thúc"  # hoso run's line while the lock is busy
TIMEOUT = 180.0


def _write_export(path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Hồ sơ"
    ws.append(["Ngày xuất: 16/04/2026 08:30"])
    ws.append(
        [
            "Mã hồ sơ",
            "Hình thức nộp",
            "Ngày tiếp nhận",
            "Ngày hẹn trả",
            "Ngày có kết quả",
            "Trạng thái",
        ]
    )
    start = datetime(2026, 3, 2, 8, 0)
    for i in range(ROWS):
        received = start + timedelta(days=i)
        finished = received + timedelta(days=3 if i % 3 else 7) if i % 4 else None
        ws.append(
            [
                f"HS-{i:04d}",
                "Trực tuyến" if i % 2 else "Trực tiếp",
                received,
                received + timedelta(days=5),
                finished,
                "Đã trả kết quả" if finished else "Đang xử lý",
            ]
        )
    wb.save(path)


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("concurrency")
    (root / "exports").mkdir()
    _write_export(root / "exports" / EXPORT)
    (root / "refuse.toml").write_text("lock_timeout_seconds = 1\n", encoding="utf-8")
    (root / "wait.toml").write_text("lock_timeout_seconds = 600\n", encoding="utf-8")
    # Migrate the shared PREFECT_HOME first: two temporary servers creating a fresh one at
    # the same moment fail (alembic "expected to match one row"), which is not what this
    # module tests.
    subprocess.run(
        [sys.executable, "-m", "prefect", "server", "database", "upgrade", "-y"],
        cwd=root,
        env=_env(root),
        capture_output=True,
        check=True,
        timeout=TIMEOUT,
    )
    return root


def _database(work: Path) -> Path:
    return work / "data" / "hoso.duckdb"


def _command(work: Path, config: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pipelines.cli",
        "--config",
        str(work / config),
        "run",
        "--exports",
        str(work / "exports"),
        "--db",
        str(_database(work)),
        "--out",
        str(work / "out"),
    ]


def _env(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(work / "prefect-home"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        # two temporary servers starting at once on 2 busy cores can exceed the default 20 s
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="90",
        DO_NOT_TRACK="1",
        GX_ANALYTICS_ENABLED="false",
        PYTHONUTF8="1",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    return env


def test_a_run_that_cannot_get_the_lock_is_refused(work: Path) -> None:
    database = _database(work)
    with writer_lock(database, timeout=5):
        result = subprocess.run(
            _command(work, "refuse.toml"),
            cwd=work,
            env=_env(work),
            capture_output=True,
            encoding="utf-8",
            errors="replace",
            timeout=TIMEOUT,
        )
    assert result.returncode == 2, result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("LỖI: ")]
    assert len(errors) == 1, result.stderr
    message = errors[0]
    assert message.startswith("LỖI: Một lần chạy khác đang ghi cơ sở dữ liệu"), message
    assert "sau 1 giây" in message
    assert "Hãy đợi lần chạy đó kết thúc" in message and "rồi chạy lại" in message
    # nothing was written
    assert not database.exists()
    assert not (work / "out").exists()


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def test_concurrent_runs_take_turns(work: Path, tmp_path: Path) -> None:
    database = _database(work)
    processes: list[tuple[subprocess.Popen[bytes], Path, Path]] = []
    try:
        with writer_lock(database, timeout=5):
            for name in ("a", "b"):
                out, err = tmp_path / f"{name}.out", tmp_path / f"{name}.err"
                with out.open("wb") as stdout, err.open("wb") as stderr:
                    process = subprocess.Popen(
                        _command(work, "wait.toml"),
                        cwd=work,
                        env=_env(work),
                        stdout=stdout,
                        stderr=stderr,
                    )
                processes.append((process, out, err))
            # both runs have said they are waiting for the lock we hold
            deadline = time.monotonic() + TIMEOUT
            while not all(WAITING in _read(out) for _, out, _ in processes):
                exited = [p.returncode for p, _, _ in processes if p.poll() is not None]
                if exited or time.monotonic() > deadline:
                    pytest.fail(
                        f"runs did not start (exit codes {exited}):\n"
                        + "\n".join(_read(out) + _read(err) for _, out, err in processes)
                    )
                time.sleep(0.25)
            time.sleep(1.0)
            assert all(p.poll() is None for p, _, _ in processes)
        codes = [p.wait(TIMEOUT) for p, _, _ in processes]
    finally:
        for process, _, _ in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    outputs = [_read(out) + _read(err) for _, out, err in processes]
    assert codes == [0, 0], "\n\n".join(outputs)

    # one after the other: the first loaded the file, the second found it loaded
    loaded = [f"{EXPORT}: đọc {ROWS} dòng = nạp {ROWS}" in text for text in outputs]
    skipped = [f"{EXPORT}: đã nạp ở lần chạy trước" in text for text in outputs]
    assert sorted(loaded) == [False, True], outputs
    assert skipped == [not x for x in loaded], outputs

    con = duckdb.connect(str(database), read_only=True)
    try:
        assert con.execute("select count(*) from files").fetchone()[0] == 1
        assert con.execute("select count(*) from staging.dossiers").fetchone()[0] == ROWS
        assert con.execute("select count(*) from indicators").fetchone()[0] > 0
        assert con.execute("select count(*) from runs").fetchone()[0] == 2
    finally:
        con.close()
    assert (work / "out" / "indicators.csv").is_file()
