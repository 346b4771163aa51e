"""hoso installed from its wheel, not the checkout: `hoso run` from another folder publishes the
figures of the sample exports.

The wheel is built from a copy of the tracked sources and installed with ``--no-deps`` into a
fresh venv whose dependencies come from the test's own environment through a ``.pth`` line
(installing prefect, GX, DuckDB… again from the index would take minutes; the point is the
package's own files: code, sql/, expectations/, vocab/). The ``.pth`` line adds that
environment's site-packages as a plain folder, so its editable-install hook never runs: the
only ``pipelines`` the venv can import is the wheel's.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pandas as pd
import pytest

from pipelines.contract import FIGURES, RATES
from tests.support import REPO

SAMPLES = REPO / "sample_exports"
TRUTH = json.loads((SAMPLES / "expected_figures.json").read_text(encoding="utf-8"))
#: What the wheel is built from: the project file, the package and its data folders.
SOURCES = ("pyproject.toml", "README.md", "pipelines", "sql", "expectations")
TIMEOUT = 600


def _run(argv: list[str], **kw) -> subprocess.CompletedProcess:
    result = subprocess.run(
        argv, capture_output=True, encoding="utf-8", errors="replace", timeout=TIMEOUT, **kw
    )
    assert result.returncode == 0, (argv, result.stdout[-3000:], result.stderr[-3000:])
    return result


def _copy_sources(target: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in SOURCES:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, target / name, ignore=ignore)
        else:
            shutil.copy2(src, target / name)


def _scripts(venv: Path) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A venv holding only hoso's wheel (dependencies through a .pth line)."""
    tmp = tmp_path_factory.mktemp("wheel")
    source, dist, venv = tmp / "source", tmp / "dist", tmp / "venv"
    source.mkdir()
    _copy_sources(source)
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(source)])
    wheel = next(dist.glob("hoso-*.whl"))
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = _scripts(venv) / "python"
    purelib = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"])
    deps = sysconfig.get_path("purelib")
    (Path(purelib.stdout.strip()) / "_hoso_dependencies.pth").write_text(deps + "\n", "utf-8")
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q"]
    _run([*pip, "--no-deps", "--no-index", str(wheel)])
    return venv


def _env(home: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PREFECT_") and k not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    env.update(
        PREFECT_HOME=str(home / "prefect-home"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="90",
        DO_NOT_TRACK="1",
        GX_ANALYTICS_ENABLED="false",
        PYTHONUTF8="1",
    )
    return env


def test_the_wheel_ships_its_sql_and_expectations(installed, tmp_path):
    python = _scripts(installed) / "python"
    probe = (
        "import pipelines.db as d; print(d.__file__); print(d.SQL_DIR); print(d.EXPECTATIONS_DIR)"
    )
    where = _run([str(python), "-c", probe], cwd=tmp_path, env=_env(tmp_path)).stdout.split("\n")
    module, sql_dir, expectations_dir = (Path(line) for line in where[:3])
    assert module.is_relative_to(installed), module  # not the checkout
    assert sql_dir.is_relative_to(installed) and expectations_dir.is_relative_to(installed)
    assert sorted(p.relative_to(sql_dir).as_posix() for p in sql_dir.rglob("*.sql")) == sorted(
        p.relative_to(REPO / "sql").as_posix() for p in (REPO / "sql").rglob("*.sql")
    )
    assert {p.name for p in expectations_dir.glob("*.json")} == {
        p.name for p in (REPO / "expectations").glob("*.json")
    }


def test_the_wheel_ships_every_package_of_the_checkout(installed, tmp_path):
    """Each folder of pipelines/ holding Python code imports from the wheel (doi-chieu's
    pipelines.reconcile was once missing from pyproject's package list)."""
    packages = sorted(
        ".".join(p.parent.relative_to(REPO).parts)
        for p in (REPO / "pipelines").rglob("__init__.py")
    )
    probe = "import importlib, sys\nfor name in sys.argv[1:]: importlib.import_module(name)\n"
    python = _scripts(installed) / "python"
    _run([str(python), "-c", probe, *packages], cwd=tmp_path, env=_env(tmp_path))
    reconcile = _run(
        [str(_scripts(installed) / "hoso"), "doi-chieu", "--help"], cwd=tmp_path, env=_env(tmp_path)
    )
    assert "Traceback" not in reconcile.stdout + reconcile.stderr


def test_hoso_run_from_another_folder_gives_the_expected_figures(installed, tmp_path):
    work = tmp_path / "elsewhere"
    work.mkdir()
    result = subprocess.run(
        [
            str(_scripts(installed) / "hoso"),
            "run",
            "--exports",
            str(SAMPLES),
            "--db",
            "data/hoso.duckdb",
            "--out",
            "out",
            "--from",
            TRUTH["period"]["from"],
            "--to",
            TRUTH["period"]["to"],
            "--since",
            TRUTH["cumulative"]["from"],
        ],
        cwd=work,
        env=_env(tmp_path),
        capture_output=True,
        encoding="utf-8",
        errors="replace",
        timeout=TIMEOUT,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Traceback" not in result.stdout + result.stderr
    frame = pd.read_csv(
        work / "out" / "indicators.csv", encoding="utf-8-sig", keep_default_na=False
    )
    for window in ("period", "cumulative"):
        row = frame[(frame["window"] == window) & (frame["group_by"] == "all")].iloc[0]
        truth = TRUTH[window]
        assert (row["from_date"], row["to_date"]) == (truth["from"], truth["to"])
        for figure in FIGURES:
            assert int(row[figure]) == truth[figure], (window, figure)
        for rate in RATES:
            if truth[rate] is None:
                assert row[rate] == "", (window, rate)
            else:
                assert math.isclose(float(row[rate]), truth[rate], abs_tol=5e-7), (window, rate)
