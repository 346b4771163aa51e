"""One reader per file kind, all returning the same shape: sheets of text cells.

A :class:`Sheet` is a name plus a loader that returns a :class:`pyarrow.Table` of string
columns ``c0 … cN`` whose row ``i`` is row ``first_row + i`` of the sheet (1-based, as Excel
numbers rows). Cells keep their text; Excel date cells come as ISO text
(``2026-03-19 00:05:00``); empty cells are null. Nothing here knows what a dossier is.
"""

from __future__ import annotations

import csv
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pyarrow as pa

from pipelines.read.sniff import FileRefused


@dataclass(frozen=True)
class Sheet:
    """One table of a file: ``load(n_rows)`` returns its cells as string columns."""

    name: str
    load: Callable[[int | None], pa.Table]
    first_row: int = 1


def _as_table(batch: object) -> pa.Table:
    table = pa.table(batch) if not isinstance(batch, pa.Table) else batch
    return table.rename_columns([f"c{i}" for i in range(table.num_columns)])


# --- Excel (.xlsx, .xlsm, BIFF .xls): calamine through fastexcel, columnar ---------------------


#: The names the Excel reader expects for each kind; it picks its parser by the name.
_EXCEL_SUFFIXES = {"xlsx": (".xlsx", ".xlsm"), "xls": (".xls",)}


def excel_sheets(path: Path, kind: str = "xlsx") -> Iterator[Sheet]:
    """The sheets of a workbook, read by fastexcel (calamine) as text, columnar.

    The reader chooses its parser by the file name, so a file whose name does not match its
    content (an .xlsx saved as .xls) is handed over as bytes, which it sniffs itself. Each sheet
    is parsed once: the reader reads a whole sheet even for its first rows, so the first load
    keeps the table for the next.
    """
    import fastexcel

    source: str | bytes = str(path)
    if path.suffix.lower() not in _EXCEL_SUFFIXES.get(kind, ()):
        source = path.read_bytes()
    try:
        reader = fastexcel.read_excel(source)
    except Exception as exc:  # calamine raises its own error types
        raise FileRefused(
            f"Không mở được bảng tính ({_short(exc)}). Tệp có thể bị hỏng, tải về chưa hết "
            "hoặc có mật khẩu. Hãy xuất lại tệp từ hệ thống."
        ) from exc

    def loader(index: int) -> Callable[[int | None], pa.Table]:
        cache: list[pa.Table] = []

        def load(n_rows: int | None) -> pa.Table:
            if not cache:
                try:
                    sheet = reader.load_sheet(index, header_row=None, skip_rows=0, dtypes="string")
                    cache.append(_as_table(sheet.to_arrow()))
                except Exception as exc:
                    raise FileRefused(
                        f"Không đọc được trang tính số {index + 1} ({_short(exc)}). "
                        "Hãy mở tệp bằng Excel, lưu lại dạng .xlsx rồi chạy lại."
                    ) from exc
            return cache[0] if n_rows is None else cache[0].slice(0, n_rows)

        return load

    for index, name in enumerate(reader.sheet_names):
        yield Sheet(name=name, load=loader(index))


# --- CSV: DuckDB's reader, all text ----------------------------------------------------------

#: Separators a CSV export may use; the one that splits the sample into the most fields wins.
CSV_SEPARATORS = (",", ";", "\t")

_NOT_UTF8 = (
    "Tệp CSV không phải mã UTF-8 (có thể là mã cũ như TCVN3/VNI/Windows-1258), "
    "nên không đọc chắc chắn được chữ tiếng Việt. Hãy mở tệp bằng Excel và lưu lại "
    "dạng 'CSV UTF-8 (phân tách bằng dấu phẩy)'."
)


def _csv_layout(sample: str) -> tuple[str, int]:
    """The separator of a CSV sample and the widest row it shows (quotes respected)."""
    lines = sample.splitlines(keepends=True)
    if len(lines) > 1:
        lines = lines[:-1]  # the last line of a sample may be cut
    best = (",", 1)
    for sep in CSV_SEPARATORS:
        try:
            widest = max((len(r) for r in csv.reader(lines, delimiter=sep)), default=1)
        except csv.Error:
            continue
        if widest > best[1]:
            best = (sep, widest)
    return best


def csv_sheets(path: Path, head: bytes) -> Iterator[Sheet]:
    """A CSV file as one sheet; UTF-8 with or without BOM, comma or semicolon.

    Rows are the file's records (a quoted field may hold separators and line breaks). Lines
    that are entirely empty are not records: DuckDB's reader passes over them.
    """
    sample = head.removeprefix(b"\xef\xbb\xbf")
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # not just a character cut at the sample's end
            raise FileRefused(_NOT_UTF8) from exc
        text = sample[: exc.start].decode("utf-8")
    sep, widest = _csv_layout(text)

    def read(con: duckdb.DuckDBPyConnection, width: int) -> pa.Table:
        return con.read_csv(
            str(path),
            header=False,
            sep=sep,
            quotechar='"',
            escapechar='"',
            null_padding=True,
            strict_mode=False,
            auto_detect=False,
            parallel=False,  # quoted line breaks with null padding need the serial reader
            columns={f"c{i}": "VARCHAR" for i in range(width)},
        ).to_arrow_table()

    cache: list[pa.Table] = []

    def load(n_rows: int | None) -> pa.Table:
        if not cache:
            cache.append(_read_csv_table(read, widest))
        return cache[0] if n_rows is None else cache[0].slice(0, n_rows)

    yield Sheet(name="CSV", load=load)


_ENGINE: list[duckdb.DuckDBPyConnection] = []
_ENGINE_LOCK = threading.Lock()


def _csv_engine() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB for reading CSV files; each read takes its own cursor (threads)."""
    with _ENGINE_LOCK:
        if not _ENGINE:
            _ENGINE.append(duckdb.connect())
        return _ENGINE[0]


def _read_csv_table(
    read: Callable[[duckdb.DuckDBPyConnection, int], pa.Table], widest: int
) -> pa.Table:
    """The whole file, read once (the first rows are not cheaper to read alone)."""
    con = _csv_engine().cursor()
    try:
        # DuckDB drops the fields beyond the declared columns: read wider until the last
        # declared column is empty in every row.
        width = widest + 1
        while True:
            table = read(con, width)
            if table.num_rows == 0 or table.column(width - 1).null_count == table.num_rows:
                break
            width *= 2
        return _as_table(_drop_empty_tail(table))
    except duckdb.Error as exc:
        if "unicode" in str(exc).lower():
            raise FileRefused(_NOT_UTF8) from exc
        raise FileRefused(
            f"Không đọc được tệp CSV ({_short(exc)}). Hãy kiểm tra tệp là CSV mã UTF-8, "
            "phân tách bằng dấu phẩy hoặc chấm phẩy."
        ) from exc
    finally:
        con.close()


def _drop_empty_tail(table: pa.Table) -> pa.Table:
    """The table without its trailing columns that are empty in every row."""
    keep = table.num_columns
    while keep > 1 and table.column(keep - 1).null_count == table.num_rows:
        keep -= 1
    return table.select(range(keep))


# --- HTML tables (often saved as .xls) ------------------------------------------------------


class _TableParser(HTMLParser):
    """Collects every <table> as a grid, honouring colspan/rowspan (value in the top-left)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str | None]]] = []
        self.preamble: list[str] = []
        self._stack: list[dict] = []  # open tables: {"cells": {(r, c): v}, "taken": set, "r": int}
        self._cell: list[str] | None = None
        self._span = (1, 1)
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "table":
            self._stack.append({"cells": {}, "taken": set(), "r": -1})
        elif tag == "tr" and self._stack:
            self._stack[-1]["r"] += 1
        elif tag in ("td", "th") and self._stack:
            a = dict(attrs)
            self._cell = []
            self._span = (_int(a.get("colspan")), _int(a.get("rowspan")))
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in ("td", "th") and self._stack and self._cell is not None:
            self._place(" ".join("".join(self._cell).split()) or None)
            self._cell = None
        elif tag == "table" and self._stack:
            t = self._stack.pop()
            self.tables.append(_cells_to_grid(t["cells"], t["r"] + 1))

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._cell is not None:
            self._cell.append(data)
        elif not self._stack and data.strip():
            self.preamble.append(" ".join(data.split()))

    def _place(self, value: str | None) -> None:
        t = self._stack[-1]
        r = max(t["r"], 0)
        col = 0
        while (r, col) in t["taken"]:
            col += 1
        colspan, rowspan = self._span
        for dr in range(rowspan):
            for dc in range(colspan):
                t["taken"].add((r + dr, col + dc))
        t["cells"][(r, col)] = value


def _cells_to_grid(cells: dict[tuple[int, int], str | None], n_rows: int) -> list[list[str | None]]:
    width = max((c for _, c in cells), default=-1) + 1
    grid: list[list[str | None]] = [[None] * width for _ in range(max(n_rows, 0))]
    for (r, c), v in cells.items():
        if r < len(grid):
            grid[r][c] = v
    return grid


def _int(v: str | None) -> int:
    try:
        return max(1, min(int(v or 1), 1000))
    except ValueError:
        return 1


def _decode_html(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        m = re.search(rb"charset=[\"']?([A-Za-z0-9_-]+)", data[:4096])
        encoding = m.group(1).decode() if m else "windows-1258"
        try:
            return data.decode(encoding, errors="replace")
        except LookupError:
            return data.decode("windows-1258", errors="replace")


def parse_html_tables(data: bytes) -> tuple[list[list[list[str | None]]], list[str]]:
    """Every table of an HTML document as a grid, and the text outside tables."""
    parser = _TableParser()
    parser.feed(_decode_html(data))
    parser.close()
    grids = [g for g in parser.tables if any(any(c for c in r) for r in g)]
    return grids, parser.preamble


def html_sheets(path: Path) -> tuple[list[Sheet], list[str]]:
    """An HTML export as sheets (one per table), and its text outside tables."""
    grids, preamble = parse_html_tables(path.read_bytes())
    sheets = []
    for i, grid in enumerate(grids):
        table = grid_to_table(grid)
        sheets.append(
            Sheet(name=f"Bảng {i + 1}", load=lambda n, t=table: t if n is None else t.slice(0, n))
        )
    return sheets, preamble


def grid_to_table(grid: list[list[str | None]]) -> pa.Table:
    """A list of rows of text cells → a table of string columns ``c0 … cN``."""
    width = max((len(r) for r in grid), default=0)
    columns = {
        f"c{j}": pa.array([r[j] if j < len(r) else None for r in grid], pa.string())
        for j in range(width)
    }
    return pa.table(columns)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]
