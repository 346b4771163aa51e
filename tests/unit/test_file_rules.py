"""Every export file on its own (SPEC §2, §5, §8): sub-folders, modification-time exports,
same-time conflicts, coverage, load failures, forgetting a file. Real DuckDB, no Prefect."""

from __future__ import annotations

from datetime import date

import duckdb
import pyarrow as pa
import pytest

from pipelines import file_checks, ingest, inventory
from pipelines.db import connect
from pipelines.load import load_file
from pipelines.periods import Window
from pipelines.transform import STAGING, update_dossiers
from tests import builders
from tests.support import insert_canonical


def dossier(code, status, finished=None, received="2026-03-02 08:00", unit=None):
    return {
        "dossier_code": code,
        "channel": "online",
        "status": status,
        "received_at": received,
        "due_at": "2026-03-10",
        "finished_at": finished,
        "unit_name": unit,
        "is_digitized": "1",
        "has_e_result": "",
    }


def add(con, rows, h, export_at, *, rule="file_name", name=None):
    insert_canonical(con, rows, file_hash=h * 64, export_at=export_at)
    con.execute(
        "update files set export_time_rule = $r, file_name = $n where file_hash = $h",
        {"r": rule, "n": name or f"{h}.csv", "h": h * 64},
    )


def states(con):
    return con.execute(
        f"select dossier_code, status_class, finished_at, source_file_hash "
        f"from {STAGING}.dossiers order by 1"
    ).fetchall()


def full_rebuild(con):
    con.execute(f"drop table if exists {STAGING}.dossier_sources")
    update_dossiers(con)
    return states(con)


# --- sub-folders (SPEC §2) ------------------------------------------------------------------


def test_sub_folders_are_read_and_named_by_relative_path(tmp_path):
    (tmp_path / "Tháng 5" / "tuần 1").mkdir(parents=True)
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "db" / "runs" / "run-x").mkdir(parents=True)
    for rel in (
        "a.csv",
        "Tháng 5/b.xlsx",
        "Tháng 5/tuần 1/c.html",
        ".hidden/d.csv",
        "out/indicators.csv",
        "db/runs/run-x/e.html",
        "ghi chú.txt",
    ):
        (tmp_path / rel).write_text("x", encoding="utf-8")
    found, ignored = ingest.discover(tmp_path, skip=[tmp_path / "out", tmp_path / "db" / "runs"])
    assert [ingest.relative_name(p, tmp_path) for p in found] == [
        "Tháng 5/b.xlsx",
        "Tháng 5/tuần 1/c.html",
        "a.csv",
    ]
    assert [ingest.relative_name(p, tmp_path) for p in ignored] == ["ghi chú.txt"]


# --- modification-time exports never move a dossier backwards (SPEC §5) ----------------------


def test_an_mtime_export_never_moves_a_dossier_backwards_incrementally_or_in_full():
    con = connect(":memory:")
    add(con, [dossier("A", "pending"), dossier("B", "pending")], "1", "2026-03-05 00:00:00")
    add(
        con,
        [dossier("A", "finished", "2026-03-09"), dossier("D", "refused")],
        "2",
        "2026-03-10 00:00:00",
    )
    update_dossiers(con)
    # an old export re-saved today: its export time is its mtime, the newest of all
    add(
        con,
        [
            dossier("A", "pending"),
            dossier("B", "finished", "2026-03-08"),
            dossier("C", "pending"),
            dossier("D", "pending"),
        ],
        "3",
        "2026-06-01 09:00:00",
        rule="file_mtime",
        name="Tháng 3/cu.xlsx",
    )
    update_dossiers(con)
    incremental = states(con)
    assert [(c, s, h[0]) for c, s, _, h in incremental] == [
        ("A", "finished", "2"),  # kept its result: the mtime file would have undone it
        ("B", "finished", "3"),  # moving forward through an mtime file is fine
        ("C", "pending", "3"),
        ("D", "refused", "2"),  # a final state without a result date is a result too
    ]
    assert full_rebuild(con) == incremental

    warnings = file_checks.mtime_warnings(con, ["3" * 64])
    assert [(w.code, w.file, w.count, w.examples) for w in warnings] == [
        ("export_time_from_mtime", "Tháng 3/cu.xlsx", 2, ("A", "D"))
    ]
    assert "ngày sửa tệp" in warnings[0].message


def test_without_an_mtime_file_the_latest_export_wins_even_backwards():
    con = connect(":memory:")
    add(con, [dossier("A", "finished", "2026-03-09")], "1", "2026-03-10 00:00:00")
    add(con, [dossier("A", "pending")], "2", "2026-03-12 00:00:00", rule="title_block")
    update_dossiers(con)
    assert states(con)[0][1] == "pending"
    assert file_checks.mtime_warnings(con, ["2" * 64]) == []


# --- same-time conflicts (SPEC §5) -----------------------------------------------------------


def test_same_time_conflicts_are_settled_by_hash_and_listed():
    con = connect(":memory:")
    at = "2026-04-16 08:30:00"
    add(con, [dossier("A", "pending"), dossier("B", "pending"), dossier("C", "pending")], "1", at)
    add(
        con,
        [dossier("A", "finished", "2026-04-01"), dossier("B", "pending"), dossier("D", "pending")],
        "2",
        at,
        name="ban sua.csv",
    )
    update_dossiers(con)
    assert states(con)[0][1] == "finished"  # the higher content hash wins
    warnings = file_checks.conflict_warnings(con)
    assert len(warnings) == 1
    w = warnings[0]
    assert (w.code, w.file, w.count, w.examples) == ("snapshot_conflict", "ban sua.csv", 1, ("A",))
    assert "'1.csv'" in w.message and "'ban sua.csv'" in w.message


def test_an_agreeing_copy_at_the_same_time_is_no_conflict():
    con = connect(":memory:")
    add(con, [dossier("A", "pending")], "1", "2026-04-16 08:30:00")
    add(con, [dossier("A", "pending")], "2", "2026-04-16 08:30:00")
    update_dossiers(con)
    assert file_checks.conflict_warnings(con) == []


# --- coverage (SPEC §8) ----------------------------------------------------------------------


def _months_of_receptions(until: date) -> list[dict]:
    return [
        dossier(f"R{d}", "pending", received=f"{date.fromordinal(d):%Y-%m-%d} 08:00")
        for d in range(until.toordinal() - 80, until.toordinal() + 1, 3)
    ]


def test_exports_that_stop_before_the_window_end_are_warned():
    con = connect(":memory:")
    add(con, _months_of_receptions(date(2026, 3, 10)), "1", "2026-03-10 17:00:00")
    update_dossiers(con)
    april = Window("period", date(2026, 3, 15), date(2026, 4, 14))
    [w] = file_checks.coverage_warnings(con, april)
    assert w.code == "window_not_covered" and w.file is None
    assert "10/03/2026 17:00" in w.message and "14/04/2026" in w.message


def test_no_receptions_in_the_last_14_days_is_warned_even_with_a_late_export():
    con = connect(":memory:")
    rows = _months_of_receptions(date(2026, 3, 10))
    add(con, rows, "1", "2026-04-20 17:00:00")
    update_dossiers(con)
    [w] = file_checks.coverage_warnings(con, Window("period", date(2026, 3, 1), date(2026, 3, 31)))
    last = max(date.fromisoformat(r["received_at"][:10]) for r in rows)
    assert "14 ngày cuối kỳ" in w.message and f"muộn nhất ngày {last:%d/%m/%Y}" in w.message


def test_a_covered_window_is_not_warned():
    con = connect(":memory:")
    add(con, _months_of_receptions(date(2026, 3, 31)), "1", "2026-04-01 08:00:00")
    update_dossiers(con)
    window = Window("period", date(2026, 3, 1), date(2026, 3, 31))
    assert file_checks.coverage_warnings(con, window) == []


# --- a load failure is that file's (SPEC §8) -------------------------------------------------


def test_a_file_whose_loading_raises_leaves_nothing_behind(tmp_path):
    good = builders.write_export(
        tmp_path,
        "tot",
        "xlsx_openpyxl",
        [builders.dossier_sheet(builders.records(4), title=builders.TITLE)],
    )
    result, _, con = builders.read_and_load(good)
    before = con.execute("select count(*) from snapshot_rows").fetchall()[0][0]
    other = builders.write_export(
        tmp_path, "hong", "xlsx_openpyxl", [builders.dossier_sheet(builders.records(5))]
    )
    broken = builders.read_export(other, builders.vocab())
    # rows the staging SQL cannot read (a column of the wrong type): a real DuckDB error
    broken.rows = pa.table({"row_number": pa.array([1, 2]), "dossier_code": pa.array([1.5, 2.5])})
    with pytest.raises(duckdb.Error) as exc:
        load_file(con, broken, file_name="Tháng 5/hong.xlsx")
    assert con.execute("select count(*) from snapshot_rows").fetchall()[0][0] == before
    assert con.execute("select count(*) from files").fetchall()[0][0] == 1
    refusal = ingest.load_refusal(broken.path, exc.value)
    assert refusal.error == type(exc.value).__name__
    assert refusal.error in refusal.reason and "không được nạp" in refusal.reason
    # the connection still works for the next file
    load_file(con, builders.read_export(other, builders.vocab()), file_name="Tháng 5/hong.xlsx")
    assert con.execute("select file_name from files order by 1").fetchall() == [
        ("Tháng 5/hong.xlsx",),
        ("tot.xlsx",),
    ]
    assert result.file_hash


# --- forget (SPEC §7) ------------------------------------------------------------------------


def _tables(con):
    tables = {
        t: con.execute(f"select * from {t} order by all").fetchall()
        for t in ("snapshot_rows", "rejects", f"{STAGING}.dossiers")
    }
    tables["files"] = con.execute("select * exclude (loaded_at) from files order by all").fetchall()
    return tables


def test_forget_then_rebuild_equals_never_having_loaded_the_file():
    def load(con, with_mistake):
        add(con, [dossier("A", "pending"), dossier("B", "pending")], "1", "2026-03-05 00:00:00")
        if with_mistake:
            add(
                con,
                [dossier("A", "withdrawn", "2026-03-06")],
                "9",
                "2026-03-07 00:00:00",
                name="nhầm/x.csv",
            )
        add(con, [dossier("B", "finished", "2026-03-08")], "2", "2026-03-09 00:00:00")
        update_dossiers(con)

    never = connect(":memory:")
    load(never, with_mistake=False)
    con = connect(":memory:")
    load(con, with_mistake=True)
    assert states(con) != states(never)
    removed = inventory.forget(con, ["nhầm/x.csv"])
    assert [f.file_name for f in removed] == ["nhầm/x.csv"]
    update_dossiers(con)
    assert _tables(con) == _tables(never)


def test_forget_by_hash_prefix_and_refusals():
    con = connect(":memory:")
    add(con, [dossier("A", "pending")], "a", "2026-03-05 00:00:00")
    add(con, [dossier("B", "pending")], "b", "2026-03-05 00:00:00")
    with pytest.raises(inventory.ForgetError, match="Không có tệp"):
        inventory.forget(con, ["khong-co.csv"])
    with pytest.raises(inventory.ForgetError, match="ít nhất 6"):
        inventory.forget(con, ["aaa"])
    # an unknown key among known ones removes nothing (one transaction, all or none)
    with pytest.raises(inventory.ForgetError):
        inventory.forget(con, ["a" * 8, "zzzzzzzz"])
    assert len(inventory.loaded_files(con)) == 2
    inventory.forget(con, ["A" * 8])
    assert [f.file_name for f in inventory.loaded_files(con)] == ["b.csv"]
