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
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.data_warnings import DataWarning
from pipelines.read.biff import ErrorCellsUnchecked, xls_error_cells
from pipelines.read.sniff import FileRefused


@dataclass(frozen=True)
class Sheet:
    """One table of a file: ``load(n_rows)`` returns its cells as string columns."""

    name: str
    load: Callable[[int | None], pa.Table]
    first_row: int = 1
    #: what reading the sheet decided about the data (SPEC §8), filled when it is loaded
    warnings: list[DataWarning] = field(default_factory=list)
    #: forgets the loaded table (the reader calls it once it holds the rows it keeps)
    release: Callable[[], None] = lambda: None


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

    def loader(index: int) -> tuple[Callable[[int | None], pa.Table], Callable[[], None]]:
        cache: list[pa.Table] = []

        def load(n_rows: int | None) -> pa.Table:
            if not cache:
                # error cells (xlsx): scanned in a thread beside the reader (both release the
                # GIL: zlib inflates, calamine parses), streamed, merged after the read
                scan = (
                    _ErrorCellScan(path, index)
                    if kind == "xlsx" and isinstance(source, str)
                    else None
                )
                try:
                    # eager: calamine's borrowed cells straight to one Arrow record batch
                    batch = reader.load_sheet(
                        index, header_row=None, skip_rows=0, dtypes="string", eager=True
                    )
                    table = _as_table(pa.Table.from_batches([batch]))
                    del batch
                    if scan is not None:
                        table = _with_error_cells(table, scan.result())
                    elif kind == "xls":
                        cells = xls_error_cells(path, reader.sheet_names[index])
                        table = _with_error_cells(table, cells)
                    cache.append(table)
                except ErrorCellsUnchecked as exc:
                    raise FileRefused(
                        f"Không kiểm tra được các ô lỗi (#N/A, #VALUE!…) của trang tính số "
                        f"{index + 1}: {exc}. Đọc tiếp thì các ô lỗi sẽ thành ô trống và số "
                        "liệu có thể sai. Hãy mở tệp bằng Excel, lưu lại dạng .xlsx rồi chạy lại."
                    ) from exc
                except Exception as exc:
                    raise FileRefused(
                        f"Không đọc được trang tính số {index + 1} ({_short(exc)}). "
                        "Hãy mở tệp bằng Excel, lưu lại dạng .xlsx rồi chạy lại."
                    ) from exc
            return cache[0] if n_rows is None else cache[0].slice(0, n_rows)

        return load, cache.clear

    for index, name in enumerate(reader.sheet_names):
        load, release = loader(index)
        yield Sheet(name=name, load=load, release=release)


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
            # a cell of a column hoso drops may be megabytes long (SPEC §8)
            max_line_size=MAX_CSV_LINE_BYTES,
        ).to_arrow_table()

    cache: list[pa.Table] = []
    warnings: list[DataWarning] = []

    def load(n_rows: int | None) -> pa.Table:
        if not cache:
            table = _read_csv_table(read, widest)
            _check_csv_damage(path, table, sep)
            warnings.extend(_cut_last_record(path, table, sep))
            cache.append(table)
        return cache[0] if n_rows is None else cache[0].slice(0, n_rows)

    yield Sheet(name="CSV", load=load, warnings=warnings, release=cache.clear)


#: The longest CSV record DuckDB reads (its default, 2 MiB, refuses a file for one long cell).
MAX_CSV_LINE_BYTES = 1 << 26


def _check_csv_damage(path: Path, table: pa.Table, sep: str) -> None:
    """Refuse a CSV whose quotes do not balance (SPEC §8 ``csv_damaged``), naming the line.

    An unbalanced ``"`` makes the reader swallow the following lines into one field. A field
    may legitimately hold a line break (a note typed on two lines), so a field is damage only
    when one of its inner lines holds a whole record: as many separators as the widest record
    has fields, less one.
    """
    width = table.num_columns
    if width < 2:
        return
    need = width - 1
    for j, column in enumerate(table.columns):
        breaks = pc.fill_null(pc.match_substring_regex(column, r"[\r\n]"), False)
        if not pc.any(breaks).as_py():
            continue
        indices = pc.indices_nonzero(breaks).to_pylist()
        for i, value in zip(indices, pc.filter(column, breaks).to_pylist(), strict=True):
            inner = value.splitlines()[1:]
            swallowed = next((k for k, line in enumerate(inner) if line.count(sep) >= need), None)
            if swallowed is None:
                continue
            line = _line_of(path, inner[swallowed]) - swallowed - 1
            where = f"dòng {line}" if line > 0 else f"bản ghi thứ {i + 1}"
            raise FileRefused(
                f'Tệp CSV hỏng ở {where}: một dấu ngoặc kép (") mở ở ô thứ {j + 1} không được '
                f"đóng, nên {len(inner)} dòng sau bị gộp vào một ô và sẽ mất hồ sơ. Hãy mở tệp, "
                f"sửa dấu ngoặc kép ở {where} rồi lưu lại, hoặc xuất lại tệp từ hệ thống."
            )


def _line_of(path: Path, text: str) -> int:
    """The 1-based line of the file where a line ``text`` starts (0 when not found)."""
    data = path.read_bytes().removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace")
    data = data.replace("\r\n", "\n").replace("\r", "\n")
    pos = data.find("\n" + text)
    return data.count("\n", 0, pos + 1) + 1 if pos >= 0 else 0


def _cut_last_record(path: Path, table: pa.Table, sep: str) -> list[DataWarning]:
    """A warning when the file ends inside its last record (an interrupted download): an open
    quote, or fewer fields than the widest record. The record is read as it is."""
    size = path.stat().st_size
    if size == 0 or table.num_rows == 0:
        return []
    with path.open("rb") as f:
        f.seek(max(0, size - 65536))
        tail = f.read()
    if tail.endswith((b"\n", b"\r")):
        return []
    last = tail.decode("utf-8", errors="replace").replace("\r", "\n").rsplit("\n", 1)[-1]
    try:
        fields = next(csv.reader([last], delimiter=sep, strict=True), [])
        cut = len(fields) < table.num_columns
    except csv.Error:
        cut = True
    if not cut:
        return []
    with path.open("rb") as f:
        line = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b"")) + 1
    return [
        DataWarning.of(
            "csv_damaged",
            path.name,
            f"Bản ghi cuối của tệp (dòng {line}) bị cắt cụt: tệp có thể tải về hoặc xuất chưa "
            "hết. hoso đọc bản ghi đó như đang có (dòng thiếu ngày hoặc từ sẽ bị loại); hãy "
            "xuất lại tệp để chắc đủ hồ sơ.",
            [line],
        )
    ]


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


# --- Excel error cells (xlsx here; BIFF in read/biff.py): the reader reads them as empty ----

_CELL_OPEN = re.compile(rb"<c\b([^>]*?)(/>|>(.*?)</c>)", re.DOTALL)
_REF = re.compile(rb'\br="([A-Z]{1,3})(\d{1,7})"')
_ERROR_TYPE = re.compile(rb'\bt="e"')
_VALUE = re.compile(rb"<v>([^<]*)</v>")
_FORMULA = re.compile(rb"<f\b[^>]*?(?:/>|>(.*?)</f>)", re.DOTALL)


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


class _ErrorCellScan:
    """:func:`xlsx_error_cells` of one sheet, run in a thread while the reader parses it."""

    def __init__(self, path: Path, index: int) -> None:
        self._cells: dict[tuple[int, int], str] = {}
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(path, index), daemon=True)
        self._thread.start()

    def _run(self, path: Path, index: int) -> None:
        try:
            self._cells = xlsx_error_cells(path, index)
        except BaseException as exc:  # re-raised in the reading thread by result()
            self._error = exc

    def result(self) -> dict[tuple[int, int], str]:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._cells


#: Markup of an error cell or a formula; the sheet is parsed for them only when one occurs.
_ERROR_MARKERS = (b't="e"', b"<f")
_SCAN_CHUNK = 1 << 20


def _has_error_markup(f) -> bool:
    """Whether a sheet's XML stream holds an error cell or a formula, read in chunks (the XML
    of a 500k-row sheet is ~280 MB: never held whole for this test)."""
    tail = b""
    while chunk := f.read(_SCAN_CHUNK):
        window = tail + chunk
        if any(marker in window for marker in _ERROR_MARKERS):
            return True
        tail = window[-8:]
    return False


def xlsx_error_cells(path: Path, index: int) -> dict[tuple[int, int], str]:
    """(0-based row, 0-based column) → text of the error cells and the formula cells without a
    cached value of sheet ``index``: ``#N/A`` etc., or ``=formula`` (SPEC §3). The Excel
    reader returns these as empty cells. Parsed only where the sheet holds such markup (a
    streamed test first)."""
    import html
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            member = _sheet_member(z, index)
            if member is None:
                return {}
            with z.open(member) as f:
                if not _has_error_markup(f):
                    return {}
            with z.open(member) as f:
                data = f.read()
    except (KeyError, OSError, zipfile.BadZipFile):
        return {}
    dim = re.search(rb'<(?:\w+:)?dimension\s+ref="\$?([A-Z]{1,3})', data[:4096])
    first_col = _col_index(dim.group(1)) if dim else 0
    out: dict[tuple[int, int], str] = {}
    for m in _CELL_OPEN.finditer(data):
        attrs, body = m.group(1), m.group(3) or b""
        ref = _REF.search(attrs)
        if ref is None:
            continue
        formula = _FORMULA.search(body)
        value = _VALUE.search(body)
        if _ERROR_TYPE.search(attrs):
            text = value.group(1).decode("utf-8", "replace") if value else "#N/A"
        elif formula is not None and (value is None or not value.group(1).strip()):
            text = "=" + html.unescape((formula.group(1) or b"").decode("utf-8", "replace"))
        else:
            continue
        out[(int(ref.group(2)) - 1, _col_index(ref.group(1)) - first_col)] = text
    return out


def _sheet_member(z, index: int) -> str | None:
    """The zip member of the ``index``-th sheet of the workbook (workbook order)."""
    workbook = z.read("xl/workbook.xml")
    rels = z.read("xl/_rels/workbook.xml.rels")
    ids = re.findall(rb'<(?:\w+:)?sheet\b[^>]*?\br:id="([^"]+)"', workbook)
    if index >= len(ids):
        return None
    target = re.search(
        rb'<Relationship\b[^>]*?Id="' + re.escape(ids[index]) + rb'"[^>]*?Target="([^"]+)"', rels
    ) or re.search(
        rb'<Relationship\b[^>]*?Target="([^"]+)"[^>]*?Id="' + re.escape(ids[index]) + rb'"', rels
    )
    if target is None:
        return None
    name = target.group(1).decode()
    return name.lstrip("/") if name.startswith("/") else "xl/" + name


def _with_error_cells(table: pa.Table, cells: dict[tuple[int, int], str]) -> pa.Table:
    """The sheet's table with the error cells' text where the reader left them empty."""
    if not cells:
        return table
    by_col: dict[int, dict[int, str]] = {}
    for (r, c), text in cells.items():
        if 0 <= c < table.num_columns and 0 <= r < table.num_rows:
            by_col.setdefault(c, {})[r] = text
    for c, rows in by_col.items():
        values = table.column(c).to_pylist()
        for r, text in rows.items():
            if values[r] is None or values[r] == "":
                values[r] = text
        table = table.set_column(c, table.column_names[c], pa.array(values, pa.string()))
    return table
