"""Reporting windows and the standard periods of SPEC §6.

A window is ``[from_date, to_date]``: whole calendar days, both ends included. Standard periods
follow the national reporting cut-off: month ``m`` of year ``y`` runs from the 15th of the
previous month to the 14th of month ``m``; quarters, six and nine months and the year are built
from the same months.

Period names (``hoso run --period NAME``, ``hoso periods``):

======================  ===========================================  =====================
name                    meaning                                      example window
======================  ===========================================  =====================
``2026-04``             standard month 4 of 2026                     2026-03-15..2026-04-14
``2026-Q1``             standard quarter                             2025-12-15..2026-03-14
``2026-H1``             standard six months                          2025-12-15..2026-06-14
``2026-9M``             standard nine months                         2025-12-15..2026-09-14
``2026``                standard year                                2025-12-15..2026-12-14
``2026-04-cal``         calendar month                               2026-04-01..2026-04-30
======================  ===========================================  =====================
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

#: Start of the two-tier local government: the default start of the cumulative window.
DEFAULT_SINCE = date(2025, 7, 1)

CUTOFF_DAY = 14  # a standard month ends on the 14th


@dataclass(frozen=True)
class Window:
    """One counting window: ``kind`` is ``period``, ``cumulative``, ``ytd`` or ``month``."""

    kind: str
    from_date: date
    to_date: date

    def __post_init__(self) -> None:
        if self.from_date > self.to_date:
            raise ValueError(
                f"Khoảng thời gian không hợp lệ: từ ngày {self.from_date:%d/%m/%Y} "
                f"sau đến ngày {self.to_date:%d/%m/%Y}."
            )


@dataclass(frozen=True)
class Period:
    """A named standard period."""

    name: str
    label: str
    from_date: date
    to_date: date


class PeriodError(ValueError):
    """A period name that does not follow the documented forms."""


def _month_start(year: int, month: int) -> date:
    """First day (the 15th of the previous month) of standard month ``month`` of ``year``."""
    if month == 1:
        return date(year - 1, 12, CUTOFF_DAY + 1)
    return date(year, month - 1, CUTOFF_DAY + 1)


def standard_month(year: int, month: int) -> Period:
    """Standard month: 15th of the previous month to the 14th of ``month``."""
    if not 1 <= month <= 12:
        raise PeriodError(f"Tháng {month} không hợp lệ (1–12).")
    return Period(
        f"{year}-{month:02d}",
        f"Tháng {month}/{year}",
        _month_start(year, month),
        date(year, month, CUTOFF_DAY),
    )


def _span(name: str, label: str, year: int, first: int, last: int) -> Period:
    return Period(name, label, _month_start(year, first), date(year, last, CUTOFF_DAY))


def calendar_month(year: int, month: int) -> Period:
    """Calendar month: 1st to last day."""
    if not 1 <= month <= 12:
        raise PeriodError(f"Tháng {month} không hợp lệ (1–12).")
    last = calendar.monthrange(year, month)[1]
    return Period(
        f"{year}-{month:02d}-cal",
        f"Tháng {month}/{year} (tháng dương lịch)",
        date(year, month, 1),
        date(year, month, last),
    )


_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(\d{4})-(\d{1,2})$"), "month"),
    (re.compile(r"^(\d{4})-(\d{1,2})-cal$"), "calendar"),
    (re.compile(r"^(\d{4})-q([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})-h([12])$"), "half"),
    (re.compile(r"^(\d{4})-9m$"), "nine"),
    (re.compile(r"^(\d{4})$"), "year"),
)


def parse_period(name: str) -> Period:
    """Turn a period name (see the module docstring) into its window."""
    text = name.strip().lower()
    for pattern, kind in _PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        year = int(match.group(1))
        if kind == "month":
            return standard_month(year, int(match.group(2)))
        if kind == "calendar":
            return calendar_month(year, int(match.group(2)))
        if kind == "quarter":
            q = int(match.group(2))
            return _span(f"{year}-Q{q}", f"Quý {q}/{year}", year, 3 * q - 2, 3 * q)
        if kind == "half":
            h = int(match.group(2))
            label = f"6 tháng {'đầu' if h == 1 else 'cuối'} năm {year}"
            return _span(f"{year}-H{h}", label, year, 6 * h - 5, 6 * h)
        if kind == "nine":
            return _span(f"{year}-9M", f"9 tháng năm {year}", year, 1, 9)
        return _span(f"{year}", f"Năm {year}", year, 1, 12)
    raise PeriodError(
        f"Không hiểu kỳ báo cáo '{name}'. Dùng một trong các dạng: 2026-04 (tháng chuẩn), "
        "2026-Q1 (quý), 2026-H1 (6 tháng), 2026-9M (9 tháng), 2026 (năm), "
        "2026-04-cal (tháng dương lịch). Xem danh sách: hoso periods --year 2026"
    )


def periods_of_year(year: int) -> list[Period]:
    """Every standard period of ``year``, in the order a report writer reads them."""
    names = [f"{year}-{m:02d}" for m in range(1, 13)]
    names += [f"{year}-Q{q}" for q in range(1, 5)]
    names += [f"{year}-H1", f"{year}-9M", f"{year}"]
    names += [f"{year}-{m:02d}-cal" for m in range(1, 13)]
    return [parse_period(n) for n in names]


def latest_complete_month(as_of: date) -> Period:
    """The latest standard month that ends on or before ``as_of``."""
    year, month = as_of.year, as_of.month
    if as_of.day < CUTOFF_DAY:
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return standard_month(year, month)


def month_containing(day: date) -> Period:
    """The standard month that ``day`` falls in."""
    if day.day <= CUTOFF_DAY:
        return standard_month(day.year, day.month)
    if day.month == 12:
        return standard_month(day.year + 1, 1)
    return standard_month(day.year, day.month + 1)


def months_between(since: date, to: date) -> list[Window]:
    """Standard months overlapping ``[since, to]``, clipped to it: the monthly series."""
    first = month_containing(since)
    year, month = first.to_date.year, first.to_date.month
    windows: list[Window] = []
    while True:
        p = standard_month(year, month)
        if p.from_date > to:
            break
        windows.append(Window("month", max(p.from_date, since), min(p.to_date, to)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return windows


def report_windows(period_from: date, period_to: date, since: date) -> list[Window]:
    """The windows one run computes: period, cumulative, year to date and the monthly series."""
    windows = [
        Window("period", period_from, period_to),
        Window("cumulative", min(since, period_to), period_to),
        Window("ytd", date(period_to.year, 1, 1), period_to),
    ]
    return windows + months_between(min(since, period_to), period_to)
