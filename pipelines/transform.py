"""Run the SQL of ``sql/`` in layer order, with bound parameters, into a staging schema.

The tables are built in schema ``staging`` and become the published tables of schema ``main``
only when :func:`pipelines.publish.swap_tables` runs after validation.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from pipelines.contract import UNKNOWN_GROUP
from pipelines.db import sql_text
from pipelines.periods import Window

STAGING = "staging"

#: Derived tables rebuilt whole on every run, in build order: (table, SQL file). The dossiers
#: table before them is kept up to date incrementally (:func:`update_dossiers`).
LAYERS: tuple[tuple[str, str], ...] = (
    ("indicators", "indicators/indicators"),
    ("overdue", "indicators/overdue"),
)

#: Run parameters, bound into the SQL by name.
#:   unknown_group — group_value of dossiers without a unit, sector or procedure
PARAMETERS = {"unknown_group": UNKNOWN_GROUP}


def build_tables(con: duckdb.DuckDBPyConnection, windows: Sequence[Window]) -> dict[str, int]:
    """Build dossiers, indicators and overdue in schema ``staging``; return their row counts."""
    con.execute(f"create schema if not exists {STAGING}")
    con.execute(
        f"create or replace table {STAGING}.report_windows "
        '("window" varchar, from_date date, to_date date)'
    )
    for w in windows:
        con.execute(
            f"insert into {STAGING}.report_windows values ($window, $from_date, $to_date)",
            {"window": w.kind, "from_date": w.from_date, "to_date": w.to_date},
        )
    counts = {"dossiers": update_dossiers(con)}
    con.execute(f"set search_path = '{STAGING},main'")
    try:
        for table, sql_file in LAYERS:
            sql = sql_text(sql_file)
            params = {k: v for k, v in PARAMETERS.items() if f"${k}" in sql}
            con.execute(f"create or replace table {STAGING}.{table} as {sql}", params)
            counts[table] = con.execute(f"select count(*) from {STAGING}.{table}").fetchall()[0][0]
    finally:
        con.execute("set search_path = 'main'")
    return counts


def update_dossiers(con: duckdb.DuckDBPyConnection) -> int:
    """Bring ``staging.dossiers`` (one row per dossier_code, its latest state) up to date.

    Only the dossiers that appear in files loaded since the table was last built are
    recomputed (a night's export, not the whole history); ``staging.dossier_sources`` lists the
    files the table reflects. When a reflected file is gone (deleted by hand), or the table is
    missing, it is rebuilt whole. One transaction: a crash leaves the previous state.
    """
    con.execute(f"create schema if not exists {STAGING}")
    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = $s and table_name in ('dossiers', 'dossier_sources')",
        {"s": STAGING},
    ).fetchall()[0][0]
    full = (
        exists < 2
        or con.execute(
            f"select count(*) from {STAGING}.dossier_sources anti join main.files using (file_hash)"
        ).fetchall()[0][0]
        > 0
    )
    sql = sql_text("dossiers/dossiers")
    con.execute("begin transaction")
    try:
        if full:
            con.execute("create or replace temp table changed_codes (dossier_code varchar)")
            con.execute(
                f"create or replace table {STAGING}.dossiers as {sql}", {"everything": True}
            )
            con.execute(
                f"create or replace table {STAGING}.dossier_sources as "
                "select file_hash from main.files"
            )
        else:
            con.execute(
                "create or replace temp table changed_codes as "
                "select distinct dossier_code from main.snapshot_rows "
                f"where file_hash in (select file_hash from main.files anti join "
                f"{STAGING}.dossier_sources using (file_hash))"
            )
            con.execute(
                f"delete from {STAGING}.dossiers "
                "where dossier_code in (select dossier_code from changed_codes)"
            )
            con.execute(f"insert into {STAGING}.dossiers {sql}", {"everything": False})
            con.execute(
                f"insert into {STAGING}.dossier_sources select file_hash from main.files "
                f"anti join {STAGING}.dossier_sources using (file_hash)"
            )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return con.execute(f"select count(*) from {STAGING}.dossiers").fetchall()[0][0]
