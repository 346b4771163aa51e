"""Hostile and damaged files: OLE2 containers, encrypted BIFF, zip bombs, huge string tables."""

from __future__ import annotations

import html
import io
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path


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
