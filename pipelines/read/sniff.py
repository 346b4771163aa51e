"""What a file really is, by its first bytes, never by its name (SPEC §2)."""

from __future__ import annotations

import zipfile
from pathlib import Path

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


def is_candidate(path: Path) -> bool:
    """Whether hoso tries to read a file of this name (others are listed as ignored)."""
    return path.suffix.lower() in CANDIDATE_SUFFIXES and not path.name.startswith(("~$", "."))


def sniff_kind(path: Path, head: bytes) -> str:
    """``xlsx``, ``xls`` (BIFF), ``html`` or ``csv``, from the first bytes of the file.

    Raises :class:`FileRefused` for an empty file, an encrypted workbook, a zip that is not a
    workbook, or a binary file that is none of these.
    """
    if not head:
        raise FileRefused("Tệp rỗng (0 byte). Hãy xuất lại tệp từ hệ thống.")
    if head.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(path) as z:
                infos = z.infolist()
                names = {i.filename for i in infos}
        except zipfile.BadZipFile as exc:
            raise FileRefused(
                "Tệp Excel bị hỏng hoặc tải về chưa hết (không mở được nén zip). "
                "Hãy tải/xuất lại tệp."
            ) from exc
        if "xl/workbook.xml" in names or any(n.startswith("xl/") for n in names):
            _check_inflated_size(infos)
            return "xlsx"
        raise FileRefused("Tệp nén zip này không phải bảng tính Excel (.xlsx).")
    if head.startswith(OLE_MAGIC):
        if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00i\x00o\x00n\x00" in _ole_directory(path):
            raise FileRefused(
                "Tệp Excel có đặt mật khẩu nên không đọc được. Hãy mở tệp, bỏ mật khẩu "
                "(Tệp → Thông tin → Bảo vệ sổ làm việc) rồi lưu lại, hoặc xuất lại từ hệ thống."
            )
        return "xls"
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
        raise FileRefused(
            "Tệp mang đuôi .xlsx nhưng thực chất là văn bản, không phải bảng tính Excel. "
            "Hãy xuất lại tệp từ hệ thống."
        )
    return "csv"


#: Decompression limits, checked on the zip directory before anything is inflated.
MAX_INFLATED_BYTES = 3 * 1024**3  # a 1,048,576-row sheet inflates to well under this
MAX_RATIO = 400  # real sheets compress 5–30x; zip bombs 1000x and more
RATIO_MIN_BYTES = 50 * 1024**2  # small members may compress well without harm


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
        raise FileRefused(
            f"Tệp Excel khi giải nén lên tới {total / 1024**3:.1f} GB, vượt giới hạn an toàn "
            "(có thể là tệp độc hại hoặc hỏng). Hãy kiểm tra nguồn tệp và xuất lại."
        )


def _ole_directory(path: Path) -> bytes:
    """The first 64 KiB of an OLE2 file: enough to see its stream names."""
    with path.open("rb") as f:
        return f.read(65536)
