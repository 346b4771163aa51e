"""staging.dossiers is brought up to date with the new files only, and equals a full rebuild."""

from __future__ import annotations

from pipelines.db import connect
from pipelines.transform import STAGING, update_dossiers
from tests.support import insert_canonical


def dossier(code, status, finished=None):
    return {
        "dossier_code": code,
        "channel": "online",
        "status": status,
        "received_at": "2026-03-02 08:00",
        "due_at": "2026-03-10",
        "finished_at": finished,
        "is_digitized": "1",
        "has_e_result": "",
    }


def table(con):
    return con.execute(
        f"select dossier_code, status_class, finished_at, source_file_hash "
        f"from {STAGING}.dossiers order by 1"
    ).fetchall()


def test_new_files_update_only_their_dossiers_and_match_a_full_rebuild():
    con = connect(":memory:")
    insert_canonical(
        con,
        [dossier("A", "pending"), dossier("B", "pending")],
        file_hash="1" * 64,
        export_at="2026-03-05 00:00:00",
    )
    update_dossiers(con)
    insert_canonical(
        con,
        [dossier("A", "finished", "2026-03-09")],
        file_hash="2" * 64,
        export_at="2026-03-10 00:00:00",
    )
    # an older export arriving late changes nothing: the latest export wins
    insert_canonical(
        con,
        [dossier("B", "finished", "2026-03-03")],
        file_hash="3" * 64,
        export_at="2026-03-01 00:00:00",
    )
    update_dossiers(con)
    incremental = table(con)
    assert [(c, s) for c, s, _, _ in incremental] == [("A", "finished"), ("B", "pending")]

    con.execute(f"drop table {STAGING}.dossier_sources")  # forces a full rebuild
    update_dossiers(con)
    assert table(con) == incremental


def test_a_deleted_file_forces_a_full_rebuild():
    con = connect(":memory:")
    insert_canonical(con, [dossier("A", "pending")], file_hash="1" * 64)
    insert_canonical(
        con,
        [dossier("A", "finished", "2026-03-09")],
        file_hash="2" * 64,
        export_at="2026-04-20 00:00:00",
    )
    update_dossiers(con)
    assert table(con)[0][1] == "finished"
    con.execute("delete from snapshot_rows where file_hash = $h", {"h": "2" * 64})
    con.execute("delete from files where file_hash = $h", {"h": "2" * 64})
    update_dossiers(con)
    assert table(con)[0][1] == "pending"
