"""Values (SPEC §3) through the real SQL: dates, channels, statuses, flags, codes, rejects."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines import db
from pipelines.read import CANONICAL_COLUMNS, ReadResult
from tests import builders as b

BASE = {"dossier_code": "H1", "channel": "Trực tuyến", "received_at": "05/03/2026 08:00"}


def result(rows: list[dict[str, str | None]], columns: set[str] | None = None) -> ReadResult:
    """A ReadResult as the reader makes it: every canonical column, absent ones null."""
    present = columns or set().union(*rows)
    table = {"row_number": pa.array(range(10, 10 + len(rows)), pa.int64())}
    for name in CANONICAL_COLUMNS:
        values = [(r.get(name) or "") if name in present else None for r in rows]
        table[name] = pa.array(values, pa.string())
    return ReadResult(
        path=Path("values.csv"),
        file_hash=f"hash-{id(rows)}",
        kind="csv",
        sheet="CSV",
        export_at=datetime(2026, 4, 16),
        export_time_rule="file_name",
        rows=pa.table(table),
        rows_read=len(rows),
        rows_skipped=0,
        header_rows=1,
        columns={},
    )


def load(rows: list[dict[str, str | None]], columns: set[str] | None = None):
    con = b.connect()
    res = result(rows, columns)
    from pipelines.load import load_file

    stats = load_file(con, res)
    b.assert_accounting(res, stats)
    return con, stats


@pytest.fixture(scope="module")
def sql():
    con = db.connect(":memory:")
    yield con
    con.close()


# --- dates -----------------------------------------------------------------------------------

DATE_FORMS = {
    "05/03/2026": datetime(2026, 3, 5),
    "5/3/2026": datetime(2026, 3, 5),
    "12/03/2026": datetime(2026, 3, 12),  # day first, never 3 December
    "05/03/2026 08:05": datetime(2026, 3, 5, 8, 5),
    "5/3/2026 8:05": datetime(2026, 3, 5, 8, 5),
    "05/03/2026 08:05:07": datetime(2026, 3, 5, 8, 5, 7),
    "08:05 05/03/2026": datetime(2026, 3, 5, 8, 5),
    "8:05:07 5/3/2026": datetime(2026, 3, 5, 8, 5, 7),
    "05-03-2026": datetime(2026, 3, 5),
    "5-3-2026 8:05": datetime(2026, 3, 5, 8, 5),
    "05-03-2026 08:05:07": datetime(2026, 3, 5, 8, 5, 7),
    "08:05 05-03-2026": datetime(2026, 3, 5, 8, 5),
    "05.03.2026 08:05": datetime(2026, 3, 5, 8, 5),
    "2026-03-05": datetime(2026, 3, 5),
    "2026-03-05 08:05": datetime(2026, 3, 5, 8, 5),
    "2026-03-05 08:05:07": datetime(2026, 3, 5, 8, 5, 7),
    "2026-03-05T08:05:07": datetime(2026, 3, 5, 8, 5, 7),
    "2026-03-05 08:05:07.250": datetime(2026, 3, 5, 8, 5, 7, 250000),
    "20260305080507": datetime(2026, 3, 5, 8, 5, 7),
    "20260305": datetime(2026, 3, 5),
    "46086": datetime(2026, 3, 5),  # Excel serial number
    "46086.336805555555": datetime(2026, 3, 5, 8, 5),
    "  5/3/2026   8:05  ": datetime(2026, 3, 5, 8, 5),
}
IMPOSSIBLE = [
    "31/02/2026",
    "29/02/2026",
    "30/02/2024",
    "00/03/2026",
    "32/01/2026",
    "05/13/2026",  # month-first would read 13 May: not guessed
    "2026-02-30",
    "20260230080000",
    "05/03/26",  # two-digit year: not guessed
    "05/03/2026 25:10",
    "hôm qua",
    "99999",
]


@pytest.mark.parametrize(("text", "expected"), DATE_FORMS.items())
def test_every_date_form_parses(sql, text, expected):
    assert sql.execute("select parse_local_ts(?)", [text]).fetchone()[0] == expected


@pytest.mark.parametrize("text", IMPOSSIBLE)
def test_impossible_dates_are_null(sql, text):
    assert sql.execute("select parse_local_ts(?)", [text]).fetchone()[0] is None


def test_dates_through_load_file_and_invalid_ones_rejected():
    rows = [BASE | {"dossier_code": f"H{k}", "received_at": t} for k, t in enumerate(DATE_FORMS)]
    bad = [BASE | {"dossier_code": f"B{k}", "received_at": t} for k, t in enumerate(IMPOSSIBLE)]
    con, stats = load(rows + bad)
    got = con.execute("select received_at from snapshot_rows order by row_number").fetchall()
    assert [g for (g,) in got] == list(DATE_FORMS.values())
    assert stats.rows_rejected == len(IMPOSSIBLE)
    assert con.execute(
        "select problem, column_name, value from rejects order by row_number"
    ).fetchall() == [("invalid_date", "received_at", t) for t in IMPOSSIBLE]


@pytest.mark.parametrize(
    "column", ["due_at", "extended_due_at", "finished_at", "returned_at", "submitted_at"]
)
def test_an_impossible_date_in_any_date_column_rejects_the_row(column):
    row = BASE | {column: "31/02/2026 10:00"}
    if column == "submitted_at":
        row = {k: v for k, v in row.items() if k != "received_at"}
    con, stats = load([row])
    assert stats.rows_rejected == 1
    assert b.rejects(con) == [(10, "invalid_date", column, "31/02/2026 10:00")]


def test_excel_date_cells_and_serial_numbers(tmp_path):
    header = ["Mã hồ sơ", "Hình thức nộp", "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày có kết quả"]
    rows = [
        {"Mã hồ sơ": "H1", "Hình thức nộp": "Trực tuyến", "Ngày tiếp nhận":
         datetime(2026, 3, 5, 8, 5, 7), "Ngày hẹn trả": datetime(2026, 3, 9).date(),
         "Ngày có kết quả": 46087.5},
        {"Mã hồ sơ": "H2", "Hình thức nộp": "Trực tuyến", "Ngày tiếp nhận": 46086,
         "Ngày hẹn trả": "9/3/2026", "Ngày có kết quả": datetime(2026, 3, 6, 0, 0)},
    ]  # fmt: skip
    for kind in b.EXCEL_KINDS:
        path = b.write_export(tmp_path, f"d_{kind}", kind, [b.dossier_sheet(rows, header)])
        _, _, con = b.read_and_load(path)
        got = [(r["received_at"], r["due_at"], r["finished_at"]) for r in b.snapshot(con)]
        assert got == [
            (datetime(2026, 3, 5, 8, 5, 7), datetime(2026, 3, 9), datetime(2026, 3, 6, 12)),
            (datetime(2026, 3, 5), datetime(2026, 3, 9), datetime(2026, 3, 6)),
        ], kind


PARSE_ALL = "select list_transform(?, lambda x: parse_local_ts(x))"
FORMATS = [
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%H:%M:%S %d/%m/%Y",
    "%H:%M %d/%m/%Y",
    "%d-%m-%Y %H:%M:%S",
    "%H:%M %d-%m-%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y%m%d%H%M%S",
]


def _unpadded(value: datetime) -> str:
    return f"{value.day}/{value.month}/{value.year} {value.hour}:{value.minute:02d}"


def _text_forms(value: datetime) -> tuple[list[str], list[datetime]]:
    value = value.replace(microsecond=0)
    texts = [value.strftime(f) for f in FORMATS]
    expected = [value if "%S" in f else value.replace(second=0) for f in FORMATS]
    texts += [_unpadded(value), value.strftime("%d/%m/%Y")]
    expected += [value.replace(second=0), value.replace(hour=0, minute=0, second=0)]
    return texts, expected


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2099, 12, 31)),
        min_size=1,
        max_size=4,
    )
)
def test_every_text_form_of_a_datetime_parses_back(sql, values):
    texts, expected = [], []
    for value in values:
        t, e = _text_forms(value)
        texts += t
        expected += e
    assert sql.execute(PARSE_ALL, [texts]).fetchone()[0] == expected


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1950, 2099),
    st.one_of(
        st.tuples(st.integers(1, 12), st.integers(29, 31)),
        st.tuples(st.integers(13, 99), st.integers(1, 28)),
        st.tuples(st.integers(1, 12), st.integers(32, 99)),
        st.tuples(st.just(0), st.integers(1, 28)),
        st.tuples(st.integers(1, 12), st.just(0)),
    ),
)
def test_impossible_day_month_combinations_are_null(sql, year, month_day):
    month, day = month_day
    try:
        datetime(year, month, day)
        return  # a real date (29–31 of a long enough month)
    except ValueError:
        pass
    texts = [
        f"{day:02d}/{month:02d}/{year}",
        f"{day}/{month}/{year} 8:05",
        f"08:05 {day:02d}-{month:02d}-{year}",
        f"{year}-{month:02d}-{day:02d}",
        f"{year}{month:02d}{day:02d}080500",
    ]
    got = sql.execute(PARSE_ALL, [texts]).fetchone()[0]
    assert got == [None] * len(texts)


# --- words -----------------------------------------------------------------------------------


def test_channel_words_and_unknown_ones_with_counts():
    words = {
        "Trực tuyến": "online", "Nộp trực tuyến": "online", "DVC trực tuyến": "online",
        "Qua cổng DVC": "online", "ONLINE": "online", "2": "online",
        "Trực tiếp": "direct", "Nộp trực tiếp": "direct", "Tại bộ phận một cửa": "direct",
        "Tại quầy": "direct", "1": "direct",
        "Bưu chính": "postal", "Bưu chính công ích": "postal", "BCCI": "postal",
        "Qua bưu điện": "postal", "Qua bưu chính": "postal", "3": "postal",
    }  # fmt: skip
    rows = [BASE | {"dossier_code": f"H{k}", "channel": w} for k, w in enumerate(words)]
    unknown = ["Nộp qua Zalo", "Nộp qua Zalo", "nộp qua zalo", "4", ""]
    rows += [BASE | {"dossier_code": f"U{k}", "channel": w} for k, w in enumerate(unknown)]
    con, stats = load(rows)
    got = con.execute("select channel from snapshot_rows order by row_number").fetchall()
    assert [g for (g,) in got] == list(words.values())
    assert stats.rows_rejected == len(unknown)
    counts = con.execute(
        "select problem, value, count(*) from rejects where column_name = 'channel' "
        "group by all order by all"
    ).fetchall()
    assert counts == [
        ("missing", None, 1),
        ("unknown_word", "4", 1),
        ("unknown_word", "Nộp qua Zalo", 2),
        ("unknown_word", "nộp qua zalo", 1),
    ]


STATUS_WORDS = {
    "pending": ["Mới đăng ký", "Mới tiếp nhận", "Được tiếp nhận", "Đã tiếp nhận", "Đang xử lý",
                "Đang giải quyết", "Chờ phê duyệt", "Tạm dừng", "Dừng xử lý",
                "Yêu cầu thực hiện nghĩa vụ tài chính", "1", "2", "4", "6", "8"],
    "awaiting_supplement": ["Chờ bổ sung", "Yêu cầu bổ sung", "Yêu cầu bổ sung giấy tờ", "5"],
    "finished": ["Đã xử lý xong", "Đã có kết quả", "Hoàn thành", "Đã giải quyết",
                 "Đã trả kết quả", "Trả kết quả", "9", "10"],
    "withdrawn": ["Công dân yêu cầu rút hồ sơ", "Công dân rút hồ sơ", "Rút hồ sơ",
                  "Đã rút hồ sơ", "7"],
    "refused": ["Không được tiếp nhận", "Từ chối tiếp nhận", "Từ chối", "Hủy", "Đã hủy", "3"],
}  # fmt: skip


def test_status_words_and_national_codes():
    rows, expected = [], []
    for status_class, words in STATUS_WORDS.items():
        for w in words:
            rows.append(BASE | {"dossier_code": f"H{len(rows)}", "status": w,
                                "finished_at": "06/03/2026 10:00"})  # fmt: skip
            expected.append(status_class)
    con, stats = load(rows)
    got = con.execute("select status_class from snapshot_rows order by row_number").fetchall()
    assert [g for (g,) in got] == expected
    assert stats.rows_rejected == 0


def test_unknown_status_words_are_rejected_with_their_counts():
    words = ["Đang thẩm định", "Đang thẩm định", "11", "Đang xử lý"]
    rows = [BASE | {"dossier_code": f"H{k}", "status": w} for k, w in enumerate(words)]
    con, stats = load(rows)
    assert stats.rows_loaded == 1
    assert con.execute(
        "select value, count(*) from rejects where problem = 'unknown_word' "
        "and column_name = 'status' group by all order by all"
    ).fetchall() == [("11", 1), ("Đang thẩm định", 2)]


TRUE_WORDS = ["Có", "X", "x", "✓", "✔", "Đã số hóa", "Đã cấp", "True", "TRUE", "1", "Yes", "có"]
FALSE_WORDS = ["Không", "Chưa số hóa", "Chưa cấp", "False", "0", "No", "", "KHÔNG"]


def test_yes_no_flags():
    words = TRUE_WORDS + FALSE_WORDS
    rows = [
        BASE | {"dossier_code": f"H{k}", "is_digitized": w, "has_e_result": w}
        for k, w in enumerate(words)
    ]
    con, stats = load(rows)
    got = con.execute(
        "select is_digitized, has_e_result from snapshot_rows order by row_number"
    ).fetchall()
    assert got == [(True, True)] * len(TRUE_WORDS) + [(False, False)] * len(FALSE_WORDS)
    assert stats.rows_rejected == 0


def test_absent_flag_columns_give_null_and_unknown_flag_words_reject():
    con, _ = load([BASE, BASE | {"dossier_code": "H2"}])
    assert con.execute(
        "select distinct is_digitized, has_e_result from snapshot_rows"
    ).fetchall() == [(None, None)]
    con, _ = load([BASE | {"is_digitized": "Có thể"}])
    assert b.rejects(con) == [(10, "unknown_word", "is_digitized", "Có thể")]


def test_dossier_code_is_trimmed_and_upper_cased():
    rows = [BASE | {"dossier_code": c} for c in ["  h30.99-260305-0001 ", "H30.99-260305-0002"]]
    con, _ = load(rows)
    assert [c for (c,) in con.execute(
        "select dossier_code from snapshot_rows order by row_number"
    ).fetchall()] == ["H30.99-260305-0001", "H30.99-260305-0002"]  # fmt: skip


def test_missing_code_or_reception_date_is_rejected_not_dropped():
    rows = [BASE | {"dossier_code": ""}, BASE | {"received_at": ""}]
    con, stats = load(rows)
    assert stats.rows_rejected == 2
    assert b.rejects(con) == [
        (10, "missing", "dossier_code", None),
        (11, "missing", "received_at", None),
    ]


def test_finished_or_withdrawn_without_a_result_date_is_rejected():
    rows = [
        BASE | {"dossier_code": "F", "status": "Đã trả kết quả"},
        BASE | {"dossier_code": "W", "status": "Rút hồ sơ"},
        BASE | {"dossier_code": "R", "status": "Đã trả kết quả", "returned_at": "07/03/2026"},
        BASE | {"dossier_code": "P", "status": "Đang xử lý"},
        BASE | {"dossier_code": "X", "status": "Từ chối"},
    ]
    con, _ = load(rows, columns={*BASE, "status", "finished_at", "returned_at"})
    assert b.rejects(con) == [
        (10, "no_result_date", "status", "Đã trả kết quả"),
        (11, "no_result_date", "status", "Rút hồ sơ"),
    ]
    assert con.execute(
        "select dossier_code, status_class, finished_at from snapshot_rows order by row_number"
    ).fetchall() == [
        ("R", "finished", datetime(2026, 3, 7)),
        ("P", "pending", None),
        ("X", "refused", None),
    ]


def test_names_keep_their_text_with_white_space_collapsed():
    con, _ = load([BASE | {"procedure_name": "Đăng ký\nkhai   sinh", "unit_name": "Xã\tA"}])
    assert con.execute("select procedure_name, unit_name from snapshot_rows").fetchall() == [
        ("Đăng ký khai sinh", "Xã A")
    ]


def test_duplicated_codes_with_conflicting_states_in_one_file(tmp_path):
    header = ["Mã hồ sơ", "Hình thức nộp", "Ngày tiếp nhận", "Trạng thái", "Ngày có kết quả"]
    rows = [
        {"Mã hồ sơ": "H30.99-1", "Hình thức nộp": "Trực tuyến", "Ngày tiếp nhận": "02/03/2026",
         "Trạng thái": "Đang xử lý"},
        {"Mã hồ sơ": "H30.99-2", "Hình thức nộp": "Trực tuyến", "Ngày tiếp nhận": "02/03/2026",
         "Trạng thái": "Đang xử lý"},
        {"Mã hồ sơ": " h30.99-1", "Hình thức nộp": "Trực tuyến", "Ngày tiếp nhận": "02/03/2026",
         "Trạng thái": "Đã trả kết quả", "Ngày có kết quả": "05/03/2026"},
    ]  # fmt: skip
    path = b.write_export(tmp_path, "dup", "csv_comma", [b.dossier_sheet(rows, header)])
    result, stats, con = b.read_and_load(path)
    assert (stats.rows_loaded, stats.rows_duplicate) == (3, 1)
    assert con.execute(
        "select status_class from snapshot_rows where dossier_code = 'H30.99-1' order by row_number"
    ).fetchall() == [("pending",), ("finished",)]
    b.assert_accounting(result, stats)
