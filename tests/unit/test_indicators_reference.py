"""sql/indicators/indicators.sql (counted by buckets of the window boundaries, fast) gives
exactly the table of tests/reference/indicators_by_rules.sql (every dossier joined to every
window, SPEC §6 applied row by row) on generated dossiers and windows, bad data included."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.contract import UNKNOWN_GROUP
from pipelines.db import connect
from pipelines.periods import Window
from pipelines.transform import STAGING, build_tables
from tests.support import REPO, insert_canonical

REFERENCE = (REPO / "tests" / "reference" / "indicators_by_rules.sql").read_text(encoding="utf-8")

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
        # names written in several cases: one group each, in the most frequent spelling
        "unit_name": draw(st.sampled_from(["U1", "u1", "U2", "Xã A", "xã a", "XÃ A", None])),
        "sector_name": draw(st.sampled_from(["S1", "S2", "s2", "S3", None])),
        "procedure_name": draw(st.sampled_from(["P1", "p1", "P2", None])),
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


def _both(rows, windows):
    con = connect(":memory:")
    try:
        insert_canonical(con, rows)
        build_tables(con, windows)
        order = ' order by "window", from_date, to_date, group_by, group_value'
        fast = con.execute(f"select * from {STAGING}.indicators" + order).fetchall()
        con.execute(f"set search_path = '{STAGING},main'")
        reference = con.execute(
            f"select * from ({REFERENCE})" + order, {"unknown_group": UNKNOWN_GROUP}
        ).fetchall()
        return fast, reference
    finally:
        con.close()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a_case())
def test_the_pipeline_sql_equals_the_reference(case):
    rows, windows = case
    fast, reference = _both(rows, windows)
    assert fast == reference
