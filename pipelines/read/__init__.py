"""File → canonical rows + row accounting. The only stage that knows what an export looks like.

:func:`read_export` finds the dossier sheet and its header, drops personal columns, skips the
rows that are not dossiers (blank, column numbers, totals, signatures, group rows) and returns
the remaining rows as text columns with canonical names. Values are parsed later, in DuckDB
(``sql/parse/parsed_rows.sql``), so that a bad value becomes a rejected row with a reason.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from pipelines.data_warnings import DataWarning
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
from pipelines.read.values import settle_values
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
    #: what the reader decided about the data (SPEC §8: csv_damaged, error_cell,
    #: code_normalised), for the run's warnings
    warnings: list[DataWarning] = field(default_factory=list)


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
        return list(excel_sheets(path, kind)), []
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
    """A required column as the user knows it: its usual header (and its stand-in's)."""
    fallback = vocab.fallbacks.get(column)
    label = f"'{vocab.labels.get(column, column)}'"
    if fallback:
        return f"{label} (hoặc '{vocab.labels.get(fallback, fallback)}')"
    return label


def _blank_to_null(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    """Cell text trimmed; blank → null."""
    trimmed = pc.utf8_trim_whitespace(arr)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def _nfc(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    """Text in NFC: exports from some systems and legacy charsets decompose diacritics, and a
    name must be the same text in every file. Normalised once per distinct value."""
    if arr.null_count == len(arr) or pc.all(pc.string_is_ascii(arr)).as_py() is not False:
        return arr
    chunks = []
    for chunk in arr.dictionary_encode().chunks:
        chunks.append(pc.take(pc.utf8_normalize(chunk.dictionary, "NFC"), chunk.indices))
    return pa.chunked_array(chunks, pa.string())


def _trimmed_columns(
    data: pa.Table, keep: set[int]
) -> tuple[dict[int, pa.ChunkedArray], pa.ChunkedArray, pa.ChunkedArray]:
    """Each column trimmed (blank → null) one at a time: the trimmed columns ``keep`` asks
    for, the first non-empty cell of each row and how many cells of each row are filled.
    A column hoso does not keep (personal data, ignored headers) is never held trimmed."""
    kept: dict[int, pa.ChunkedArray] = {}
    first_cell: pa.ChunkedArray | None = None
    filled: pa.ChunkedArray | None = None
    for j in range(data.num_columns):
        column = _blank_to_null(data.column(j))
        valid = column.is_valid().cast(pa.int32())
        filled = valid if filled is None else pc.add(filled, valid)
        first_cell = column if first_cell is None else pc.coalesce(first_cell, column)
        if j in keep:
            kept[j] = column
    if first_cell is None or filled is None:
        empty = pa.chunked_array([pa.array([], pa.string())])
        return kept, empty, pa.chunked_array([pa.array([], pa.int32())])
    return kept, first_cell, filled


def _skipped_rows(
    cells: dict[int, pa.ChunkedArray],
    first_cell: pa.ChunkedArray,
    filled: pa.ChunkedArray,
    match: HeaderMatch,
    vocab: Vocabulary,
) -> pa.ChunkedArray:
    """Which rows below the header are not dossiers (SPEC §3), as a boolean mask.

    Skipped: rows whose dossier code and reception date are both empty; rows whose first
    non-empty cell is a total/group label (*Tổng cộng*, *Xã, phường*) or that hold a single
    cell of words (a group row spanning the table: a unit name), unless a reception date is
    filled; and, once a signature label (*Người lập biểu*) has been seen, every later row
    without a reception date (the signature block: *(Ký, ghi rõ họ tên)*, signers' names).
    A row with a reception date is always a dossier row, so a dossier is never dropped because
    of what its first cell says; a row holding only a code is a dossier row too (rejected).
    """
    n = len(first_cell)
    received_j = match.columns.get("received_at", match.columns.get("submitted_at"))
    code_blank = pc.is_null(cells[match.columns["dossier_code"]])
    if received_j is None:
        received_blank = pa.chunked_array([pa.array([True] * n, pa.bool_())])
    else:
        received_blank = pc.is_null(cells[received_j])
    # a group row: one cell holding a name (a dossier code has no space in it)
    group_row = pc.and_(pc.equal(filled, 1), pc.match_substring_regex(first_cell, r"\s"))
    label_row = pc.or_(label_mask(first_cell, skip_label_keys(vocab)), group_row)
    footer_label = label_mask(first_cell, vocab.footer_labels).cast(pa.int32())
    in_footer = pc.greater(pc.cumulative_sum(footer_label), 0)
    return pc.or_(
        pc.and_(code_blank, received_blank),
        pc.and_(pc.or_(label_row, in_footer), received_blank),
    )


def read_export(path: Path, vocab: Vocabulary, *, digest: str | None = None) -> ReadResult:
    """Read one export file into canonical text rows, or raise :class:`FileRefused`."""
    with path.open("rb") as f:
        head = f.read(HEAD_BYTES)
    kind = sniff_kind(path, head)
    sheets, preamble = _sheets(path, kind, head)
    sheet, match, top, ignored_sheets = _choose_sheet(sheets, vocab)
    if match.ambiguous:
        detail = "; ".join(
            ", ".join(f"'{n}'" for n in ns) + f" (đều là cột '{vocab.labels.get(c, c)}')"
            for c, ns in match.ambiguous.items()
        )
        raise FileRefused(
            f"Trang tính '{sheet.name}' có nhiều cột cùng nghĩa, không biết dùng cột nào: "
            f"{detail}. Hãy xóa hoặc đổi tên cột thừa.",
            sheet=sheet.name,
            headers=match.headers,
        )
    if kind == "html":  # tables above the list are part of its title block
        for above in sheets[: sheets.index(sheet)]:
            preamble = preamble + [c for row in _top_rows(above.load(40)) for c in row if c]
    exported_at, rule = export_time(
        path, preamble + title_block(top, match), vocab.export_time_labels
    )

    # memory: the sheet's table lives only until its cells are trimmed; the columns hoso keeps
    # are filtered to the dossier rows before they are normalised (one copy each)
    table = sheet.load(None)
    sheet.release()
    rows_read = table.slice(match.header_start + match.header_rows).num_rows
    data = table.slice(match.data_start)
    del table
    n_data = data.num_rows
    mapped = {j for j in match.columns.values() if j < data.num_columns}
    cells, first_cell, filled = _trimmed_columns(data, mapped)
    del data
    keep = pc.invert(_skipped_rows(cells, first_cell, filled, match, vocab))
    del first_cell, filled
    first_row_number = sheet.first_row + match.data_start
    row_numbers = pa.array(range(first_row_number, first_row_number + n_data), pa.int64())
    kept = pc.sum(keep.cast(pa.int64())).as_py() or 0

    columns: dict[str, pa.ChunkedArray] = {"row_number": pc.filter(row_numbers, keep)}
    for name in CANONICAL_COLUMNS:
        j = match.columns.get(name)
        if j is None or j not in cells:
            columns[name] = pa.chunked_array([pa.nulls(kept, pa.string())])
        else:
            columns[name] = pc.fill_null(_nfc(pc.filter(cells[j], keep)), "")
    del cells
    out = pa.table(columns)
    out, warnings = settle_values(out, vocab, path.name, formulas=kind in ("xlsx", "xls"))
    # the sheet's table and the intermediate columns are freed; give their memory back to the
    # system rather than keep it in Arrow's pool while the rows are loaded (peak memory)
    pa.default_memory_pool().release_unused()
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
        warnings=list(sheet.warnings) + warnings,
    )
