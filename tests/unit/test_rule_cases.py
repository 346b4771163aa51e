"""The rule cases of shared/acceptance: sixteen canonical dossiers → every figure, exactly."""

from __future__ import annotations

import math
from datetime import date

import pytest

from pipelines.contract import FIGURES, RATES
from tests.support import (
    COMMITTED_ACCEPTANCE,
    RULE_CASE_YTD_FIGURES,
    RULE_CASE_YTD_RATES,
    SHARED_ACCEPTANCE,
    indicators_for,
    rule_case_expected,
    rule_case_rows,
)

EXPECTED = rule_case_expected()


@pytest.fixture(scope="module")
def indicators():
    period, cumulative = EXPECTED["period"], EXPECTED["cumulative"]
    _, keyed = indicators_for(
        rule_case_rows(),
        date.fromisoformat(period["from"]),
        date.fromisoformat(period["to"]),
        date.fromisoformat(cumulative["from"]),
    )
    return keyed


@pytest.mark.parametrize("window", ["period", "cumulative"])
@pytest.mark.parametrize("figure", FIGURES)
def test_figure(indicators, window, figure):
    got = indicators[(window, "all", "")]
    assert got[figure] == EXPECTED[window][figure]


@pytest.mark.parametrize("window", ["period", "cumulative"])
@pytest.mark.parametrize("rate", RATES)
def test_rate(indicators, window, rate):
    got = indicators[(window, "all", "")][rate]
    expected = EXPECTED[window][rate]
    if expected is None:
        assert got is None or math.isnan(got)
    else:
        assert round(got, 6) == expected


@pytest.mark.parametrize("window", ["period", "cumulative"])
def test_window_dates(indicators, window):
    got = indicators[(window, "all", "")]
    assert got["from_date"].isoformat()[:10] == EXPECTED[window]["from"]
    assert got["to_date"].isoformat()[:10] == EXPECTED[window]["to"]


def test_committed_copy_matches_shared():
    """tests/data/acceptance is a copy for machines without shared/; it must not drift."""
    if not SHARED_ACCEPTANCE.exists():
        pytest.skip("shared/acceptance not beside this checkout")
    for name in ("rule_cases.csv", "rule_cases.expected.json"):
        assert (COMMITTED_ACCEPTANCE / name).read_bytes() == (SHARED_ACCEPTANCE / name).read_bytes()


@pytest.mark.parametrize("window", ["period", "cumulative"])
def test_overdue_list_matches_the_overdue_figures(window):
    period, cumulative = EXPECTED["period"], EXPECTED["cumulative"]
    con, _ = indicators_for(
        rule_case_rows(),
        date.fromisoformat(period["from"]),
        date.fromisoformat(period["to"]),
        date.fromisoformat(cumulative["from"]),
    )
    listed = con.execute(
        'select overdue_kind, count(*) from staging.overdue where "window" = $w group by 1',
        {"w": window},
    ).fetchall()
    assert dict(listed) == {
        "resolved_overdue": EXPECTED[window]["resolved_overdue"],
        "pending_overdue": EXPECTED[window]["pending_overdue"],
    }


def test_year_to_date_matches_the_hand_count(indicators):
    got = indicators[("ytd", "all", "")]
    assert {k: got[k] for k in RULE_CASE_YTD_FIGURES} == RULE_CASE_YTD_FIGURES
    assert {k: round(got[k], 6) for k in RULE_CASE_YTD_RATES} == RULE_CASE_YTD_RATES
