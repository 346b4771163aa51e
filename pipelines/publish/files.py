"""Plain output files: CSV (UTF-8 with BOM, safe for Excel) and JSON."""

from __future__ import annotations

import io
import json
import os
import zipfile
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


def write_fixed_zip(data: bytes, path: Path, stamp: datetime) -> None:
    """Rewrite a zip package (xlsx, docx) with every entry dated ``stamp``, so that its bytes
    depend only on its content; replace ``path`` atomically."""
    fixed = io.BytesIO()
    date_time = (stamp.year, stamp.month, stamp.day, 0, 0, 0)
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 3
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(fixed.getvalue())
    os.replace(tmp, path)
