"""Plain output files: CSV (UTF-8 with BOM, safe for Excel) and JSON."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

#: A text cell starting with one of these is a formula to Excel: written with a leading quote.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """UTF-8 with BOM (Excel opens Vietnamese correctly), ISO dates, '.' decimals."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            text = values.astype("string")
            risky = text.str.startswith(FORMULA_PREFIXES, na=False)
            if risky.any():
                out[column] = values.where(~risky, "'" + text)
    out.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n", date_format="%Y-%m-%d")


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def write_json(data: Any, path: Path) -> None:
    """Indented UTF-8 JSON, Vietnamese kept readable."""
    path.write_text(
        json.dumps(data, ensure_ascii=False, indent=2, default=_default) + "\n", encoding="utf-8"
    )
