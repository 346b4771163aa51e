"""The loaded files (``hoso files``) and removing one loaded by mistake (``hoso forget``).

A file that leaves the exports folder stays loaded: the folder is an inbox, not the history.
Forgetting deletes a file's rows from ``files``, ``snapshot_rows`` and ``rejects`` in one
transaction; the next run rebuilds the dossier states without it (pipelines.transform).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb

#: The shortest hash prefix ``hoso forget`` accepts (shorter ones match too much by chance).
MIN_PREFIX = 6

RULE_LABELS = {
    "title_block": "tiêu đề",
    "file_name": "tên tệp",
    "file_mtime": "ngày sửa tệp",
}


@dataclass(frozen=True)
class LoadedFile:
    """One row of ``hoso files``: a loaded file and the runs that loaded it."""

    file_hash: str
    file_name: str
    export_at: datetime
    export_time_rule: str
    rows_loaded: int
    loaded_at: datetime
    runs: tuple[str, ...]


def loaded_files(con: duckdb.DuckDBPyConnection) -> list[LoadedFile]:
    """Every loaded file, by name (one row per file_hash)."""
    rows = con.execute(
        """
        select f.file_hash, f.file_name, f.export_at, f.export_time_rule, f.rows_loaded,
               f.loaded_at, coalesce(list(r.run_id order by r.run_id)
                                     filter (where r.run_id is not null), [])
        from files as f left join run_files as r using (file_hash)
        group by all
        order by f.file_name, f.file_hash
        """
    ).fetchall()
    return [LoadedFile(*row[:6], tuple(row[6])) for row in rows]


class ForgetError(ValueError):
    """A key names no loaded file, or more than one: nothing was removed."""


def resolve(con: duckdb.DuckDBPyConnection, keys: Sequence[str]) -> list[LoadedFile]:
    """The loaded files named by ``keys``: a file name (relative path) or a hash prefix."""
    files = loaded_files(con)
    chosen: dict[str, LoadedFile] = {}
    for key in keys:
        text = key.strip().replace("\\", "/")
        by_name = [f for f in files if f.file_name == text]
        by_hash = (
            [f for f in files if f.file_hash.startswith(text.lower())]
            if len(text) >= MIN_PREFIX
            else []
        )
        matches = by_name or by_hash
        if not matches:
            raise ForgetError(
                f"Không có tệp đã nạp nào tên hoặc mã băm '{key}'. Xem danh sách bằng "
                f"'hoso files' (mã băm cần ít nhất {MIN_PREFIX} ký tự)."
            )
        if len(matches) > 1:
            listed = ", ".join(f"{f.file_hash[:12]} ({f.file_name})" for f in matches)
            raise ForgetError(f"'{key}' khớp với nhiều tệp: {listed}. Hãy dùng mã băm dài hơn.")
        chosen[matches[0].file_hash] = matches[0]
    return list(chosen.values())


def forget(con: duckdb.DuckDBPyConnection, keys: Sequence[str]) -> list[LoadedFile]:
    """Remove the named files' rows in one transaction; returns the files removed."""
    targets = resolve(con, keys)
    con.execute("begin transaction")
    try:
        for f in targets:
            params = {"h": f.file_hash}
            con.execute("delete from snapshot_rows where file_hash = $h", params)
            con.execute("delete from rejects where file_hash = $h", params)
            con.execute("delete from run_files where file_hash = $h", params)
            con.execute("delete from files where file_hash = $h", params)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return targets
