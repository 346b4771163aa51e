"""Numbers, rates and dates written the Vietnamese way, for the workbook and the report.

Rules:

- **Counts**: a dot groups thousands: ``5808`` → ``"5.808"``, ``791`` → ``"791"``.
- **Rates** (fractions in [0, 1]) become percentages with two decimals and a decimal comma
  (SPEC §6), rounded half up: ``0.9985`` → ``"99,85%"``, ``0.996`` → ``"99,60%"``,
  ``0.777778`` → ``"77,78%"``. A whole percentage drops its ``",00"`` as report writers do:
  ``1.0`` → ``"100%"``, ``0.75`` → ``"75%"``. Rounding never claims what is not so: only a rate
  of exactly 1 reads ``"100%"`` (``0.99999`` → ``"99,99%"``) and only exactly 0 reads ``"0%"``
  (``0.00001`` → ``"0,01%"``).
- **No rate**: a null rate (None, NaN, NA) reads ``"không có hồ sơ"`` (``contract.NO_BASE_TEXT``)
  when its base is zero or unknown, and ``"không có dữ liệu"`` (:data:`NO_DATA_TEXT`) when the
  base is positive, i.e. the export had no flag column to count (SPEC §3: "no data", never 0 %).
- **Dates**: ``dd/mm/yyyy`` with leading zeros: ``"16/04/2026"``.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from numbers import Integral, Real

import pandas as pd

from pipelines.contract import NO_BASE_TEXT

#: Text for a rate whose base is positive but whose numerator could not be counted.
NO_DATA_TEXT = "không có dữ liệu"

#: How each rate of SPEC §6 is built: (figures summed in the numerator, base figure).
RATE_PARTS: dict[str, tuple[tuple[str, ...], str]] = {
    "online_rate": (("received_online",), "received_new"),
    "on_time_rate": (("resolved_early", "resolved_on_time"), "resolved"),
    "digitization_rate": (("digitized",), "received_new"),
    "e_result_rate": (("e_result",), "resolved"),
}

_HUNDREDTH = Decimal("0.01")


def is_missing(value: object) -> bool:
    """True for None, NaN, ``pd.NA`` and ``pd.NaT``: a value that is not there."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # arrays and other non-scalars are not "missing"
        return False


def _as_int(n: object) -> int:
    if isinstance(n, bool) or is_missing(n):
        raise ValueError(f"Không phải số nguyên: {n!r}.")
    if isinstance(n, Integral):
        return int(n)
    if isinstance(n, Real) and float(n).is_integer():
        return int(n)
    raise ValueError(f"Không phải số nguyên: {n!r}.")


def format_int_vi(n: int) -> str:
    """A count with a dot between thousands: ``5808`` → ``"5.808"``, ``-1234`` → ``"-1.234"``.

    Accepts Python and NumPy integers and integral floats; anything else is a ``ValueError``.
    """
    return f"{_as_int(n):,}".replace(",", ".")


def format_rate_vi(rate: float | None, *, base: int | None = None) -> str:
    """A rate as a Vietnamese percentage (rules in the module docstring).

    ``base`` is the rate's denominator, used only to tell "no dossiers" from "no data" when the
    rate is null.
    """
    if is_missing(rate):
        if base is not None and not is_missing(base) and _as_int(base) > 0:
            return NO_DATA_TEXT
        return NO_BASE_TEXT
    value = float(rate)  # type: ignore[arg-type]
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise ValueError(f"Tỷ lệ phải nằm trong [0, 1]: {rate!r}.")
    percent = (Decimal(repr(value)) * 100).quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)
    if percent == 100 and value < 1.0:
        percent = Decimal("99.99")
    elif percent == 0 and value > 0.0:
        percent = Decimal("0.01")
    whole, _, decimals = f"{percent:.2f}".partition(".")
    return f"{whole}%" if decimals == "00" else f"{whole},{decimals}%"


def as_date(value: date | datetime | str) -> date:
    """A ``datetime.date`` from a date, a datetime/Timestamp or an ISO ``YYYY-MM-DD`` string."""
    if isinstance(value, datetime):  # pd.Timestamp is a datetime
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value.strip()[:10])
    raise ValueError(f"Không phải ngày: {value!r}.")


def format_date_vi(d: date | datetime | str) -> str:
    """A date as ``dd/mm/yyyy``: ``date(2026, 4, 16)`` → ``"16/04/2026"``."""
    return f"{as_date(d):%d/%m/%Y}"
