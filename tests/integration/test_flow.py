"""The real flow on the committed sample exports, under a real Prefect engine."""

from __future__ import annotations

import json
import logging
import math
import shutil
import zipfile
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines import transform
from pipelines.contract import FIGURES, RATES
from pipelines.flows import hoso_flow
from tests.support import REPO, all_text_in_database

SAMPLES = REPO / "sample_exports"
TRUTH = json.loads((SAMPLES / "expected_figures.json").read_text(encoding="utf-8"))
PERIOD_FROM = date.fromisoformat(TRUTH["period"]["from"])
PERIOD_TO = date.fromisoformat(TRUTH["period"]["to"])
SINCE = date.fromisoformat(TRUTH["cumulative"]["from"])
OUTPUTS = {"indicators.csv", "indicators.xlsx", "overdue.csv", "report.md", "run.json"}

pytestmark = pytest.mark.usefixtures("prefect_harness")


def run(exports: Path, tmp: Path, **kw):
    return hoso_flow(
        exports=str(exports),
        database=str(tmp / "db" / "hoso.duckdb"),
        output=str(tmp / "out"),
        period_from=kw.pop("period_from", PERIOD_FROM),
        period_to=kw.pop("period_to", PERIOD_TO),
        since=kw.pop("since", SINCE),
        **kw,
    )


@pytest.fixture(scope="module")
def published(tmp_path_factory, prefect_harness):
    tmp = tmp_path_factory.mktemp("flow")
    handler = _Capture()
    logging.getLogger().addHandler(handler)
    try:
        result = run(SAMPLES, tmp)
    finally:
        logging.getLogger().removeHandler(handler)
    return tmp, result, handler.text()


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())

    def text(self) -> str:
        return "\n".join(self.lines)


def test_published_with_every_output(published):
    tmp, result, _ = published
    assert result["exit_code"] == 0, result["validation"]
    names = {p.name for p in (tmp / "out").iterdir()}
    assert names >= OUTPUTS
    assert (tmp / "out" / "kiem-tra" / "index.html").exists()


@pytest.mark.parametrize("window", ["period", "cumulative"])
def test_figures_match_the_generators_truth(published, window):
    tmp, _, _ = published
    frame = pd.read_csv(tmp / "out" / "indicators.csv", encoding="utf-8-sig", keep_default_na=False)
    row = frame[(frame["window"] == window) & (frame["group_by"] == "all")].iloc[0]
    truth = TRUTH[window]
    assert row["from_date"] == truth["from"] and row["to_date"] == truth["to"]
    for figure in FIGURES:
        assert int(row[figure]) == truth[figure], figure
    for rate in RATES:
        if truth[rate] is None:
            assert row[rate] == ""
        else:
            assert math.isclose(float(row[rate]), truth[rate], abs_tol=5e-7), rate


def test_every_file_accounts_for_every_row(published):
    tmp, _, _ = published
    run_json = json.loads((tmp / "out" / "run.json").read_text(encoding="utf-8"))
    assert len(run_json["files"]) == 6
    for f in run_json["files"]:
        assert f["rows_read"] == f["rows_loaded"] + f["rows_rejected"] + f["rows_skipped"], f
        assert f["export_time_rule"] in ("title_block", "file_name")
    con = duckdb.connect(str(tmp / "db" / "hoso.duckdb"), read_only=True)
    try:
        bad = con.execute(
            "select count(*) from files "
            "where rows_read <> rows_loaded + rows_rejected + rows_skipped"
        ).fetchall()[0][0]
    finally:
        con.close()
    assert bad == 0
    rejected = [r for f in run_json["files"] for r in f["rejects"]]
    assert [r["problem"] for r in rejected] == ["invalid_date"]
    assert rejected[0]["value"] == "31/02/2026 9:12"
    assert sorted(run_json["files_ignored"]) == [
        "README.md",
        "expected_figures.json",
        "generate.py",
        "personal_values.json",
    ]


def _output_text(out: Path) -> str:
    parts = []
    for path in sorted(out.rglob("*")):
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:
                parts += [z.read(n).decode("utf-8", "replace") for n in z.namelist()]
        elif path.is_file() and path.suffix in (".csv", ".md", ".json", ".html"):
            parts.append(path.read_text(encoding="utf-8-sig", errors="replace"))
    return "\n".join(parts)


def test_no_personal_data_anywhere(published):
    tmp, result, logs = published
    personal = json.loads((SAMPLES / "personal_values.json").read_text(encoding="utf-8"))
    assert len(personal) > 100
    haystacks = {
        "database": all_text_in_database(tmp / "db" / "hoso.duckdb"),
        "outputs": _output_text(tmp / "out"),
        "logs": logs,
        "result": json.dumps(result, default=str, ensure_ascii=False),
    }
    assert logs, "the run logged nothing: the scan would be empty"
    for where, text in haystacks.items():
        leaked = [v for v in personal if v in text]
        assert not leaked, f"{where}: {leaked[:5]}"


def test_second_run_skips_loaded_files_and_gives_the_same_figures(published, tmp_path):
    tmp, _, _ = published
    work = tmp_path / "again"
    shutil.copytree(tmp, work)
    before = (work / "out" / "indicators.csv").read_bytes()
    result = run(SAMPLES, work)
    assert result["exit_code"] == 0
    assert len(result["files_already_loaded"]) == 6 and result["files"] == []
    assert result["outcome"] == "unchanged"  # nothing new: nothing recomputed
    assert (work / "out" / "indicators.csv").read_bytes() == before

    (work / "out" / "report.md").unlink()  # an incomplete publication is rebuilt
    assert run(SAMPLES, work)["outcome"] == "published"
    assert (work / "out" / "indicators.csv").read_bytes() == before

    other = run(SAMPLES, work, period_from=date(2026, 2, 15), period_to=date(2026, 3, 14))
    assert other["outcome"] == "published"  # another period is recomputed


def test_any_load_order_gives_identical_outputs(published, tmp_path):
    tmp, _, _ = published
    files = sorted(p for p in SAMPLES.iterdir() if p.suffix in (".xls", ".xlsx", ".csv"))
    folder = tmp_path / "exports"
    folder.mkdir()
    # newest files first, the older ones added in a later run
    for path in reversed(files):
        shutil.copy2(path, folder / path.name)
        result = run(folder, tmp_path)
        assert result["exit_code"] == 0
    for name in ("indicators.csv", "overdue.csv", "report.md", "indicators.xlsx"):
        assert (tmp_path / "out" / name).read_bytes() == (tmp / "out" / name).read_bytes(), name


def test_a_failed_check_publishes_nothing(published, tmp_path, monkeypatch):
    tmp, _, _ = published
    work = tmp_path / "broken"
    shutil.copytree(tmp, work)
    out_before = {p.name: p.read_bytes() for p in (work / "out").iterdir() if p.is_file()}
    real_build = transform.build_tables

    def broken(con, windows):
        counts = real_build(con, windows)
        con.execute("update staging.indicators set resolved = resolved + 1")
        return counts

    monkeypatch.setattr(transform, "build_tables", broken)
    result = run(SAMPLES, work, period_from=date(2026, 2, 15), period_to=date(2026, 3, 14))
    assert result["exit_code"] == 1
    assert any("Đã giải quyết" in f["message"] for f in result["validation"]["failed"])
    out_after = {p.name: p.read_bytes() for p in (work / "out").iterdir() if p.is_file()}
    assert out_after == out_before
    con = duckdb.connect(str(work / "db" / "hoso.duckdb"), read_only=True)
    try:
        windows = con.execute(
            "select distinct from_date from main.indicators where \"window\" = 'period'"
        ).fetchall()
    finally:
        con.close()
    assert windows == [(PERIOD_FROM,)]
    kept = Path(result["message"].split(": ", 1)[1])
    assert (kept / "run.json").exists()


def test_an_interrupted_publish_leaves_the_old_outputs(published, tmp_path, monkeypatch):
    tmp, _, _ = published
    work = tmp_path / "interrupted"
    shutil.copytree(tmp, work)
    out_before = {p.name: p.read_bytes() for p in (work / "out").iterdir() if p.is_file()}

    def explode(*args, **kwargs):
        raise RuntimeError("power cut while writing the workbook")

    monkeypatch.setattr("pipelines.publish.workbook.write_workbook", explode)
    with pytest.raises(RuntimeError):
        run(SAMPLES, work, period_from=date(2026, 2, 15), period_to=date(2026, 3, 14))
    out_after = {p.name: p.read_bytes() for p in (work / "out").iterdir() if p.is_file()}
    assert out_after == out_before


@pytest.mark.parametrize("workers", [1, 3])
def test_the_flow_reads_with_the_configured_workers(tmp_path, monkeypatch, workers):
    """Served runs load hoso.toml in a new process: the flow itself sizes its read pool from
    the settings (as ``hoso run`` does), not the pool fixed when the flow was decorated."""
    from pipelines import flows

    sizes: list[int] = []
    pool_of = flows.reader_pool

    def spy(settings):
        pool = pool_of(settings)
        sizes.append(pool._max_workers)
        return pool

    monkeypatch.setattr(flows, "reader_pool", spy)
    config = tmp_path / "hoso.toml"
    config.write_text(f"workers = {workers}\n", encoding="utf-8")
    result = run(SAMPLES, tmp_path, config=str(config))
    assert result["exit_code"] == 0
    assert sizes == [workers]
