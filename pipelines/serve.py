"""``hoso serve``: run the flow every night on a Prefect schedule, with the Prefect UI.

Schedules need a real Prefect server (the temporary one of ``hoso run`` cannot schedule). When
``PREFECT_API_URL`` is not configured, a local server is started on 127.0.0.1 as a child process
(``python -m prefect server start``), its state kept under ``<database folder>/prefect``. The
flow is then served as the deployment ``hoso/hang-dem`` with a cron schedule in the configured
time zone and a concurrency limit of 1; any period can be rerun from the UI ("Custom run" with
``period_from`` / ``period_to``) while the nightly schedule keeps running.

Portable: only Python itself is launched, paths are pathlib, no shell. The flow (and Prefect's
heavier modules) are imported only when serving starts.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.settings import Settings
from pipelines.summary import EXIT_PUBLISHED, EXIT_USAGE

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment
    from prefect.schedules import Schedule

HOST = "127.0.0.1"
FLOW_NAME = "hoso"
DEPLOYMENT_NAME = "hang-dem"
#: Seconds to wait for a freshly started server (a new PREFECT_HOME migrates its database).
SERVER_START_TIMEOUT = 120.0
#: Seconds to wait for a server configured through PREFECT_API_URL to answer.
CONFIGURED_SERVER_TIMEOUT = 15.0
SERVER_STOP_TIMEOUT = 20.0


class ServeError(RuntimeError):
    """Serving cannot start; the message (Vietnamese) says why and what to do."""


# --- the deployment (pure) -----------------------------------------------------------------


def schedule_of(settings: Settings, cron: str | None = None) -> Schedule:
    """The nightly Cron schedule: ``cron`` (``--cron``) or hoso.toml's, in its time zone."""
    from prefect.schedules import Cron

    expression = (cron or settings.schedule.cron).strip()
    problem = (
        f"Lịch cron '{expression}' không hợp lệ: cần 5 trường, ví dụ \"0 2 * * *\" "
        "(2 giờ sáng mỗi ngày)."
    )
    if len(expression.split()) != 5:
        raise ServeError(problem)
    try:
        return Cron(expression, timezone=settings.schedule.timezone)
    except ValueError as exc:
        raise ServeError(problem) from exc


def deployment_parameters(settings: Settings, config: Path | None = None) -> dict[str, str]:
    """The flow's parameters for scheduled runs: absolute paths, so any working folder works."""
    parameters = {
        "exports": str(settings.exports.resolve()),
        "database": str(settings.database.resolve()),
        "output": str(settings.output.resolve()),
    }
    source = config or settings.source
    if source is not None:
        parameters["config"] = str(Path(source).resolve())
    return parameters


def build_deployment(
    settings: Settings, *, config: Path | None = None, cron: str | None = None
) -> RunnerDeployment:
    """The ``hoso/hang-dem`` deployment exactly as ``serve`` registers it (not yet applied)."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
    from prefect.deployments.runner import EntrypointType

    from pipelines.flows import hoso_flow

    return hoso_flow.to_deployment(
        name=DEPLOYMENT_NAME,
        schedules=[schedule_of(settings, cron)],
        # Server side: a manual rerun waits for the nightly run instead of overlapping it.
        concurrency_limit=ConcurrencyLimitConfig(
            limit=1, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE
        ),
        parameters=deployment_parameters(settings, config),
        description="hoso hằng đêm: đọc tệp xuất → nạp → tính chỉ số → kiểm tra → công bố.",
        tags=["hoso"],
        # The runner starts each run in a new process: import the installed package, not a
        # file path relative to the folder serve was started from.
        entrypoint_type=EntrypointType.MODULE_PATH,
    )


def prefect_home(settings: Settings) -> Path:
    """Where the local server keeps its state: next to the database (data/prefect)."""
    return settings.database.resolve().parent / "prefect"


# --- where a serving hoso can be found ------------------------------------------------------

#: Written by ``hoso serve`` while it serves (beside the server's state, i.e. keyed on the
#: database): the API address that ``hoso run`` on the same database uses instead of starting
#: a temporary server (2 s instead of 7–10 s of Prefect per run, TOOLING.md).
STATE_FILE = "serve.json"
#: Seconds ``hoso run`` waits for the health check of a served API before it does without.
RUNNING_SERVER_TIMEOUT = 1.0


def state_path(settings: Settings) -> Path:
    """The state file of ``hoso serve`` for this database."""
    return prefect_home(settings) / STATE_FILE


def write_state(settings: Settings, api_url: str) -> Path:
    """Say where this serving process's API is (atomically: a reader never sees half)."""
    path = state_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    partial.write_text(json.dumps({"api_url": api_url, "pid": os.getpid()}), encoding="utf-8")
    os.replace(partial, path)
    return path


def clear_state(path: Path) -> None:
    """Remove the state file when it is still this process's (another serve may own it)."""
    with suppress(OSError, ValueError, KeyError, TypeError):
        if json.loads(path.read_text(encoding="utf-8"))["pid"] == os.getpid():
            path.unlink()


def running_api_url(settings: Settings, timeout: float = RUNNING_SERVER_TIMEOUT) -> str | None:
    """The API of a ``hoso serve`` running on this database, if its health check answers."""
    try:
        url = json.loads(state_path(settings).read_text(encoding="utf-8"))["api_url"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(url, str) or not is_healthy(url, timeout=timeout):
        return None
    return url


# --- the local server ----------------------------------------------------------------------


def port_is_free(port: int, host: str = HOST) -> bool:
    """Whether nothing listens on ``host:port`` (we could bind it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        if os.name != "nt":  # ignore TIME_WAIT left by a server just stopped (as Prefect does)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def is_healthy(api_url: str, timeout: float = 2.0) -> bool:
    """Whether the Prefect API at ``api_url`` (…/api) answers its health check."""
    try:
        with urllib.request.urlopen(f"{api_url.rstrip('/')}/health", timeout=timeout) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


WILDCARD_HOSTS = ("0.0.0.0", "::", "")


def reachable_host(host: str) -> str:
    """The address to reach a server listening on ``host``: this machine's name for the
    wildcard addresses (the UI is then opened from other machines too), else ``host``."""
    return socket.gethostname() if host in WILDCARD_HOSTS else host


def local_host(host: str) -> str:
    """The address this process uses to reach a server listening on ``host``."""
    return HOST if host in WILDCARD_HOSTS else host


def ui_api_url(host: str, port: int) -> str:
    """What the UI's ``/ui-settings`` must answer: the API on the port the server listens on.
    (Prefect's default is built from its own host/port settings, i.e. 127.0.0.1:4200 whatever
    ``--port`` says: the UI on another port then "Can't connect to Server API".)"""
    return f"http://{reachable_host(host)}:{port}/api"


def ui_url_of(api_url: str) -> str:
    """The UI address of an API address (``http://127.0.0.1:4200/api`` → without ``/api``)."""
    url = api_url.rstrip("/")
    return url.removesuffix("/api")


@dataclass
class LocalServer:
    """A ``prefect server start`` child process on 127.0.0.1."""

    process: subprocess.Popen[bytes]
    port: int
    home: Path
    log: Path
    host: str = HOST

    @property
    def url(self) -> str:
        return f"http://{local_host(self.host)}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api"

    def stop(self, timeout: float = SERVER_STOP_TIMEOUT) -> int | None:
        """Shut the server down gracefully, escalating until it is gone; its exit code."""
        # POSIX: SIGINT is the graceful stop (uvicorn runs in a worker thread of
        # `prefect server start`, so SIGTERM kills it outright); SIGTERM then SIGKILL in case
        # SIGINT was ignored (a process started in the background inherits that). Windows:
        # Ctrl+Break to its process group, then TerminateProcess.
        process = self.process
        if os.name == "nt":
            steps = [(lambda: process.send_signal(signal.CTRL_BREAK_EVENT), timeout)]
        else:
            steps = [
                (lambda: process.send_signal(signal.SIGINT), timeout / 2),
                (process.terminate, timeout / 4),
            ]
        steps.append((process.kill, timeout))
        for step, wait in steps:
            if process.poll() is not None:
                break
            with suppress(OSError):
                step()
            with suppress(subprocess.TimeoutExpired):
                process.wait(wait)
        return self.process.poll()


def _log_tail(log: Path, lines: int = 15) -> str:
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.strip().splitlines()[-lines:])


def wait_until_healthy(
    api_url: str,
    timeout: float,
    process: subprocess.Popen[bytes] | None = None,
    log: Path | None = None,
) -> None:
    """Poll the health check until it answers; ServeError after ``timeout`` seconds or when
    ``process`` (the server) exits first."""
    deadline = time.monotonic() + timeout
    while True:
        if is_healthy(api_url):
            return
        if process is not None and process.poll() is not None:
            tail = _log_tail(log) if log else ""
            raise ServeError(
                f"Máy chủ Prefect dừng ngay khi khởi động (mã {process.returncode})."
                + (f" Nhật ký {log}:\n{tail}" if tail else "")
            )
        if time.monotonic() >= deadline:
            where = f" Xem nhật ký: {log}." if log else ""
            raise ServeError(
                f"Máy chủ Prefect tại {ui_url_of(api_url)} không trả lời sau {timeout:.0f} giây."
                f"{where}"
            )
        time.sleep(0.5)


def start_server(
    port: int, home: Path, *, timeout: float = SERVER_START_TIMEOUT, host: str = HOST
) -> LocalServer:
    """Start ``prefect server start`` on ``host:port`` with its state in ``home``; return once
    its health check answers. ServeError (Vietnamese) if the port is taken or it never does."""
    if not port_is_free(port, host):
        raise ServeError(
            f"Cổng {port} trên {host} đang được một chương trình khác dùng. Chọn cổng khác: "
            f"hoso serve --port {port + 1}."
        )
    home.mkdir(parents=True, exist_ok=True)
    log = home / "server.log"
    env = dict(os.environ)
    env.pop("PREFECT_API_URL", None)
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        PYTHONIOENCODING="utf-8",
        # the UI asks /ui-settings where the API is: this server, on this port (TOOLING.md)
        PREFECT_SERVER_API_HOST=host,
        PREFECT_SERVER_API_PORT=str(port),
        PREFECT_SERVER_UI_API_URL=ui_api_url(host, port),
    )
    command = [sys.executable, "-m", "prefect", "server", "start"]
    command += ["--host", host, "--port", str(port)]
    # Own process group / session: the terminal's Ctrl+C reaches only us, and we stop the
    # server after the runner has finished shutting down.
    options: dict[str, Any] = (
        {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
        if os.name == "nt"
        else {"start_new_session": True}
    )
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=home,
            **options,
        )
    server = LocalServer(process=process, port=port, home=home, log=log, host=host)
    try:
        wait_until_healthy(server.api_url, timeout, process=process, log=log)
    except BaseException:
        server.stop()
        raise
    return server


def configured_api_url() -> str | None:
    """PREFECT_API_URL from the environment or the active Prefect profile, if any."""
    from prefect.settings import get_current_settings

    url = get_current_settings().api.url
    return str(url) if url else None


def run_log_level() -> str:
    """Log level of the served runs. The CLI quiets Prefect to WARNING for ``hoso run`` (which
    prints its own summary); served runs need INFO, else the UI shows no log for them."""
    level = os.environ.get("PREFECT_LOGGING_LEVEL", "").strip().upper()
    return "INFO" if level in ("", "WARNING") else level


@contextmanager
def _run_environment(api_url: str) -> Iterator[None]:
    """PREFECT_API_URL (and the runs' log level) for this process and for the flow-run
    processes the runner starts (they inherit the environment and the current settings)."""
    from prefect.settings import PREFECT_API_URL, PREFECT_LOGGING_LEVEL, temporary_settings

    values = {"PREFECT_API_URL": api_url, "PREFECT_LOGGING_LEVEL": run_log_level()}
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        with temporary_settings(
            updates={
                PREFECT_API_URL: values["PREFECT_API_URL"],
                PREFECT_LOGGING_LEVEL: values["PREFECT_LOGGING_LEVEL"],
            }
        ):
            yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def _interrupt_on_termination() -> Iterator[None]:
    """Windows' Ctrl+Break ends Python at once by default: turn it into Ctrl+C so the server
    child is stopped too. (SIGTERM is handled by Prefect's runner.)"""
    sigbreak = getattr(signal, "SIGBREAK", None)
    if sigbreak is None or threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(sigbreak, interrupt)
    try:
        yield
    finally:
        signal.signal(sigbreak, previous)


# --- the command ---------------------------------------------------------------------------


def _say(text: str = "") -> None:
    print(text, flush=True)


def _fail(text: str) -> int:
    print(f"LỖI: {text}", file=sys.stderr, flush=True)
    return EXIT_USAGE


def serve(
    settings: Settings, *, config: Path | None, cron: str | None, port: int, host: str = HOST
) -> int:
    """Serve the flow on its schedule until Ctrl+C. Exit code 0, or 2 when it cannot start."""
    try:
        schedule = schedule_of(settings, cron)
    except ServeError as exc:
        return _fail(str(exc))

    server: LocalServer | None = None
    try:
        with _interrupt_on_termination():
            api_url = configured_api_url()
            if api_url:
                _say(f"Dùng máy chủ Prefect đã cấu hình (PREFECT_API_URL={api_url}).")
                wait_until_healthy(api_url, CONFIGURED_SERVER_TIMEOUT)
            elif not port_is_free(port, host) and is_healthy(
                f"http://{local_host(host)}:{port}/api"
            ):
                api_url = f"http://{local_host(host)}:{port}/api"
                _say(f"Dùng máy chủ Prefect đang chạy sẵn tại http://{local_host(host)}:{port}.")
            else:
                home = prefect_home(settings)
                _say(
                    f"Đang khởi động máy chủ Prefect tại http://{reachable_host(host)}:{port} "
                    f"(dữ liệu: {home}; lần đầu có thể mất một phút)…"
                )
                server = start_server(port, home, host=host)
                api_url = server.api_url
            ui = ui_url_of(ui_api_url(host, port)) if server else ui_url_of(api_url)
            state = write_state(settings, api_url)
            try:
                with _run_environment(api_url):
                    _serve_deployment(
                        settings, schedule, config=config, cron=cron, api_url=api_url, ui_url=ui
                    )
            finally:
                clear_state(state)
    except ServeError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        pass
    finally:
        if server is not None:
            _say("Đang dừng máy chủ Prefect…")
            server.stop()
            _say("Đã dừng. Lịch vẫn được lưu; chạy lại 'hoso serve' để tiếp tục.")
    return EXIT_PUBLISHED


def _serve_deployment(
    settings: Settings,
    schedule: Schedule,
    *,
    config: Path | None,
    cron: str | None,
    api_url: str,
    ui_url: str,
) -> None:
    import prefect

    deployment = build_deployment(settings, config=config, cron=cron)
    parameters = deployment_parameters(settings, config)
    _say()
    _say(f"Giao diện Prefect: {ui_url} (mở bằng trình duyệt)")
    _say(f"Luồng: {FLOW_NAME}/{DEPLOYMENT_NAME}")
    _say(f"Lịch: '{schedule.cron}' theo múi giờ {schedule.timezone}")
    _say(f"Tệp xuất: {parameters['exports']}")
    _say(f"Cơ sở dữ liệu: {parameters['database']}")
    _say(f"Công bố vào: {parameters['output']}")
    if "config" in parameters:
        _say(f"Cấu hình: {parameters['config']}")
    _say(
        f"Chạy lại một kỳ bất kỳ: trong giao diện, Deployments → {DEPLOYMENT_NAME} → Run → "
        "Custom run, điền period_from và period_to (YYYY-MM-DD); hoặc dùng lệnh "
        "hoso run --period 2026-03."
    )
    _say("Dừng bằng Ctrl+C (lịch được giữ lại cho lần chạy 'hoso serve' sau).")
    _say()
    prefect.serve(deployment, limit=1, pause_on_shutdown=False, print_starting_message=False)
