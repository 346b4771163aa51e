"""Row anomalies never block (SPEC §6, §8): F < R counts as F = R, warnings name the dossiers
(for rows already in the database too), every identity is a check that can fail and, when it
does, names the dossiers that break it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.db import connect
from pipelines.periods import report_windows
from pipelines.row_checks import row_warnings
from pipelines.transform import STAGING, build_tables
from pipelines.validate import validate_tables
from tests.support import indicators_for, insert_canonical

PERIOD = (date(2026, 3, 15), date(2026, 4, 14), date(2025, 7, 1))


def _d(code, received, finished=None, due=None, status="finished", **kw):
    return {"dossier_code": code, "channel": "online", "status": status,
            "received_at": received, "finished_at": finished, "due_at": due} | kw  # fmt: skip


def test_result_before_reception_across_the_period_start_publishes_as_f_equals_r():
    rows = [_d("A1", "2026-03-16 08:00", "2026-03-10 09:00", "2026-03-20")]
    con, keyed = indicators_for(rows, *PERIOD)
    period = keyed[("period", "all", "")]
    assert (period["received_new"], period["resolved"], period["pending"]) == (1, 1, 0)
    assert period["resolved_early"] == 1  # resolved the day it was received, before D
    assert validate_tables(con, STAGING).success
    warned = row_warnings(con)
    assert [(w.code, w.examples) for w in warned] == [("result_before_reception", ("A1",))]


def test_due_before_reception_and_dates_after_export_are_warned_not_blocking():
    rows = [
        _d("B1", "2026-03-20 08:00", "2026-03-25", "2026-03-18"),
        _d("B2", "2026-04-20 08:00", None, None, status="pending"),  # after the export date
        _d("B3", "2026-03-20 08:00", "2026-04-18 08:00", None),
        _d("B4", "2026-03-20 08:00", "2026-03-22", "2026-03-25"),
    ]
    con = connect(":memory:")
    insert_canonical(con, rows, export_at="2026-04-16 00:00:00")
    build_tables(con, report_windows(*PERIOD))
    assert validate_tables(con, STAGING).success
    got = {(w.code, w.file): w.examples for w in row_warnings(con)}
    assert got == {
        ("due_before_reception", "canonical.csv"): ("B1",),
        ("date_after_export", "canonical.csv"): ("B2", "B3"),
    }


def test_rows_already_in_the_database_are_warned_on_a_later_run():
    con = connect(":memory:")
    insert_canonical(con, [_d("O1", "2026-03-20 08:00", "2026-03-01")], file_hash="a" * 64)
    build_tables(con, report_windows(*PERIOD))
    insert_canonical(con, [_d("N1", "2026-03-21 08:00", "2026-03-22")], file_hash="b" * 64)
    build_tables(con, report_windows(*PERIOD))  # incremental: only N1 is recomputed
    assert [w.examples for w in row_warnings(con)] == [("O1",)]


IDENTITY_BREAKS = [
    # (how a dossier state is broken behind hoso's back, the identity, the dossier)
    ("finished_date = date '2026-03-01'", "Tổng số phải giải quyết = đã giải quyết", "X1"),
    ("channel = 'fax'", "Tiếp nhận mới = trực tuyến", "X1"),
]


@pytest.mark.parametrize(("change", "named", "code"), IDENTITY_BREAKS)
def test_a_failing_identity_names_the_dossiers_that_break_it(change, named, code):
    rows = [_d("X1", "2026-03-20 08:00", "2026-03-25", "2026-03-18"), _d("X2", "2026-03-21")]
    con = connect(":memory:")
    insert_canonical(con, rows)
    build_tables(con, report_windows(*PERIOD))
    con.execute(f"update {STAGING}.dossiers set {change} where dossier_code = 'X1'")
    build_tables(con, report_windows(*PERIOD))  # no new file: the states stay, indicators rebuilt
    outcome = validate_tables(con, STAGING)
    assert not outcome.success
    hits = [f.message() for f in outcome.failed if named in f.why]
    assert hits, [f.message() for f in outcome.failed]
    assert f"hồ sơ làm lệch: {code} (" in hits[0]
    assert "X2" not in hits[0].split("hồ sơ làm lệch")[1]


def test_an_identity_broken_by_the_sums_says_no_dossier_breaks_it():
    con, _ = indicators_for([_d("Y1", "2026-03-20 08:00", "2026-03-25")], *PERIOD)
    con.execute(f"update {STAGING}.indicators set pending_within = pending_within + 1")
    outcome = validate_tables(con, STAGING)
    messages = [f.message() for f in outcome.failed if "trong hạn + quá hạn" in f.why]
    assert messages and "không hồ sơ nào làm lệch" in messages[0]


START = date(2026, 1, 1)


@st.composite
def a_dossier(draw, k: int) -> dict:
    def day(n):
        return (START + timedelta(days=n)).isoformat()

    received = draw(st.integers(0, 150))
    # result and due dates anywhere: before reception, after the export time, missing
    finished = draw(st.one_of(st.none(), st.integers(-30, 200)))
    due = draw(st.one_of(st.none(), st.integers(-30, 200)))
    status = draw(st.sampled_from(["pending", "awaiting_supplement", "finished", "withdrawn"]))
    if status in ("finished", "withdrawn") and finished is None:
        finished = draw(st.integers(-30, 200))
    return _d(
        f"P{k}",
        day(received) + " 08:00",
        None if finished is None else day(finished) + " 10:00",
        None if due is None else day(due),
        status=draw(st.sampled_from([status, "refused"])) if k % 7 == 0 else status,
        channel=draw(st.sampled_from(["online", "direct", "postal"])),
        unit_name=draw(st.sampled_from(["U1", "u1", "U2", None])),
        sector_name=draw(st.sampled_from(["S1", "S2", None])),
    )


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 30).flatmap(lambda n: st.tuples(*[a_dossier(k) for k in range(n)])))
def test_random_dates_never_break_an_identity_and_the_run_validates(rows):
    con = connect(":memory:")
    try:
        insert_canonical(con, list(rows), export_at="2026-04-16 00:00:00")
        build_tables(con, report_windows(date(2026, 3, 15), date(2026, 4, 14), date(2026, 1, 10)))
        frame = con.sql(f"select * from {STAGING}.indicators").df()
        assert (frame["handled"] == frame["resolved"] + frame["pending"]).all()
        assert (
            frame["resolved"]
            == frame["resolved_early"] + frame["resolved_on_time"] + frame["resolved_overdue"]
        ).all()
        assert (
            frame["received_new"]
            == frame["received_online"] + frame["received_direct"] + frame["received_postal"]
        ).all()
        assert (frame["pending"] == frame["pending_within"] + frame["pending_overdue"]).all()
        assert set(frame["window"]) >= {"period", "cumulative", "ytd", "month"}
        outcome = validate_tables(con, STAGING)
        assert outcome.success, [f.message() for f in outcome.failed]
    finally:
        con.close()
