"""report.md (section V.2) and the Vietnamese number style it is written in.

The expected texts are written out by hand from the figures, not produced by the code.
"""

from __future__ import annotations

import json
import math
import unicodedata
from datetime import date, datetime

import pandas as pd
import pytest

from pipelines.contract import FIGURES, INDICATOR_COLUMNS, RATES
from pipelines.publish.numbers import format_date_vi, format_int_vi, format_rate_vi
from pipelines.publish.report import write_report
from tests.support import RULE_CASE_YTD_FIGURES as YTD_FIGURES
from tests.support import RULE_CASE_YTD_RATES as YTD_RATES
from tests.support import acceptance_dir

EXPECTED = acceptance_dir() / "rule_cases.expected.json"


PERIOD = (date(2026, 3, 19), date(2026, 4, 16))
CUMULATIVE = (date(2025, 7, 1), date(2026, 4, 16))
YTD = (date(2026, 1, 1), date(2026, 4, 16))

RULE_CASES_REPORT = """\
# Số liệu giải quyết thủ tục hành chính – UBND xã Xuân Giang

## 2. Về thủ tục hành chính, dịch vụ công trực tuyến

- Tổng số hồ sơ phải giải quyết theo kỳ báo cáo từ ngày 19/03/2026 đến ngày 16/04/2026: \
12 hồ sơ, gồm: tiếp nhận mới 9 hồ sơ (trực tuyến 7 hồ sơ, đạt tỷ lệ 77,78%; trực tiếp 1 hồ sơ; \
qua dịch vụ bưu chính 1 hồ sơ), kỳ trước chuyển qua 3 hồ sơ; đã giải quyết 7 hồ sơ, trong đó \
trước hạn và đúng hạn 5 hồ sơ (kể cả 1 hồ sơ do công dân rút), đạt tỷ lệ 71,43%, quá hạn \
2 hồ sơ; đang giải quyết 5 hồ sơ, trong đó quá hạn 2 hồ sơ; ngoài ra có 1 hồ sơ không được \
tiếp nhận.

- Lũy kế từ ngày 01/07/2025 đến ngày 16/04/2026, tổng số hồ sơ phải giải quyết: 14 hồ sơ, \
gồm: tiếp nhận mới 13 hồ sơ (trực tuyến 9 hồ sơ, đạt tỷ lệ 69,23%; trực tiếp 3 hồ sơ; qua dịch \
vụ bưu chính 1 hồ sơ), từ trước ngày 01/07/2025 chuyển qua 1 hồ sơ; đã giải quyết 9 hồ sơ, \
trong đó trước hạn và đúng hạn 5 hồ sơ (kể cả 1 hồ sơ do công dân rút), đạt tỷ lệ 55,56%, \
quá hạn 4 hồ sơ; đang giải quyết 5 hồ sơ, trong đó quá hạn 2 hồ sơ; ngoài ra có 1 hồ sơ không \
được tiếp nhận.

- Việc số hóa, cấp kết quả điện tử: Tỷ lệ số hóa từ ngày 01/01/2026 đến ngày 16/04/2026 đạt \
75% (9/12 hồ sơ), tỷ lệ cấp kết quả điện tử đạt 75% (6/8 hồ sơ). Lũy kế từ ngày 01/07/2025 \
đến ngày 16/04/2026, tỷ lệ số hóa đạt 69,23% (9/13 hồ sơ), tỷ lệ cấp kết quả điện tử đạt \
77,78% (7/9 hồ sơ).
"""


def _row(
    window: str, span: tuple[date, date], figures: dict[str, int], rates: dict[str, float | None]
) -> dict[str, object]:
    return {
        "window": window,
        "from_date": span[0],
        "to_date": span[1],
        "group_by": "all",
        "group_value": "",
        **{name: figures[name] for name in FIGURES},
        **{name: rates[name] for name in RATES},
    }


def _frame(*rows: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(INDICATOR_COLUMNS))


@pytest.fixture(scope="module")
def rule_cases() -> pd.DataFrame:
    if not EXPECTED.exists():
        pytest.skip(f"acceptance figures not found: {EXPECTED}")
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    return _frame(
        _row("period", PERIOD, expected["period"], expected["period"]),
        _row("cumulative", CUMULATIVE, expected["cumulative"], expected["cumulative"]),
        _row("ytd", YTD, YTD_FIGURES, YTD_RATES),
    )


def test_rule_cases_report(rule_cases: pd.DataFrame) -> None:
    assert write_report(rule_cases, unit_name="UBND xã  Xuân Giang\n") == RULE_CASES_REPORT


def test_report_is_nfc(rule_cases: pd.DataFrame) -> None:
    decomposed = unicodedata.normalize("NFD", "Xã Xuân Giang")
    text = write_report(rule_cases, unit_name=decomposed)
    assert unicodedata.is_normalized("NFC", text)
    assert "Xã Xuân Giang" in text


def test_report_ignores_sector_rows(rule_cases: pd.DataFrame) -> None:
    sector = rule_cases.iloc[[0]].assign(group_by="sector", group_value="Hộ tịch", handled=999)
    assert write_report(pd.concat([rule_cases, sector]), unit_name="UBND xã Xuân Giang") == (
        RULE_CASES_REPORT
    )


# The reference report's figures (SPEC §1), with the few it does not give filled in.
REFERENCE_PERIOD = {
    "received_new": 791,
    "received_online": 791,
    "received_direct": 0,
    "received_postal": 0,
    "carried_over": 16,
    "handled": 807,
    "resolved": 780,
    "resolved_early": 700,
    "resolved_on_time": 80,
    "resolved_overdue": 0,
    "pending": 27,
    "pending_within": 27,
    "pending_overdue": 0,
    "withdrawn": 0,
    "refused": 0,
    "digitized": 790,
    "e_result": 780,
}
REFERENCE_CUMULATIVE = {
    "received_new": 5808,
    "received_online": 5787,
    "received_direct": 21,
    "received_postal": 0,
    "carried_over": 0,
    "handled": 5808,
    "resolved": 5781,
    "resolved_early": 5000,
    "resolved_on_time": 778,
    "resolved_overdue": 3,
    "pending": 27,
    "pending_within": 27,
    "pending_overdue": 0,
    "withdrawn": 0,
    "refused": 0,
    "digitized": 5787,
    "e_result": 5781,
}
REFERENCE_YTD = {
    **REFERENCE_CUMULATIVE,
    "received_new": 2000,
    "received_online": 1990,
    "received_direct": 10,
    "handled": 2000,
    "resolved": 1973,
    "resolved_early": 1500,
    "resolved_on_time": 470,
    "digitized": 1997,
    "e_result": 1973,
}


def test_reference_figures_read_like_the_reference() -> None:
    text = write_report(
        _frame(
            _row(
                "period",
                (date(2026, 3, 19), date(2026, 4, 16)),
                REFERENCE_PERIOD,
                {
                    "online_rate": 1.0,
                    "on_time_rate": 1.0,
                    "digitization_rate": 790 / 791,
                    "e_result_rate": 1.0,
                },
            ),
            _row(
                "cumulative",
                CUMULATIVE,
                REFERENCE_CUMULATIVE,
                {
                    "online_rate": 5787 / 5808,
                    "on_time_rate": 5778 / 5781,
                    "digitization_rate": 5787 / 5808,
                    "e_result_rate": 1.0,
                },
            ),
            _row(
                "ytd",
                YTD,
                REFERENCE_YTD,
                {
                    "online_rate": 0.995,
                    "on_time_rate": 1970 / 1973,
                    "digitization_rate": 0.9985,
                    "e_result_rate": 1.0,
                },
            ),
        )
    )
    period, cumulative, digital = text.split("\n\n")[2:]
    assert period == (
        "- Tổng số hồ sơ phải giải quyết theo kỳ báo cáo từ ngày 19/03/2026 đến ngày 16/04/2026: "
        "807 hồ sơ, gồm: tiếp nhận mới 791 hồ sơ (trực tuyến 791 hồ sơ, đạt tỷ lệ 100%; trực tiếp "
        "0 hồ sơ; qua dịch vụ bưu chính 0 hồ sơ), kỳ trước chuyển qua 16 hồ sơ; đã giải quyết "
        "780 hồ sơ, trong đó trước hạn và đúng hạn 780 hồ sơ, đạt tỷ lệ 100%, không có hồ sơ giải "
        "quyết quá hạn; đang giải quyết 27 hồ sơ."
    )
    assert cumulative == (
        "- Lũy kế từ ngày 01/07/2025 đến ngày 16/04/2026, tổng số hồ sơ phải giải quyết: "
        "5.808 hồ sơ, gồm: tiếp nhận mới 5.808 hồ sơ (trực tuyến 5.787 hồ sơ, đạt tỷ lệ 99,64%; "
        "trực tiếp 21 hồ sơ; qua dịch vụ bưu chính 0 hồ sơ), không có hồ sơ từ trước ngày "
        "01/07/2025 chuyển qua; đã giải quyết 5.781 hồ sơ, trong đó trước hạn và đúng hạn "
        "5.778 hồ sơ, đạt tỷ lệ 99,95%, quá hạn 3 hồ sơ; đang giải quyết 27 hồ sơ."
    )
    assert digital == (
        "- Việc số hóa, cấp kết quả điện tử: Tỷ lệ số hóa từ ngày 01/01/2026 đến ngày 16/04/2026 "
        "đạt 99,85% (1.997/2.000 hồ sơ), tỷ lệ cấp kết quả điện tử đạt 100% (1.973/1.973 hồ sơ). "
        "Lũy kế từ ngày 01/07/2025 đến ngày 16/04/2026, tỷ lệ số hóa đạt 99,64% "
        "(5.787/5.808 hồ sơ), tỷ lệ cấp kết quả điện tử đạt 100% (5.781/5.781 hồ sơ).\n"
    )


ZERO = dict.fromkeys(FIGURES, 0)
NO_RATES: dict[str, float | None] = dict.fromkeys(RATES)


def test_zero_base_says_no_dossiers(rule_cases: pd.DataFrame) -> None:
    quiet = _frame(
        _row("period", PERIOD, ZERO, NO_RATES),
        rule_cases.iloc[1].to_dict(),
        _row("ytd", YTD, ZERO, {**NO_RATES, "digitization_rate": math.nan}),
    )
    _, _, period, _, digital = write_report(quiet).split("\n\n")
    assert period == (
        "- Theo kỳ báo cáo từ ngày 19/03/2026 đến ngày 16/04/2026: không có hồ sơ phải giải quyết."
    )
    assert digital.startswith(
        "- Việc số hóa, cấp kết quả điện tử: Tỷ lệ số hóa từ ngày 01/01/2026 đến ngày 16/04/2026: "
        "không có hồ sơ, tỷ lệ cấp kết quả điện tử: không có hồ sơ. Lũy kế"
    )
    assert "%" not in period + digital.split("Lũy kế")[0]


def test_only_carried_over_dossiers() -> None:
    carried = {
        **ZERO,
        "carried_over": 2,
        "handled": 2,
        "pending": 2,
        "pending_overdue": 2,
        "refused": 1,
    }
    frame = _frame(
        _row("period", PERIOD, carried, NO_RATES),
        _row("cumulative", CUMULATIVE, carried, NO_RATES),
        _row("ytd", YTD, carried, NO_RATES),
    )
    period = write_report(frame).split("\n\n")[2]
    assert period == (
        "- Tổng số hồ sơ phải giải quyết theo kỳ báo cáo từ ngày 19/03/2026 đến ngày 16/04/2026: "
        "2 hồ sơ, gồm: không có hồ sơ tiếp nhận mới, kỳ trước chuyển qua 2 hồ sơ; không có hồ sơ "
        "đã giải quyết; đang giải quyết 2 hồ sơ, trong đó quá hạn 2 hồ sơ; ngoài ra có 1 hồ sơ "
        "không được tiếp nhận."
    )


def test_rate_without_flag_column_is_no_data(rule_cases: pd.DataFrame) -> None:
    frame = rule_cases.copy()
    frame["digitization_rate"] = None  # dossiers received, but no "Số hóa" column to count
    digital = write_report(frame).split("\n\n")[-1]
    assert "Tỷ lệ số hóa từ ngày 01/01/2026 đến ngày 16/04/2026: không có dữ liệu," in digital
    assert "tỷ lệ số hóa: không có dữ liệu," in digital


def test_missing_window_is_named(rule_cases: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="cumulative"):
        write_report(rule_cases[rule_cases["window"] != "cumulative"])


@pytest.mark.parametrize(
    ("n", "text"),
    [(0, "0"), (791, "791"), (5808, "5.808"), (1234567, "1.234.567"), (-1234, "-1.234")],
)
def test_format_int_vi(n: int, text: str) -> None:
    assert format_int_vi(n) == text


def test_format_int_vi_refuses_non_integers() -> None:
    for bad in (1.5, None, math.nan, "5808", True):
        with pytest.raises(ValueError):
            format_int_vi(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("rate", "text"),
    [
        (0.9985, "99,85%"),
        (0.9964, "99,64%"),
        (0.996, "99,60%"),
        (0.777778, "77,78%"),
        (0.714286, "71,43%"),
        (0.00125, "0,13%"),  # half up
        (1.0, "100%"),
        (0.75, "75%"),
        (0.0, "0%"),
        (0.99999, "99,99%"),  # never "100%" unless all
        (0.00001, "0,01%"),  # never "0%" unless none
        (None, "không có hồ sơ"),
        (math.nan, "không có hồ sơ"),
        (pd.NA, "không có hồ sơ"),
    ],
)
def test_format_rate_vi(rate: float | None, text: str) -> None:
    assert format_rate_vi(rate) == text


def test_format_rate_vi_no_data_and_bad_rates() -> None:
    assert format_rate_vi(None, base=0) == "không có hồ sơ"
    assert format_rate_vi(None, base=12) == "không có dữ liệu"
    for bad in (-0.01, 1.01, math.inf):
        with pytest.raises(ValueError):
            format_rate_vi(bad)


def test_format_date_vi() -> None:
    assert format_date_vi(date(2026, 4, 16)) == "16/04/2026"
    assert format_date_vi(datetime(2026, 3, 9, 8, 5)) == "09/03/2026"
    assert format_date_vi(pd.Timestamp("2025-07-01")) == "01/07/2025"
    assert format_date_vi("2025-07-01") == "01/07/2025"
