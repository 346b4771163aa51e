"""SPEC §6, one counting rule at a time, through the real SQL, with the edge days.

Window under test: the period 2026-04-01..2026-04-30, cumulative since 2026-01-01.
"""

from __future__ import annotations

import math
from datetime import date

import pytest

from pipelines.contract import FIGURES
from tests.support import indicators_for

FROM, TO, SINCE = date(2026, 4, 1), date(2026, 4, 30), date(2026, 1, 1)


def dossier(
    code="D1",
    *,
    channel="online",
    status="pending",
    received,
    due=None,
    finished=None,
    digitized="1",
    e_result="1",
    unit="Một cửa",
    sector="Hộ tịch",
    procedure="Khai sinh",
):
    return {
        "dossier_code": code,
        "channel": channel,
        "status": status,
        "received_at": received,
        "due_at": due,
        "finished_at": finished,
        "is_digitized": digitized,
        "has_e_result": e_result,
        "unit_name": unit,
        "sector_name": sector,
        "procedure_name": procedure,
    }


def period(*rows):
    _, keyed = indicators_for(list(rows), FROM, TO, SINCE)
    return keyed[("period", "all", "")]


def nonzero(figures):
    return {k: figures[k] for k in FIGURES if figures[k]}


def test_received_on_first_day_counts_as_new():
    got = period(dossier(received="2026-04-01 00:00"))
    assert nonzero(got) == {
        "received_new": 1,
        "received_online": 1,
        "handled": 1,
        "pending": 1,
        "pending_within": 1,
        "digitized": 1,
    }


def test_received_on_last_day_at_midnight_minus_one_counts():
    assert period(dossier(received="2026-04-30 23:59:59"))["received_new"] == 1


def test_received_the_day_after_is_in_no_figure():
    assert nonzero(period(dossier(received="2026-05-01 00:00"))) == {}


def test_received_before_and_resolved_before_the_period_is_in_no_figure():
    got = period(
        dossier(
            status="finished", received="2026-03-01", due="2026-03-10", finished="2026-03-31 23:59"
        )
    )
    assert nonzero(got) == {}


def test_carried_over_when_resolved_on_the_first_day():
    got = period(
        dossier(
            status="finished", received="2026-03-20", due="2026-04-01", finished="2026-04-01 08:00"
        )
    )
    assert got["carried_over"] == 1 and got["resolved_on_time"] == 1
    assert got["received_new"] == 0


def test_finished_on_its_due_date_is_on_time_not_early():
    got = period(
        dossier(
            status="finished", received="2026-04-02", due="2026-04-10", finished="2026-04-10 17:30"
        )
    )
    assert (got["resolved_early"], got["resolved_on_time"], got["resolved_overdue"]) == (0, 1, 0)


def test_finished_the_day_before_due_is_early():
    got = period(
        dossier(
            status="finished", received="2026-04-02", due="2026-04-10", finished="2026-04-09 09:00"
        )
    )
    assert got["resolved_early"] == 1


def test_finished_the_day_after_due_is_overdue():
    got = period(
        dossier(
            status="finished", received="2026-04-02", due="2026-04-10", finished="2026-04-11 08:00"
        )
    )
    assert got["resolved_overdue"] == 1


def test_no_due_date_is_on_time():
    got = period(dossier(status="finished", received="2026-04-02", finished="2026-04-20"))
    assert got["resolved_on_time"] == 1


def test_withdrawn_is_resolved_on_time_even_after_due():
    got = period(
        dossier(status="withdrawn", received="2026-04-02", due="2026-04-05", finished="2026-04-20")
    )
    assert got["withdrawn"] == 1 and got["resolved_on_time"] == 1
    assert got["resolved_overdue"] == 0


def test_refused_only_in_refused():
    got = period(dossier(status="refused", received="2026-04-05"))
    assert nonzero(got) == {"refused": 1}


def test_pending_due_the_day_before_the_end_is_overdue():
    got = period(dossier(received="2026-04-02", due="2026-04-29"))
    assert got["pending_overdue"] == 1 and got["pending_within"] == 0


def test_pending_due_on_the_last_day_is_within_time():
    got = period(dossier(received="2026-04-02", due="2026-04-30"))
    assert got["pending_within"] == 1 and got["pending_overdue"] == 0


def test_awaiting_supplement_is_never_overdue():
    got = period(dossier(status="awaiting_supplement", received="2026-04-02", due="2026-04-03"))
    assert got["pending"] == 1 and got["pending_overdue"] == 0


def test_result_date_wins_over_a_pending_status_word():
    got = period(
        dossier(status="pending", received="2026-04-02", due="2026-04-10", finished="2026-04-08")
    )
    assert got["resolved"] == 1 and got["pending"] == 0


def test_finished_after_the_period_is_pending_at_its_end():
    got = period(
        dossier(status="finished", received="2026-04-02", due="2026-05-10", finished="2026-05-02")
    )
    assert got["pending"] == 1 and got["resolved"] == 0


def test_e_result_counts_resolved_with_the_flag():
    got = period(
        dossier("A", status="finished", received="2026-04-02", finished="2026-04-03"),
        dossier("B", status="finished", received="2026-04-02", finished="2026-04-03", e_result="0"),
    )
    assert got["e_result"] == 1 and got["e_result_rate"] == 0.5


def test_rates_over_zero_dossiers_are_null():
    got = period(dossier(received="2026-05-02"))
    for rate in ("online_rate", "on_time_rate", "digitization_rate", "e_result_rate"):
        assert got[rate] is None or math.isnan(got[rate])


def test_a_rate_over_an_absent_flag_is_null_not_zero():
    got = period(dossier(received="2026-04-02", digitized="", e_result=""))
    assert got["received_new"] == 1
    assert got["digitization_rate"] is None or math.isnan(got["digitization_rate"])


def test_cumulative_carries_dossiers_received_before_its_start():
    _, keyed = indicators_for([dossier(received="2025-12-20", due="2025-12-30")], FROM, TO, SINCE)
    cumulative = keyed[("cumulative", "all", "")]
    assert cumulative["carried_over"] == 1 and cumulative["pending_overdue"] == 1


def test_an_empty_window_still_has_its_all_row_with_zeros():
    _, keyed = indicators_for([dossier(received="2026-06-02")], FROM, TO, SINCE)
    assert nonzero(keyed[("period", "all", "")]) == {}


ROWS = [
    dossier("A", received="2026-04-02", unit="U1", sector="S1", procedure="P1"),
    dossier(
        "B",
        status="finished",
        received="2026-03-02",
        finished="2026-04-03",
        unit="U1",
        sector="S2",
        procedure="P2",
        channel="direct",
    ),
    dossier(
        "C",
        status="finished",
        received="2026-04-05",
        due="2026-04-06",
        finished="2026-04-09",
        unit="U2",
        sector="S2",
        procedure="P1",
        channel="postal",
    ),
    dossier("D", status="refused", received="2026-04-05", unit=None, sector=None, procedure=None),
    dossier(
        "E",
        status="withdrawn",
        received="2026-04-07",
        finished="2026-04-08",
        unit="U2",
        sector="S1",
        procedure="P3",
    ),
]


@pytest.mark.parametrize("group_by", ["unit", "sector", "procedure"])
def test_breakdown_totals_add_up_to_all(group_by):
    _, keyed = indicators_for(ROWS, FROM, TO, SINCE)
    for window in ("period", "cumulative", "ytd"):
        total = keyed[(window, "all", "")]
        parts = [v for (w, g, _), v in keyed.items() if w == window and g == group_by]
        for figure in FIGURES:
            assert sum(p[figure] for p in parts) == total[figure], (window, figure)


def test_missing_group_values_are_counted_as_unknown():
    _, keyed = indicators_for(ROWS, FROM, TO, SINCE)
    assert keyed[("period", "unit", "(không xác định)")]["refused"] == 1
