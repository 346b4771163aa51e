"""Bad input (the reading half): each file is refused with a reason that names what is wrong,
and the other files of the folder are unaffected."""

from __future__ import annotations

import random
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from pipelines.ingest import Refusal, discover, read_one
from pipelines.read import ReadResult
from pipelines.read.sniff import sniff_kind
from tests import builders as b


def refuse(path: Path) -> Refusal:
    outcome = read_one(path, b.vocab(), frozenset())
    assert isinstance(outcome, Refusal), outcome
    assert outcome.reason == outcome.reason.strip() and outcome.reason.endswith(".")
    return outcome


def good_xlsx(tmp_path: Path, stem: str = "good") -> Path:
    return b.write_export(
        tmp_path, stem, "xlsx_shared_strings", [b.dossier_sheet(b.records(20), title=b.TITLE)]
    )


def test_zero_byte_file(tmp_path):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    assert "rỗng" in refuse(path).reason


def test_truncated_xlsx(tmp_path):
    src = good_xlsx(tmp_path)
    data = src.read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) // 2])
    assert "hỏng hoặc tải về chưa hết" in refuse(path).reason


def test_text_file_named_xlsx(tmp_path):
    path = tmp_path / "error_page.xlsx"
    path.write_text("Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại.", encoding="utf-8")
    assert "thực chất là văn bản" in refuse(path).reason


def test_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "report.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    assert "không phải bảng tính" in refuse(path).reason


def test_binary_junk(tmp_path):
    path = tmp_path / "junk.xls"
    path.write_bytes(b"\x00\x01\x02MZ" * 100)
    assert "Không nhận ra định dạng" in refuse(path).reason


ENCRYPTED_OOXML = {"EncryptionInfo": b"\x04\x00\x04\x00" + b"\x00" * 64, "EncryptedPackage": b"x"}


@pytest.mark.parametrize(
    ("streams", "directory_last"),
    [
        (ENCRYPTED_OOXML, False),
        (ENCRYPTED_OOXML, True),  # the directory beyond the first 64 KiB
        ({"Workbook": b.biff_stream(encrypted=True)}, False),  # an encrypted BIFF .xls
        ({"Workbook": b.biff_stream(encrypted=True)}, True),
    ],
)
def test_password_protected_workbooks(tmp_path, streams, directory_last):
    path = tmp_path / "protected.xlsx"
    path.write_bytes(b.ole_file(streams, directory_last=directory_last, pad=200))
    if directory_last:
        assert path.stat().st_size > 65536
    assert "mật khẩu" in refuse(path).reason


def test_unencrypted_ole_workbook_is_sniffed_as_xls(tmp_path):
    path = tmp_path / "plain.xls"
    data = b.ole_file({"Workbook": b.biff_stream(encrypted=False)}, directory_last=True, pad=200)
    path.write_bytes(data)
    assert sniff_kind(path, data[:65536]) == "xls"


def test_ole_file_without_a_workbook(tmp_path):
    path = tmp_path / "letter.xls"
    path.write_bytes(b.ole_file({"WordDocument": b"\x00" * 5000}))
    assert "không chứa bảng tính" in refuse(path).reason


def test_truncated_ole_file(tmp_path):
    path = tmp_path / "cut.xls"
    path.write_bytes(b.ole_file(ENCRYPTED_OOXML, directory_last=True, pad=50)[:2000])
    assert "hỏng" in refuse(path).reason


def test_workbook_without_a_dossier_sheet(tmp_path):
    sheets = [
        b.SheetSpec("Tổng hợp", [["BÁO CÁO"], ["Lĩnh vực", "Số lượng"], ["Hộ tịch", 5]]),
        b.SheetSpec("Ghi chú", [["Không có dữ liệu"]]),
    ]
    path = b.write_export(tmp_path, "summary", "xlsx_shared_strings", sheets)
    reason = refuse(path).reason
    assert "Không tìm thấy dòng tiêu đề" in reason
    assert "'Tổng hợp'" in reason and "'Ghi chú'" in reason


@pytest.mark.parametrize("kind", ["xlsx_shared_strings", "xls_biff8", "html", "csv_comma"])
def test_missing_required_columns_named_with_the_headers_found(tmp_path, kind):
    header = [h for h in b.STANDARD_HEADERS if h not in ("Hình thức nộp", "Ngày tiếp nhận")]
    header.append("Họ tên người nộp")
    path = b.write_export(tmp_path, "missing", kind, [b.dossier_sheet(b.records(3), header)])
    refusal = refuse(path)
    sheet = {"html": "Bảng 1", "csv_comma": "CSV"}.get(kind, "Danh sách hồ sơ")
    assert refusal.sheet == sheet
    assert f"Trang tính '{sheet}'" in refusal.reason
    assert "'Hình thức nộp' (hoặc 'Trực tuyến')" in refusal.reason
    assert "'Ngày tiếp nhận' (hoặc 'Ngày nộp')" in refusal.reason
    assert "Mã hồ sơ, Tên thủ tục hành chính" in refusal.reason  # the headers found
    assert "Trạng thái" in refusal.headers and "Mã hồ sơ" in refusal.headers


def test_two_sheets_that_both_look_like_dossier_lists(tmp_path):
    sheets = [
        b.dossier_sheet(b.records(2), name="Tháng 3"),
        b.dossier_sheet(b.records(3), name="Tháng 4"),
    ]
    path = b.write_export(tmp_path, "two", "xlsx_openpyxl", sheets)
    reason = refuse(path).reason
    assert "nhiều trang tính" in reason and "'Tháng 3'" in reason and "'Tháng 4'" in reason


def test_two_columns_mapping_to_the_same_column(tmp_path):
    header = [*b.STANDARD_HEADERS, "Tình trạng"]
    path = b.write_export(tmp_path, "dupcol", "csv_comma", [b.dossier_sheet(b.records(2), header)])
    refusal = refuse(path)
    assert "nhiều cột cùng nghĩa" in refusal.reason
    assert "'Trạng thái', 'Tình trạng' (đều là cột 'Trạng thái')" in refusal.reason


@pytest.mark.parametrize("honest", [True, False], ids=["declared_size", "lying_directory"])
def test_zip_bomb_is_refused_before_inflating(tmp_path, honest):
    path = tmp_path / "bomb.xlsx"
    b.zip_bomb(path, honest=honest)
    assert path.stat().st_size < 20 * 1024**2
    tracemalloc.start()
    started = time.perf_counter()
    try:
        refusal = refuse(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 3
    assert peak < 32 * 1024**2
    assert "độc hại" in refusal.reason


def test_huge_shared_strings_table_reads_in_bounded_time(tmp_path):
    path = tmp_path / "strings.xlsx"
    b.shared_strings_workbook(path, 200_000)
    started = time.perf_counter()
    _, stats, con = b.read_and_load(path)
    assert time.perf_counter() - started < 10
    assert stats.rows_loaded == 3
    assert [r["dossier_code"] for r in b.snapshot(con)] == [
        "CHUOI-0000002-XX",
        "CHUOI-0000003-XXX",
        "CHUOI-0000004-XXXX",
    ]


@pytest.mark.parametrize("declared", [4_000_000_000, 100_000_000, 500_000])
def test_absurd_shared_strings_count_is_refused(tmp_path, declared):
    """The Excel reader reserves memory for the declared number of unique strings first and
    aborts the whole process when it cannot: more than the limit, or more than the table's
    size can hold, is refused."""
    path = tmp_path / "count.xlsx"
    b.shared_strings_workbook(path, 50, declared=declared)
    assert "chuỗi dùng chung" in refuse(path).reason


def test_a_large_count_of_string_references_is_fine(tmp_path):
    path = tmp_path / "refs.xlsx"
    b.shared_strings_workbook(path, 50, references=4_000_000_000)
    _, stats, _ = b.read_and_load(path)
    assert stats.rows_loaded == 3


def test_utf16_text_is_refused_with_advice(tmp_path):
    path = tmp_path / "unicode.csv"
    path.write_bytes("Mã hồ sơ\tNgày tiếp nhận\nH1\t05/03/2026\n".encode("utf-16"))
    assert "CSV UTF-8" in refuse(path).reason


def test_sheet_spanning_the_whole_grid_is_refused(tmp_path):
    """A dense 16384 × 1048576 range would make the Excel reader abort the process."""
    src = good_xlsx(tmp_path)
    path = tmp_path / "far.xlsx"
    b.patch_zip_member(
        src,
        path,
        "xl/worksheets/sheet1.xml",
        lambda x: x.replace('<dimension ref="A1:L', '<dimension ref="A1:XFD1048576" x="'),
    )
    assert "vượt giới hạn" in refuse(path).reason


def test_html_whose_only_table_is_written_by_a_script(tmp_path):
    path = tmp_path / "scripted.html"
    path.write_text(
        "<html><head>" + b.SCRIPT + "</head><body><p>Đang tải…</p></body></html>",
        encoding="utf-8",
    )
    assert "Không tìm thấy dòng tiêu đề" in refuse(path).reason


def test_csv_in_a_legacy_8_bit_encoding(tmp_path):
    sheet = b.dossier_sheet(b.records(3), title=b.TITLE)
    path = tmp_path / "legacy.csv"
    b.write_csv(path, [sheet], sep=";", encoding="cp1258")
    assert "UTF-8" in refuse(path).reason


def test_csv_with_legacy_bytes_beyond_the_sample(tmp_path):
    lines = ["Mã hồ sơ,Ngày tiếp nhận,Hình thức nộp"]
    lines += [f"H{k},05/03/2026,Online" for k in range(5000)]
    path = tmp_path / "late.csv"
    path.write_bytes("\n".join(lines).encode() + b"\nH9,05/03/2026,Tr\xf4c tuy\xean\n")
    assert "UTF-8" in refuse(path).reason


def test_other_files_are_unaffected(tmp_path):
    good_xlsx(tmp_path, "a_good")
    (tmp_path / "b_empty.xlsx").write_bytes(b"")
    (tmp_path / "c_text.xlsx").write_text("not a workbook", encoding="utf-8")
    b.zip_bomb(tmp_path / "d_bomb.xlsx")
    b.write_csv(tmp_path / "e_legacy.csv", [b.dossier_sheet(b.records(2))], encoding="cp1258")
    b.write_export(tmp_path, "f_good", "html", [b.dossier_sheet(b.records(4))])
    (tmp_path / "notes.txt").write_text("ghi chú", encoding="utf-8")
    files, ignored = discover(tmp_path)
    assert [p.name for p in ignored] == ["notes.txt"]
    outcomes = {p.name: read_one(p, b.vocab(), frozenset()) for p in files}
    assert {n for n, o in outcomes.items() if isinstance(o, ReadResult)} == {
        "a_good.xlsx",
        "f_good.html",
    }
    assert outcomes["a_good.xlsx"].rows.num_rows == 20
    assert outcomes["f_good.html"].rows.num_rows == 4


@pytest.mark.parametrize("kind", ["xlsx_shared_strings", "xls_biff8", "html", "csv_comma"])
def test_header_without_any_dossier_row(tmp_path, kind):
    sheet = b.dossier_sheet([], title=b.TITLE, footer=True)
    path = b.write_export(tmp_path, "empty_list", kind, [sheet])
    result, stats, con = b.read_and_load(path)
    assert (stats.rows_loaded, stats.rows_rejected) == (0, 0)
    assert b.snapshot(con) == []
    b.assert_accounting(result, stats)


@pytest.mark.parametrize("kind", list(b.WRITERS))
def test_damaged_files_are_refused_or_read_never_crash(tmp_path, kind):
    """Cut and scrambled copies of a good file: each is read or refused, and nothing raises."""
    rng = random.Random(kind)
    src = b.write_export(tmp_path, "src", kind, [b.dossier_sheet(b.records(6), title=b.TITLE)])
    data = src.read_bytes()
    for k in range(6):
        damaged = bytearray(data)
        if k % 2 == 0:
            damaged = damaged[: rng.randrange(1, len(damaged))]
        else:
            for _ in range(rng.randint(1, 20)):
                damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        path = tmp_path / f"damaged_{k}{src.suffix}"
        path.write_bytes(bytes(damaged))
        outcome = read_one(path, b.vocab(), frozenset())
        if isinstance(outcome, Refusal):  # refused for a reason, not by an unexpected error
            assert "không lường trước" not in outcome.reason, outcome.reason


def test_an_unexpected_error_refuses_the_file_without_quoting_it(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("ô C7: Zqxname Mẫu Thử 0999000001")

    monkeypatch.setattr("pipelines.ingest.read_export", broken)
    path = good_xlsx(tmp_path)
    refusal = refuse(path)
    assert "RuntimeError" in refusal.reason and "Zqx" not in refusal.reason
