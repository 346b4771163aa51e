"""Helpers of the tests: the export writers (re-exported from :mod:`tests.exports`, the one
writer of synthetic exports) and reading and loading a fixture into an in-memory database.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines import db
from pipelines.load import LoadStats, load_file, register_vocabulary
from pipelines.read import ReadResult, read_export
from pipelines.vocab import Vocabulary, load_vocabulary
from tests.exports import *  # noqa: F403  (every public name of the writer, as before)
from tests.exports import __all__ as _writer_names
from tests.exports.hostile import _central_header, _dir_entry, _local_header  # noqa: F401

__all__ = [
    *_writer_names,
    "assert_accounting",
    "connect",
    "read_and_load",
    "rejects",
    "snapshot",
    "vocab",
]

_VOCAB: list[Vocabulary] = []


def vocab() -> Vocabulary:
    if not _VOCAB:
        _VOCAB.append(load_vocabulary())
    return _VOCAB[0]


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory hoso database with the vocabulary registered."""
    con = db.connect(":memory:")
    con.execute("set threads = 1")  # a few rows: more threads only cost scheduling
    register_vocabulary(con, vocab())
    return con


def read_and_load(
    path: Path, con: duckdb.DuckDBPyConnection | None = None
) -> tuple[ReadResult, LoadStats, duckdb.DuckDBPyConnection]:
    """Read a file and load it; the row accounting is checked on every fixture loaded."""
    con = con or connect()
    result = read_export(path, vocab())
    stats = load_file(con, result)
    assert_accounting(result, stats)
    return result, stats, con


def snapshot(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """snapshot_rows without the file hash, ordered by row number."""
    rel = con.sql("select * exclude (file_hash) from snapshot_rows order by row_number")
    return rel.to_arrow_table().to_pylist()


def rejects(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "select row_number, problem, column_name, value from rejects order by all"
    ).fetchall()


def assert_accounting(result: ReadResult, stats: LoadStats) -> None:
    """rows_read = rows_loaded + rows_rejected + rows_skipped (SPEC §3), on both sides."""
    assert result.rows_read == result.rows.num_rows + result.rows_skipped
    assert stats.rows_read == result.rows_read
    assert stats.rows_read == stats.rows_loaded + stats.rows_rejected + stats.rows_skipped
