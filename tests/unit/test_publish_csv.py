"""The CSV files written by DuckDB (``files.write_csv``) have the bytes of the former pandas
writer, kept here only as the reference."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines.publish.files import FORMULA_PREFIXES, write_csv

VARIED = r"""
create table varied as select * from (values
    (1, 'a,b', 0.1::double, date '2026-04-01', 5::bigint, timestamp '2026-04-01 08:30:00', true),
    (2, 'say "hi"', 1.0, null, null, null, null),
    (3, E'line\nbreak', 1e-05, date '2026-01-02', -3, timestamp '2025-12-31 23:59:59', false),
    (4, '', 0.6004, date '2026-01-02', 0, null, true),
    (5, null, null, date '1999-12-31', 3, null, true),
    (6, ' lead and trail ', 0.12345678901234568, date '2026-01-02', 3, null, true),
    (7, 'Đơn vị: UBND xã Hòa Bình, "Một cửa"', 2.5e20, date '2026-01-02', 3, null, true),
    (8, '=HYPERLINK("x")', 123456789.0, date '2026-01-02', 9007199254740993, null, true),
    (9, E'cr\rinside', 0.3333333333333333, date '2026-01-02', 3, null, true),
    (10, '-2', 1e16, date '2026-01-02', 3, null, true),
    (11, E'\ttab', 0.0, date '2026-01-02', 3, null, true),
    (12, '@SUM(A1)', -0.0, date '2026-01-02', 3, null, true),
    (13, '+84 a=b', 'nan'::double, date '2026-01-02', 3, null, true),
    (14, E'\rlead cr', 'inf'::double, date '2026-01-02', 3, null, true),
    (15, 'Hộ tịch', 5e-324, date '2026-01-02', 3, null, true),
    (16, E'"\n,', 1.7976931348623157e308, date '2026-01-02', 3, null, true)
) v("id", "text, with comma", "x", "d", "n", "ts", "flag")
"""


def old_write_csv(frame: pd.DataFrame, path: Path) -> None:
    """The pandas writer that ``write_csv`` replaced (reference only)."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            text = values.astype("string")
            risky = text.str.startswith(FORMULA_PREFIXES, na=False)
            if risky.any():
                out[column] = values.where(~risky, "'" + text)
    out.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n", date_format="%Y-%m-%d")


def _both(tmp_path: Path, relation: duckdb.DuckDBPyRelation) -> tuple[bytes, bytes]:
    old, new = tmp_path / "old.csv", tmp_path / "new.csv"
    old_write_csv(relation.df(), old)
    write_csv(relation, new)
    return old.read_bytes(), new.read_bytes()


def test_varied_table_same_bytes_as_the_pandas_writer(tmp_path):
    con = duckdb.connect()
    con.execute(VARIED)
    old, new = _both(tmp_path, con.sql("select * from varied order by id"))
    assert new == old
    assert new.startswith(b"\xef\xbb\xbf") and b"\r\n" not in new
    assert b'\'=HYPERLINK(""x"")' in new and b",'-2," in new and b"\ncr\rinside," not in new


def test_empty_table_is_its_header(tmp_path):
    con = duckdb.connect()
    con.execute(VARIED)
    old, new = _both(tmp_path, con.sql("select * from varied where false"))
    assert new == old == '\ufeffid,"text, with comma",x,d,n,ts,flag\n'.encode()


def test_published_tables_same_bytes(tmp_path):
    """The real shapes: the indicators and overdue tables of a sample-like run."""
    con = duckdb.connect()
    con.execute(
        "create table t as select 'month' as window, date '2026-03-15' + i::int as from_date, "
        "if(i % 7 = 0, null, 'Lĩnh vực ' || i) as group_value, i::bigint as received_new, "
        "if(i % 5 = 0, null, i / 97.0) as online_rate from range(2000) r(i)"
    )
    old, new = _both(tmp_path, con.sql("select * from t"))
    assert new == old


def test_a_difference_is_seen(tmp_path):
    """The comparison can fail: the writer's bytes differ from a frame that differs."""
    con = duckdb.connect()
    con.execute(VARIED)
    relation = con.sql("select * from varied order by id")
    old_write_csv(relation.df().iloc[::-1], tmp_path / "old.csv")
    write_csv(relation, tmp_path / "new.csv")
    assert (tmp_path / "old.csv").read_bytes() != (tmp_path / "new.csv").read_bytes()


def test_unsupported_type_is_refused(tmp_path):
    with pytest.raises(ValueError, match="kiểu"):
        write_csv(duckdb.sql("select [1, 2] as l"), tmp_path / "x.csv")
