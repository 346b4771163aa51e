"""Every value as real exports write it (SPEC §3, §8): each variant through every file kind,
codes and names normalised, Excel error cells, CSV damage, long cells."""

from __future__ import annotations

import re
import struct
import zipfile
from datetime import datetime

import pytest

from pipelines.read import FileRefused, read_export
from tests import builders as b

HEADER = [
    "Mã hồ sơ", "Đơn vị xử lý", "Hình thức nộp", "Ngày tiếp nhận", "Ngày hẹn trả",
    "Ngày có kết quả", "Trạng thái",
]  # fmt: skip
TEXT_KINDS = ("xlsx_shared_strings", "xls_biff8", "html", "csv_comma")

#: raw cell of the reception column → parsed value
RECEIVED = {
    "20/04/2026 9:05:30 SA": datetime(2026, 4, 20, 9, 5, 30),
    "20/04/2026 2:10:00 CH": datetime(2026, 4, 20, 14, 10),
    "20/04/2026 12:15 SA": datetime(2026, 4, 20, 0, 15),
    "20/04/2026 12:15 CH": datetime(2026, 4, 20, 12, 15),
    "10:56 13/03/2026": datetime(2026, 3, 13, 10, 56),
    "9:05 SA 13/03/2026": datetime(2026, 3, 13, 9, 5),
    "ngày 13 tháng 3 năm 2026": datetime(2026, 3, 13),
    "Ngày 13 tháng 03 năm 2026 lúc 10:56": datetime(2026, 3, 13, 10, 56),
    "2026-03-05T08:05:07Z": datetime(2026, 3, 5, 15, 5, 7),
    "2026-03-05T08:05:07+07:00": datetime(2026, 3, 5, 8, 5, 7),
    "2026-03-05T01:05:07.5+0000": datetime(2026, 3, 5, 8, 5, 7, 500000),
    "2026-03-04T20:05:07-05:00": datetime(2026, 3, 5, 8, 5, 7),
}
#: raw cell of an optional date column (due) → parsed value (None: no date)
DUE = {
    "00/00/0000": None,
    "01/01/1900": None,
    "01/01/0001": None,
    "30/12/1899": None,
    "31/12/1899": None,
    "0": None,
    "1900-01-01 00:00:00": None,
    "Không quy định": None,
    "Không thời hạn": None,
    "02/01/1900": datetime(1900, 1, 2),  # a real date, however odd
}
CHANNELS = {
    "Trực tuyến toàn trình": "online",
    "Trực tuyến một phần": "online",
    "DVC trực tuyến toàn trình": "online",
    "Dịch vụ bưu chính công ích": "postal",
    "Nộp tại bộ phận một cửa": "direct",
}


def _row(code: str, **cells) -> dict:
    row = {"Mã hồ sơ": code, "Đơn vị xử lý": "Xã A", "Hình thức nộp": "Trực tuyến",
           "Ngày tiếp nhận": "05/03/2026 08:00", "Trạng thái": "Đang xử lý"}  # fmt: skip
    return row | cells


def _load(tmp_path, kind, rows, stem="v"):
    path = b.write_export(tmp_path, f"{stem}_{kind}", kind, [b.dossier_sheet(rows, HEADER)])
    return b.read_and_load(path)


@pytest.mark.parametrize("kind", TEXT_KINDS)
def test_each_date_variant_in_each_file_kind(tmp_path, kind):
    rows = [_row(f"R{k}", **{"Ngày tiếp nhận": t}) for k, t in enumerate(RECEIVED)]
    rows += [_row(f"D{k}", **{"Ngày hẹn trả": t}) for k, t in enumerate(DUE)]
    _, stats, con = _load(tmp_path, kind, rows)
    assert stats.rows_rejected == 0, b.rejects(con)
    got = {r["dossier_code"]: r for r in b.snapshot(con)}
    for k, expected in enumerate(RECEIVED.values()):
        assert got[f"R{k}"]["received_at"] == expected, (kind, list(RECEIVED)[k])
    for k, expected in enumerate(DUE.values()):
        assert got[f"D{k}"]["due_at"] == expected, (kind, list(DUE)[k])


@pytest.mark.parametrize("kind", TEXT_KINDS)
def test_new_channel_words_in_each_file_kind(tmp_path, kind):
    rows = [_row(f"C{k}", **{"Hình thức nộp": w}) for k, w in enumerate(CHANNELS)]
    _, stats, con = _load(tmp_path, kind, rows)
    assert stats.rows_rejected == 0, b.rejects(con)
    assert [r["channel"] for r in b.snapshot(con)] == list(CHANNELS.values())


@pytest.mark.parametrize("placeholder", ["01/01/1900", "00/00/0000", "30/12/1899", "0"])
def test_a_placeholder_in_received_at_rejects_the_row(tmp_path, placeholder):
    _, stats, con = _load(tmp_path, "csv_comma", [_row("P1", **{"Ngày tiếp nhận": placeholder})])
    assert stats.rows_rejected == 1
    assert b.rejects(con) == [(2, "invalid_date", "received_at", placeholder)]


def test_real_excel_date_cells_and_serials_still_read(tmp_path):
    rows = [_row("E1", **{"Ngày tiếp nhận": datetime(2026, 3, 5, 8, 5), "Ngày hẹn trả": 46090})]
    for kind in b.EXCEL_KINDS:
        _, _, con = _load(tmp_path, kind, rows, stem=kind)
        got = b.snapshot(con)[0]
        assert (got["received_at"], got["due_at"]) == (
            datetime(2026, 3, 5, 8, 5),
            datetime(2026, 3, 9),
        ), kind


# --- dossier codes and names -------------------------------------------------------------------

CODE_SPELLINGS = [
    "H30.99-260305-0001",
    "H30.99\u2011260305\u20130001",  # non-breaking hyphen, en dash
    "H30.99-260305-0001\u200b",  # zero-width space
    "\ufeffh30.99\u2212260305-0001\u00a0",  # BOM, minus sign, no-break space, lower case
]


@pytest.mark.parametrize("kind", TEXT_KINDS)
def test_codes_written_differently_are_one_dossier_and_warned(tmp_path, kind):
    rows = [_row(c, **{"Trạng thái": "Đang xử lý"}) for c in CODE_SPELLINGS]
    result, stats, con = _load(tmp_path, kind, rows)
    codes = {r["dossier_code"] for r in b.snapshot(con)}
    assert codes == {"H30.99-260305-0001"}
    assert stats.rows_duplicate == 3
    warned = [w for w in result.warnings if w.code == "code_normalised"]
    assert warned and warned[0].count == 3 and warned[0].examples == ("H30.99-260305-0001",)


@pytest.mark.parametrize("kind", TEXT_KINDS)
def test_a_code_only_cleaned_without_another_spelling_is_not_warned(tmp_path, kind):
    rows = [_row("H30.99\u2011260305\u20130001"), _row("H2\u200b"), _row("H2\u200b"), _row("H3")]
    result, _stats, con = _load(tmp_path, kind, rows)
    assert {r["dossier_code"] for r in b.snapshot(con)} == {"H30.99-260305-0001", "H2", "H3"}
    assert [w for w in result.warnings if w.code == "code_normalised"] == []


def test_only_the_codes_that_merged_are_listed(tmp_path):
    rows = [_row("H1-2"), _row("H1\u20112"), _row("H5\u200b"), _row("h\u00a07"), _row("H 7")]
    result, _stats, _con = _load(tmp_path, "csv_comma", rows)
    warned = [w for w in result.warnings if w.code == "code_normalised"]
    assert [(w.count, w.examples) for w in warned] == [(2, ("H 7", "H1-2"))]


def test_plain_codes_are_not_warned(tmp_path):
    result, _, _ = _load(tmp_path, "csv_comma", [_row("H1"), _row(" h2 ")])
    assert result.warnings == []


def test_names_group_across_unicode_form_spacing_and_case():
    from datetime import date

    from tests.support import indicators_for

    rows = [
        {"dossier_code": f"N{k}", "channel": "online", "status": "pending",
         "received_at": "2026-03-05 08:00", "unit_name": name}
        for k, name in enumerate(
            ["Xã Xuân Giang", "Xã Xuân Giang", "xã xuân giang", "XÃ XUÂN GIANG"]
        )
    ]  # fmt: skip
    _, keyed = indicators_for(rows, date(2026, 3, 1), date(2026, 3, 31), date(2025, 7, 1))
    units = [k for k in keyed if k[0] == "period" and k[1] == "unit"]
    assert units == [("period", "unit", "Xã Xuân Giang")]
    assert keyed[units[0]]["received_new"] == 4


def test_names_in_nfd_and_with_odd_spaces_are_cleaned(tmp_path):
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Xã  Xuân\u00a0Giang ")
    _, _, con = _load(tmp_path, "csv_comma", [_row("H1", **{"Đơn vị xử lý": nfd})])
    assert b.snapshot(con)[0]["unit_name"] == "Xã Xuân Giang"


# --- Excel error values ------------------------------------------------------------------------

ERRORS = ["#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NAME?", "#NULL!", "#NUM!"]


def _with_error_cells(src, dst, cells: dict[str, str]):
    """A copy of an openpyxl workbook whose cells (``C3``) become error or formula cells."""
    import re

    def edit(xml: str) -> str:
        for ref, value in cells.items():
            body = (
                f'<c r="{ref}" t="e"><v>{value}</v></c>'
                if value.startswith("#")
                else (f'<c r="{ref}"><f>{value[1:]}</f></c>')
            )
            xml, n = re.subn(rf'<c r="{ref}"[^>]*?(/>|>.*?</c>)', body, xml)
            assert n == 1, ref
        return xml

    b.patch_zip_member(src, dst, "xl/worksheets/sheet1.xml", edit)


def test_excel_error_cells_in_xlsx_are_never_blank(tmp_path):
    rows = [_row(f"H{k}", **{"Ngày có kết quả": "06/03/2026", "Trạng thái": "Đã trả kết quả"})
            for k in range(len(ERRORS) + 2)]  # fmt: skip
    src = b.write_export(tmp_path, "src", "xlsx_openpyxl", [b.dossier_sheet(rows, HEADER)])
    # header on row 1; data rows 2…: result dates become errors, one unit cell too, one formula
    cells = {f"F{k + 2}": e for k, e in enumerate(ERRORS)}
    cells[f"F{len(ERRORS) + 2}"] = "=E2+1"  # a formula without a cached value
    cells[f"B{len(ERRORS) + 3}"] = "#REF!"  # a label: unknown, warned
    dst = tmp_path / "errors.xlsx"
    _with_error_cells(src, dst, cells)
    assert b"<v>#N/A</v>" in zipfile.ZipFile(dst).read("xl/worksheets/sheet1.xml")
    result, _stats, con = b.read_and_load(dst)
    assert b.rejects(con) == [
        (k + 2, "excel_error", "finished_at", e) for k, e in enumerate(ERRORS)
    ] + [(len(ERRORS) + 2, "excel_error", "finished_at", "=E2+1")]
    loaded = b.snapshot(con)
    assert [(r["dossier_code"], r["unit_name"]) for r in loaded] == [(f"H{len(ERRORS) + 1}", None)]
    warned = [w for w in result.warnings if w.code == "error_cell"]
    assert [(w.count, w.examples) for w in warned] == [(1, (str(len(ERRORS) + 3),))]


#: BIFF8 error codes (MS-XLS BErr) of each error text
BIFF_CODES = {"#NULL!": 0x00, "#DIV/0!": 0x07, "#VALUE!": 0x0F, "#REF!": 0x17, "#NAME?": 0x1D,
              "#NUM!": 0x24, "#N/A": 0x2A}  # fmt: skip


def _xls_with_errors(path, n_rows: int, errors: dict[tuple[int, int], int]) -> None:
    """A BIFF8 workbook (xlwt) whose header starts at column B; ``errors`` maps (row, column
    of HEADER) to the BErr code of an error cell."""
    import xlwt

    wb = xlwt.Workbook()
    ws = wb.add_sheet("Hồ sơ")
    for c, name in enumerate(HEADER):
        ws.write(0, c + 1, name)
    for r in range(1, n_rows + 1):
        row = _row(f"H{r}", **{"Ngày có kết quả": "06/03/2026", "Trạng thái": "Đã trả kết quả"})
        for c, name in enumerate(HEADER):
            if (r, c) in errors:
                ws.row(r).set_cell_error(c + 1, errors[(r, c)])
            elif name in row:
                ws.write(r, c + 1, row[name])
    wb.save(str(path))


def test_excel_error_cells_in_xls_are_never_blank(tmp_path):
    result_col = HEADER.index("Ngày có kết quả")
    unit_col = HEADER.index("Đơn vị xử lý")
    errors = {(k + 1, result_col): BIFF_CODES[e] for k, e in enumerate(ERRORS)}
    errors[(len(ERRORS) + 1, unit_col)] = BIFF_CODES["#REF!"]  # a label: unknown, warned
    path = tmp_path / "errors.xls"
    _xls_with_errors(path, len(ERRORS) + 1, errors)
    result, _stats, con = b.read_and_load(path)
    assert b.rejects(con) == [
        (k + 2, "excel_error", "finished_at", e) for k, e in enumerate(ERRORS)
    ]
    loaded = b.snapshot(con)
    assert [(r["dossier_code"], r["unit_name"]) for r in loaded] == [(f"H{len(ERRORS) + 1}", None)]
    warned = [w for w in result.warnings if w.code == "error_cell"]
    assert [(w.count, w.examples) for w in warned] == [(1, (str(len(ERRORS) + 2),))]


def test_an_xls_formula_whose_cached_result_is_an_error_is_never_blank(tmp_path):
    import xlwt

    from pipelines.read.biff import sheet_error_cells, workbook_stream

    wb = xlwt.Workbook()
    ws = wb.add_sheet("S")
    ws.write(0, 0, "x")
    ws.write(1, 0, xlwt.Formula("1/0"))
    path = tmp_path / "f.xls"
    wb.save(str(path))
    stream = workbook_stream(path)
    assert sheet_error_cells(stream, "S") == {}  # xlwt caches no result: not an error
    # give the formula the cached result Excel writes for #DIV/0!: 02 00 07 00 00 00 FF FF
    data = path.read_bytes()
    record = re.search(rb"\x06\x00(..)\x01\x00\x00\x00", data, re.DOTALL)  # FORMULA, row 1, col 0
    assert record is not None
    result_at = record.start() + 4 + 6  # after the record header and row, column, xf
    data = data[:result_at] + bytes.fromhex("020007000000ffff") + data[result_at + 8 :]
    path.write_bytes(data)
    assert sheet_error_cells(workbook_stream(path), "S") == {(1, 0): "#DIV/0!"}


def test_an_xls_stream_that_cannot_be_walked_is_never_read_as_without_error_cells(tmp_path):
    """SPEC §8: error cells that cannot be found would read as blank without a word."""
    from pipelines.read.biff import ErrorCellsUnchecked, sheet_error_cells, xls_error_cells

    with pytest.raises(ErrorCellsUnchecked):
        sheet_error_cells(b"\x09\x08\xff\xff", "S")  # a record cut short
    with pytest.raises(ErrorCellsUnchecked):
        sheet_error_cells(b"", "S")
    biff5 = b"\x09\x08\x08\x00" + struct.pack("<HH", 0x0500, 0x0005) + b"\x00" * 4
    with pytest.raises(ErrorCellsUnchecked, match="không tìm thấy trang tính 'S'"):
        sheet_error_cells(biff5 + b"\x0a\x00\x00\x00", "S")  # no BOUNDSHEET of that name
    junk = tmp_path / "junk.xls"
    junk.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    with pytest.raises(ErrorCellsUnchecked):
        xls_error_cells(junk, "S")


def _xls_as_version(path, version: int) -> None:
    """Rewrite an xlwt workbook of one sheet named "S" and numbers only as another BIFF
    version, byte for byte in place: every BOF says ``version``; for BIFF5 the BOUNDSHEET name
    becomes a byte string (its flags byte turned into a second "S": the sheet is "SS")."""
    from pipelines.read.biff import workbook_stream

    data = bytearray(path.read_bytes())
    stream = workbook_stream(path)
    base, pos = bytes(data).index(stream), 0
    while pos + 4 <= len(stream):
        rid, size = struct.unpack_from("<HH", stream, pos)
        if rid == 0x0809:  # BOF
            struct.pack_into("<H", data, base + pos + 4, version)
        elif rid == 0x0085 and version == 0x0500:  # BOUNDSHEET
            data[base + pos + 4 + 6 : base + pos + 4 + 8] = b"\x02S"
        pos += 4 + size
    path.write_bytes(bytes(data))


def _numbers_with_an_error(path) -> None:
    import xlwt

    wb = xlwt.Workbook()
    ws = wb.add_sheet("S")
    for r in range(3):
        ws.write(r, 0, r + 1.5)
    ws.row(1).set_cell_error(1, BIFF_CODES["#N/A"])
    wb.save(str(path))


def test_an_excel_95_xls_error_cell_is_found_where_the_reader_has_its_blank(tmp_path):
    """calamine reads a BIFF5 workbook and its error cells as empty; the walk finds them."""
    import fastexcel

    from pipelines.read.biff import xls_error_cells

    path = tmp_path / "excel95.xls"
    _numbers_with_an_error(path)
    _xls_as_version(path, 0x0500)
    reader = fastexcel.read_excel(str(path))
    assert reader.sheet_names == ["SS"]
    table = reader.load_sheet(0, header_row=None, dtypes="string").to_arrow()
    assert table.column(1).to_pylist() == [None, None, None]  # the reader's blank
    assert xls_error_cells(path, "SS") == {(1, 1): "#N/A"}


def test_an_xls_whose_error_cells_cannot_be_walked_is_refused_saying_what_to_do(tmp_path):
    """A BIFF version the walk does not know (calamine still reads it): refused, not blank."""
    from pipelines.read.sheets import excel_sheets
    from pipelines.read.sniff import FileRefused

    path = tmp_path / "odd.xls"
    _numbers_with_an_error(path)
    _xls_as_version(path, 0x0700)
    with pytest.raises(FileRefused, match="Không kiểm tra được các ô lỗi") as refused:
        for sheet in excel_sheets(path, "xls"):
            sheet.load(None)
    assert "0x0700" in str(refused.value)
    assert "lưu lại dạng .xlsx" in str(refused.value)


@pytest.mark.parametrize("kind", ("html", "csv_comma"))
def test_error_values_as_text_reject_or_warn(tmp_path, kind):
    rows = [
        _row("H1", **{"Ngày có kết quả": "#VALUE!", "Trạng thái": "Đã trả kết quả"}),
        _row("H2", **{"Đơn vị xử lý": "#N/A"}),
        _row("#N/A"),
        _row("H4", **{"Hình thức nộp": "#NAME?"}),
    ]
    result, _stats, con = _load(tmp_path, kind, rows)
    assert b.rejects(con) == [
        (2, "excel_error", "finished_at", "#VALUE!"),
        (4, "excel_error", "dossier_code", "#N/A"),
        (5, "excel_error", "channel", "#NAME?"),
    ]
    assert [(r["dossier_code"], r["unit_name"]) for r in b.snapshot(con)] == [("H2", None)]
    assert [w.code for w in result.warnings] == ["error_cell"]


# --- CSV damage and long cells ------------------------------------------------------------------

CSV_HEADER = "Mã hồ sơ,Hình thức nộp,Ngày tiếp nhận,Ghi chú\n"


def _csv_lines(n: int) -> list[str]:
    return [f"H{k},Trực tuyến,05/03/2026,ghi chú {k}\n" for k in range(n)]


def test_one_stray_quote_refuses_the_file_naming_the_line(tmp_path):
    lines = _csv_lines(100)
    lines[40] = 'H40,Trực tuyến,05/03/2026,"ghi chú lỗi\n'
    path = tmp_path / "stray.csv"
    path.write_text(CSV_HEADER + "".join(lines), encoding="utf-8")
    with pytest.raises(FileRefused) as refused:
        read_export(path, b.vocab())
    assert "dòng 42" in refused.value.message


def test_a_quoted_line_break_in_a_note_still_reads(tmp_path):
    lines = _csv_lines(100)
    lines[40] = 'H40,Trực tuyến,05/03/2026,"dòng một\ndòng hai, có dấu phẩy"\n'
    path = tmp_path / "note.csv"
    path.write_text(CSV_HEADER + "".join(lines), encoding="utf-8")
    result, stats, _ = b.read_and_load(path)
    assert stats.rows_loaded == 100 and result.warnings == []


@pytest.mark.parametrize("tail", ['H99,Trực tuyến,05/03/2026,"ghi ch', "H99,Trực tuy"])
def test_a_cut_last_record_is_read_and_warned(tmp_path, tail):
    path = tmp_path / "cut.csv"
    path.write_text(CSV_HEADER + "".join(_csv_lines(99)) + tail, encoding="utf-8")
    result, stats, _con = b.read_and_load(path)
    assert stats.rows_loaded + stats.rows_rejected == 100
    assert [(w.code, w.examples) for w in result.warnings] == [("csv_damaged", ("101",))]


def test_a_complete_file_without_a_final_line_break_is_not_warned(tmp_path):
    path = tmp_path / "whole.csv"
    path.write_text(CSV_HEADER + "".join(_csv_lines(5)).rstrip("\n"), encoding="utf-8")
    result, stats, _ = b.read_and_load(path)
    assert stats.rows_loaded == 5 and result.warnings == []


@pytest.mark.parametrize("kind", ["csv_comma", "xlsx_openpyxl"])
def test_a_2_mb_cell_in_a_personal_column_never_refuses(tmp_path, kind):
    header = [*HEADER, "Địa chỉ"]
    big = "x" * (2 * 1024 * 1024 + 10)
    rows = [_row("H1") | {"Địa chỉ": "BIGCELL" if kind != "csv_comma" else big}, _row("H2")]
    path = b.write_export(tmp_path, "long", kind, [b.dossier_sheet(rows, header)])
    if kind != "csv_comma":  # Excel writers cut a cell at 32,767 characters: patch the XML
        patched = tmp_path / "long_patched.xlsx"
        b.patch_zip_member(
            path, patched, "xl/worksheets/sheet1.xml", lambda x: x.replace("BIGCELL", big)
        )
        path = patched
        sizes = sum(i.file_size for i in zipfile.ZipFile(path).infolist())
        assert sizes > 2 * 1024 * 1024
    _, stats, con = b.read_and_load(path)
    assert stats.rows_loaded == 2
    assert not any("xxxx" in str(v) for r in b.snapshot(con) for v in r.values())
