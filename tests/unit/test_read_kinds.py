"""Every file kind of SPEC §2 gives the same dossiers: read, then loaded through the real SQL."""

from __future__ import annotations

import shutil
from datetime import datetime

import pytest

from tests import builders as b

CHANNELS = {"Nộp trực tuyến": "online", "Nộp trực tiếp": "direct", "Bưu chính công ích": "postal"}
STATUSES = {
    "Đã trả kết quả": "finished",
    "Đang xử lý": "pending",
    "Chờ bổ sung": "awaiting_supplement",
    "Hoàn thành": "finished",
    "Từ chối": "refused",
    "Rút hồ sơ": "withdrawn",
}
SNIFFED = {
    "xlsx_openpyxl": "xlsx",
    "xlsx_shared_strings": "xlsx",
    "xlsx_inline_strings": "xlsx",
    "xlsm": "xlsx",
    "xls_biff8": "xls",
    "html_saved_as_xls": "html",
    "html": "html",
    "csv_bom_semicolon": "csv",
    "csv_comma": "csv",
}


def expected(records: list[dict], first_row: int) -> list[dict]:
    """The snapshot rows the records must give (SPEC §3)."""
    return [
        {
            "row_number": first_row + k,
            "dossier_code": r["Mã hồ sơ"],
            "procedure_code": None,
            "procedure_name": r["Tên thủ tục hành chính"],
            "sector_name": r["Lĩnh vực"],
            "unit_name": r["Đơn vị xử lý"],
            "channel": CHANNELS[r["Hình thức nộp"]],
            "status_class": STATUSES[r["Trạng thái"]],
            "received_at": r["Ngày tiếp nhận"],
            "due_at": r["Ngày hẹn trả"],
            "finished_at": r["Ngày có kết quả"],
            "is_digitized": r["Số hóa"] == "Có",
            "has_e_result": r["Kết quả điện tử"] == "Có",
        }
        for k, r in enumerate(records)
    ]


@pytest.mark.parametrize("kind", list(b.WRITERS))
def test_every_kind_gives_the_same_dossiers(tmp_path, kind):
    records = b.records(6)
    sheet = b.dossier_sheet(records, title=b.TITLE, number_row="paren", footer=True)
    path = b.write_export(tmp_path, "ds", kind, [sheet])

    result, stats, con = b.read_and_load(path)

    assert result.kind == SNIFFED[kind]
    assert result.export_at == datetime(2026, 4, 16, 8, 30)
    header_row = len(b.TITLE) + 2  # title lines, a blank row, then the header (1-based)
    assert b.snapshot(con) == expected(records, first_row=header_row + 2)
    assert b.rejects(con) == []
    assert (stats.rows_loaded, stats.rows_rejected) == (6, 0)
    assert stats.rows_skipped == 1 + len(b.FOOTER)  # the number row and the footer
    b.assert_accounting(result, stats)


@pytest.mark.parametrize(
    ("kind", "wrong_suffix"),
    [
        ("xlsx_shared_strings", ".xls"),
        ("xls_biff8", ".xlsx"),
        ("html", ".xlsx"),
        ("csv_comma", ".xls"),
        ("xlsx_openpyxl", ".csv"),
    ],
)
def test_kind_is_found_by_content_not_by_name(tmp_path, kind, wrong_suffix):
    records = b.records(3)
    path = b.write_export(tmp_path, "ds", kind, [b.dossier_sheet(records)])
    renamed = path.with_name("renamed" + wrong_suffix)
    shutil.move(path, renamed)

    result, stats, con = b.read_and_load(renamed)

    assert result.kind == SNIFFED[kind]
    assert [r["dossier_code"] for r in b.snapshot(con)] == [r["Mã hồ sơ"] for r in records]
    b.assert_accounting(result, stats)


def test_csv_quoted_fields_with_separators_quotes_and_line_breaks(tmp_path):
    records = b.records(3)
    records[0]["Tên thủ tục hành chính"] = 'Thủ tục "A"; B, C\r\ndòng hai'
    records[1]["Tên thủ tục hành chính"] = "Một;\nhai,\nba"
    for kind in ("csv_bom_semicolon", "csv_comma"):
        path = b.write_export(tmp_path, f"q_{kind}", kind, [b.dossier_sheet(records)])
        result, stats, con = b.read_and_load(path)
        names = [r["procedure_name"] for r in b.snapshot(con)]
        assert names == [
            'Thủ tục "A"; B, C dòng hai',
            "Một; hai, ba",
            records[2]["Tên thủ tục hành chính"],
        ]
        # a record spanning several lines is still one row
        assert [r["row_number"] for r in b.snapshot(con)] == [2, 3, 4]
        b.assert_accounting(result, stats)


def test_csv_separator_is_not_fooled_by_commas_in_the_title(tmp_path):
    title = ["Danh sách hồ sơ, từ ngày 01/03/2026, đến ngày 16/04/2026, của xã, phường"]
    sheet = b.dossier_sheet(b.records(4), title=title)
    path = b.write_export(tmp_path, "title_commas", "csv_bom_semicolon", [sheet])
    result, stats, _ = b.read_and_load(path)
    assert stats.rows_loaded == 4
    assert result.columns["dossier_code"] == "Mã hồ sơ"


def test_csv_rows_wider_than_the_first_lines(tmp_path):
    """DuckDB drops fields beyond the declared columns: the reader must widen until none is
    lost, even when the sample (the first 64 KiB) shows only short rows."""
    header = ["Mã hồ sơ", "Ngày tiếp nhận", "Hình thức nộp"]
    lines = ["Danh sách hồ sơ", ";".join(header)]
    lines += [f"H{k};05/03/2026;Trực tuyến" for k in range(1, 4001)]
    lines.append(";".join(["H9999", "09/03/2026", "Trực tuyến", *["x"] * 40, "Có"]))
    path = tmp_path / "wide.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert path.stat().st_size > 65536
    result, stats, con = b.read_and_load(path)
    assert stats.rows_loaded == 4001
    assert b.snapshot(con)[-1]["dossier_code"] == "H9999"
    b.assert_accounting(result, stats)


def test_csv_blank_lines_and_ragged_rows(tmp_path):
    text = (
        "DANH SÁCH HỒ SƠ\n\n\nMã hồ sơ,Ngày tiếp nhận,Hình thức nộp,Trạng thái\n"
        "h1,01/03/2026,Trực tuyến\n\n"
        "H2,02/03/2026,Trực tiếp,Đang xử lý,\n"
        ",,,\n"
        "Tổng cộng: 2\n"
    )
    path = tmp_path / "ragged.csv"
    path.write_text(text, encoding="utf-8")
    result, stats, con = b.read_and_load(path)
    rows = b.snapshot(con)
    assert [(r["dossier_code"], r["status_class"]) for r in rows] == [
        ("H1", "pending"),
        ("H2", "pending"),
    ]
    assert stats.rows_skipped == 2
    b.assert_accounting(result, stats)


def test_national_sync_csv(tmp_path):
    rows = b.national_rows(10)
    sheet = b.dossier_sheet(rows, b.NATIONAL_HEADERS)
    path = b.write_export(tmp_path, "dvc_sync_20260416", "csv_comma", [sheet])

    result, stats, con = b.read_and_load(path)

    assert result.export_time_rule == "file_name"
    assert result.personal_columns == 3
    got = b.snapshot(con)
    status_class = {
        1: "pending", 2: "pending", 3: "refused", 4: "pending", 5: "awaiting_supplement",
        6: "pending", 7: "withdrawn", 8: "pending", 9: "finished", 10: "finished",
    }  # fmt: skip
    channel = {"1": "direct", "2": "online", "3": "postal"}
    assert [r["dossier_code"] for r in got] == [r["MaHoSo"].strip().upper() for r in rows]
    assert [r["status_class"] for r in got] == [status_class[k % 10 + 1] for k in range(10)]
    assert [r["channel"] for r in got] == [channel[r["KenhThucHien"]] for r in rows]
    assert [r["received_at"] for r in got] == [
        datetime.strptime(r["NgayTiepNhan"], "%Y%m%d%H%M%S") for r in rows
    ]
    assert [r["is_digitized"] for r in got] == [r["HoSoCoThanhPhanSoHoa"] == "1" for r in rows]
    assert {r["has_e_result"] for r in got} == {None}  # no such column in this layout
    assert [r["finished_at"] is not None for r in got] == [
        r["TrangThaiHoSo"] in ("7", "9", "10") for r in rows
    ]
    b.assert_accounting(result, stats)


def test_national_sync_as_semicolon_csv_with_bom(tmp_path):
    sheet = b.dossier_sheet(b.national_rows(5), b.NATIONAL_HEADERS)
    path = b.write_export(tmp_path, "sync", "csv_bom_semicolon", [sheet])
    result, stats, _ = b.read_and_load(path)
    assert result.columns["dossier_code"] == "MaHoSo"
    assert stats.rows_loaded == 5


def test_html_entities_line_breaks_and_script(tmp_path):
    records = b.records(3)
    records[0]["Tên thủ tục hành chính"] = 'Cấp bản sao <trích lục> & "giấy tờ"\nhộ tịch'
    path = b.write_export(tmp_path, "portal", "html", [b.dossier_sheet(records)])
    raw = path.read_text(encoding="utf-8")
    assert "&lt;trích lục&gt; &amp; &quot;giấy tờ&quot;<br>hộ tịch" in raw
    assert "<script>" in raw

    result, stats, con = b.read_and_load(path)

    # the table written by the script is not a sheet
    assert result.ignored_sheets == []
    assert b.snapshot(con)[0]["procedure_name"] == 'Cấp bản sao <trích lục> & "giấy tờ" hộ tịch'
    b.assert_accounting(result, stats)


def test_html_in_a_legacy_charset_declared_by_meta(tmp_path):
    sheet = b.dossier_sheet(b.records(2), title=b.TITLE)
    doc = b.html_document([sheet], charset="windows-1258")
    path = tmp_path / "legacy.xls"
    path.write_bytes(b.encode_legacy(doc))
    result, _, con = b.read_and_load(path)
    assert result.kind == "html"
    assert [r["unit_name"] for r in b.snapshot(con)] == ["Bộ phận Một cửa xã"] * 2
    assert result.export_at == datetime(2026, 4, 16, 8, 30)
