"""The DuckDB file: opening it, its schema, and where the SQL files live."""

from __future__ import annotations

from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
SQL_DIR = ROOT / "sql"


def sql_text(name: str) -> str:
    """The text of ``sql/<name>.sql`` (``name`` like ``indicators/indicators``)."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def connect(path: Path | str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (and create) the database file with hoso's tables and macros in place."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    if not read_only:
        con.execute(sql_text("schema/tables"))
        con.execute(sql_text("staging/macros"))
    return con
