"""Excel error cells of a legacy .xls (BIFF8) workbook, which the Excel reader reads as empty.

SPEC §3: an error value (``#N/A``, ``#VALUE!``…) is never a blank. The cell reader (calamine)
returns BIFF error cells as empty, so this module walks the workbook stream's records itself:
BOUNDSHEET for where each sheet starts, then in that sheet's substream the BOOLERR records that
hold an error and the FORMULA records whose cached result is an error. Everything is bounded by
the stream's size; a stream this module cannot walk yields no cells (the reader's own rules for
a damaged file apply), never an exception.
"""

from __future__ import annotations

import struct
from pathlib import Path

from pipelines.read.sniff import _Ole

_BOF, _EOF, _BOUNDSHEET, _DIMENSIONS = 0x0809, 0x000A, 0x0085, 0x0200
_BOOLERR, _FORMULA = 0x0205, 0x0006

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


def _records(data: bytes, pos: int):
    """(record id, body) from ``pos`` to the end of ``data`` or a cut record."""
    while pos + 4 <= len(data):
        rid, size = struct.unpack_from("<HH", data, pos)
        body = data[pos + 4 : pos + 4 + size]
        if len(body) < size:
            return
        yield rid, body
        pos += 4 + size


def _sheet_name(body: bytes) -> str | None:
    """The name of a BOUNDSHEET8 record (a ShortXLUnicodeString after 6 bytes)."""
    if len(body) < 8:
        return None
    count, high = body[6], body[7] & 1
    raw = body[8 : 8 + count * (2 if high else 1)]
    return raw.decode("utf-16-le" if high else "latin-1", errors="replace")


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
    error cells of sheet ``sheet`` in a BIFF8 workbook stream."""
    offset = None
    for rid, body in _records(stream, 0):
        if rid == _BOUNDSHEET and len(body) >= 6 and _sheet_name(body) == sheet:
            offset = struct.unpack_from("<I", body, 0)[0]
            break
        if rid == _EOF:
            break
    if offset is None or offset + 4 > len(stream):
        return {}
    first_col = 0
    out: dict[tuple[int, int], str] = {}
    for n, (rid, body) in enumerate(_records(stream, offset)):
        if n == 0 and rid != _BOF:
            return {}
        if rid == _EOF:
            break
        if rid == _DIMENSIONS and len(body) >= 10:
            first_col = struct.unpack_from("<H", body, 8)[0]
        elif rid == _BOOLERR and len(body) >= 8 and body[7] == 1:
            row, col = struct.unpack_from("<HH", body, 0)
            out[(row, col)] = ERROR_TEXT.get(body[6], "#N/A")
        elif rid == _FORMULA and len(body) >= 14:
            result = body[6:14]
            if result[0] == 0x02 and result[6:8] == b"\xff\xff":
                row, col = struct.unpack_from("<HH", body, 0)
                out[(row, col)] = ERROR_TEXT.get(result[2], "#N/A")
    return {(r, c - first_col): text for (r, c), text in out.items()}


def xls_error_cells(path: Path, sheet: str) -> dict[tuple[int, int], str]:
    """The error cells of sheet ``sheet`` of the .xls at ``path``; {} when the file is not a
    BIFF8 workbook this module can walk (the reader's own refusal rules cover a damaged file)."""
    try:
        return sheet_error_cells(workbook_stream(path), sheet)
    except (OSError, struct.error, IndexError, ValueError):
        return {}
