"""Swap a complete, validated set of outputs in one step; recover from an interrupted swap.

Outputs are built in a sibling draft folder (``.out.draft-<run>``), marked complete, then
swapped with the published folder by two renames. A run interrupted between the renames is
finished or undone by :func:`recover` at the start of the next run, so the folder always holds
one complete set: the old one or the new one.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb

COMPLETE_MARKER = ".complete"
#: Name part of a draft folder; ``staging`` is the name earlier versions gave it (still recovered).
DRAFT = "draft"
_DRAFTS = (DRAFT, "staging")


def draft_dir(out: Path, run_id: str) -> Path:
    """A fresh folder beside ``out`` to build the outputs of run ``run_id`` in."""
    path = out.parent / f".{out.name}.{DRAFT}-{run_id}"
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def _siblings(out: Path, *kinds: str) -> list[Path]:
    if not out.parent.exists():
        return []
    return sorted(p for kind in kinds for p in out.parent.glob(f".{out.name}.{kind}-*"))


def _run_id(folder: Path) -> str | None:
    """The run that wrote ``folder`` (its run.json ``run_id``), or None."""
    try:
        return json.loads((folder / "run.json").read_text(encoding="utf-8")).get("run_id")
    except (OSError, ValueError, AttributeError):
        return None


def recover(out: Path, published: Callable[[str], bool] | None = None) -> None:
    """Finish or undo a swap that a crash interrupted, then clear leftovers.

    ``published(run_id)`` says whether a run's tables were committed (its ``runs`` row says
    published). With it, the folder whose run is published wins — the tables and the folder
    then belong to the same run even when the crash fell between the folder swap and the
    commit of the tables. Without it (or when no candidate is published), a complete new set
    is finished, else the old one is put back.
    """
    candidates = [
        *([out] if out.exists() else []),
        *reversed(_siblings(out, "old")),
        *(p for p in reversed(_siblings(out, *_DRAFTS)) if (p / COMPLETE_MARKER).exists()),
    ]
    chosen = None
    if published is not None:
        chosen = next(
            (c for c in candidates if (run := _run_id(c)) is not None and published(run)), None
        )
    if chosen is not None and chosen != out:
        if out.exists():
            shutil.rmtree(out)
        os.replace(chosen, out)
    elif not out.exists():
        complete = [p for p in _siblings(out, *_DRAFTS) if (p / COMPLETE_MARKER).exists()]
        olds = _siblings(out, "old")
        if complete:
            os.replace(complete[-1], out)
        elif olds:
            os.replace(olds[-1], out)
    (out / COMPLETE_MARKER).unlink(missing_ok=True)
    for leftover in _siblings(out, *_DRAFTS, "old"):
        shutil.rmtree(leftover, ignore_errors=True)


class SwapFailed(RuntimeError):
    """The published folder could not be replaced (a file in it held open): nothing changed.

    ``message`` is Vietnamese and names the file(s) to close.
    """

    def __init__(self, message: str, error: str) -> None:
        super().__init__(message)
        self.message = message
        self.error = error


def held_files(out: Path) -> list[str]:
    """The files of ``out`` that another program holds (cannot be opened for writing)."""
    held = []
    if not out.is_dir():
        return held
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        try:
            with path.open("r+b"):
                pass
        except OSError:
            held.append(path.relative_to(out).as_posix())
    return held


def swap_dir(draft: Path, out: Path, *, keep_old: bool = False) -> Path | None:
    """Make ``draft`` the published folder ``out``; the old one is removed afterwards, or
    with ``keep_old`` left beside it (returned) until the caller's tables are committed.

    When a rename fails (on Windows, a file in ``out`` open in Excel), the old folder is put
    back and :class:`SwapFailed` names the file to close; ``draft`` is left as it is.
    """
    (draft / COMPLETE_MARKER).write_text("ok\n", encoding="utf-8")
    old = out.parent / f".{out.name}.old-{draft.name.rsplit('-', 1)[-1]}"
    moved = False
    try:
        if out.exists():
            os.replace(out, old)
            moved = True
        os.replace(draft, out)
    except OSError as exc:
        if moved and not out.exists():
            os.replace(old, out)
        (draft / COMPLETE_MARKER).unlink(missing_ok=True)
        held = held_files(out) or ["indicators.xlsx"]
        names = ", ".join(f"'{out / name}'" for name in held)
        raise SwapFailed(
            f"Không thay được thư mục kết quả {out}: tệp {names} có thể đang mở (trong Excel "
            "hoặc chương trình khác). Hãy đóng tệp đó rồi chạy lại. Số liệu đã công bố trước "
            "đây được giữ nguyên, cả trong thư mục lẫn trong cơ sở dữ liệu.",
            type(exc).__name__,
        ) from exc
    (out / COMPLETE_MARKER).unlink(missing_ok=True)
    if keep_old:
        return old if old.exists() else None
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)
    return None


def swap_tables(
    con: duckdb.DuckDBPyConnection,
    tables: tuple[str, ...],
    schema: str,
    before_commit: Callable[[], None] | None = None,
) -> None:
    """Replace the published tables by the draft ones in one transaction.

    ``before_commit`` runs inside the transaction (the folder swap): when it raises, the
    tables are rolled back, so tables and folder always belong to the same run.
    """
    con.execute("begin transaction")
    try:
        for table in tables:
            con.execute(f"create or replace table main.{table} as select * from {schema}.{table}")
        if before_commit is not None:
            before_commit()
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
