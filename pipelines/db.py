"""The DuckDB file: opening it, its schema, and where the SQL files live."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import duckdb


def _code_root() -> Path:
    """The folder holding ``sql/`` and ``expectations/``.

    Installed from a wheel, they ship inside the package (``pipelines/sql``,
    ``pipelines/expectations``); in a source checkout or an editable install they are the
    top-level folders of the repository, beside the package.
    """
    package = Path(str(resources.files("pipelines")))
    return package if (package / "sql").is_dir() else package.parent


ROOT = _code_root()
SQL_DIR = ROOT / "sql"
EXPECTATIONS_DIR = ROOT / "expectations"


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
        con.execute(sql_text("parse/macros"))
    return con
