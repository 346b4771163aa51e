"""``hoso serve`` against a real Prefect server: the nightly deployment, its schedule and limit.

One server state folder is shared by the tests (the first start migrates its database, ~20 s;
later starts take ~5 s). Every server and ``hoso serve`` process is stopped by the test that
started it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.serve import (
    DEPLOYMENT_NAME,
    FLOW_NAME,
    LocalServer,
    ServeError,
    build_deployment,
    deployment_parameters,
    is_healthy,
    port_is_free,
    prefect_home,
    running_api_url,
    schedule_of,
    start_server,
    state_path,
    ui_api_url,
)
from pipelines.settings import Settings

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_exports"
TIMEZONE = "Asia/Ho_Chi_Minh"
WAIT = 60.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project folder: hoso.toml, exports/, and data/ (whose prefect/ is the server state)."""
    root = tmp_path_factory.mktemp("serve")
    (root / "exports").mkdir()
    (root / "hoso.toml").write_text(
        'exports = "exports"\ndatabase = "data/hoso.duckdb"\noutput = "out"\n\n'
        '[schedule]\ncron = "15 1 * * *"\ntimezone = "Asia/Ho_Chi_Minh"\n',
        encoding="utf-8",
    )
    return root


@pytest.fixture(scope="module")
def settings(work: Path) -> Settings:
    from pipelines.settings import load_settings

    return load_settings(work / "hoso.toml")


@pytest.fixture(scope="class")
def server(settings: Settings) -> Iterator[LocalServer]:
    """A server started by the module's own function; stopped when its test class ends."""
    port = _free_port()
    started = start_server(port, prefect_home(settings), timeout=WAIT * 1.5)
    try:
        yield started
    finally:
        started.stop()
    assert started.process.poll() is not None
    assert port_is_free(port)


def _deployment(api_url: str):
    """The served deployment as the API knows it, or None."""
    from prefect import get_client
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with (
        temporary_settings(updates={PREFECT_API_URL: api_url}),
        get_client(sync_client=True) as client,
    ):
        try:
            return client.read_deployment_by_name(f"{FLOW_NAME}/{DEPLOYMENT_NAME}")
        except ObjectNotFound:
            return None


def _served(api_url: str, cron: str):
    """The deployment once serve has registered it with ``cron`` (the state folder is shared:
    an earlier test's deployment may be there already)."""
    found = _deployment(api_url)
    if found and found.schedules and found.schedules[0].schedule.cron == cron:
        return found
    return None


def _assert_nightly(deployment, cron: str, parameters: dict[str, str]) -> None:
    assert deployment is not None
    assert len(deployment.schedules) == 1
    schedule = deployment.schedules[0]
    assert schedule.active
    assert schedule.schedule.cron == cron
    assert schedule.schedule.timezone == TIMEZONE
    # `limit=1` of serve is the runner's own cap; the deployment's limit is server side.
    limit = deployment.global_concurrency_limit
    assert limit is not None and limit.limit == 1
    assert deployment.concurrency_options.collision_strategy == "ENQUEUE"
    assert deployment.parameters == parameters
    assert deployment.entrypoint == "pipelines.flows.hoso_flow"
    assert not deployment.paused


def _serve_process(work: Path, out: Path, *extra: str, api_url: str | None = None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(work / "client-home"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        PYTHONUTF8="1",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    if api_url:
        env["PREFECT_API_URL"] = api_url
    command = [sys.executable, "-m", "pipelines.cli", "--config", "hoso.toml", "serve", *extra]
    flags = subprocess.CREATE_NEW_PROCESS_GROUP if os.name == "nt" else 0
    with (out / "serve.out").open("wb") as stdout, (out / "serve.err").open("wb") as stderr:
        return subprocess.Popen(
            command, cwd=work, env=env, stdout=stdout, stderr=stderr, creationflags=flags
        )


def _wait_for(predicate, process: subprocess.Popen[bytes], out: Path, what: str):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if process.poll() is not None:
            break
        time.sleep(0.5)
    _stop(process)
    pytest.fail(f"{what}: not seen in {WAIT:.0f} s (exit {process.poll()})\n{_read(out)}")


def _interrupt(process: subprocess.Popen[bytes]) -> None:
    """What Ctrl+C (Ctrl+Break on Windows) in the terminal does."""
    process.send_signal(signal.CTRL_BREAK_EVENT if os.name == "nt" else signal.SIGINT)


def _stop(process: subprocess.Popen[bytes]) -> int:
    if process.poll() is None:
        _interrupt(process)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
    return process.returncode


def _read(out: Path) -> str:
    return "\n".join(
        (out / name).read_text(encoding="utf-8", errors="replace")
        for name in ("serve.out", "serve.err")
        if (out / name).exists()
    )


def _hoso_run(work: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(work / "run-home"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        PYTHONUTF8="1",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "--config", "hoso.toml", "run"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _flow_run_states(api_url: str) -> list[str]:
    import json
    import urllib.request

    request = urllib.request.Request(
        f"{api_url}/flow_runs/filter",
        data=b"{}",
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return [r["state_type"] for r in json.loads(response.read())]


def _ui_settings(url: str) -> dict:
    """What the Prefect UI reads first: where its API is."""
    import json
    import urllib.request

    with urllib.request.urlopen(f"{url}/ui-settings", timeout=10) as response:
        return json.loads(response.read())


def test_ui_api_url_for_any_host() -> None:
    assert ui_api_url("127.0.0.1", 4301) == "http://127.0.0.1:4301/api"
    assert ui_api_url("192.168.1.20", 80) == "http://192.168.1.20:80/api"
    assert ui_api_url("0.0.0.0", 4301) == f"http://{socket.gethostname()}:4301/api"


def test_schedule_and_parameters_from_settings(settings: Settings, work: Path) -> None:
    schedule = schedule_of(settings)
    assert (schedule.cron, schedule.timezone) == ("15 1 * * *", TIMEZONE)
    assert schedule_of(settings, "0 3 * * 1-5").cron == "0 3 * * 1-5"
    for bad in ("0 2 * *", "0 25 * * *", "mỗi đêm"):
        with pytest.raises(ServeError, match="không hợp lệ"):
            schedule_of(settings, bad)
    parameters = deployment_parameters(settings)
    assert parameters == {
        "exports": str((work / "exports").resolve()),
        "database": str((work / "data" / "hoso.duckdb").resolve()),
        "output": str((work / "out").resolve()),
        "config": str((work / "hoso.toml").resolve()),
    }
    assert "config" not in deployment_parameters(Settings())
    assert prefect_home(settings) == (work / "data" / "prefect").resolve()


class TestConfiguredServer:
    """One server for both tests; stopped before the next test starts its own on the same
    state folder."""

    def test_deployment_on_a_real_server(self, server: LocalServer, settings: Settings) -> None:
        from prefect.settings import PREFECT_API_URL, temporary_settings

        assert is_healthy(server.api_url)
        assert server.log.is_file()
        with pytest.raises(ServeError, match=f"Cổng {server.port}"):
            start_server(server.port, server.home, timeout=5)

        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            build_deployment(settings).apply()
        _assert_nightly(_deployment(server.api_url), "15 1 * * *", deployment_parameters(settings))

        # a custom schedule replaces the old one instead of adding a second
        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            build_deployment(settings, cron="0 3 * * *").apply()
        _assert_nightly(_deployment(server.api_url), "0 3 * * *", deployment_parameters(settings))

    def test_the_ui_asks_for_the_api_on_the_servers_own_port(self, server: LocalServer) -> None:
        """Issue 17: on a port other than 4200 the UI must not look for the API on 4200."""
        assert server.port != 4200
        assert _ui_settings(server.url)["api_url"] == f"http://127.0.0.1:{server.port}/api"

    def test_serve_with_configured_server_keeps_the_schedule(
        self, server: LocalServer, settings: Settings, work: Path, tmp_path: Path
    ) -> None:
        process = _serve_process(work, tmp_path, "--cron", "45 3 * * *", api_url=server.api_url)

        deployment = _wait_for(
            lambda: _served(server.api_url, "45 3 * * *"), process, tmp_path, "deployment"
        )
        _assert_nightly(deployment, "45 3 * * *", deployment_parameters(settings))
        assert _stop(process) == 0, _read(tmp_path)
        # pause_on_shutdown=False: stopping serve leaves the schedule on (runs wait for the next
        # serve), and the configured server is not ours to stop
        _assert_nightly(_deployment(server.api_url), "45 3 * * *", deployment_parameters(settings))
        assert is_healthy(server.api_url)


def test_serve_starts_and_stops_its_own_server(
    settings: Settings, work: Path, tmp_path: Path
) -> None:
    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    process = _serve_process(work, tmp_path, "--port", str(port))
    try:
        _wait_for(lambda: is_healthy(api_url), process, tmp_path, "Prefect server")
        deployment = _wait_for(
            lambda: _served(api_url, "15 1 * * *"), process, tmp_path, "deployment"
        )
        _assert_nightly(deployment, "15 1 * * *", deployment_parameters(settings))
        # the start-up message has been printed once the deployment exists
        _wait_for(lambda: "Ctrl+C" in _read(tmp_path), process, tmp_path, "message")
        assert _ui_settings(f"http://127.0.0.1:{port}")["api_url"] == api_url
        # `hoso run` on the same database finds the served API and runs its flow there
        assert running_api_url(settings) == api_url
        shutil.copy(SAMPLES / "dvc_national_sync_20260416.csv", work / "exports")
        run = _hoso_run(work)
        assert run.returncode == 0, run.stderr
        assert f"Dùng máy chủ Prefect của 'hoso serve' tại http://127.0.0.1:{port}" in run.stderr
        assert "máy chủ tạm thời" not in run.stderr
        assert "COMPLETED" in _flow_run_states(api_url)
    finally:
        code = _stop(process)
        (work / "exports" / "dvc_national_sync_20260416.csv").unlink(missing_ok=True)
    text = _read(tmp_path)
    assert code == 0, text
    assert not state_path(settings).exists()
    assert running_api_url(settings) is None
    assert f"http://127.0.0.1:{port}" in text
    assert "'15 1 * * *'" in text and TIMEZONE in text
    assert "Ctrl+C" in text
    assert "Đã dừng" in text
    assert (prefect_home(settings) / "server.log").is_file()
    # the server child went with it
    assert not is_healthy(api_url)
    assert port_is_free(port)
