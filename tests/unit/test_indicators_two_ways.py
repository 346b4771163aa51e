"""indicators.sql counts by days (fast) and by the rules window by window (the definition):
on any dossiers and any windows, both ways give the same table."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.db import connect
from pipelines.periods import Window
from pipelines.transform import STAGING, build_tables
from tests.support import insert_canonical

START = date(2025, 6, 1)
DAYS = 120


def _day(n: int) -> str:
    return (START + timedelta(days=n)).isoformat()


@st.composite
def a_dossier(draw, code: int) -> dict:
    received = draw(st.integers(0, DAYS))
    finished = draw(st.one_of(st.none(), st.integers(0, DAYS)))  # may precede reception
    due = draw(st.one_of(st.none(), st.integers(0, DAYS)))
    status = draw(
        st.sampled_from(["pending", "awaiting_supplement", "finished", "withdrawn", "refused"])
    )
    flag = st.sampled_from(["", "0", "1"])
    return {
        "dossier_code": f"D{code}",
        "channel": draw(st.sampled_from(["online", "direct", "postal"])),
        "status": status,
        "received_at": _day(received) + " 08:00",
        "due_at": None if due is None else _day(due),
        "finished_at": None if finished is None else _day(finished) + " 16:00",
        "is_digitized": draw(flag),
        "has_e_result": draw(flag),
        "unit_name": draw(st.sampled_from(["U1", "U2", None])),
        "sector_name": draw(st.sampled_from(["S1", "S2", "S3", None])),
        "procedure_name": draw(st.sampled_from(["P1", "P2", None])),
    }


@st.composite
def a_case(draw):
    n = draw(st.integers(0, 25))
    rows = [draw(a_dossier(i)) for i in range(n)]
    windows = []
    for kind in ("period", "cumulative", "month", "month"):
        a = draw(st.integers(-5, DAYS + 5))
        b = draw(st.integers(a, DAYS + 10))
        window = Window(kind, START + timedelta(days=a), START + timedelta(days=b))
        if all((w.kind, w.from_date) != (kind, window.from_date) for w in windows):
            windows.append(window)  # (window, from_date) is the key, as in report_windows
    return rows, windows


def _table(rows, windows, all_by_rules):
    con = connect(":memory:")
    try:
        insert_canonical(con, rows)
        build_tables(con, windows, all_by_rules=all_by_rules)
        return con.execute(
            f'select * from {STAGING}.indicators order by "window", from_date, to_date, '
            "group_by, group_value"
        ).fetchall()
    finally:
        con.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a_case())
def test_counting_by_days_equals_counting_by_rules(case):
    rows, windows = case
    assert _table(rows, windows, False) == _table(rows, windows, True)
