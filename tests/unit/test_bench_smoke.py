"""Plumbing of the bench runner on tiny inputs (no timing, no Prefect)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the checkout: benchmarks/

from benchmarks import generate, run


def test_export_is_cached_by_its_version_stamp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(generate, "DATA_DIR", tmp_path)
    path, first = generate.ensure_export(300)
    assert first["cached"] is False and path.is_file()
    _, second = generate.ensure_export(300)
    assert second["cached"] is True
    monkeypatch.setattr(generate, "GENERATOR_VERSION", generate.GENERATOR_VERSION + 1)
    _, third = generate.ensure_export(300)
    assert third["cached"] is False


def test_ingest_worker_loads_the_rows_in_a_subprocess(tmp_path: Path):
    path = tmp_path / "exports" / "tiny.xlsx"
    generate.write_export(path, 300)
    result = run.call("ingest", path=str(path), database=str(tmp_path / "bench.duckdb"))
    assert result["rows"] + result["rows_rejected"] <= result["rows_read"]
    assert result["rows"] > 250
    assert result["seconds"] > 0 and result["peak_mb"] > 0


def test_worker_failure_surfaces_its_message(tmp_path: Path):
    with pytest.raises(RuntimeError, match="worker ingest failed"):
        run.call("ingest", path=str(tmp_path / "missing.xlsx"), database=str(tmp_path / "x.db"))


def test_serve_api_is_detected_from_the_environment():
    assert run.serve_api_url({}) is None
    assert run.serve_api_url({"PREFECT_API_URL": " "}) is None
    assert run.serve_api_url({"PREFECT_API_URL": "http://127.0.0.1:4200/api"}) == (
        "http://127.0.0.1:4200/api"
    )
