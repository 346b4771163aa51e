"""Read results → DuckDB: the ``files``, ``snapshot_rows`` and ``rejects`` tables.

Each file is loaded in one transaction: its parsed rows, its rejects and its ``files`` row
appear together or not at all. Values are parsed by ``sql/parse/parsed_rows.sql``.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pyarrow as pa

from pipelines.db import sql_text
from pipelines.read import ReadResult
from pipelines.vocab import Vocabulary


@dataclass(frozen=True)
class LoadStats:
    """Row accounting of one loaded file: ``rows_read = loaded + rejected + skipped``."""

    rows_read: int
    rows_loaded: int
    rows_rejected: int
    rows_skipped: int
    rows_duplicate: int


def known_hashes(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Content hashes of the files already loaded."""
    return {h for (h,) in con.execute("select file_hash from files").fetchall()}


def register_vocabulary(con: duckdb.DuckDBPyConnection, vocab: Vocabulary) -> None:
    """The value vocabularies as temporary tables, for ``parsed_rows.sql``."""
    tables = {
        "vocab_channels": pa.table(
            {"word_key": list(vocab.channels), "channel": list(vocab.channels.values())}
        ),
        "vocab_statuses": pa.table(
            {"word_key": list(vocab.statuses), "status_class": list(vocab.statuses.values())}
        ),
        "vocab_flags": pa.table(
            {"word_key": list(vocab.flags), "flag_value": list(vocab.flags.values())}
        ),
    }
    for name, table in tables.items():
        con.register(f"{name}_arrow", table)
        con.execute(f"create or replace temp table {name} as select * from {name}_arrow")
        con.unregister(f"{name}_arrow")


def load_file(
    con: duckdb.DuckDBPyConnection, result: ReadResult, file_name: str | None = None
) -> LoadStats:
    """Parse and store one file's rows, in one transaction. The vocabulary must be registered.

    ``file_name`` is the name recorded for the file (its path relative to the exports folder);
    the file's own name by default. Any error rolls the whole file back and is raised.
    """
    name = file_name or result.path.name
    params = {"file_hash": result.file_hash}
    con.execute("begin transaction")
    try:
        con.register("incoming_rows", result.rows)
        con.execute("create or replace temp table parsed_rows as " + sql_text("parse/parsed_rows"))
        con.unregister("incoming_rows")
        con.execute(
            """
            insert into snapshot_rows
            select $file_hash, row_number, dossier_code, procedure_code, procedure_name,
                   sector_name, unit_name, channel, status_class, received_at, due_at,
                   finished_at, is_digitized, has_e_result
            from parsed_rows where len(problems) = 0
            """,
            params,
        )
        con.execute(
            """
            insert into rejects
            select $file_hash, $file_name, $sheet, row_number,
                   p.problem, p.column_name, left(p.value, 80)
            from (select row_number, unnest(problems) as p from parsed_rows)
            """,
            params | {"file_name": name, "sheet": result.sheet},
        )
        loaded, rejected, duplicate = con.execute(
            """
            select count(*) filter (where len(problems) = 0),
                   count(*) filter (where len(problems) > 0),
                   count(*) filter (where len(problems) = 0)
                     - count(distinct dossier_code) filter (where len(problems) = 0)
            from parsed_rows
            """
        ).fetchall()[0]
        stats = LoadStats(result.rows_read, loaded, rejected, result.rows_skipped, duplicate)
        con.execute(
            """
            insert into files values ($file_hash, $file_name, $kind, $sheet, $export_at,
                $rule, $read, $loaded, $rejected, $skipped, $duplicate, $header_rows,
                $ignored_headers, $ignored_sheets, $loaded_at)
            """,
            params
            | {
                "file_name": name,
                "kind": result.kind,
                "sheet": result.sheet,
                "export_at": result.export_at,
                "rule": result.export_time_rule,
                "read": stats.rows_read,
                "loaded": loaded,
                "rejected": rejected,
                "skipped": stats.rows_skipped,
                "duplicate": duplicate,
                "header_rows": result.header_rows,
                "ignored_headers": result.ignored_headers,
                "ignored_sheets": result.ignored_sheets,
                "loaded_at": datetime.now().replace(microsecond=0),
            },
        )
        con.execute("drop table parsed_rows")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        with contextlib.suppress(Exception):
            con.unregister("incoming_rows")
        raise
    return stats
