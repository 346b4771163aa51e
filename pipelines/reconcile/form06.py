"""Read report form 06 (*Biểu số 06/VPCP/KSTT*) from a workbook exported by another system.

Any layout that carries the 13 numbered columns: a title block, merged header rows, the
column-number row ``(1) … (13)``, one row per sector with a total row, possibly roman-numeral
group rows and a signature footer; xlsx, BIFF or HTML-as-xls. The file kind and the grids come
from the dossier reader (:mod:`pipelines.read.sniff`, :mod:`pipelines.read.sheets`); the words
that find the table are data (``pipelines/vocab/form06.toml``).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

from pipelines.periods import PeriodError, parse_period, standard_month
from pipelines.read.sheets import excel_sheets, html_sheets
from pipelines.read.sniff import FileRefused, sniff_kind
from pipelines.vocab import VOCAB_DIR, normalize_key

#: Form 06 columns holding figures: (3) … (13).
FIGURE_COLUMNS: tuple[int, ...] = tuple(range(3, 14))

#: The identities of the form, as (total column, part columns).
IDENTITIES: tuple[tuple[int, tuple[int, ...]], ...] = (
    (3, (4, 5, 6)),
    (7, (8, 9, 10)),
    (11, (12, 13)),
    (3, (7, 11)),
)


class NotForm06(Exception):
    """The file holds no form 06 table; the message says what was looked for (Vietnamese)."""


@dataclass(frozen=True)
class FormRow:
    """One row of the table below the column-number row.

    ``kind`` is ``sector``, ``total`` or ``group`` (a roman-numeral or figure-less heading);
    ``values`` maps columns 3–13 to the figure read, None where the cell is not a number (listed
    in ``bad_cells`` with its text). A blank cell is 0, as the systems print it.
    """

    row_number: int
    label: str
    kind: str
    values: dict[int, int | None]
    bad_cells: tuple[tuple[int, str], ...] = ()


@dataclass
class FormSheet:
    """One form-06 table: its sheet, the window of its title (if any) and its rows."""

    name: str
    window: tuple[date, date] | None
    window_text: str | None
    rows: list[FormRow] = field(default_factory=list)


@dataclass(frozen=True)
class Form06Words:
    """The words of ``form06.toml``, as matching keys."""

    header_rows_above: int
    header: dict[str, tuple[str, ...]]
    total_labels: tuple[str, ...]
    footer_labels: tuple[str, ...]
    from_words: tuple[str, ...]
    to_words: tuple[str, ...]
    period_labels: tuple[str, ...]
    month_words: tuple[str, ...]
    quarter_words: tuple[str, ...]
    year_words: tuple[str, ...]
    column_labels: dict[int, str]
    channel_labels: dict[str, str]
    status_labels: dict[str, str]


@cache
def form06_words() -> Form06Words:
    """The committed form-06 vocabulary."""
    with (VOCAB_DIR / "form06.toml").open("rb") as f:
        data = tomllib.load(f)

    def keys(words: list[str]) -> tuple[str, ...]:
        return tuple(sorted({normalize_key(w) for w in words}, key=len, reverse=True))

    def raw(words: list[str]) -> tuple[str, ...]:
        return tuple(sorted(words, key=len, reverse=True))

    title = data["title"]
    return Form06Words(
        header_rows_above=int(data["header_rows_above"]),
        header={group: keys(words) for group, words in data["header"].items()},
        total_labels=keys(data["rows"]["total_labels"]),
        footer_labels=keys(data["rows"]["footer_labels"]),
        from_words=raw(title["from_words"]),
        to_words=raw(title["to_words"]),
        period_labels=raw(title["period_labels"]),
        month_words=raw(title["month_words"]),
        quarter_words=raw(title["quarter_words"]),
        year_words=raw(title["year_words"]),
        column_labels={int(k): v for k, v in data["columns"].items()},
        channel_labels=dict(data["labels"]["channels"]),
        status_labels=dict(data["labels"]["statuses"]),
    )


# --- the file --------------------------------------------------------------------------------


def read_form06(path: Path) -> list[FormSheet]:
    """Every form-06 table of the workbook ``path``, in sheet order.

    Raises :class:`NotForm06` when no sheet holds one (or the file cannot be read at all).
    """
    try:
        with path.open("rb") as f:
            head = f.read(65536)
        kind = sniff_kind(path, head)
        if kind in ("xlsx", "xls"):
            grids = [(s.name, _rows(s.load(None)), []) for s in excel_sheets(path, kind)]
        elif kind == "html":
            sheets, preamble = html_sheets(path)
            grids = [(s.name, _rows(s.load(None)), preamble) for s in sheets]
        else:
            raise NotForm06(
                "Tệp là văn bản CSV, không phải bảng tính biểu số 06. Hãy tải biểu 06 từ hệ "
                "thống dạng Excel (.xlsx hoặc .xls)."
            )
    except FileRefused as exc:
        raise NotForm06(exc.message) from exc
    except OSError as exc:
        raise NotForm06(f"Không mở được tệp ({exc.strerror or exc}).") from exc
    words = form06_words()
    found = []
    for name, grid, preamble in grids:
        table = find_table(grid, words)
        if table is not None:
            found.append(_read_sheet(name, grid, preamble, table, words))
    if not found:
        raise NotForm06(
            "Không tìm thấy biểu số 06 trong tệp: cần dòng số thứ tự cột (1) … (13) dưới các "
            "dòng tiêu đề 'Số hồ sơ nhận giải quyết', 'đã giải quyết', 'đang giải quyết'. "
            f"Các trang tính đã xem: {', '.join(n for n, _, _ in grids) or '(không có)'}."
        )
    return found


def _rows(table: object) -> list[list[str | None]]:
    columns = [c.to_pylist() for c in table.columns]  # type: ignore[attr-defined]
    rows = [list(r) for r in zip(*columns, strict=True)] if columns else []
    return [[_clean(v) for v in r] for r in rows]


def _clean(value: object) -> str | None:
    if value is None:
        return None
    text = " ".join(unicodedata.normalize("NFC", str(value)).split())
    return text or None


# --- the table -------------------------------------------------------------------------------

_NUMBER_CELL = re.compile(r"^\(?\s*(\d{1,2})\s*\)?$")


def _column_number(cell: str | None) -> int | None:
    text = (cell or "").removesuffix(".0")
    m = _NUMBER_CELL.match(text)
    return int(m.group(1)) if m else None


def find_table(grid: list[list[str | None]], words: Form06Words) -> tuple[int, int] | None:
    """(row index, column index) of the column-number cell ``(1)`` of a form-06 table, or None.

    The row must hold ``(1)`` … ``(13)`` in consecutive cells, and the rows above it at least one
    header word of each group of ``form06.toml``.
    """
    for r, row in enumerate(grid):
        for c in range(len(row) - 12):
            if all(_column_number(row[c + k]) == k + 1 for k in range(13)):
                above = grid[max(0, r - words.header_rows_above) : r]
                text = " ".join(normalize_key(v) for line in above for v in line if v)
                if all(any(w in text for w in group) for group in words.header.values()):
                    return r, c
    return None


def _read_sheet(
    name: str,
    grid: list[list[str | None]],
    preamble: list[str],
    table: tuple[int, int],
    words: Form06Words,
) -> FormSheet:
    number_row, first = table
    title_lines = list(preamble) + [" ".join(v for v in line if v) for line in grid[:number_row]]
    window, window_text = title_window(title_lines, words)
    sheet = FormSheet(name=name, window=window, window_text=window_text)
    for r in range(number_row + 1, len(grid)):
        line = grid[r]
        cells = [line[first + k] if first + k < len(line) else None for k in range(13)]
        first_text = next((v for v in line if v), None)
        if first_text is None:
            continue
        key = normalize_key(first_text)
        if any(key.startswith(w) for w in words.footer_labels):
            break
        row = _form_row(r + 1, cells, words)
        if row is not None:
            sheet.rows.append(row)
    return sheet


_ROMAN = re.compile(r"^[IVXLC]+\.?$")


def _number(text: str | None) -> tuple[int | None, bool]:
    """(value, ok) of a figure cell: blank is 0; ``1.234`` / ``1,234`` / ``12.0`` are read."""
    if text is None or text in ("-", "–"):
        return 0, True
    t = text.replace(" ", "")
    if re.fullmatch(r"\d+(\.0+)?", t):
        return int(float(t)), True
    if re.fullmatch(r"\d{1,3}([.,]\d{3})+", t):
        return int(re.sub(r"[.,]", "", t)), True
    return None, False


def _form_row(row_number: int, cells: list[str | None], words: Form06Words) -> FormRow | None:
    stt, label = cells[0], cells[1]
    values: dict[int, int | None] = {}
    bad: list[tuple[int, str]] = []
    for k, column in enumerate(FIGURE_COLUMNS, start=2):
        value, ok = _number(cells[k])
        values[column] = value
        if not ok:
            bad.append((column, cells[k] or ""))
    blank = all(cells[k] is None for k in range(2, 13))
    text = label or stt
    if text is None and blank:
        return None
    key = normalize_key(label or stt or "")
    if any(key == w or key.startswith(w + " ") for w in words.total_labels):
        kind = "total"
    elif (stt is not None and _ROMAN.match(stt)) or blank or label is None:
        kind = "group"
    else:
        kind = "sector"
    return FormRow(row_number, text or "", kind, values, tuple(bad))


# --- the window of the title ------------------------------------------------------------------

_DATE = r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})"


def _alternatives(words: tuple[str, ...]) -> str:
    return "|".join(r"\s+".join(re.escape(p) for p in w.split()) for w in words)


def title_window(
    lines: list[str], words: Form06Words | None = None
) -> tuple[tuple[date, date] | None, str | None]:
    """The window a title block states, and the text that stated it; (None, None) if none.

    ``Từ ngày dd/mm/yyyy đến ngày dd/mm/yyyy`` (any case, in parentheses or not), or
    ``Kỳ báo cáo: Tháng m/yyyy`` (the standard month, 15th to 14th), ``Quý I/yyyy``,
    ``Năm yyyy``.
    """
    words = words or form06_words()
    span = re.compile(
        rf"(?:{_alternatives(words.from_words)})\s*:?\s*{_DATE}\s*,?\s*"
        rf"(?:{_alternatives(words.to_words)})\s*:?\s*{_DATE}",
        re.IGNORECASE,
    )
    period = re.compile(
        rf"(?:{_alternatives(words.period_labels)})\s*:?\s*"
        rf"(?:(?P<m>{_alternatives(words.month_words)})\s*(?P<mn>\d{{1,2}})\s*[/-]\s*(?P<my>\d{{4}})"
        rf"|(?P<q>{_alternatives(words.quarter_words)})\s*(?P<qn>[IV]+|\d)\s*[/-]\s*(?P<qy>\d{{4}})"
        rf"|(?P<y>{_alternatives(words.year_words)})\s*(?P<yy>\d{{4}}))",
        re.IGNORECASE,
    )
    for line in lines:
        m = span.search(line)
        if m:
            try:
                a = date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
                b = date(int(m.group(6)), int(m.group(5)), int(m.group(4)))
            except ValueError:
                continue
            if a <= b:
                return (a, b), m.group(0)
    for line in lines:
        m = period.search(line)
        if not m:
            continue
        try:
            if m.group("m"):
                p = standard_month(int(m.group("my")), int(m.group("mn")))
            elif m.group("q"):
                q = m.group("qn").upper()
                n = {"I": 1, "II": 2, "III": 3, "IV": 4}.get(q) or int(q)
                p = parse_period(f"{m.group('qy')}-Q{n}")
            else:
                p = parse_period(m.group("yy"))
        except (PeriodError, ValueError):
            continue
        return (p.from_date, p.to_date), m.group(0)
    return None, None


def match_key(label: str) -> str:
    """The sector matching key of SPEC §3: NFC, inner whitespace collapsed, trimmed, case-folded.

    The same rule as the grouping of labels in SQL; written here so that the comparison does not
    depend on how the published figures spelled a sector.
    """
    return " ".join(unicodedata.normalize("NFC", label).split()).casefold()
