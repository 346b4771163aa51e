"""How `hoso run` finds a running `hoso serve`: its state file and a quick health check."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pipelines.serve import clear_state, running_api_url, state_path, write_state
from pipelines.settings import Settings


class _Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/api/health" else 404)
        self.end_headers()
        self.wfile.write(b"true")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def api() -> Iterator[str]:
    """A real HTTP server answering /api/health, as Prefect's does."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database=tmp_path / "data" / "hoso.duckdb")


def test_a_served_api_that_answers_is_used(settings: Settings, api: str) -> None:
    assert running_api_url(settings) is None
    path = write_state(settings, api)
    assert path == settings.database.parent / "prefect" / "serve.json"
    assert running_api_url(settings) == api


def test_a_state_file_left_by_a_killed_serve_is_not_used(settings: Settings, api: str) -> None:
    write_state(settings, api.replace("/api", "/nothing-here/api"))
    assert running_api_url(settings) is None
    state_path(settings).write_text("{not json", encoding="utf-8")
    assert running_api_url(settings) is None


def test_serve_removes_only_its_own_state(settings: Settings, api: str) -> None:
    path = write_state(settings, api)
    clear_state(path)
    assert not path.exists()
    # another serve wrote it since: left alone
    path.write_text(json.dumps({"api_url": api, "pid": os.getpid() + 1}), encoding="utf-8")
    clear_state(path)
    assert running_api_url(settings) == api
