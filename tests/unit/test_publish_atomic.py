"""Publishing swaps a complete folder in one step; an interrupted swap is finished or undone."""

from __future__ import annotations

import os
import shutil

from pipelines.publish.atomic import COMPLETE_MARKER, draft_dir, recover, swap_dir
from pipelines.publish.files import write_csv


def _folder(path, text):
    path.mkdir(parents=True, exist_ok=True)
    (path / "indicators.csv").write_text(text, encoding="utf-8")


def test_swap_replaces_the_whole_folder(tmp_path):
    out = tmp_path / "out"
    _folder(out, "old")
    (out / "stale.csv").write_text("x", encoding="utf-8")
    draft = draft_dir(out, "run1")
    _folder(draft, "new")
    swap_dir(draft, out)
    assert (out / "indicators.csv").read_text(encoding="utf-8") == "new"
    assert not (out / "stale.csv").exists() and not (out / COMPLETE_MARKER).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_crash_between_the_renames_is_finished_by_recover(tmp_path):
    out = tmp_path / "out"
    _folder(out, "old")
    draft = draft_dir(out, "run2")
    _folder(draft, "new")
    (draft / COMPLETE_MARKER).write_text("ok", encoding="utf-8")
    os.replace(out, tmp_path / ".out.old-run2")  # the first rename happened, then power went
    recover(out)
    assert (out / "indicators.csv").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_crash_before_the_set_was_complete_restores_the_old_one(tmp_path):
    out = tmp_path / "out"
    _folder(out, "old")
    draft = draft_dir(out, "run3")
    _folder(draft, "half")  # never marked complete
    os.replace(out, tmp_path / ".out.old-run3")
    recover(out)
    assert (out / "indicators.csv").read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_leftover_draft_folders_are_cleared(tmp_path):
    out = tmp_path / "out"
    _folder(out, "old")
    _folder(draft_dir(out, "run4"), "half")
    _folder(tmp_path / ".out.staging-run0", "older")  # the name earlier versions used
    recover(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert (out / "indicators.csv").read_text(encoding="utf-8") == "old"


def test_a_complete_draft_of_an_earlier_version_is_still_finished(tmp_path):
    out = tmp_path / "out"
    legacy = tmp_path / ".out.staging-run5"  # swapped out, crash before the rename in
    _folder(legacy, "new")
    (legacy / COMPLETE_MARKER).write_text("ok", encoding="utf-8")
    _folder(tmp_path / ".out.old-run5", "old")
    recover(out)
    assert (out / "indicators.csv").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_formula_like_text_is_written_as_text(tmp_path):
    import pandas as pd

    frame = pd.DataFrame(
        {
            "group_value": ['=HYPERLINK("x")', "+1", "-2", "@SUM(A1)", "Hộ tịch"],
            "n": [1, 2, -3, 4, 5],
        }
    )
    write_csv(frame, tmp_path / "x.csv")
    text = (tmp_path / "x.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and "'+1" in text and "'@SUM" in text and ",-3" in text
    assert "\nHộ tịch,5\n" in text  # plain text stays as it is
    assert (tmp_path / "x.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def _published_folder(path, run_id, text):
    _folder(path, text)
    (path / "run.json").write_text(f'{{"run_id": "{run_id}"}}', encoding="utf-8")


def test_a_folder_ahead_of_its_tables_is_rolled_back_to_the_published_run(tmp_path):
    # killed after both renames, before the tables were committed: the new folder is in place,
    # the old one still beside it, and the database says only run A was published
    out = tmp_path / "out"
    _published_folder(tmp_path / ".out.old-runB", "runA", "old")
    _published_folder(out, "runB", "new")
    recover(out, published=lambda run_id: run_id == "runA")
    assert (out / "indicators.csv").read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_between_the_renames_the_published_run_wins_over_the_complete_set(tmp_path):
    out = tmp_path / "out"
    _published_folder(tmp_path / ".out.old-runB", "runA", "old")
    draft = tmp_path / ".out.draft-runB"
    _published_folder(draft, "runB", "new")
    (draft / COMPLETE_MARKER).write_text("ok", encoding="utf-8")
    recover(out, published=lambda run_id: run_id == "runA")
    assert (out / "indicators.csv").read_text(encoding="utf-8") == "old"
    # once run B's tables are committed, its folder is the one kept
    _published_folder(tmp_path / ".out.old-runC", "runA", "old")
    shutil.rmtree(out)
    _published_folder(out, "runB", "new")
    recover(out, published=lambda run_id: run_id in ("runA", "runB"))
    assert (out / "indicators.csv").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_publication_is_current_only_when_its_run_was_committed(tmp_path):
    from pipelines.publish import OUTPUT_FILES, is_current

    out = tmp_path / "out"
    out.mkdir()
    for name in OUTPUT_FILES:
        (out / name).write_text("x", encoding="utf-8")
    (out / "run.json").write_text('{"run_id": "r1", "publication_key": "k"}', encoding="utf-8")
    assert is_current(out, "k", published=lambda run_id: run_id == "r1")
    assert not is_current(out, "k", published=lambda run_id: False)
    assert not is_current(out, "other", published=lambda run_id: True)
