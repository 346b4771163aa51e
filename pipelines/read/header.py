"""Find the header of a dossier list and map its columns to canonical names (SPEC §2).

Works on the top rows of a sheet as plain lists of text. A header is one row, or two rows where
the upper row holds merged group cells: a column's name is then its lower cell, or its upper
cell when the lower one is empty (a cell that spans both rows keeps its name in the upper one).
The candidate that recognises the most columns wins; a single row wins a tie.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from pipelines.vocab import Vocabulary, normalize_key

#: How many rows from the top may hold the title block and the header.
HEADER_SEARCH_ROWS = 30

_NUMBER_CELL = re.compile(r"^\(?\s*\d{1,3}\s*\)?$")
SPECIAL = ("personal", "ignored")


@dataclass(frozen=True)
class HeaderMatch:
    """Where the header is and what each column means.

    ``columns`` maps a canonical column to its 0-based column index; ``data_start`` is the
    index of the first row below the header (and below a column-number row, if any).
    """

    header_start: int
    header_rows: int
    data_start: int
    number_row: bool
    columns: dict[str, int]
    headers: list[str]
    names: list[str]
    ignored: list[str] = field(default_factory=list)
    personal: list[int] = field(default_factory=list)
    ambiguous: dict[str, list[str]] = field(default_factory=dict)

    def missing(self, vocab: Vocabulary) -> list[str]:
        """Required columns not found (a fallback column stands in for its column)."""
        return [
            c
            for c in vocab.required
            if c not in self.columns and vocab.fallbacks.get(c) not in self.columns
        ]


def _cell(row: list[str | None], j: int) -> str:
    """A header or title cell's text: NFC, white space collapsed."""
    v = row[j] if j < len(row) else None
    return " ".join(unicodedata.normalize("NFC", str(v)).split()) if v is not None else ""


def _names(rows: list[list[str | None]], start: int, height: int) -> list[str]:
    width = max(len(rows[i]) for i in range(start, start + height))
    names = []
    for j in range(width):
        upper = _cell(rows[start], j)
        lower = _cell(rows[start + 1], j) if height == 2 else ""
        names.append(lower or upper)
    return names


def _score(names: list[str], vocab: Vocabulary) -> tuple[int, int]:
    targets = [vocab.column_for(n) for n in names if n]
    canonical = {t for t in targets if t and t not in SPECIAL}
    known = sum(1 for t in targets if t)
    return len(canonical), known


def is_number_row(row: list[str | None]) -> bool:
    """A row of column numbers under the header: ``(1) (2) (3)…`` or ``1 2 3…``."""
    cells = [_cell(row, j) for j in range(len(row))]
    filled = [c for c in cells if c]
    if len(filled) < 3 or not all(_NUMBER_CELL.match(c) for c in filled):
        return False
    numbers = [int(re.sub(r"\D", "", c)) for c in filled]
    return numbers == sorted(numbers) and len(set(numbers)) == len(numbers)


def find_header(rows: list[list[str | None]], vocab: Vocabulary) -> HeaderMatch | None:
    """The best header among the top rows, or None when no row looks like a header."""
    best: tuple[tuple[int, int, int], int, int] | None = None
    top = min(len(rows), HEADER_SEARCH_ROWS)
    for start in range(top):
        for height in (1, 2):
            if start + height > len(rows):
                continue
            canonical, known = _score(_names(rows, start, height), vocab)
            key = (canonical, known, -height)
            if known >= 2 and (best is None or key > best[0]):
                best = (key, start, height)
    if best is None:
        return None
    _, start, height = best
    names = _names(rows, start, height)
    columns: dict[str, int] = {}
    seen: dict[str, list[str]] = defaultdict(list)
    ignored, personal = [], []
    for j, name in enumerate(names):
        if not name:
            continue
        target = vocab.column_for(name)
        if target is None:
            ignored.append(name)
        elif target == "personal":
            personal.append(j)
        elif target == "ignored":
            continue
        else:
            seen[target].append(name)
            columns.setdefault(target, j)
    data_start = start + height
    number_row = data_start < len(rows) and is_number_row(rows[data_start])
    return HeaderMatch(
        header_start=start,
        header_rows=height,
        data_start=data_start + (1 if number_row else 0),
        number_row=number_row,
        columns=columns,
        headers=[n for n in names if n],
        names=names,
        ignored=ignored,
        personal=personal,
        ambiguous={c: ns for c, ns in seen.items() if len(ns) > 1},
    )


def title_block(rows: list[list[str | None]], match: HeaderMatch) -> list[str]:
    """The non-empty text cells above the header, row by row."""
    return [_cell(r, j) for r in rows[: match.header_start] for j in range(len(r)) if _cell(r, j)]


def skip_label_keys(vocab: Vocabulary) -> tuple[str, ...]:
    """Normalised labels that mark footer, total and group rows."""
    return tuple(k for k in vocab.skip_labels if k)


def is_label(text: object, labels: tuple[str, ...]) -> bool:
    """Whether a cell's text is (or starts with) one of the footer/total labels."""
    key = normalize_key(text)
    return any(key == label or key.startswith(label + " ") for label in labels)


def label_mask(cells: pa.ChunkedArray, labels: tuple[str, ...]) -> pa.ChunkedArray:
    """:func:`is_label` over a column, columnar (the same key as ``normalize_key``)."""
    key = pc.utf8_lower(pc.utf8_normalize(cells, "NFC"))
    key = pc.replace_substring(key, "đ", "d")
    key = pc.replace_substring_regex(pc.utf8_normalize(key, "NFD"), r"\p{Mn}+", "")
    key = pc.utf8_trim(pc.replace_substring_regex(key, r"[^0-9a-z]+", " "), " ")
    mask = pa.chunked_array([pa.array([False] * len(cells), pa.bool_())])
    for label in labels:
        hit = pc.or_(pc.equal(key, label), pc.starts_with(key, label + " "))
        mask = pc.or_(mask, pc.fill_null(hit, False))
    return mask
