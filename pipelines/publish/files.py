"""Plain output files: CSV (UTF-8 with BOM, safe for Excel) and JSON."""

from __future__ import annotations

import io
import json
import os
import struct
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

#: A text cell starting with one of these is a formula to Excel: written with a leading quote.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def write_csv(source: duckdb.DuckDBPyRelation | pd.DataFrame, path: Path) -> None:
    """UTF-8 with BOM (Excel opens Vietnamese correctly), ISO dates, '.' decimals.

    Written by DuckDB's own CSV writer, each line built in SQL so that the bytes are those of
    Python's ``csv`` minimal quoting: a field is quoted only when it holds a comma, a double
    quote or a line feed; NULL and NaN are empty; doubles read as Python's ``repr``; dates and
    timestamps as ``YYYY-MM-DD``; text that Excel would take for a formula gets a leading
    apostrophe. Rows keep the order of ``source``; one line per row, ``\\n`` line endings.
    """
    relation = duckdb.from_df(source) if isinstance(source, pd.DataFrame) else source
    fields = [
        _csv_field(_identifier(name), str(kind))
        for name, kind in zip(relation.columns, relation.types, strict=True)
    ]
    header = "\ufeff" + ",".join(_quoted(name) for name in relation.columns)
    line = f"concat_ws(',', {', '.join(fields)})"
    path.parent.mkdir(parents=True, exist_ok=True)
    # one column, no quoting by DuckDB: the line is already a CSV record
    relation.select(f"{line} as {_identifier(header)}").write_csv(
        str(path), header=True, quotechar="", escapechar="", sep="\x01"
    )


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quoted(text: str) -> str:
    """Python ``csv`` minimal quoting (delimiter ``,``, line terminator ``\\n``)."""
    if any(ch in text for ch in ',"\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


_SQL_PREFIXES = ", ".join(f"'{p}'" for p in FORMULA_PREFIXES)
_INTEGER_TYPES = frozenset(
    {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"}
    | {"UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT"}
)


def _csv_field(column: str, kind: str) -> str:
    """SQL that renders one value of ``column`` (DuckDB type ``kind``) as a CSV field."""
    if kind == "VARCHAR":
        text = f"if(left({column}, 1) in ({_SQL_PREFIXES}), '''' || {column}, {column})"
        needs_quotes = (
            f"contains({column}, ',') or contains({column}, '\"') or contains({column}, chr(10))"
        )
        quoted = f"'\"' || replace({text}, '\"', '\"\"') || '\"'"
        return f"coalesce(if({needs_quotes}, {quoted}, {text}), '')"
    if kind == "DATE" or kind.startswith("TIMESTAMP"):
        return f"coalesce(strftime({column}, '%Y-%m-%d'), '')"
    if kind == "DOUBLE":
        return f"coalesce(if(isnan({column}), '', {column}::varchar), '')"
    if kind in _INTEGER_TYPES:
        return f"coalesce({column}::varchar, '')"
    if kind == "NULL":  # a column of a frame holding nothing
        return "''"
    if kind == "BOOLEAN":
        return f"coalesce(case when {column} then 'True' when not {column} then 'False' end, '')"
    raise ValueError(f"Không ghi được cột {column} (kiểu {kind}) ra tệp CSV.")


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


def write_redated_zip(data: bytes, path: Path, stamp: datetime) -> None:
    """:func:`write_fixed_zip` for a package that Python's zipfile deflated at its default
    level (xlsxwriter's): the same bytes without a second compression, by rewriting each
    entry's date, system and permissions in place. A package of another shape (data
    descriptors, extra fields, zip64) goes through :func:`write_fixed_zip`."""
    fixed = _redated(data, stamp)
    if fixed is None:
        write_fixed_zip(data, path, stamp)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(fixed)
    os.replace(tmp, path)


def _redated(data: bytes, stamp: datetime) -> bytes | None:
    """``data`` with every entry dated ``stamp`` (00:00), made on Unix, mode 0644; ``None``
    when an entry is not a plain deflated one (the in-place rewrite would not be exact)."""
    buf = bytearray(data)
    end = buf.rfind(b"PK\x05\x06")
    if end < 0 or end + 22 > len(buf):
        return None
    count, _size, pos = struct.unpack_from("<HII", buf, end + 10)
    dos_date = ((stamp.year - 1980) << 9) | (stamp.month << 5) | stamp.day
    for _ in range(count):
        if buf[pos : pos + 4] != b"PK\x01\x02":
            return None
        flags, method = struct.unpack_from("<HH", buf, pos + 8)
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", buf, pos + 28)
        local = struct.unpack_from("<I", buf, pos + 42)[0]
        if flags != 0 or method != zipfile.ZIP_DEFLATED or extra_len or comment_len:
            return None
        if buf[local : local + 4] != b"PK\x03\x04" or struct.unpack_from("<H", buf, local + 28)[0]:
            return None
        buf[pos + 5] = 3  # made by: Unix, whatever system wrote it
        struct.pack_into("<HH", buf, pos + 12, 0, dos_date)
        struct.pack_into("<I", buf, pos + 38, 0o644 << 16)
        struct.pack_into("<HH", buf, local + 10, 0, dos_date)
        pos += 46 + name_len + extra_len + comment_len
    return bytes(buf)
