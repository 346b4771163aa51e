"""What a file really is, by its first bytes, never by its name (SPEC §2).

Also the checks that must run *before* a workbook is handed to the Excel reader, because the
reader cannot be stopped once it starts: an encrypted workbook, a zip bomb (checked on the zip
directory, and by a bounded inflate where the directory could lie), a shared-strings table or a
sheet so large that the reader would abort the whole process while allocating for it.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO

#: File names hoso looks at; everything else in the folder is listed as ignored.
CANDIDATE_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".html", ".htm", ".csv"})

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class FileRefused(Exception):
    """A file that cannot be read; the message says why and what to do (Vietnamese)."""

    def __init__(self, message: str, *, sheet: str | None = None, headers: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.sheet = sheet
        self.headers = headers or []


ENCRYPTED = (
    "Tệp Excel có đặt mật khẩu nên không đọc được. Hãy mở tệp, bỏ mật khẩu "
    "(Tệp → Thông tin → Bảo vệ sổ làm việc) rồi lưu lại, hoặc xuất lại từ hệ thống."
)


def is_candidate(path: Path) -> bool:
    """Whether hoso tries to read a file of this name (others are listed as ignored)."""
    return path.suffix.lower() in CANDIDATE_SUFFIXES and not path.name.startswith(("~$", "."))


def sniff_kind(path: Path, head: bytes) -> str:
    """``xlsx``, ``xls`` (BIFF), ``html`` or ``csv``, from the first bytes of the file.

    Raises :class:`FileRefused` for an empty file, an encrypted workbook, a zip that is not a
    workbook or would inflate beyond the safe limits, or a binary file that is none of these.
    """
    if not head:
        raise FileRefused("Tệp rỗng (0 byte). Hãy xuất lại tệp từ hệ thống.")
    if head.startswith(ZIP_MAGIC):
        _check_workbook_zip(path)
        return "xlsx"
    if head.startswith(OLE_MAGIC):
        _check_ole(path)
        return "xls"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRefused(
            "Tệp văn bản mã UTF-16 (kiểu 'Unicode Text' của Excel) không được hỗ trợ. Hãy mở tệp "
            "bằng Excel và lưu lại dạng 'CSV UTF-8 (phân tách bằng dấu phẩy)' hoặc .xlsx."
        )
    text = head.lstrip(b"\xef\xbb\xbf").lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml", b"<meta", b"<head")) or (
        text.startswith(b"<") and b"<table" in head.lower()
    ):
        return "html"
    if b"\x00" in head:
        raise FileRefused(
            "Không nhận ra định dạng tệp (không phải Excel, HTML hay CSV). "
            "Hãy xuất lại danh sách hồ sơ dạng Excel."
        )
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        # an .xlsx is always a zip; text under that name is an error page or a broken download
        # (text named .xls, on the other hand, is how some portals export CSV)
        raise FileRefused(
            f"Tệp mang đuôi {path.suffix.lower()} nhưng thực chất là văn bản, không phải bảng "
            "tính Excel. Hãy xuất lại tệp từ hệ thống."
        )
    return "csv"


# --- zip (.xlsx, .xlsm) ----------------------------------------------------------------------

#: Decompression limits, checked on the zip directory before anything is inflated.
MAX_INFLATED_BYTES = 3 * 1024**3  # a 1,048,576-row sheet inflates to well under this
MAX_RATIO = 400  # real sheets compress 5–30x; zip bombs 1000x and more
RATIO_MIN_BYTES = 50 * 1024**2  # small members may compress well without harm
#: Deflate cannot expand data by more than this factor: a member compressed to fewer than
#: MAX_INFLATED_BYTES / DEFLATE_MAX_RATIO bytes cannot exceed the limit, whatever its header says.
DEFLATE_MAX_RATIO = 1032
#: The Excel reader allocates for the declared number of shared strings and for the whole
#: rectangle of a sheet's used cells before reading them; beyond these it aborts the process.
MAX_SHARED_STRINGS = 1 << 26
MAX_SHEET_CELLS = 60_000_000
HEAD_INFLATE = 8192


_DAMAGED_ZIP = (
    "Tệp Excel bị hỏng hoặc tải về chưa hết (không mở được nén zip). Hãy tải/xuất lại tệp."
)
#: What a damaged zip makes the standard library raise while its directory is read.
_ZIP_ERRORS = (
    zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, struct.error,
    zlib.error,
)  # fmt: skip


def _check_workbook_zip(path: Path) -> None:
    try:
        _check_workbook_zip_parts(path)
    except _ZIP_ERRORS as exc:
        raise FileRefused(_DAMAGED_ZIP) from exc


def _check_workbook_zip_parts(path: Path) -> None:
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
    names = {i.filename for i in infos}
    if "EncryptedPackage" in names:
        raise FileRefused(ENCRYPTED)
    if not any(n.startswith("xl/") for n in names):
        raise FileRefused("Tệp nén zip này không phải bảng tính Excel (.xlsx).")
    _check_inflated_size(infos)
    with path.open("rb") as f:
        for info in infos:
            if info.compress_size * DEFLATE_MAX_RATIO > MAX_INFLATED_BYTES:
                _check_true_size(f, info)
        for info in infos:
            if info.filename == "xl/sharedStrings.xml":
                _check_shared_strings(_inflate_head(f, info), info.file_size)
            elif re.fullmatch(r"xl/worksheets/[^/]+\.xml", info.filename):
                _check_dimension(_inflate_head(f, info), info.filename)


def _too_big(total: int) -> FileRefused:
    return FileRefused(
        f"Tệp Excel khi giải nén lên tới {total / 1024**3:.1f} GB, vượt giới hạn an toàn "
        "(có thể là tệp độc hại hoặc hỏng). Hãy kiểm tra nguồn tệp và xuất lại."
    )


def _check_inflated_size(infos: list[zipfile.ZipInfo]) -> None:
    total = sum(i.file_size for i in infos)
    worst = max(
        (i for i in infos if i.file_size > RATIO_MIN_BYTES),
        key=lambda i: i.file_size / max(i.compress_size, 1),
        default=None,
    )
    if total > MAX_INFLATED_BYTES or (
        worst is not None and worst.file_size / max(worst.compress_size, 1) > MAX_RATIO
    ):
        raise _too_big(total)
    for i in infos:
        # a member cannot inflate to much less than its compressed size: a header that says
        # so lies about the size, as zip bombs do
        if i.compress_type != zipfile.ZIP_STORED and i.compress_size > i.file_size * 1.01 + 1024:
            raise FileRefused(
                f"Tệp Excel bị hỏng: thành phần '{i.filename}' ghi sai kích thước. "
                "Hãy tải/xuất lại tệp."
            )


def _member_data(f: BinaryIO, info: zipfile.ZipInfo) -> None:
    """Seek ``f`` to the compressed bytes of a member (after its local header)."""
    f.seek(info.header_offset)
    local = f.read(30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        raise FileRefused("Tệp Excel bị hỏng (mục lục nén zip không khớp). Hãy tải/xuất lại tệp.")
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    f.seek(info.header_offset + 30 + name_len + extra_len)


def _decompressor(info: zipfile.ZipInfo) -> zlib._Decompress | None:
    if info.compress_type == zipfile.ZIP_DEFLATED:
        return zlib.decompressobj(-15)
    if info.compress_type == zipfile.ZIP_STORED:
        return None
    raise FileRefused(
        f"Tệp Excel dùng kiểu nén không hỗ trợ ('{info.filename}'). "
        "Hãy mở tệp bằng Excel, lưu lại dạng .xlsx rồi chạy lại."
    )


def _check_true_size(f: BinaryIO, info: zipfile.ZipInfo) -> None:
    """Inflate a member in bounded chunks and count: it must not outgrow its declared size."""
    d = _decompressor(info)
    if d is None:
        return
    _member_data(f, info)
    left = info.compress_size
    out = 0
    limit = min(info.file_size + 1024, MAX_INFLATED_BYTES)
    while left > 0 and not d.eof:
        chunk = f.read(min(left, 1 << 16))
        if not chunk:
            break
        left -= len(chunk)
        data = d.decompress(chunk, 1 << 20)
        out += len(data)
        while d.unconsumed_tail and out <= limit:
            data = d.decompress(d.unconsumed_tail, 1 << 20)
            out += len(data)
        if out > limit:
            raise FileRefused(
                f"Tệp Excel bất thường: thành phần '{info.filename}' giải nén ra nhiều hơn kích "
                "thước ghi trong mục lục nén (dấu hiệu tệp độc hại hoặc hỏng). Hãy kiểm tra "
                "nguồn tệp và xuất lại."
            )


def _inflate_head(f: BinaryIO, info: zipfile.ZipInfo) -> bytes:
    """The first bytes of a member, inflated (bounded), for the checks below."""
    _member_data(f, info)
    raw = f.read(min(info.compress_size, HEAD_INFLATE))
    d = _decompressor(info)
    if d is None:
        return raw
    try:
        return d.decompress(raw, HEAD_INFLATE)
    except zlib.error:
        return b""  # the reader will say the file is damaged


def _check_shared_strings(head: bytes, size: int) -> None:
    """The declared number of unique strings must fit the table's size (an entry takes at least
    5 bytes) and the reader's limit: the reader reserves memory for it before reading."""
    m = re.search(rb"<(?:\w+:)?sst\b[^>]*>", head)
    n = re.search(rb'\buniqueCount\s*=\s*"(\d+)"', m.group(0)) if m else None
    if n is None:
        return
    declared = int(n.group(1))
    if declared > MAX_SHARED_STRINGS or declared > max(size // 5, 1024):
        raise FileRefused(
            f"Bảng chuỗi dùng chung của tệp Excel khai báo {declared:,} chuỗi, vượt giới hạn an "
            "toàn hoặc không khớp kích thước của nó (tệp hỏng hoặc độc hại). Hãy mở tệp bằng "
            "Excel, lưu lại rồi chạy lại."
        )


_CELL_REF = re.compile(rb"([A-Z]{1,3})(\d{1,7})")


def _check_dimension(head: bytes, member: str) -> None:
    m = re.search(rb'<(?:\w+:)?dimension\s+ref\s*=\s*"([A-Z0-9:$]+)"', head)
    if not m:
        return
    refs = [_CELL_REF.fullmatch(r.replace(b"$", b"")) for r in m.group(1).split(b":")]
    if len(refs) != 2 or not all(refs):
        return
    (c1, r1), (c2, r2) = ((_col(x.group(1)), int(x.group(2))) for x in refs if x)
    cells = (abs(c2 - c1) + 1) * (abs(r2 - r1) + 1)
    if cells > MAX_SHEET_CELLS:
        raise FileRefused(
            f"Trang tính ({member}) trải rộng {m.group(1).decode()} — {cells:,} ô, vượt giới hạn "
            "an toàn. Có thể có ô bị nhập/định dạng ở rất xa vùng dữ liệu: hãy xóa các dòng, cột "
            "thừa rồi lưu lại."
        )


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


# --- OLE2 compound files (BIFF .xls, encrypted workbooks) --------------------------------------

MAX_OLE_SECTORS = 1 << 22  # 2 GiB of 512-byte sectors: beyond it the file is not a real workbook
_FREE, _END = 0xFFFFFFFF, 0xFFFFFFFE
#: BIFF record ids: the workbook stream begins with BOF; FILEPASS means it is encrypted.
_BOF_IDS = {0x0809, 0x0209, 0x0409}
_FILEPASS = 0x002F


def _check_ole(path: Path) -> None:
    """Refuse an encrypted workbook or an OLE file that holds no workbook stream."""
    try:
        with path.open("rb") as f:
            ole = _Ole(f)
            names = ole.names()
            if {"EncryptionInfo", "EncryptedPackage"} & set(names):
                raise FileRefused(ENCRYPTED)
            stream = next((names[n] for n in ("Workbook", "Book") if n in names), None)
            if stream is None:
                raise FileRefused(
                    "Tệp mang dạng tài liệu Office cũ nhưng không chứa bảng tính Excel. "
                    "Hãy xuất lại danh sách hồ sơ dạng Excel."
                )
            if _biff_is_encrypted(ole.read_stream(*stream, limit=4096)):
                raise FileRefused(ENCRYPTED)
    except (OSError, struct.error, IndexError, ValueError) as exc:
        raise FileRefused(
            "Tệp Excel (.xls) bị hỏng hoặc tải về chưa hết. Hãy tải/xuất lại tệp."
        ) from exc


def _biff_is_encrypted(data: bytes) -> bool:
    """Whether a BIFF workbook stream declares encryption (FILEPASS right after BOF)."""
    pos = 0
    for _ in range(64):  # FILEPASS, when present, is among the first records
        if pos + 4 > len(data):
            return False
        rid, size = struct.unpack_from("<HH", data, pos)
        if pos == 0 and rid not in _BOF_IDS:
            return False
        if rid == _FILEPASS:
            return True
        if rid in (0x0085, 0x000A):  # BOUNDSHEET or EOF: past the place FILEPASS would be
            return False
        pos += 4 + size
    return False


class _Ole:
    """The directory of an OLE2 compound file, read through its FAT (bounded)."""

    def __init__(self, f: BinaryIO) -> None:
        self.f = f
        header = f.read(512)
        if len(header) < 512:
            raise ValueError("short header")
        shift = struct.unpack_from("<H", header, 0x1E)[0]
        if shift not in (9, 12):
            raise ValueError("sector size")
        self.size = 1 << shift
        n_fat, self.dir_start = struct.unpack_from("<II", header, 0x2C)
        self.mini_cutoff = struct.unpack_from("<I", header, 0x38)[0]
        self.minifat_start = struct.unpack_from("<I", header, 0x3C)[0]
        difat_start, n_difat = struct.unpack_from("<II", header, 0x44)
        fat_sectors = [s for s in struct.unpack_from("<109I", header, 0x4C) if s < _END]
        next_difat, seen = difat_start, 0
        max_fat = MAX_OLE_SECTORS // (self.size // 4)
        while next_difat < _END and seen < n_difat and len(fat_sectors) < n_fat:
            block = self._sector(next_difat)
            entries = struct.unpack(f"<{self.size // 4}I", block)
            fat_sectors += [s for s in entries[:-1] if s < _END]
            next_difat, seen = entries[-1], seen + 1
            if len(fat_sectors) > max_fat:
                raise ValueError("FAT too large")
        self.fat: list[int] = []
        for s in fat_sectors[:n_fat]:
            self.fat += struct.unpack(f"<{self.size // 4}I", self._sector(s))

    def _sector(self, n: int) -> bytes:
        self.f.seek((n + 1) * self.size)
        data = self.f.read(self.size)
        if len(data) < self.size:
            raise ValueError("sector beyond the end of the file")
        return data

    def _chain(self, start: int, limit: int | None = None) -> list[int]:
        chain, s = [], start
        while s < len(self.fat) and s not in (_FREE, _END):
            chain.append(s)
            if len(chain) > len(self.fat) or (limit is not None and len(chain) >= limit):
                break
            s = self.fat[s]
        return chain

    def names(self) -> dict[str, tuple[int, int]]:
        """Stream name → (first sector, size), for every entry of the directory."""
        out: dict[str, tuple[int, int]] = {}
        for s in self._chain(self.dir_start):
            block = self._sector(s)
            for k in range(0, self.size, 128):
                entry = block[k : k + 128]
                name_len = struct.unpack_from("<H", entry, 0x40)[0]
                if entry[0x42] == 0 or not 2 <= name_len <= 64:
                    continue
                name = entry[: name_len - 2].decode("utf-16-le", errors="replace")
                start, size = struct.unpack_from("<II", entry, 0x74)
                out[name] = (start, size)
        return out

    def read_stream(self, start: int, size: int, *, limit: int) -> bytes:
        """The first ``limit`` bytes of a stream (small streams live in the mini stream)."""
        if size < self.mini_cutoff:
            return b""  # a workbook stream this small holds no FILEPASS worth finding
        n = -(-min(size, limit) // self.size)
        return b"".join(self._sector(s) for s in self._chain(start, n))[: min(size, limit)]
