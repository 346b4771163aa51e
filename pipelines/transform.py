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

#: Derived tables in build order: (table, SQL file).
LAYERS: tuple[tuple[str, str], ...] = (
    ("dossiers", "staging/dossiers"),
    ("indicators", "indicators/indicators"),
    ("overdue", "indicators/overdue"),
)

#: Run parameters, bound into the SQL by name.
#:   unknown_group — group_value of dossiers without a unit, sector or procedure
#:   all_by_rules  — count every dossier window by window (slow; the tests compare both ways)
PARAMETERS = {"unknown_group": UNKNOWN_GROUP, "all_by_rules": False}


def build_tables(
    con: duckdb.DuckDBPyConnection, windows: Sequence[Window], *, all_by_rules: bool = False
) -> dict[str, int]:
    """Build dossiers, indicators and overdue in schema ``staging``; return their row counts.

    ``all_by_rules``: count every dossier window by window (slow; for the tests).
    """
    parameters = PARAMETERS | {"all_by_rules": all_by_rules}
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
    counts = {}
    con.execute(f"set search_path = '{STAGING},main'")
    try:
        for table, sql_file in LAYERS:
            sql = sql_text(sql_file)
            params = {k: v for k, v in parameters.items() if f"${k}" in sql}
            con.execute(f"create or replace table {STAGING}.{table} as {sql}", params)
            counts[table] = con.execute(f"select count(*) from {STAGING}.{table}").fetchall()[0][0]
    finally:
        con.execute("set search_path = 'main'")
    return counts
