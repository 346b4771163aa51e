"""Synthetic export files of every kind and layout quirk, written into a test's tmp dir.

A file is a list of :class:`SheetSpec` (a name, a grid of cells, merged ranges). Writers turn
the same sheets into each file kind of SPEC §2: .xlsx by openpyxl (inline strings in this
version), by xlsxwriter (shared strings) and by xlsxwriter in constant-memory mode (inline
strings), .xlsm, BIFF8 .xls by xlwt, an HTML table saved as .xls or .html, CSV in its variants.
:func:`dossier_sheet` lays dossier rows out with a title block, a one- or two-row header, a
column-number row, group rows and a footer. Every value is fake.
"""

from __future__ import annotations

import csv
import html
import io
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path

import duckdb

from pipelines import db
from pipelines.load import LoadStats, load_file, register_vocabulary
from pipelines.read import ReadResult, read_export
from pipelines.vocab import Vocabulary, load_vocabulary

Cell = str | int | float | bool | datetime | date | None


@dataclass
class Merge:
    """A merged range: its top-left cell (0-based) and its size."""

    row: int
    col: int
    rows: int = 1
    cols: int = 1


@dataclass
class SheetSpec:
    name: str
    grid: list[list[Cell]]
    merges: list[Merge] = field(default_factory=list)

    @property
    def width(self) -> int:
        return max((len(r) for r in self.grid), default=0)


def text(value: Cell) -> str | None:
    """How a text export (CSV, HTML) writes a cell."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


# --- writers ---------------------------------------------------------------------------------


def write_openpyxl(path: Path, sheets: Sequence[SheetSpec]) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for spec in sheets:
        ws = wb.create_sheet(spec.name)
        for r, row in enumerate(spec.grid, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    cell = ws.cell(r, c, value)
                    if isinstance(value, datetime):
                        cell.number_format = "dd/mm/yyyy hh:mm:ss"
                    elif isinstance(value, date):
                        cell.number_format = "dd/mm/yyyy"
        for m in spec.merges:
            if m.rows > 1 or m.cols > 1:
                ws.merge_cells(
                    start_row=m.row + 1,
                    start_column=m.col + 1,
                    end_row=m.row + m.rows,
                    end_column=m.col + m.cols,
                )
    wb.save(path)


def write_xlsxwriter(path: Path, sheets: Sequence[SheetSpec], *, constant_memory=False) -> None:
    """xlsxwriter: shared strings, or inline strings in constant-memory mode (rows written in
    order, so merged ranges keep only their top-left value there)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory})
    dt_fmt = wb.add_format({"num_format": "dd/mm/yyyy hh:mm:ss"})
    d_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    for spec in sheets:
        ws = wb.add_worksheet(spec.name)
        merged = {(m.row, m.col): m for m in spec.merges if m.rows > 1 or m.cols > 1}
        for r, row in enumerate(spec.grid):
            for c, value in enumerate(row):
                m = merged.get((r, c))
                if m is not None and not constant_memory:
                    ws.merge_range(r, c, r + m.rows - 1, c + m.cols - 1, value)
                elif isinstance(value, datetime):
                    ws.write_datetime(r, c, value, dt_fmt)
                elif isinstance(value, date):
                    ws.write_datetime(r, c, datetime(value.year, value.month, value.day), d_fmt)
                elif isinstance(value, str):
                    ws.write_string(r, c, value)
                elif value is not None:
                    ws.write(r, c, value)
    wb.close()


def write_xlwt(path: Path, sheets: Sequence[SheetSpec]) -> None:
    """BIFF8 .xls."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    dt_style = xlwt.easyxf(num_format_str="DD/MM/YYYY HH:MM:SS")
    d_style = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    for spec in sheets:
        ws = wb.add_sheet(spec.name, cell_overwrite_ok=True)
        merged = {(m.row, m.col): m for m in spec.merges if m.rows > 1 or m.cols > 1}
        for r, row in enumerate(spec.grid):
            for c, value in enumerate(row):
                m = merged.get((r, c))
                if m is not None:
                    ws.write_merge(r, r + m.rows - 1, c, c + m.cols - 1, value)
                elif isinstance(value, datetime):
                    ws.write(r, c, value, dt_style)
                elif isinstance(value, date):
                    ws.write(r, c, value, d_style)
                elif value is not None:
                    ws.write(r, c, value)
    wb.save(str(path))


SCRIPT = (
    "<script>var rows = '<table><tr><td>Mã hồ sơ</td><td>Ngày tiếp nhận</td>"
    "<td>Hình thức nộp</td></tr></table>'; document.write(rows);</script>"
)


def html_document(
    sheets: Sequence[SheetSpec], *, preamble: str = "", script: bool = True, charset: str = "utf-8"
) -> str:
    """An HTML page with one <table> per sheet: colspan/rowspan for merges, <br> for line
    breaks, entities for &, <, > and quotes, and a <script> that must be ignored."""
    parts = [
        "<!DOCTYPE html><html><head>",
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">',
        SCRIPT if script else "",
        "<style>td { mso-number-format: '\\@'; }</style></head><body>",
        preamble,
    ]
    for spec in sheets:
        merged = {(m.row, m.col): m for m in spec.merges}
        covered = {
            (m.row + dr, m.col + dc)
            for m in spec.merges
            for dr in range(m.rows)
            for dc in range(m.cols)
            if (dr, dc) != (0, 0)
        }
        parts.append('<table border="1">')
        for r, row in enumerate(spec.grid):
            parts.append("<tr>")
            for c in range(spec.width):
                if (r, c) in covered:
                    continue
                value = text(row[c] if c < len(row) else None)
                body = "<br>".join(html.escape(v) for v in value.split("\n")) if value else ""
                m = merged.get((r, c))
                span = ""
                if m is not None:
                    span = f' colspan="{m.cols}"' * (m.cols > 1) + f' rowspan="{m.rows}"' * (
                        m.rows > 1
                    )
                parts.append(f"<td{span}>{body}</td>")
            parts.append("</tr>\n")
        parts.append("</table>")
    parts.append("</body></html>")
    return "".join(parts)


def write_html(path: Path, sheets: Sequence[SheetSpec], **kwargs) -> None:
    path.write_text(html_document(sheets, **kwargs), encoding="utf-8")


def write_csv(
    path: Path,
    sheets: Sequence[SheetSpec],
    *,
    sep: str = ",",
    bom: bool = False,
    encoding: str = "utf-8",
    newline: str = "\r\n",
) -> None:
    """The first sheet as CSV; an empty row is written as separators only (as exporters do)."""
    spec = sheets[0]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator=newline, quoting=csv.QUOTE_MINIMAL)
    for row in spec.grid:
        cells = [text(v) or "" for v in row] + [""] * (spec.width - len(row))
        writer.writerow(cells)
    data = out.getvalue()
    raw = encode_legacy(data) if encoding == "cp1258" else data.encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + raw)


def encode_legacy(s: str) -> bytes:
    """Vietnamese text in Windows-1258 (base letters plus combining tone marks)."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", s):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", ch)
            for k, mark in enumerate(marks):  # the base letter with one mark, if cp1258 has it
                try:
                    out += unicodedata.normalize("NFC", base + mark).encode("cp1258")
                    marks = marks[:k] + marks[k + 1 :]
                    break
                except UnicodeEncodeError:
                    continue
            else:
                out += base.encode("cp1258", errors="replace")
            for mark in marks:
                out += mark.encode("cp1258", errors="replace")
    return bytes(out)


#: kind → (file suffix, writer). Every fixture of "one per file kind" uses these.
WRITERS: dict[str, tuple[str, Callable[[Path, Sequence[SheetSpec]], None]]] = {
    "xlsx_openpyxl": (".xlsx", write_openpyxl),
    "xlsx_shared_strings": (".xlsx", write_xlsxwriter),
    "xlsx_inline_strings": (".xlsx", partial(write_xlsxwriter, constant_memory=True)),
    "xlsm": (".xlsm", write_openpyxl),
    "xls_biff8": (".xls", write_xlwt),
    "html_saved_as_xls": (".xls", write_html),
    "html": (".html", write_html),
    "csv_bom_semicolon": (".csv", partial(write_csv, sep=";", bom=True)),
    "csv_comma": (".csv", partial(write_csv, sep=",", newline="\n")),
}
EXCEL_KINDS = ("xlsx_openpyxl", "xlsx_shared_strings", "xlsx_inline_strings", "xlsm", "xls_biff8")


def write_export(folder: Path, stem: str, kind: str, sheets: Sequence[SheetSpec]) -> Path:
    suffix, writer = WRITERS[kind]
    path = folder / f"{stem}{suffix}"
    writer(path, sheets)
    return path


# --- dossier sheets --------------------------------------------------------------------------

STANDARD_HEADERS = [
    "STT",
    "Mã hồ sơ",
    "Tên thủ tục hành chính",
    "Lĩnh vực",
    "Đơn vị xử lý",
    "Hình thức nộp",
    "Ngày tiếp nhận",
    "Ngày hẹn trả",
    "Ngày có kết quả",
    "Trạng thái",
    "Số hóa",
    "Kết quả điện tử",
]

TITLE = [
    "ỦY BAN NHÂN DÂN XÃ XUÂN GIANG",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "DANH SÁCH HỒ SƠ THỦ TỤC HÀNH CHÍNH",
    "Từ ngày 01/03/2026 đến ngày 16/04/2026",
    "Ngày xuất: 16/04/2026 08:30",
]


@dataclass
class GroupRow:
    """A row inside the data that spans the table (a unit or commune name): no dossier."""

    label: str
    column: int = 0
    merged: bool = True


Row = dict[str, Cell] | GroupRow


def records(n: int = 6) -> list[dict[str, Cell]]:
    """``n`` varied dossiers keyed by the standard headers (codes H30.99-2603DD-000k)."""
    channels = ["Nộp trực tuyến", "Nộp trực tiếp", "Bưu chính công ích"]
    statuses = ["Đã trả kết quả", "Đang xử lý", "Chờ bổ sung", "Hoàn thành", "Từ chối", "Rút hồ sơ"]
    procedures = [
        "Đăng ký khai sinh",
        'Chứng thực bản sao, "chữ ký"; hợp đồng',
        "Đăng ký kết hôn",
    ]
    out = []
    for k in range(n):
        day = 2 + k % 20
        received = datetime(2026, 3, day, 8 + k % 9, (7 * k) % 60, k % 60)
        status = statuses[k % len(statuses)]
        finished = (
            datetime(2026, 3, day + 1, 15, 30)
            if status in ("Đã trả kết quả", "Hoàn thành", "Rút hồ sơ")
            else None
        )
        out.append(
            {
                "STT": k + 1,
                "Mã hồ sơ": f"H30.99-2603{day:02d}-{k + 1:04d}",
                "Tên thủ tục hành chính": procedures[k % len(procedures)],
                "Lĩnh vực": "Hộ tịch" if k % 2 == 0 else "Chứng thực",
                "Đơn vị xử lý": "Bộ phận Một cửa xã",
                "Hình thức nộp": channels[k % len(channels)],
                "Ngày tiếp nhận": received,
                "Ngày hẹn trả": datetime(2026, 3, day + 3, 17, 0),
                "Ngày có kết quả": finished,
                "Trạng thái": status,
                "Số hóa": "Có" if k % 3 else "Không",
                "Kết quả điện tử": "Có" if finished and k % 2 == 0 else "Không",
            }
        )
    return out


Header = Sequence[str | tuple[str, Sequence[str]]]


def header_names(header: Header) -> list[str]:
    """The column names of a header (a group's sub-columns in order)."""
    names: list[str] = []
    for item in header:
        names.extend([item] if isinstance(item, str) else item[1])
    return names


FOOTER: list[list[Cell]] = [
    [],
    ["Tổng cộng: {n} hồ sơ"],
    [],
    ["", "", "Xuân Giang, ngày 16 tháng 4 năm 2026"],
    ["", "Người lập biểu", "", "", "", "", "", "", "Thủ trưởng đơn vị"],
    ["", "(Ký, ghi rõ họ tên)", "", "", "", "", "", "", "(Ký, đóng dấu)"],
    [],
    ["", "Nguyễn Thị Lập Biểu", "", "", "", "", "", "", "Trần Văn Thủ Trưởng"],
]


def dossier_sheet(
    rows: Sequence[Row],
    header: Header = tuple(STANDARD_HEADERS),
    *,
    title: Sequence[str] = (),
    number_row: str | None = None,
    footer: bool = False,
    name: str = "Danh sách hồ sơ",
) -> SheetSpec:
    """A dossier list: title block (one cell per row, then a blank row), a one-row header or a
    two-row header (``("Thời gian", ["Ngày tiếp nhận", …])`` groups; plain names span both rows),
    ``number_row`` ``"paren"`` for ``(1) (2)…`` or ``"plain"`` for ``1 2 3…``, the rows
    (dicts by header name, or :class:`GroupRow`), and the footer (totals, signatures)."""
    names = header_names(header)
    width = len(names)
    grid: list[list[Cell]] = []
    merges: list[Merge] = []
    for line in title:
        merges.append(Merge(len(grid), 0, 1, width))
        grid.append([line] + [None] * (width - 1))
    if title:
        grid.append([])
    two_rows = any(not isinstance(item, str) for item in header)
    top = len(grid)
    if two_rows:
        upper: list[Cell] = []
        lower: list[Cell] = []
        for item in header:
            if isinstance(item, str):
                merges.append(Merge(top, len(upper), 2, 1))
                upper.append(item)
                lower.append(None)
            else:
                group, subs = item
                merges.append(Merge(top, len(upper), 1, len(subs)))
                upper.extend([group] + [None] * (len(subs) - 1))
                lower.extend(subs)
        grid += [upper, lower]
    else:
        grid.append(list(names))
    if number_row == "paren":
        grid.append([f"({j + 1})" for j in range(width)])
    elif number_row == "plain":
        grid.append([j + 1 for j in range(width)])
    n = 0
    for row in rows:
        if isinstance(row, GroupRow):
            if row.merged:
                merges.append(Merge(len(grid), row.column, 1, width - row.column))
            grid.append([None] * row.column + [row.label] + [None] * (width - row.column - 1))
        else:
            n += 1
            grid.append([row.get(h) for h in names])
    if footer:
        for line in FOOTER:
            grid.append([(c.format(n=n) if isinstance(c, str) else c) for c in line])
    return SheetSpec(name, grid, merges)


PERSONAL_HEADERS = ["Họ tên người nộp", "Số điện thoại", "Địa chỉ", "CMND/CCCD", "Email"]


def personal_values(k: int) -> dict[str, str]:
    """Distinctive fake personal values for dossier ``k`` (easy to scan for)."""
    return {
        "Họ tên người nộp": f"Zqxname Mẫu Thử {k:03d}",
        "Số điện thoại": f"0999{k:06d}",
        "Địa chỉ": f"Số {k} ngõ Zqxstreet, thôn Giả Định",
        "CMND/CCCD": f"0010990{k:05d}",
        "Email": f"zqx.mail{k}@example.invalid",
    }


NATIONAL_HEADERS = [
    "MaHoSo",
    "MaTTHC",
    "TenTTHC",
    "TenLinhVuc",
    "DonViXuLy",
    "KenhThucHien",
    "NgayNopHoSo",
    "NgayTiepNhan",
    "NgayHenTra",
    "NgayKetThucXuLy",
    "NgayTra",
    "TrangThaiHoSo",
    "HoSoCoThanhPhanSoHoa",
    "ChuHoSo",
    "SoGiayToChuHoSo",
    "SoDienThoai",
]


def stamp(value: datetime | None) -> str:
    return value.strftime("%Y%m%d%H%M%S") if value else ""


def national_rows(n: int = 10) -> list[dict[str, Cell]]:
    """Rows of the national sync layout: codes 1/2/3 and 1–10, yyyyMMddHHmmss stamps."""
    out = []
    for k in range(n):
        status = k % 10 + 1
        received = datetime(2026, 4, 1 + k % 15, 7 + k % 10, k % 60, 5)
        done = status in (7, 9, 10)
        out.append(
            {
                "MaHoSo": f"h30.99-2604{1 + k % 15:02d}-{k + 1:04d} "
                if k % 4 == 0
                else f"H30.99-2604{1 + k % 15:02d}-{k + 1:04d}",
                "MaTTHC": "1.001193",
                "TenTTHC": "Đăng ký khai sinh",
                "TenLinhVuc": "Hộ tịch",
                "DonViXuLy": "UBND xã Xuân Giang",
                "KenhThucHien": str(k % 3 + 1),
                "NgayNopHoSo": stamp(received.replace(hour=6)),
                "NgayTiepNhan": stamp(received),
                "NgayHenTra": stamp(received.replace(day=received.day + 5)),
                "NgayKetThucXuLy": stamp(received.replace(day=received.day + 2)) if done else "",
                "NgayTra": "",
                "TrangThaiHoSo": str(status),
                "HoSoCoThanhPhanSoHoa": str(k % 2),
                "ChuHoSo": f"Zqxname Quốc Gia {k:03d}",
                "SoGiayToChuHoSo": f"0010991{k:05d}",
                "SoDienThoai": f"0988{k:06d}",
            }
        )
    return out


# --- reading and loading ---------------------------------------------------------------------

_VOCAB: list[Vocabulary] = []


def vocab() -> Vocabulary:
    if not _VOCAB:
        _VOCAB.append(load_vocabulary())
    return _VOCAB[0]


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory hoso database with the vocabulary registered."""
    con = db.connect(":memory:")
    con.execute("set threads = 1")  # a few rows: more threads only cost scheduling
    register_vocabulary(con, vocab())
    return con


def read_and_load(
    path: Path, con: duckdb.DuckDBPyConnection | None = None
) -> tuple[ReadResult, LoadStats, duckdb.DuckDBPyConnection]:
    """Read a file and load it; the row accounting is checked on every fixture loaded."""
    con = con or connect()
    result = read_export(path, vocab())
    stats = load_file(con, result)
    assert_accounting(result, stats)
    return result, stats, con


def snapshot(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """snapshot_rows without the file hash, ordered by row number."""
    rel = con.sql("select * exclude (file_hash) from snapshot_rows order by row_number")
    return rel.to_arrow_table().to_pylist()


def rejects(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "select row_number, problem, column_name, value from rejects order by all"
    ).fetchall()


# --- hostile and damaged files ---------------------------------------------------------------


def ole_file(streams: dict[str, bytes], *, directory_last: bool = False, pad: int = 0) -> bytes:
    """A minimal OLE2 compound file (512-byte sectors) holding ``streams``.

    Streams are stored in regular sectors (padded to the 4096-byte mini-stream cutoff). With
    ``directory_last`` the directory sector is written after ``pad`` filler sectors at the end
    of the file, as large real files have it, far beyond the first 64 KiB.
    """
    sector = 512
    data_sectors: list[bytes] = []
    entries: list[tuple[str, int, int]] = []
    chains: list[tuple[int, int]] = []
    for name, payload in streams.items():
        payload = payload.ljust(4096, b"\x00")
        start = len(data_sectors)
        n = -(-len(payload) // sector)
        for k in range(n):
            data_sectors.append(payload[k * sector : (k + 1) * sector].ljust(sector, b"\x00"))
        entries.append((name, start, len(payload)))
        chains.append((start, n))
    data_sectors += [b"\xaa" * sector] * pad
    # directory: root + streams, 4 entries per sector
    dir_entries = [_dir_entry("Root Entry", 5, 0xFFFFFFFE, 0, child=1 if entries else None)]
    for i, (name, start, size) in enumerate(entries):
        right = i + 2 if i + 1 < len(entries) else None
        dir_entries.append(_dir_entry(name, 2, start, size, right=right))
    while len(dir_entries) % 4:
        dir_entries.append(b"\x00" * 128)
    dir_sectors = [b"".join(dir_entries[k : k + 4]) for k in range(0, len(dir_entries), 4)]
    if directory_last:
        dir_start = len(data_sectors)
        body = data_sectors + dir_sectors
    else:
        dir_start = 0
        shifted = len(dir_sectors)
        body = dir_sectors + data_sectors
        chains = [(s + shifted, n) for s, n in chains]
    fat_start = len(body)
    n_fat = -(-(len(body) + 1) // 128)
    while -(-(len(body) + n_fat) // 128) > n_fat:
        n_fat += 1
    fat = [0xFFFFFFFF] * (n_fat * 128)
    for start, n in chains:
        for k in range(n):
            fat[start + k] = start + k + 1 if k + 1 < n else 0xFFFFFFFE
    for k in range(len(dir_sectors)):
        s = dir_start + k
        fat[s] = s + 1 if k + 1 < len(dir_sectors) else 0xFFFFFFFE
    for k in range(n_fat):
        fat[fat_start + k] = 0xFFFFFFFD
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    difat = [fat_start + k for k in range(n_fat)] + [0xFFFFFFFF] * (109 - n_fat)
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\x00" * 6
        + struct.pack("<IIIIIIIII", 0, n_fat, dir_start, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
        + struct.pack("<109I", *difat)
    )
    assert len(header) == 512
    return header + b"".join(body) + fat_bytes


def _dir_entry(
    name: str,
    kind: int,
    start: int,
    size: int,
    *,
    child: int | None = None,
    right: int | None = None,
) -> bytes:
    raw = name.encode("utf-16-le") + b"\x00\x00"
    none = 0xFFFFFFFF
    return (
        raw.ljust(64, b"\x00")
        + struct.pack("<HBB", len(raw), kind, 1)
        + struct.pack(
            "<III", none, none if right is None else right, none if child is None else child
        )
        + b"\x00" * 16
        + b"\x00" * 4
        + b"\x00" * 16
        + struct.pack("<III", start, size, 0)
    )


def biff_stream(*, encrypted: bool) -> bytes:
    """The start of a BIFF8 workbook stream: BOF, then FILEPASS when encrypted."""
    bof = struct.pack("<HH", 0x0809, 16) + struct.pack("<HHHHII", 0x0600, 0x0005, 0, 0, 0, 0)
    filepass = struct.pack("<HH", 0x002F, 54) + b"\x01\x00" + b"\x00" * 52
    eof = struct.pack("<HH", 0x000A, 0)
    return bof + (filepass if encrypted else b"") + eof


def zip_bomb(path: Path, *, inflated: int = 3 * 1024**3 + 1024**2, honest: bool = True) -> None:
    """A small .xlsx whose sheet XML inflates to ``inflated`` bytes (> 3 GiB by default).

    The deflate stream is one 1 MiB block compressed with a full flush, repeated: nothing of
    the inflated size is ever held in memory. With ``honest`` the zip directory states the true
    size (the CRC is not computed: the file must be refused before anything is inflated);
    otherwise it claims a size equal to the compressed size, as a lying directory would.
    """
    block = (b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>' * 20000)[: 1024**2]
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = comp.compress(block) + comp.flush(zlib.Z_FULL_FLUSH)
    end = comp.flush(zlib.Z_FINISH)
    repeats = inflated // len(block)
    compressed_size = len(body) * repeats + len(end)
    declared = len(block) * repeats if honest else compressed_size
    small = {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}
    central = []
    with path.open("wb") as f:
        name = b"xl/worksheets/sheet1.xml"
        f.write(_local_header(name, 8, 0, compressed_size, declared))
        for _ in range(repeats):
            f.write(body)
        f.write(end)
        central.append(_central_header(name, 8, 0, compressed_size, declared, 0))
        for member, payload in small.items():
            offset = f.tell()
            crc = zlib.crc32(payload)
            fname = member.encode()
            f.write(_local_header(fname, 0, crc, len(payload), len(payload)) + payload)
            central.append(_central_header(fname, 0, crc, len(payload), len(payload), offset))
        cd_offset = f.tell()
        cd = b"".join(central)
        f.write(cd)
        n = len(central)
        f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(cd), cd_offset, 0))


def _local_header(name: bytes, method: int, crc: int, csize: int, usize: int) -> bytes:
    fields = (0x04034B50, 20, 0, method, 0, 0x21, crc, csize, usize, len(name), 0)
    return struct.pack("<IHHHHHIIIHH", *fields) + name


def _central_header(
    name: bytes, method: int, crc: int, csize: int, usize: int, offset: int
) -> bytes:
    fields = (0x02014B50, 20, 20, 0, method, 0, 0x21, crc, csize, usize, len(name), 0, 0, 0, 0)
    return struct.pack("<IHHHHHHIIIHHHHHII", *fields, 0, offset) + name


def shared_strings_workbook(
    path: Path, n_strings: int, *, declared: int | None = None, references: int | None = None
) -> None:
    """A hand-written .xlsx: a dossier header and three rows, and a shared-strings table of
    ``n_strings`` unique strings (most unused), declaring ``declared`` unique strings and
    ``references`` uses of them."""
    header = ["Mã hồ sơ", "Ngày tiếp nhận", "Hình thức nộp", "Trạng thái"]
    fixed = [*header, "Nộp trực tuyến", "Đang xử lý"]
    strings = fixed + [f"chuoi-{k:07d}-{'x' * (k % 17)}" for k in range(n_strings - len(fixed))]
    unique = declared if declared is not None else len(strings)
    count = references if references is not None else unique
    sst = io.StringIO()
    sst.write(
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.'
        f'openxmlformats.org/spreadsheetml/2006/main" count="{count}" uniqueCount="{unique}">'
    )
    for s in strings:
        sst.write(f"<si><t>{html.escape(s)}</t></si>")
    sst.write("</sst>")

    def row(r: int, cells: list[str]) -> str:
        return f'<row r="{r}">' + "".join(cells) + "</row>"

    def s_cell(ref: str, k: int) -> str:
        return f'<c r="{ref}" t="s"><v>{k}</v></c>'

    rows = [row(1, [s_cell(f"{c}1", k) for k, c in enumerate("ABCD")])]
    for r in range(2, 5):
        rows.append(
            row(
                r,
                [
                    f'<c r="A{r}" t="s"><v>{len(fixed) + r}</v></c>',
                    f'<c r="B{r}" t="inlineStr"><is><t>0{r}/03/2026</t></is></c>',
                    s_cell(f"C{r}", 4),
                    s_cell(f"D{r}", 5),
                ],
            )
        )
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://'
        'schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:D4"/><sheetData>'
        + "".join(rows)
        + "</sheetData></worksheet>"
    )
    ns = "http://schemas.openxmlformats.org"
    files = {
        "[Content_Types].xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{ns}/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxml'
            'formats-package.relationships+xml"/><Default Extension="xml" ContentType="'
            'application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName'
            '="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-office'
            'document.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.shared'
            'Strings+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/'
            f'relationships"><Relationship Id="rId1" Type="{ns}/officeDocument/2006/'
            'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{ns}/spreadsheetml/2006/'
            f'main" xmlns:r="{ns}/officeDocument/2006/relationships"><sheets><sheet name="DS" '
            'sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/'
            f'relationships"><Relationship Id="rId1" Type="{ns}/officeDocument/2006/'
            'relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
            f'Type="{ns}/officeDocument/2006/relationships/sharedStrings" '
            'Target="sharedStrings.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": sheet,
        "xl/sharedStrings.xml": sst.getvalue(),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in files.items():
            z.writestr(name, body)


def patch_zip_member(src: Path, dst: Path, member: str, edit: Callable[[str], str]) -> None:
    """A copy of a workbook with one member's text edited."""
    with zipfile.ZipFile(src) as zi, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            data = zi.read(info.filename)
            if info.filename == member:
                data = edit(data.decode("utf-8")).encode("utf-8")
            zo.writestr(info.filename, data)


def assert_accounting(result: ReadResult, stats: LoadStats) -> None:
    """rows_read = rows_loaded + rows_rejected + rows_skipped (SPEC §3), on both sides."""
    assert result.rows_read == result.rows.num_rows + result.rows_skipped
    assert stats.rows_read == result.rows_read
    assert stats.rows_read == stats.rows_loaded + stats.rows_rejected + stats.rows_skipped
