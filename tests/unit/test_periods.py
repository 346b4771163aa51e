"""Standard periods and windows of SPEC §6."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from pipelines.periods import (
    PeriodError,
    latest_complete_month,
    month_containing,
    months_between,
    parse_period,
    periods_of_year,
    report_windows,
)


@pytest.mark.parametrize(
    ("name", "start", "end"),
    [
        ("2026-04", date(2026, 3, 15), date(2026, 4, 14)),
        ("2026-01", date(2025, 12, 15), date(2026, 1, 14)),
        ("2026-Q1", date(2025, 12, 15), date(2026, 3, 14)),
        ("2026-q2", date(2026, 3, 15), date(2026, 6, 14)),
        ("2026-H1", date(2025, 12, 15), date(2026, 6, 14)),
        ("2026-H2", date(2026, 6, 15), date(2026, 12, 14)),
        ("2026-9M", date(2025, 12, 15), date(2026, 9, 14)),
        ("2026", date(2025, 12, 15), date(2026, 12, 14)),
        ("2026-02-cal", date(2026, 2, 1), date(2026, 2, 28)),
        ("2024-02-cal", date(2024, 2, 1), date(2024, 2, 29)),
    ],
)
def test_named_periods(name, start, end):
    period = parse_period(name)
    assert (period.from_date, period.to_date) == (start, end)


@pytest.mark.parametrize("name", ["2026-13", "April", "2026-Q5", "2026-04-15"])
def test_bad_names_say_which_forms_exist(name):
    with pytest.raises(PeriodError) as exc:
        parse_period(name)
    assert "2026-Q1" in str(exc.value) or "không hợp lệ" in str(exc.value)


def test_a_year_lists_every_standard_period():
    names = [p.name for p in periods_of_year(2026)]
    assert names[:2] == ["2026-01", "2026-02"] and "2026-Q4" in names and "2026" in names
    assert len(names) == 12 + 4 + 3 + 12


@pytest.mark.parametrize(
    ("day", "month"),
    [
        (date(2026, 4, 14), "2026-04"),
        (date(2026, 4, 15), "2026-05"),
        (date(2026, 12, 20), "2027-01"),
    ],
)
def test_month_containing(day, month):
    assert month_containing(day).name == month


@pytest.mark.parametrize(
    ("as_of", "month"),
    [
        (date(2026, 4, 16), "2026-04"),
        (date(2026, 4, 14), "2026-04"),
        (date(2026, 4, 13), "2026-03"),
        (date(2026, 1, 3), "2025-12"),
    ],
)
def test_latest_complete_month(as_of, month):
    assert latest_complete_month(as_of).name == month


@pytest.mark.parametrize("since", [date(2025, 7, 1), date(2025, 7, 15), date(2025, 7, 20)])
def test_monthly_series_tiles_the_cumulative_window(since):
    months = months_between(since, date(2026, 4, 16))
    assert months[0].from_date == since and months[-1].to_date == date(2026, 4, 16)
    for a, b in itertools.pairwise(months):
        assert (b.from_date - a.to_date).days == 1


def test_report_windows():
    windows = report_windows(date(2026, 3, 19), date(2026, 4, 16), date(2025, 7, 1))
    kinds = [w.kind for w in windows]
    assert kinds[:3] == ["period", "cumulative", "ytd"] and set(kinds[3:]) == {"month"}
    assert windows[2].from_date == date(2026, 1, 1)
