"""The output contract of SPEC §6–§7: figure names, rates, columns and Vietnamese labels.

Everything that publishes or validates figures takes names from here, so a figure has one
name in SQL, CSV, workbook and report.
"""

from __future__ import annotations

#: Counts of SPEC §6, in the order of the published CSV.
FIGURES: tuple[str, ...] = (
    "received_new",
    "received_online",
    "received_direct",
    "received_postal",
    "carried_over",
    "handled",
    "resolved",
    "resolved_early",
    "resolved_on_time",
    "resolved_overdue",
    "pending",
    "pending_within",
    "pending_overdue",
    "withdrawn",
    "refused",
    "digitized",
    "e_result",
)

#: Rates of SPEC §6: fractions in [0, 1], null when the base is zero.
RATES: tuple[str, ...] = ("online_rate", "on_time_rate", "digitization_rate", "e_result_rate")

#: Key columns of one indicators row: one row per (window, from_date, group_by, group_value).
KEY_COLUMNS: tuple[str, ...] = ("window", "from_date", "to_date", "group_by", "group_value")

INDICATOR_COLUMNS: tuple[str, ...] = KEY_COLUMNS + FIGURES + RATES

WINDOWS: tuple[str, ...] = ("period", "cumulative", "ytd", "month")
GROUP_BYS: tuple[str, ...] = ("all", "unit", "sector", "procedure")

#: Vietnamese labels for people (workbook, terminal table, report).
LABELS: dict[str, str] = {
    "window": "Kỳ",
    "from_date": "Từ ngày",
    "to_date": "Đến ngày",
    "group_by": "Nhóm theo",
    "group_value": "Nhóm",
    "received_new": "Tiếp nhận mới",
    "received_online": "Tiếp nhận trực tuyến",
    "received_direct": "Tiếp nhận trực tiếp",
    "received_postal": "Tiếp nhận qua bưu chính",
    "carried_over": "Kỳ trước chuyển qua",
    "handled": "Tổng số phải giải quyết",
    "resolved": "Đã giải quyết",
    "resolved_early": "Giải quyết trước hạn",
    "resolved_on_time": "Giải quyết đúng hạn",
    "resolved_overdue": "Giải quyết quá hạn",
    "pending": "Đang giải quyết",
    "pending_within": "Đang giải quyết trong hạn",
    "pending_overdue": "Đang giải quyết quá hạn",
    "withdrawn": "Rút hồ sơ",
    "refused": "Không được tiếp nhận",
    "digitized": "Hồ sơ được số hóa",
    "e_result": "Cấp kết quả điện tử",
    "online_rate": "Tỷ lệ tiếp nhận trực tuyến",
    "on_time_rate": "Tỷ lệ giải quyết trước hạn, đúng hạn",
    "digitization_rate": "Tỷ lệ số hóa",
    "e_result_rate": "Tỷ lệ cấp kết quả điện tử",
}

WINDOW_LABELS: dict[str, str] = {
    "period": "Kỳ báo cáo",
    "cumulative": "Lũy kế",
    "ytd": "Từ đầu năm",
    "month": "Tháng",
}

GROUP_BY_LABELS: dict[str, str] = {
    "all": "Toàn bộ",
    "unit": "Đơn vị",
    "sector": "Lĩnh vực",
    "procedure": "Thủ tục",
}

#: group_value of dossiers whose unit, sector or procedure is not in the export.
UNKNOWN_GROUP = "(không xác định)"

#: Text shown where a rate has no base (SPEC §6).
NO_BASE_TEXT = "không có hồ sơ"
