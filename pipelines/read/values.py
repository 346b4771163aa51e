"""Cell values the reader settles before the SQL sees them (SPEC §3), columnar (Arrow).

- dossier codes normalised in one place for every file kind: NFC, zero-width characters
  (U+200B–U+200D, U+2060, U+FEFF) removed, no-break spaces as spaces, Unicode dashes
  (U+2010–U+2015, U+2212) as ``-``; the SQL then trims and upper-cases them;
- Excel error values in a label column (unit, sector, procedure) blanked: the label is unknown,
  and the row is warned (``error_cell``); elsewhere they stay, and the SQL rejects the row
  naming the value (``is_excel_error`` in ``sql/parse/macros.sql``);
- due-date words meaning "no due date" (*Không quy định*, vocabulary data) blanked.
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

from pipelines.data_warnings import DataWarning
from pipelines.read.header import label_mask
from pipelines.vocab import Vocabulary

#: Excel error values, and a formula without a cached value (passed on as its text, '=…').
#: The same list as the SQL macro ``is_excel_error``.
EXCEL_ERROR = r"\s*(#(N/A|VALUE!|REF!|DIV/0!|NAME\?|NULL!|NUM!|SPILL!|CALC!|GETTING_DATA)|=.*)\s*"
#: The error values alone: in a text file (CSV, HTML) a cell starting with "=" is text as typed
#: (only a workbook's formula cell without a cached value reaches us as "=…").
ERROR_VALUE = r"\s*#(N/A|VALUE!|REF!|DIV/0!|NAME\?|NULL!|NUM!|SPILL!|CALC!|GETTING_DATA)\s*"
_EXCEL_ERROR = re.compile(EXCEL_ERROR, re.IGNORECASE | re.DOTALL)

_ZERO_WIDTH = r"[\x{200B}-\x{200D}\x{2060}\x{FEFF}]"
_DASHES = r"[\x{2010}-\x{2015}\x{2212}]"
_NO_BREAK_SPACES = r"[\x{00A0}\x{202F}\x{2007}]"
_ODD_CODE_CHARS = (
    r"[\x{200B}-\x{200D}\x{2060}\x{FEFF}\x{2010}-\x{2015}\x{2212}\x{00A0}\x{202F}\x{2007}]"
)

LABEL_COLUMNS = ("procedure_code", "procedure_name", "sector_name", "unit_name")
NO_DUE_COLUMNS = ("due_at", "extended_due_at")


def is_excel_error(text: str | None) -> bool:
    """Whether a cell's text is an Excel error value or a formula without a value."""
    return text is not None and _EXCEL_ERROR.fullmatch(text) is not None


def normalise_codes(codes: pa.ChunkedArray) -> pa.ChunkedArray:
    """Dossier codes as one identity (SPEC §3), before trimming and upper-casing in SQL."""
    out = pc.replace_substring_regex(codes, _ZERO_WIDTH, "")
    out = pc.replace_substring_regex(out, _NO_BREAK_SPACES, " ")
    return pc.replace_substring_regex(out, _DASHES, "-")


def merged_codes(
    raw: pa.ChunkedArray, normalised: pa.ChunkedArray, odd: pa.ChunkedArray
) -> dict[str, list[str]]:
    """Normalised code → the odd spellings that merged with another spelling of it.

    A code that was only cleaned (no other spelling of it in the file) is not a merge."""
    spellings: dict[str, set[str]] = {}
    odd_rows: dict[str, list[str]] = {}
    for r, n, o in zip(raw.to_pylist(), normalised.to_pylist(), odd.to_pylist(), strict=True):
        if r is None or n is None:
            continue
        key = n.strip().upper()
        spellings.setdefault(key, set()).add(r.strip(" \t\r\n").upper())
        if o:
            odd_rows.setdefault(key, []).append(r)
    return {k: v for k, v in odd_rows.items() if len(spellings[k]) > 1}


def _error_mask(arr: pa.ChunkedArray, formulas: bool) -> pa.ChunkedArray:
    candidates = pc.or_(
        pc.match_substring(arr, "#"), pc.starts_with(pc.utf8_ltrim_whitespace(arr), "=")
    )
    pattern = EXCEL_ERROR if formulas else ERROR_VALUE
    mask = pc.and_(
        pc.fill_null(candidates, False),
        pc.fill_null(pc.match_substring_regex(arr, "(?is)^" + pattern + "$"), False),
    )
    return mask


def settle_values(
    rows: pa.Table, vocab: Vocabulary, file: str, *, formulas: bool = True
) -> tuple[pa.Table, list[DataWarning]]:
    """The reader's rows with codes normalised, error labels and no-due words blanked; the
    warnings (``code_normalised``, ``error_cell``) with row numbers or codes as examples.

    ``formulas``: whether a label cell "=…" is a formula without a value (a workbook) rather
    than text as typed (CSV, HTML: a unit named "=X" stays a name, written safely on output)."""
    warnings: list[DataWarning] = []
    row_numbers = rows.column("row_number")

    codes = rows.column("dossier_code")
    odd = pc.fill_null(pc.match_substring_regex(codes, _ODD_CODE_CHARS), False)
    if pc.any(odd).as_py():
        raw = codes
        codes = normalise_codes(codes)
        merged = merged_codes(raw, codes, odd)
        if merged:
            n = sum(len(v) for v in merged.values())
            warnings.append(
                DataWarning.of(
                    "code_normalised",
                    file,
                    f"{n} dòng có mã hồ sơ viết kèm ký tự ẩn, dấu gạch khác (–, ‐, −) hoặc dấu "
                    "cách không ngắt trùng với một cách viết khác của cùng mã: hoso chuẩn hóa "
                    "mã và gộp chúng thành một hồ sơ.",
                    sorted(merged),
                    count=n,
                )
            )
        rows = rows.set_column(rows.schema.get_field_index("dossier_code"), "dossier_code", codes)

    bad_rows: dict[str, list[int]] = {}
    for name in LABEL_COLUMNS:
        arr = rows.column(name)
        if arr.null_count == len(arr):
            continue
        mask = _error_mask(arr, formulas)
        if not pc.any(mask).as_py():
            continue
        for value, row in zip(
            pc.filter(arr, mask).to_pylist(), pc.filter(row_numbers, mask).to_pylist(), strict=True
        ):
            bad_rows.setdefault(value.strip()[:40], []).append(row)
        rows = rows.set_column(
            rows.schema.get_field_index(name), name, pc.if_else(mask, pa.scalar(""), arr)
        )
    for value, numbers in sorted(bad_rows.items()):
        warnings.append(
            DataWarning.of(
                "error_cell",
                file,
                f"{len(numbers)} dòng có ô lỗi Excel '{value}' ở cột đơn vị, lĩnh vực hoặc thủ "
                "tục: hồ sơ vẫn được tính, nhóm đó ghi là không xác định. Hãy sửa công thức "
                "trong tệp hoặc xuất lại (ví dụ là số dòng).",
                sorted(numbers),
                count=len(numbers),
            )
        )

    if vocab.no_due_words:
        for name in NO_DUE_COLUMNS:
            arr = rows.column(name)
            if arr.null_count == len(arr):
                continue
            mask = label_mask(arr, vocab.no_due_words)
            if pc.any(mask).as_py():
                rows = rows.set_column(
                    rows.schema.get_field_index(name), name, pc.if_else(mask, pa.scalar(""), arr)
                )
    return rows, warnings
