"""Export time (SPEC §2): a labelled date-time in the title block, else the last date in the file
name, else the file's modification time; the rule is recorded."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pipelines.read.export_time import from_file_name, from_title, parse_text_datetime
from pipelines.vocab import load_vocabulary
from tests import builders as b

LABELS = load_vocabulary().export_time_labels
AT = datetime(2026, 4, 16, 8, 30)


@pytest.mark.parametrize(
    "cells",
    [
        ["Ngày xuất: 16/04/2026 08:30"],
        ["Thời điểm xuất: 08:30 16/04/2026"],
        ["Ngày xuất báo cáo: 16/04/2026 8:30"],
        ["Xuất lúc 08:30 ngày 16/04/2026"],
        ["Xuất lúc: 08:30, 16/04/2026"],
        ["Ngày in: 16-04-2026 08:30:00"],
        ["NGÀY LẬP:", "16/04/2026 08:30"],  # the value in the next cell
        ["Ngày xuất:", "2026-04-16 08:30:00"],  # an Excel date cell next to the label
        ["Từ ngày 01/03/2026 đến ngày 15/04/2026", "Ngày xuất: 16/04/2026 08:30"],
        ["Ngày xuất:16/04/2026 08h30"],
        ["Ngày xuất: 16/04/2026 lúc 08:30"],
    ],
)
def test_title_block_labels_date_before_or_after_time(cells):
    assert from_title(cells, LABELS) == AT


def test_a_date_range_without_a_label_is_not_an_export_time():
    assert from_title(["Từ ngày 01/03/2026 đến ngày 15/04/2026"], LABELS) is None


def test_labels_are_tried_in_order_of_preference():
    cells = ["Ngày lập: 01/04/2026", "Thời điểm xuất: 16/04/2026 08:30"]
    assert from_title(cells, LABELS) == AT


def test_title_date_without_time_is_midnight_and_impossible_dates_are_passed_over():
    assert parse_text_datetime("Ngày in: 31/02/2026, ngày 16/04/2026") == datetime(2026, 4, 16)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("danh_sach_20260416", datetime(2026, 4, 16)),
        ("danh_sach_16042026", datetime(2026, 4, 16)),
        ("danh_sach_2026-04-16", datetime(2026, 4, 16)),
        ("danh_sach_16-04-2026", datetime(2026, 4, 16)),
        ("tu_01-03-2026_den_16-04-2026", datetime(2026, 4, 16)),  # the last one wins
        ("20260301_20260416", datetime(2026, 4, 16)),
        ("2026-03-01_den_16042026", datetime(2026, 4, 16)),
        ("export_20260416083000", datetime(2026, 4, 16, 8, 30)),
        ("bao_cao_thang_4", None),
        ("ds_12345678", None),  # no valid reading
    ],
)
def test_file_name_dates(name, expected):
    assert from_file_name(name) == expected


def _export(tmp_path: Path, stem: str, title: list[str], kind: str = "xlsx_shared_strings"):
    sheet = b.dossier_sheet(b.records(2), title=title)
    return b.write_export(tmp_path, stem, kind, [sheet])


@pytest.mark.parametrize("kind", ["xlsx_shared_strings", "xls_biff8", "html", "csv_comma"])
def test_rule_title_block_wins_over_the_file_name(tmp_path, kind):
    path = _export(tmp_path, "ds_20260101", ["DANH SÁCH", "Xuất lúc 08:30 16/04/2026"], kind)
    result, _, con = b.read_and_load(path)
    assert (result.export_at, result.export_time_rule) == (AT, "title_block")
    assert con.execute("select export_at, export_time_rule from files").fetchall() == [
        (AT, "title_block")
    ]


def test_rule_file_name(tmp_path):
    path = _export(tmp_path, "ds_16-04-2026", ["DANH SÁCH HỒ SƠ"])
    result, _, _ = b.read_and_load(path)
    assert (result.export_at, result.export_time_rule) == (datetime(2026, 4, 16), "file_name")


def test_rule_mtime_in_local_time(tmp_path):
    path = _export(tmp_path, "ds", ["DANH SÁCH HỒ SƠ"])
    stamp = datetime(2026, 4, 16, 8, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")).timestamp()
    os.utime(path, (stamp, stamp))
    result, _, _ = b.read_and_load(path)
    assert (result.export_at, result.export_time_rule) == (AT, "file_mtime")


def test_html_title_outside_the_table_or_in_a_table_above(tmp_path):
    sheet = b.dossier_sheet(b.records(2))
    doc = b.html_document([sheet], preamble="<h3>DANH SÁCH</h3><p>Ngày in: 16/04/2026 08:30</p>")
    p1 = tmp_path / "a.html"
    p1.write_text(doc, encoding="utf-8")
    title = b.SheetSpec("t", [["DANH SÁCH HỒ SƠ"], ["Ngày xuất: 16/04/2026 08:30"]])
    p2 = tmp_path / "b.html"
    p2.write_text(b.html_document([title, sheet]), encoding="utf-8")
    for path in (p1, p2):
        result, _, _ = b.read_and_load(path)
        assert (result.export_at, result.export_time_rule) == (AT, "title_block")
