"""Swap a complete, validated set of outputs in one step; recover from an interrupted swap.

Outputs are built in a sibling staging folder (``.out.staging-<run>``), marked complete, then
swapped with the published folder by two renames. A run interrupted between the renames is
finished or undone by :func:`recover` at the start of the next run, so the folder always holds
one complete set: the old one or the new one.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

COMPLETE_MARKER = ".complete"


def staging_dir(out: Path, run_id: str) -> Path:
    """A fresh folder beside ``out`` to build the outputs of run ``run_id`` in."""
    path = out.parent / f".{out.name}.staging-{run_id}"
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def _siblings(out: Path, kind: str) -> list[Path]:
    if not out.parent.exists():
        return []
    return sorted(out.parent.glob(f".{out.name}.{kind}-*"))


def recover(out: Path) -> None:
    """Finish or undo a swap that a crash interrupted, then clear leftovers."""
    if not out.exists():
        complete = [p for p in _siblings(out, "staging") if (p / COMPLETE_MARKER).exists()]
        olds = _siblings(out, "old")
        if complete:
            os.replace(complete[-1], out)
        elif olds:
            os.replace(olds[-1], out)
    for leftover in _siblings(out, "staging") + _siblings(out, "old"):
        shutil.rmtree(leftover, ignore_errors=True)


def swap_dir(staged: Path, out: Path) -> None:
    """Make ``staged`` the published folder ``out``; the old one is removed afterwards."""
    (staged / COMPLETE_MARKER).write_text("ok\n", encoding="utf-8")
    old = out.parent / f".{out.name}.old-{staged.name.rsplit('-', 1)[-1]}"
    if out.exists():
        os.replace(out, old)
    os.replace(staged, out)
    (out / COMPLETE_MARKER).unlink(missing_ok=True)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


def swap_tables(con: duckdb.DuckDBPyConnection, tables: tuple[str, ...], schema: str) -> None:
    """Replace the published tables by the staged ones in one transaction."""
    con.execute("begin transaction")
    try:
        for table in tables:
            con.execute(f"create or replace table main.{table} as select * from {schema}.{table}")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
