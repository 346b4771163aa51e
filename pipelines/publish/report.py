"""Section V.2 of the monthly report written from the figures (SPEC §7), in three forms:

- ``bao-cao.docx`` (:func:`write_report_docx`): a Word document to paste into the report with
  its formatting (Times New Roman 14, justified paragraphs, the unit's name in the title);
- ``bao-cao.txt`` (:func:`write_report_text`): the same text without any markup;
- ``report.md`` (:func:`write_report`): Markdown, for the Prefect UI's artifact.

The text follows the real report in ``reference/`` (section V.2, "Về thủ tục hành chính, dịch vụ
công trực tuyến"): one paragraph for the reporting period, one for the cumulative window and one
for digitisation and electronic results (year to date and cumulative). Unlike the reference, new
dossiers (*tiếp nhận mới*) and dossiers carried over (*kỳ trước chuyển qua*) are never added up
as "received" (SPEC §1).

Wording rules: a count of zero overdue reads "không có hồ sơ giải quyết quá hạn"; withdrawn and
refused dossiers are mentioned only when there are some; a rate without a base reads
"không có hồ sơ" (numbers.py). Numbers, rates and dates are written by
:mod:`pipelines.publish.numbers`. The text is NFC.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path

import pandas as pd

from pipelines.contract import INDICATOR_COLUMNS
from pipelines.publish.files import write_fixed_zip
from pipelines.publish.numbers import (
    RATE_PARTS,
    as_date,
    format_date_vi,
    format_int_vi,
    format_rate_vi,
    is_missing,
)

TITLE = "Số liệu giải quyết thủ tục hành chính"
SECTION = "2. Về thủ tục hành chính, dịch vụ công trực tuyến"


@dataclass(frozen=True)
class ReportText:
    """The section's text: a title, the section heading and its paragraphs (each a "- " item,
    as the report writes them), NFC."""

    title: str
    section: str
    paragraphs: tuple[str, ...]
    to_date: object  # the period's last day: the documents' date


def report_text(indicators: pd.DataFrame, *, unit_name: str | None = None) -> ReportText:
    """The section V.2 text from the ``group_by = all`` rows of ``indicators``.

    Needs the ``period``, ``cumulative`` and ``ytd`` windows; ``unit_name`` goes in the title.
    """
    missing = [c for c in INDICATOR_COLUMNS if c not in indicators.columns]
    if missing:
        raise ValueError(f"Bảng chỉ số thiếu cột: {', '.join(missing)}.")
    period = _all_row(indicators, "period")
    cumulative = _all_row(indicators, "cumulative")
    ytd = _all_row(indicators, "ytd")

    title = TITLE
    if unit_name and unit_name.strip():
        title = f"{TITLE} – {' '.join(unit_name.split())}"
    period_span = _span(period)
    cumulative_span = _span(cumulative)
    paragraphs = (
        _handling(
            period,
            lead=f"Tổng số hồ sơ phải giải quyết theo kỳ báo cáo {period_span}",
            empty=f"Theo kỳ báo cáo {period_span}: không có hồ sơ phải giải quyết",
            carried="kỳ trước chuyển qua",
        ),
        _handling(
            cumulative,
            lead=f"Lũy kế {cumulative_span}, tổng số hồ sơ phải giải quyết",
            empty=f"Lũy kế {cumulative_span}: không có hồ sơ phải giải quyết",
            carried=f"từ trước ngày {format_date_vi(cumulative['from_date'])} chuyển qua",
        ),
        _digital(ytd, cumulative),
    )

    def nfc(text: str) -> str:
        return unicodedata.normalize("NFC", text)

    return ReportText(
        title=nfc(title),
        section=nfc(SECTION),
        paragraphs=tuple(nfc(p) for p in paragraphs),
        to_date=as_date(period["to_date"]),
    )


def write_report(indicators: pd.DataFrame, *, unit_name: str | None = None) -> str:
    """Markdown (NFC) of section V.2 (``report.md``, the Prefect artifact)."""
    text = report_text(indicators, unit_name=unit_name)
    blocks = [f"# {text.title}", f"## {text.section}", *text.paragraphs]
    return "\n\n".join(blocks) + "\n"


def write_report_plain(indicators: pd.DataFrame, *, unit_name: str | None = None) -> str:
    """Plain text (NFC) of section V.2 (``bao-cao.txt``): no markup, one paragraph a line."""
    text = report_text(indicators, unit_name=unit_name)
    return "\n\n".join([text.title, text.section, *text.paragraphs]) + "\n"


#: Word formatting of the administrative text (Decree 30/2020/NĐ-CP: Times New Roman 13–14).
DOCX_FONT = "Times New Roman"
DOCX_SIZE_PT = 14


def write_report_docx(
    indicators: pd.DataFrame, path: Path, *, unit_name: str | None = None
) -> None:
    """``bao-cao.docx``: the section as a Word document — the title (with the unit's name)
    centred in bold, the section heading in bold, each paragraph justified with a first-line
    indent. The file's bytes depend only on the figures; it is replaced atomically."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    text = report_text(indicators, unit_name=unit_name)
    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = DOCX_FONT
    normal.font.size = Pt(DOCX_SIZE_PT)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), DOCX_FONT)  # Word's font for all scripts
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin, section.right_margin = Cm(3.0), Cm(2.0)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run(text.title.upper()).bold = True
    heading = document.add_paragraph()
    heading.paragraph_format.first_line_indent = Cm(1.0)
    heading.add_run(text.section).bold = True
    for paragraph in text.paragraphs:
        body = document.add_paragraph(paragraph)
        body.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        body.paragraph_format.first_line_indent = Cm(1.0)

    stamp = datetime.combine(text.to_date, time())
    core = document.core_properties
    core.author = core.last_modified_by = "hoso"
    core.title = text.title
    core.created = core.modified = core.last_printed = stamp
    core.revision = 1
    raw = io.BytesIO()
    document.save(raw)
    write_fixed_zip(raw.getvalue(), Path(path), stamp)


def _all_row(indicators: pd.DataFrame, window: str) -> pd.Series:
    rows = indicators[(indicators["window"] == window) & (indicators["group_by"] == "all")]
    if len(rows) != 1:
        raise ValueError(
            f"Cần đúng một dòng tổng (group_by = all) của cửa sổ '{window}', có {len(rows)}."
        )
    return rows.iloc[0]


def _n(row: pd.Series, name: str) -> int:
    value = row[name]
    if is_missing(value):
        raise ValueError(f"Số liệu '{name}' bị trống (cửa sổ {row['window']}).")
    return int(value)


def _dossiers(count: int) -> str:
    return f"{format_int_vi(count)} hồ sơ"


def _span(row: pd.Series) -> str:
    return f"từ ngày {format_date_vi(row['from_date'])} đến ngày {format_date_vi(row['to_date'])}"


def _rate(row: pd.Series, name: str) -> str:
    """A rate clause: "đạt tỷ lệ 99,85%", or "tỷ lệ: không có hồ sơ" when the rate is null."""
    rate = row[name]
    text = format_rate_vi(rate, base=_n(row, RATE_PARTS[name][1]))
    return f"tỷ lệ: {text}" if is_missing(rate) else f"đạt tỷ lệ {text}"


def _handling(row: pd.Series, *, lead: str, empty: str, carried: str) -> str:
    """One window's paragraph: to handle = new + carried over; resolved; pending; refused.

    ``lead`` is followed by ": <count> hồ sơ"; ``empty`` replaces both when nothing is handled.
    """
    refused = _n(row, "refused")
    tail = f"; ngoài ra có {_dossiers(refused)} không được tiếp nhận" if refused else ""
    handled = _n(row, "handled")
    if handled == 0:
        return f"- {empty}{tail}."

    new = _n(row, "received_new")
    if new:
        received = (
            f"tiếp nhận mới {_dossiers(new)} (trực tuyến {_dossiers(_n(row, 'received_online'))}"
            f", {_rate(row, 'online_rate')}; trực tiếp {_dossiers(_n(row, 'received_direct'))}"
            f"; qua dịch vụ bưu chính {_dossiers(_n(row, 'received_postal'))})"
        )
    else:
        received = "không có hồ sơ tiếp nhận mới"
    carried_over = _n(row, "carried_over")
    if carried_over:
        received += f", {carried} {_dossiers(carried_over)}"
    else:
        received += f", không có hồ sơ {carried}"

    resolved = _n(row, "resolved")
    if resolved:
        in_time = _n(row, "resolved_early") + _n(row, "resolved_on_time")
        withdrawn = _n(row, "withdrawn")
        note = f" (kể cả {_dossiers(withdrawn)} do công dân rút)" if withdrawn else ""
        overdue = _n(row, "resolved_overdue")
        late = f"quá hạn {_dossiers(overdue)}" if overdue else "không có hồ sơ giải quyết quá hạn"
        done = (
            f"đã giải quyết {_dossiers(resolved)}, trong đó trước hạn và đúng hạn "
            f"{_dossiers(in_time)}{note}, {_rate(row, 'on_time_rate')}, {late}"
        )
    else:
        done = "không có hồ sơ đã giải quyết"

    pending = _n(row, "pending")
    if pending:
        pending_overdue = _n(row, "pending_overdue")
        open_ = f"đang giải quyết {_dossiers(pending)}"
        if pending_overdue:
            open_ += f", trong đó quá hạn {_dossiers(pending_overdue)}"
    else:
        open_ = "không có hồ sơ đang giải quyết"

    return f"- {lead}: {_dossiers(handled)}, gồm: {received}; {done}; {open_}{tail}."


def _share(row: pd.Series, label: str, name: str) -> str:
    """A share: "tỷ lệ số hóa đạt 99,85% (1.234/1.236 hồ sơ)" or "tỷ lệ số hóa: không có hồ sơ"."""
    (numerator,), base = RATE_PARTS[name]
    rate = row[name]
    text = format_rate_vi(rate, base=_n(row, base))
    if is_missing(rate):
        return f"{label}: {text}"
    return f"{label} đạt {text} ({format_int_vi(_n(row, numerator))}/{_dossiers(_n(row, base))})"


def _digital(ytd: pd.Series, cumulative: pd.Series) -> str:
    """Digitisation and e-result rates: year to date, then cumulative."""
    year = (
        f"{_share(ytd, f'Tỷ lệ số hóa {_span(ytd)}', 'digitization_rate')}, "
        f"{_share(ytd, 'tỷ lệ cấp kết quả điện tử', 'e_result_rate')}"
    )
    since = (
        f"Lũy kế {_span(cumulative)}, "
        f"{_share(cumulative, 'tỷ lệ số hóa', 'digitization_rate')}, "
        f"{_share(cumulative, 'tỷ lệ cấp kết quả điện tử', 'e_result_rate')}"
    )
    return f"- Việc số hóa, cấp kết quả điện tử: {year}. {since}."
