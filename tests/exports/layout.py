"""Dossier lists laid out as portals export them, from dossiers whose truth is known.

:func:`dossier_sheet` lays dossier rows out with a title block, a one- or two-row header, a
column-number row, group rows and a footer (totals, signatures); :func:`records` and
:func:`national_rows` give small sets of varied dossiers in the standard and the national sync
layouts; :func:`personal_values` gives distinctive fake personal values to scan for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tests.exports.grid import Cell, Merge, SheetSpec

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


def two_row_header(header: Header, top: int) -> tuple[list[list[Cell]], list[Merge]]:
    """The two rows of a grouped header at grid row ``top`` and their merged ranges: a group's
    name over its sub-columns (merged across them), a plain name over both rows (merged down),
    ranges in column order."""
    upper: list[Cell] = []
    lower: list[Cell] = []
    merges: list[Merge] = []
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
    return [upper, lower], merges


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
    if any(not isinstance(item, str) for item in header):
        header_rows, header_merges = two_row_header(header, len(grid))
        grid += header_rows
        merges += header_merges
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
