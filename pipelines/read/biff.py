"""Excel error cells of a legacy .xls (BIFF8, or Excel 95's BIFF5) workbook, which the Excel
reader reads as empty.

SPEC §3: an error value (``#N/A``, ``#VALUE!``…) is never a blank. The cell reader (calamine)
returns BIFF error cells as empty, so this module walks the workbook stream's records itself:
BOUNDSHEET for where each sheet starts, then in that sheet's substream the BOOLERR records that
hold an error and the FORMULA records whose cached result is an error. Everything is bounded by
the stream's size. A stream this module cannot walk to the sheet's end (no workbook stream,
the sheet not found, a record cut short, a BIFF version other than 5 or 8) raises
:class:`ErrorCellsUnchecked`: its error cells would otherwise be read as blank without a word
(SPEC §8), so the reader refuses the file instead.
"""

from __future__ import annotations

import struct
from pathlib import Path

from pipelines.read.sniff import _Ole

_BOF, _EOF, _BOUNDSHEET, _DIMENSIONS = 0x0809, 0x000A, 0x0085, 0x0200
_BOOLERR, _FORMULA, _CODEPAGE = 0x0205, 0x0006, 0x0042

#: BIFF8 error codes → the text Excel shows (MS-XLS 2.5.97 BErr).
ERROR_TEXT = {
    0x00: "#NULL!",
    0x07: "#DIV/0!",
    0x0F: "#VALUE!",
    0x17: "#REF!",
    0x1D: "#NAME?",
    0x24: "#NUM!",
    0x2A: "#N/A",
}


class ErrorCellsUnchecked(ValueError):
    """The error cells of a sheet cannot be found: the message says why, in Vietnamese."""


_BIFF5, _BIFF8 = 0x0500, 0x0600  # BIFF5 is also Excel 95's BIFF7


def _records(data: bytes, pos: int):
    """(record id, body) from ``pos`` to the end of ``data`` or a cut record."""
    while pos + 4 <= len(data):
        rid, size = struct.unpack_from("<HH", data, pos)
        body = data[pos + 4 : pos + 4 + size]
        if len(body) < size:
            return
        yield rid, body
        pos += 4 + size


def _sheet_name(body: bytes, version: int, codepage: str) -> str | None:
    """The name of a BOUNDSHEET record: a ShortXLUnicodeString after 6 bytes (BIFF8), a byte
    string in the workbook's code page (BIFF5)."""
    if len(body) < 7:
        return None
    count = body[6]
    if version == _BIFF5:
        return body[7 : 7 + count].decode(codepage, errors="replace")
    if len(body) < 8:
        return None
    high = body[7] & 1
    raw = body[8 : 8 + count * (2 if high else 1)]
    return raw.decode("utf-16-le" if high else "latin-1", errors="replace")


def _codec(codepage: int) -> str:
    """The Python codec of a CODEPAGE record's value (Windows code pages; 1252 when unknown)."""
    import codecs

    try:
        return codecs.lookup(f"cp{codepage}").name
    except LookupError:
        return "cp1252"


def workbook_stream(path: Path) -> bytes:
    """The whole Workbook (or Book) stream of an OLE file, or b"" when there is none."""
    with path.open("rb") as f:
        ole = _Ole(f)
        names = ole.names()
        stream = next((names[n] for n in ("Workbook", "Book") if n in names), None)
        if stream is None:
            return b""
        return ole.read_stream(*stream, limit=stream[1])


def sheet_error_cells(stream: bytes, sheet: str) -> dict[tuple[int, int], str]:
    """(0-based row, 0-based column from the sheet's first used column) → error text of the
    error cells of sheet ``sheet`` in a BIFF8 or BIFF5 workbook stream; raises
    :class:`ErrorCellsUnchecked` when the stream cannot be walked to the sheet's EOF."""
    records = _records(stream, 0)
    first = next(records, None)
    if first is None or first[0] != _BOF or len(first[1]) < 2:
        raise ErrorCellsUnchecked("luồng dữ liệu không bắt đầu bằng bản ghi BOF")
    version = struct.unpack_from("<H", first[1], 0)[0]
    if version not in (_BIFF5, _BIFF8):
        raise ErrorCellsUnchecked(f"phiên bản BIFF {version:#06x} không đọc được")
    offset, codepage = None, "cp1252"
    for rid, body in records:
        if rid == _CODEPAGE and len(body) >= 2:
            codepage = _codec(struct.unpack_from("<H", body, 0)[0])
        elif (
            rid == _BOUNDSHEET and len(body) >= 6 and _sheet_name(body, version, codepage) == sheet
        ):
            offset = struct.unpack_from("<I", body, 0)[0]
            break
        if rid == _EOF:
            break
    if offset is None or offset + 4 > len(stream):
        raise ErrorCellsUnchecked(f"không tìm thấy trang tính {sheet!r} trong luồng dữ liệu")
    first_col = 0
    out: dict[tuple[int, int], str] = {}
    ended = False
    for n, (rid, body) in enumerate(_records(stream, offset)):
        if n == 0 and rid != _BOF:
            raise ErrorCellsUnchecked(f"trang tính {sheet!r} không bắt đầu bằng bản ghi BOF")
        if rid == _EOF:
            ended = True
            break
        if rid == _DIMENSIONS and len(body) >= 10:  # rows 32-bit (14 bytes, BIFF8) or 16-bit
            first_col = struct.unpack_from("<H", body, 8 if len(body) >= 14 else 4)[0]
        elif rid == _BOOLERR and len(body) >= 8 and body[7] == 1:
            row, col = struct.unpack_from("<HH", body, 0)
            out[(row, col)] = ERROR_TEXT.get(body[6], "#N/A")
        elif rid == _FORMULA and len(body) >= 14:
            result = body[6:14]
            if result[0] == 0x02 and result[6:8] == b"\xff\xff":
                row, col = struct.unpack_from("<HH", body, 0)
                out[(row, col)] = ERROR_TEXT.get(result[2], "#N/A")
    if not ended:
        raise ErrorCellsUnchecked(f"trang tính {sheet!r} bị cắt ngang (thiếu bản ghi kết thúc)")
    return {(r, c - first_col): text for (r, c), text in out.items()}


def xls_error_cells(path: Path, sheet: str) -> dict[tuple[int, int], str]:
    """The error cells of sheet ``sheet`` of the .xls at ``path``; raises
    :class:`ErrorCellsUnchecked` when they cannot be found."""
    try:
        stream = workbook_stream(path)
        if not stream:
            raise ErrorCellsUnchecked("tệp không có luồng Workbook")
        return sheet_error_cells(stream, sheet)
    except ErrorCellsUnchecked:
        raise
    except (OSError, struct.error, IndexError, ValueError) as exc:
        raise ErrorCellsUnchecked(f"không đọc được luồng Workbook ({exc})") from exc
