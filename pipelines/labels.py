"""Vietnamese labels of internal names, from ``pipelines/vocab/labels.toml``.

Stored values (run.json, the database, CSV headers) keep their English names; these labels are
applied at display time only. An unknown name is shown as it is, never hidden.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

LABELS_FILE = Path(__file__).resolve().parent / "vocab" / "labels.toml"


@cache
def _table(section: str) -> dict[str, str]:
    with LABELS_FILE.open("rb") as f:
        return dict(tomllib.load(f)[section])


def column_label(name: str) -> str:
    """``received_at`` → ``Ngày tiếp nhận``."""
    return _table("columns").get(name, name)


def outcome_label(outcome: str | None) -> str:
    """``published`` → ``đã công bố`` (a run's outcome)."""
    return _table("outcomes").get(outcome or "", outcome or "?")


def overdue_kind_label(kind: str) -> str:
    """``pending_overdue`` → ``Đang giải quyết quá hạn``."""
    return _table("overdue_kinds").get(kind, kind)
