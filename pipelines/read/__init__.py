"""File → canonical rows + row accounting. The only stage that knows what an export looks like.

:func:`read_export` finds the dossier sheet and its header, drops personal columns, skips the
rows that are not dossiers (blank, column numbers, totals, signatures, group rows) and returns
the remaining rows as text columns with canonical names. Values are parsed later, in DuckDB
(``sql/staging/parsed_rows.sql``), so that a bad value becomes a rejected row with a reason.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from pipelines.read.export_time import export_time
from pipelines.read.header import (
    HeaderMatch,
    find_header,
    label_mask,
    skip_label_keys,
    title_block,
)
from pipelines.read.sheets import Sheet, csv_sheets, excel_sheets, html_sheets
from pipelines.read.sniff import FileRefused, is_candidate, sniff_kind
from pipelines.vocab import Vocabulary

__all__ = [
    "CANONICAL_COLUMNS",
    "FileRefused",
    "ReadResult",
    "file_hash",
    "is_candidate",
    "read_export",
]

#: Text columns handed to the loader, in this order. A column absent from the export is null
#: in every row; a present column's empty cells are "" (so "absent" and "blank" stay apart).
CANONICAL_COLUMNS: tuple[str, ...] = (
    "dossier_code",
    "procedure_code",
    "procedure_name",
    "sector_name",
    "unit_name",
    "channel",
    "online_flag",
    "received_at",
    "submitted_at",
    "due_at",
    "extended_due_at",
    "finished_at",
    "returned_at",
    "status",
    "is_digitized",
    "has_e_result",
)

HEAD_BYTES = 65536


@dataclass
class ReadResult:
    """One file read: its dossier rows (text) and the accounting of every row below the header.

    ``rows`` has one row per dossier row of the file, columns ``row_number`` and
    :data:`CANONICAL_COLUMNS`. ``rows_read = len(rows) + rows_skipped``.
    """

    path: Path
    file_hash: str
    kind: str
    sheet: str
    export_at: datetime
    export_time_rule: str
    rows: pa.Table
    rows_read: int
    rows_skipped: int
    header_rows: int
    columns: dict[str, str]
    ignored_headers: list[str] = field(default_factory=list)
    ignored_sheets: list[str] = field(default_factory=list)
    personal_columns: int = 0


def file_hash(path: Path) -> str:
    """SHA-256 of the file's bytes: a file already loaded is skipped without parsing."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _top_rows(table: pa.Table) -> list[list[str | None]]:
    cols = [c.to_pylist() for c in table.columns]
    return [list(r) for r in zip(*cols, strict=True)] if cols else []


def _sheets(path: Path, kind: str, head: bytes) -> tuple[list[Sheet], list[str]]:
    if kind in ("xlsx", "xls"):
        return list(excel_sheets(path)), []
    if kind == "html":
        return html_sheets(path)
    return list(csv_sheets(path, head)), []


def _choose_sheet(
    sheets: list[Sheet], vocab: Vocabulary
) -> tuple[Sheet, HeaderMatch, list[list[str | None]], list[str]]:
    found: list[tuple[Sheet, HeaderMatch, list[list[str | None]]]] = []
    partial: list[tuple[Sheet, HeaderMatch]] = []
    for sheet in sheets:
        top = _top_rows(sheet.load(40))
        match = find_header(top, vocab)
        if match is None:
            continue
        if match.missing(vocab):
            partial.append((sheet, match))
        else:
            found.append((sheet, match, top))
    if len(found) > 1:
        names = ", ".join(f"'{s.name}'" for s, _, _ in found)
        raise FileRefused(
            f"Tệp có nhiều trang tính đều giống danh sách hồ sơ ({names}), không biết nên đọc "
            "trang nào. Hãy để mỗi danh sách hồ sơ trong một tệp riêng."
        )
    if found:
        sheet, match, top = found[0]
        ignored = [s.name for s in sheets if s is not sheet]
        return sheet, match, top, ignored
    if partial:
        sheet, match = max(partial, key=lambda p: len(p[1].columns))
        missing = ", ".join(_missing_label(c, vocab) for c in match.missing(vocab))
        raise FileRefused(
            f"Trang tính '{sheet.name}' thiếu cột bắt buộc: {missing}. "
            f"Các tiêu đề tìm thấy: {', '.join(match.headers)}. Nếu cột có tên khác, hãy thêm "
            "tên đó vào mục [aliases] của hoso.toml.",
            sheet=sheet.name,
            headers=match.headers,
        )
    names = ", ".join(f"'{s.name}'" for s in sheets) or "(không có)"
    raise FileRefused(
        f"Không tìm thấy dòng tiêu đề của danh sách hồ sơ (cần các cột như Mã hồ sơ, Ngày tiếp "
        f"nhận, Hình thức nộp) trong các trang tính: {names}. Hãy kiểm tra đây có đúng là tệp "
        "danh sách hồ sơ không."
    )


def _missing_label(column: str, vocab: Vocabulary) -> str:
    fallback = vocab.fallbacks.get(column)
    label = f"'{column}'"
    return f"{label} (hoặc '{fallback}')" if fallback else label


def _blank_to_null(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    trimmed = pc.utf8_trim_whitespace(arr)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def read_export(path: Path, vocab: Vocabulary, *, digest: str | None = None) -> ReadResult:
    """Read one export file into canonical text rows, or raise :class:`FileRefused`."""
    with path.open("rb") as f:
        head = f.read(HEAD_BYTES)
    kind = sniff_kind(path, head)
    sheets, preamble = _sheets(path, kind, head)
    sheet, match, top, ignored_sheets = _choose_sheet(sheets, vocab)
    if match.ambiguous:
        detail = "; ".join(f"'{c}': {', '.join(ns)}" for c, ns in match.ambiguous.items())
        raise FileRefused(
            f"Trang tính '{sheet.name}' có nhiều cột cùng nghĩa, không biết dùng cột nào: "
            f"{detail}. Hãy xóa hoặc đổi tên cột thừa.",
            sheet=sheet.name,
            headers=match.headers,
        )
    exported_at, rule = export_time(
        path, preamble + title_block(top, match), vocab.export_time_labels
    )

    table = sheet.load(None)
    below = table.slice(match.header_start + match.header_rows)
    rows_read = below.num_rows
    data = table.slice(match.data_start)
    cells = [_blank_to_null(c) for c in data.columns]

    columns: dict[str, pa.ChunkedArray] = {}
    for name in CANONICAL_COLUMNS:
        j = match.columns.get(name)
        if j is None or j >= len(cells):
            columns[name] = pa.chunked_array([pa.nulls(data.num_rows, pa.string())])
        else:
            columns[name] = pc.fill_null(cells[j], "")

    # Which rows are dossiers (SPEC §3): not blank in both key cells, not a label row.
    received = match.columns.get("received_at", match.columns.get("submitted_at"))
    code_j = match.columns["dossier_code"]
    key_blank = pc.is_null(cells[code_j])
    if received is not None:
        key_blank = pc.and_(key_blank, pc.is_null(cells[received]))
    first_cell = pc.coalesce(*cells) if cells else pa.chunked_array([], pa.string())
    label_row = label_mask(first_cell, skip_label_keys(vocab))
    keep = pc.invert(pc.or_(key_blank, label_row))

    first_row_number = sheet.first_row + match.data_start
    row_numbers = pa.array(range(first_row_number, first_row_number + data.num_rows), pa.int64())
    out = pa.table({"row_number": row_numbers, **columns}).filter(keep)
    return ReadResult(
        path=path,
        file_hash=digest or file_hash(path),
        kind=kind,
        sheet=sheet.name,
        export_at=exported_at,
        export_time_rule=rule,
        rows=out,
        rows_read=rows_read,
        rows_skipped=rows_read - out.num_rows,
        header_rows=match.header_rows,
        columns={name: match.names[j] for name, j in match.columns.items()},
        ignored_headers=match.ignored,
        ignored_sheets=ignored_sheets,
        personal_columns=len(match.personal),
    )
