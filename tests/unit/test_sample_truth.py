"""The committed sample exports and their expected figures (sample_exports/generate.py).

The generator is run into temporary folders: it must be deterministic, the committed files must
be the ones it writes, and its truth must satisfy the identities of SPEC §6.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from pipelines.contract import FIGURES

SAMPLES = Path(__file__).resolve().parents[2] / "sample_exports"
GENERATOR = SAMPLES / "generate.py"
#: Files whose bytes do not depend on a spreadsheet library's version.
TEXT_FILES = (
    "export_semicolon_bom_20260416.csv",
    "dvc_national_sync_20260416.csv",
    "portal_html_saved_as.xls",
    "expected_figures.json",
    "personal_values.json",
    "README.md",
)
#: The counts of SPEC §6, named as the output contract names them.
COUNTS = FIGURES
RATES = {
    "online_rate": ("received_online",),
    "on_time_rate": ("resolved_early", "resolved_on_time"),
    "digitization_rate": ("digitized",),
    "e_result_rate": ("e_result",),
}
RATE_BASES = {
    "online_rate": "received_new",
    "on_time_rate": "resolved",
    "digitization_rate": "received_new",
    "e_result_rate": "resolved",
}


def _load_generator():
    spec = importlib.util.spec_from_file_location("sample_exports_generate", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, Path]:
    gen = _load_generator()
    first = tmp_path_factory.mktemp("samples_a")
    second = tmp_path_factory.mktemp("samples_b")
    gen.main(first)
    gen.main(second)
    return first, second


def test_generator_does_not_import_pipelines():
    source = GENERATOR.read_text(encoding="utf-8")
    assert "import pipelines" not in source
    assert "from pipelines" not in source


def test_generator_is_deterministic(generated):
    first, second = generated
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_committed_files_are_the_generated_ones(generated):
    first, _ = generated
    for name in TEXT_FILES:
        assert (SAMPLES / name).read_bytes() == (first / name).read_bytes(), (
            f"sample_exports/{name} is stale: run .venv/bin/python sample_exports/generate.py"
        )
    committed = json.loads((SAMPLES / "expected_figures.json").read_text(encoding="utf-8"))
    regenerated = json.loads((first / "expected_figures.json").read_text(encoding="utf-8"))
    assert committed == regenerated


def test_every_export_is_committed_and_small(generated):
    first, _ = generated
    for path in first.iterdir():
        assert (SAMPLES / path.name).is_file(), path.name
    exports = [p for p in SAMPLES.iterdir() if p.suffix in (".csv", ".xls", ".xlsx")]
    assert len(exports) >= 5
    assert sum(p.stat().st_size for p in SAMPLES.iterdir() if p.is_file()) < 2_000_000


def _figures() -> dict:
    return json.loads((SAMPLES / "expected_figures.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("window", ["period", "cumulative"])
def test_expected_figures_satisfy_the_identities(window):
    f = _figures()[window]
    assert f["handled"] == f["received_new"] + f["carried_over"]
    assert f["handled"] == f["resolved"] + f["pending"]
    assert f["resolved"] == f["resolved_early"] + f["resolved_on_time"] + f["resolved_overdue"]
    assert f["received_new"] == f["received_online"] + f["received_direct"] + f["received_postal"]
    assert f["pending"] == f["pending_within"] + f["pending_overdue"]
    assert f["withdrawn"] <= f["resolved_on_time"]
    assert f["digitized"] <= f["received_new"]
    assert f["e_result"] <= f["resolved"]


@pytest.mark.parametrize("window", ["period", "cumulative"])
def test_expected_rates_follow_from_the_counts(window):
    f = _figures()[window]
    for rate, parts in RATES.items():
        base = f[RATE_BASES[rate]]
        expected = round(sum(f[p] for p in parts) / base, 6) if base else None
        assert f[rate] == expected, rate


@pytest.mark.parametrize("window", ["period", "cumulative"])
def test_samples_exercise_every_figure(window):
    """Every count is non-zero, so a rule that is wrong shows in some figure."""
    f = _figures()[window]
    assert set(COUNTS) <= set(f)
    assert all(f[k] > 0 for k in COUNTS), {k: f[k] for k in COUNTS if not f[k]}


def test_expected_figures_have_the_acceptance_shape():
    f = _figures()
    assert list(f) == ["period", "cumulative"]
    assert f["period"]["from"] == "2026-03-15" and f["period"]["to"] == "2026-04-14"
    assert f["cumulative"]["from"] == "2025-07-01" and f["cumulative"]["to"] == "2026-04-14"
    assert set(f["period"]) == set(COUNTS) | set(RATES) | {"from", "to"}


def _all_text() -> str:
    """Every cell of every sample export, as text."""
    import fastexcel

    parts = []
    for path in sorted(SAMPLES.iterdir()):
        if path.suffix == ".xlsx" or path.name == "legacy_biff.xls":
            reader = fastexcel.read_excel(path)
            for name in reader.sheet_names:
                frame = reader.load_sheet(name, header_row=None).to_pandas()
                parts += [str(v) for v in frame.to_numpy().ravel() if isinstance(v, str)]
        elif path.suffix in (".csv", ".xls"):
            parts.append(path.read_text(encoding="utf-8-sig"))
    return "\n".join(parts)


def test_personal_values_are_in_the_exports_and_distinctive():
    values = json.loads((SAMPLES / "personal_values.json").read_text(encoding="utf-8"))
    assert len(values) == len(set(values)) > 100
    text = _all_text()
    missing = [v for v in values if v not in text]
    assert not missing, missing[:5]
    for v in values:
        assert "Mẫu" in v or "maugiadinh" in v or v.startswith(("0900", "001099")), v
    figures = (SAMPLES / "expected_figures.json").read_text(encoding="utf-8")
    assert not any(v in figures for v in values)
