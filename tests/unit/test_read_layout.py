"""Layout quirks of real exports (SPEC §2): title blocks, headers, number rows, footers, sheets,
group rows, and the columns that stand in for others. Every fixture keeps the accounting."""

from __future__ import annotations

import unicodedata
from datetime import datetime

import pytest

from tests import builders as b

TWO_ROW_HEADER = [
    "STT",
    "Mã hồ sơ",
    ("Thông tin hồ sơ", ["Tên thủ tục hành chính", "Lĩnh vực", "Đơn vị xử lý"]),
    "Hình thức nộp",
    ("Thời gian", ["Ngày tiếp nhận", "Ngày hẹn trả", "Ngày có kết quả"]),
    ("Kết quả", ["Trạng thái", "Số hóa", "Kết quả điện tử"]),
]


def codes(con) -> list[str]:
    return [r["dossier_code"] for r in b.snapshot(con)]


@pytest.mark.parametrize(
    ("kind", "title_rows"),
    [("xlsx_shared_strings", 0), ("xlsx_shared_strings", 6), ("xlsx_shared_strings", 15),
     ("csv_bom_semicolon", 0), ("csv_bom_semicolon", 1), ("csv_bom_semicolon", 15)],
)  # fmt: skip
def test_title_block_of_0_to_15_rows(tmp_path, kind, title_rows):
    title = (b.TITLE * 3)[:title_rows]
    if title_rows:
        title[-1] = "Ngày xuất: 16/04/2026 08:30"
    records = b.records(4)
    path = b.write_export(tmp_path, "t", kind, [b.dossier_sheet(records, title=title)])
    result, stats, con = b.read_and_load(path)
    first = title_rows + (2 if title_rows else 1) + 1
    assert [r["row_number"] for r in b.snapshot(con)] == list(range(first, first + 4))
    assert codes(con) == [r["Mã hồ sơ"] for r in records]
    assert result.export_time_rule == ("title_block" if title_rows else "file_mtime")
    b.assert_accounting(result, stats)


@pytest.mark.parametrize(
    ("kind", "number_row"),
    [
        ("xlsx_openpyxl", "paren"),
        ("xlsx_inline_strings", None),
        ("xls_biff8", "plain"),
        ("html", "paren"),
        ("html", None),
        ("csv_comma", "plain"),
    ],
)
def test_two_row_header_with_merged_groups(tmp_path, kind, number_row):
    records = b.records(5)
    sheet = b.dossier_sheet(
        records, TWO_ROW_HEADER, title=b.TITLE[:4], number_row=number_row, footer=True
    )
    path = b.write_export(tmp_path, "two", kind, [sheet])

    result, stats, con = b.read_and_load(path)

    assert result.header_rows == 2
    assert result.columns["dossier_code"] == "Mã hồ sơ"  # spans both rows: name in the upper
    assert result.columns["received_at"] == "Ngày tiếp nhận"
    assert result.columns["channel"] == "Hình thức nộp"
    assert set(result.columns) == {
        "dossier_code", "procedure_name", "sector_name", "unit_name", "channel",
        "received_at", "due_at", "finished_at", "status", "is_digitized", "has_e_result",
    }  # fmt: skip
    assert result.ignored_headers == []  # group names are not columns
    assert codes(con) == [r["Mã hồ sơ"] for r in records]
    assert stats.rows_skipped == (1 if number_row else 0) + len(b.FOOTER)
    b.assert_accounting(result, stats)


@pytest.mark.parametrize("number_row", ["paren", "plain"])
def test_number_row_under_a_one_row_header(tmp_path, number_row):
    sheet = b.dossier_sheet(b.records(3), number_row=number_row)
    path = b.write_export(tmp_path, "n", "xlsx_shared_strings", [sheet])
    result, stats, con = b.read_and_load(path)
    assert result.header_rows == 1
    assert stats.rows_skipped == 1
    assert [r["row_number"] for r in b.snapshot(con)] == [3, 4, 5]
    b.assert_accounting(result, stats)


def test_footer_in_any_column_is_skipped_not_rejected(tmp_path):
    """Signature labels and signers' names under the code or status columns are the footer."""
    records = b.records(3)
    sheet = b.dossier_sheet(records, footer=True)
    width = len(b.STANDARD_HEADERS)
    sheet.grid += [
        [None] * width,
        ["Tổng số: 3"] + [None] * (width - 1),
        [None, "Thủ trưởng đơn vị", None, None, None, None, None, None, None, "Người lập"],
        [None, "(Ký tên, đóng dấu)", None, None, None, None, None, None, None, "(Ký)"],
        [None, "Lê Văn Ký", None, None, None, None, None, None, None, "Đỗ Thị Lập"],
    ]
    path = b.write_export(tmp_path, "f", "xlsx_openpyxl", [sheet])
    result, stats, con = b.read_and_load(path)
    assert codes(con) == [r["Mã hồ sơ"] for r in records]
    assert b.rejects(con) == []
    assert stats.rows_skipped == len(b.FOOTER) + 5
    b.assert_accounting(result, stats)


def test_several_sheets_with_the_list_not_first(tmp_path):
    summary = b.SheetSpec(
        "Thống kê",
        [
            ["THỐNG KÊ HỒ SƠ"],
            ["Lĩnh vực", "Số hồ sơ", "Trực tuyến", "Đơn vị"],
            ["Hộ tịch", 10, 8, "Xã"],
        ],
    )
    notes = b.SheetSpec("Ghi chú", [["Số liệu trích từ hệ thống một cửa"]])
    empty = b.SheetSpec("Trống", [])
    records = b.records(4)
    sheets = [summary, notes, b.dossier_sheet(records, name="DS hồ sơ"), empty]
    for kind in ("xlsx_shared_strings", "xlsx_openpyxl", "xls_biff8", "html"):
        path = b.write_export(tmp_path, f"multi_{kind}", kind, sheets)
        result, stats, con = b.read_and_load(path)
        if kind == "html":
            assert result.sheet == "Bảng 3"  # empty tables are not sheets
            assert result.ignored_sheets == ["Bảng 1", "Bảng 2"]
        else:
            assert result.sheet == "DS hồ sơ"
            assert result.ignored_sheets == ["Thống kê", "Ghi chú", "Trống"]
        assert codes(con) == [r["Mã hồ sơ"] for r in records]
        b.assert_accounting(result, stats)


def test_headers_in_nfd_with_odd_spacing_colons_asterisks_and_case(tmp_path):
    messy = {
        "Mã hồ sơ": "  MÃ  HỒ SƠ (*):",
        "Hình thức nộp": "hình thức\nnộp:",
        "Ngày tiếp nhận": "Ngày tiếp nhận *",
        "Trạng thái": "TRẠNG THÁI.",
        "Đơn vị xử lý": "Đơn vị   xử lý",
        "Số hóa": "Số Hoá",  # old-style tone placement
    }
    header = [unicodedata.normalize("NFD", messy.get(h, h)) for h in b.STANDARD_HEADERS]
    records = [{messy_h: r[h] for h, messy_h in zip(b.STANDARD_HEADERS, header, strict=True)}
               for r in b.records(3)]  # fmt: skip
    for kind in ("xlsx_shared_strings", "html", "csv_bom_semicolon"):
        path = b.write_export(tmp_path, f"nfd_{kind}", kind, [b.dossier_sheet(records, header)])
        result, stats, con = b.read_and_load(path)
        assert {"dossier_code", "channel", "received_at", "status", "unit_name"} <= set(
            result.columns
        )
        # headers are reported in NFC, white space collapsed
        assert result.columns["is_digitized"] == "Số Hoá"
        assert result.columns["channel"] == "hình thức nộp:"
        assert result.ignored_headers == []
        assert len(b.snapshot(con)) == 3
        b.assert_accounting(result, stats)


def test_group_rows_inside_the_data(tmp_path):
    records = b.records(6)
    rows = [
        b.GroupRow("Xã, phường: Xuân Giang"),
        *records[:2],
        b.GroupRow("Bộ phận Một cửa xã"),
        *records[2:4],
        b.GroupRow("Sở ban ngành: Sở Tư pháp", merged=False),
        *records[4:],
    ]
    for kind in ("xlsx_openpyxl", "html", "csv_comma"):
        path = b.write_export(tmp_path, f"g_{kind}", kind, [b.dossier_sheet(rows)])
        result, stats, con = b.read_and_load(path)
        assert codes(con) == [r["Mã hồ sơ"] for r in records]
        assert stats.rows_skipped == 3
        assert b.rejects(con) == []
        b.assert_accounting(result, stats)


def test_group_row_in_the_code_column_of_a_list_without_stt(tmp_path):
    header = [h for h in b.STANDARD_HEADERS if h != "STT"]
    records = b.records(4)
    rows = [
        b.GroupRow("UBND xã Xuân Giang"),
        *records[:2],
        b.GroupRow("Phòng Kinh tế"),
        *records[2:],
    ]
    path = b.write_export(tmp_path, "nostt", "html", [b.dossier_sheet(rows, header)])
    result, stats, con = b.read_and_load(path)
    assert codes(con) == [r["Mã hồ sơ"] for r in records]
    assert stats.rows_skipped == 2
    b.assert_accounting(result, stats)


def test_a_row_with_only_a_code_is_a_rejected_dossier_not_a_group_row(tmp_path):
    header = [h for h in b.STANDARD_HEADERS if h != "STT"]
    rows = [*b.records(2), {"Mã hồ sơ": "H30.99-260399-0001"}]
    path = b.write_export(tmp_path, "code_only", "csv_comma", [b.dossier_sheet(rows, header)])
    result, stats, con = b.read_and_load(path)
    assert b.rejects(con) == [(4, "missing", "channel", None), (4, "missing", "received_at", None)]
    assert (stats.rows_loaded, stats.rows_rejected, stats.rows_skipped) == (2, 1, 0)
    b.assert_accounting(result, stats)


def test_a_dossier_whose_code_starts_like_a_label_is_kept(tmp_path):
    """A row with a reception date is a dossier whatever its first cell says."""
    header = [h for h in b.STANDARD_HEADERS if h != "STT"]
    records = b.records(3)
    records[0]["Mã hồ sơ"] = "CỘNG-2026-0001"
    records[1]["Mã hồ sơ"] = "Tổng số 2026/02"
    path = b.write_export(
        tmp_path, "label", "xlsx_shared_strings", [b.dossier_sheet(records, header)]
    )
    result, stats, con = b.read_and_load(path)
    assert codes(con) == ["CỘNG-2026-0001", "TỔNG SỐ 2026/02", records[2]["Mã hồ sơ"]]
    b.assert_accounting(result, stats)


def test_online_yes_no_column_instead_of_a_channel(tmp_path):
    header = ["Mã hồ sơ", "Ngày tiếp nhận", "Trực tuyến"]
    values = ["Có", "Không", None, "X", "✓", "Có lẽ"]
    rows = [
        {"Mã hồ sơ": f"H{k}", "Ngày tiếp nhận": f"0{k + 1}/03/2026", "Trực tuyến": v}
        for k, v in enumerate(values)
    ]
    path = b.write_export(tmp_path, "tt", "csv_comma", [b.dossier_sheet(rows, header)])
    result, stats, con = b.read_and_load(path)
    assert "channel" not in result.columns
    assert [(r["dossier_code"], r["channel"]) for r in b.snapshot(con)] == [
        ("H0", "online"), ("H1", "direct"), ("H2", "direct"), ("H3", "online"), ("H4", "online"),
    ]  # fmt: skip
    assert b.rejects(con) == [(7, "unknown_word", "online_flag", "Có lẽ")]
    b.assert_accounting(result, stats)


def test_channel_column_wins_over_the_online_column(tmp_path):
    header = ["Mã hồ sơ", "Ngày tiếp nhận", "Hình thức nộp", "Trực tuyến"]
    rows = [{"Mã hồ sơ": "H1", "Ngày tiếp nhận": "01/03/2026", "Hình thức nộp": "Bưu chính",
             "Trực tuyến": "Có"}]  # fmt: skip
    path = b.write_export(tmp_path, "both", "csv_comma", [b.dossier_sheet(rows, header)])
    _, _, con = b.read_and_load(path)
    assert b.snapshot(con)[0]["channel"] == "postal"


def test_submission_date_alone_or_with_a_reception_date(tmp_path):
    only = ["Mã hồ sơ", "Hình thức nộp", "Ngày nộp"]
    both = ["Mã hồ sơ", "Hình thức nộp", "Ngày nộp hồ sơ", "Ngày tiếp nhận"]
    row = {
        "Mã hồ sơ": "H1",
        "Hình thức nộp": "Trực tuyến",
        "Ngày nộp": "14/03/2026 22:10",
        "Ngày nộp hồ sơ": "14/03/2026 22:10",
        "Ngày tiếp nhận": "16/03/2026 07:45",
    }
    p1 = b.write_export(tmp_path, "only", "xlsx_shared_strings", [b.dossier_sheet([row], only)])
    p2 = b.write_export(tmp_path, "both", "xlsx_shared_strings", [b.dossier_sheet([row], both)])
    r1, _, c1 = b.read_and_load(p1)
    _, _, c2 = b.read_and_load(p2)
    assert b.snapshot(c1)[0]["received_at"] == datetime(2026, 3, 14, 22, 10)
    assert b.snapshot(c2)[0]["received_at"] == datetime(2026, 3, 16, 7, 45)
    assert r1.columns.get("received_at") is None and r1.columns["submitted_at"] == "Ngày nộp"


def test_submission_date_alone_missing_is_reported_under_its_name(tmp_path):
    header = ["Mã hồ sơ", "Hình thức nộp", "Ngày nộp", "Trạng thái"]
    rows = [{"Mã hồ sơ": "H1", "Hình thức nộp": "Trực tuyến", "Trạng thái": "Đang xử lý"}]
    path = b.write_export(tmp_path, "sub", "csv_comma", [b.dossier_sheet(rows, header)])
    _, stats, con = b.read_and_load(path)
    assert b.rejects(con) == [(2, "missing", "submitted_at", None)]
    assert stats.rows_rejected == 1


def test_extended_due_date_filled_or_empty(tmp_path):
    header = ["Mã hồ sơ", "Hình thức nộp", "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày gia hạn"]
    rows = [
        {"Mã hồ sơ": "H1", "Hình thức nộp": "Trực tiếp", "Ngày tiếp nhận": "02/03/2026",
         "Ngày hẹn trả": "05/03/2026", "Ngày gia hạn": "12/03/2026 17:00"},
        {"Mã hồ sơ": "H2", "Hình thức nộp": "Trực tiếp", "Ngày tiếp nhận": "02/03/2026",
         "Ngày hẹn trả": "05/03/2026", "Ngày gia hạn": None},
    ]  # fmt: skip
    path = b.write_export(tmp_path, "ext", "xls_biff8", [b.dossier_sheet(rows, header)])
    _, _, con = b.read_and_load(path)
    assert [r["due_at"] for r in b.snapshot(con)] == [
        datetime(2026, 3, 12, 17, 0),
        datetime(2026, 3, 5),
    ]


def test_no_status_column_finished_iff_result_date(tmp_path):
    header = ["Mã hồ sơ", "Hình thức nộp", "Ngày tiếp nhận", "Ngày có kết quả"]
    rows = [
        {"Mã hồ sơ": "H1", "Hình thức nộp": "Trực tuyến", "Ngày tiếp nhận": "02/03/2026",
         "Ngày có kết quả": "03/03/2026 10:00"},
        {"Mã hồ sơ": "H2", "Hình thức nộp": "Trực tuyến", "Ngày tiếp nhận": "02/03/2026",
         "Ngày có kết quả": None},
    ]  # fmt: skip
    path = b.write_export(tmp_path, "nostatus", "html", [b.dossier_sheet(rows, header)])
    _, _, con = b.read_and_load(path)
    assert [(r["status_class"], r["finished_at"]) for r in b.snapshot(con)] == [
        ("finished", datetime(2026, 3, 3, 10, 0)),
        ("pending", None),
    ]


def test_return_date_is_the_fallback_for_finished_at(tmp_path):
    header = ["Mã hồ sơ", "Hình thức nộp", "Ngày tiếp nhận", "Trạng thái", "Ngày trả kết quả"]
    rows = [
        {"Mã hồ sơ": "H1", "Hình thức nộp": "Trực tuyến", "Ngày tiếp nhận": "02/03/2026",
         "Trạng thái": "Đã trả kết quả", "Ngày trả kết quả": "04/03/2026 09:00"},
        {"Mã hồ sơ": "H2", "Hình thức nộp": "Trực tuyến", "Ngày tiếp nhận": "02/03/2026",
         "Trạng thái": "Đang xử lý", "Ngày trả kết quả": None},
    ]  # fmt: skip
    path = b.write_export(tmp_path, "ret", "csv_bom_semicolon", [b.dossier_sheet(rows, header)])
    _, _, con = b.read_and_load(path)
    assert [r["finished_at"] for r in b.snapshot(con)] == [datetime(2026, 3, 4, 9, 0), None]

    both = [*header, "Ngày có kết quả"]
    rows[0]["Ngày có kết quả"] = "03/03/2026 16:00"
    path = b.write_export(tmp_path, "ret2", "csv_bom_semicolon", [b.dossier_sheet(rows, both)])
    _, _, con = b.read_and_load(path)
    assert b.snapshot(con)[0]["finished_at"] == datetime(2026, 3, 3, 16, 0)


def test_unknown_headers_are_listed_and_personal_ones_counted(tmp_path):
    header = [*b.STANDARD_HEADERS, "Ghi chú nội bộ", "Họ tên người nộp", "Số điện thoại"]
    path = b.write_export(
        tmp_path, "x", "xlsx_shared_strings", [b.dossier_sheet(b.records(2), header)]
    )
    result, _, _ = b.read_and_load(path)
    assert result.ignored_headers == ["Ghi chú nội bộ"]
    assert result.personal_columns == 2
