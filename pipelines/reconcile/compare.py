"""hoso's side of the reconciliation, and the comparison cell by cell.

hoso's figures for a window come from the indicator SQL itself (``sql/indicators/
indicators.sql``) over ``staging.dossiers``, with the window in a table of an in-memory
database: the hoso database is attached read-only and never changed. The dossiers behind each
cell come from ``sql/reconcile/form06_cells.sql`` (one row per dossier and form column), whose
per-sector counts equal the indicator SQL's; run with other rule parameters or another window
it recomputes the figures the usual mistakes would give, and a cause is named for a cell only
when its recomputation gives the system's figure exactly.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

from pipelines.contract import UNKNOWN_GROUP
from pipelines.db import sql_text
from pipelines.reconcile.form06 import FIGURE_COLUMNS, IDENTITIES, FormRow, FormSheet, match_key

#: Form 06 columns 3–13 → the indicator figures summed into each.
FORM_FIGURES: dict[int, tuple[str, ...]] = {
    3: ("handled",),
    4: ("received_online",),
    5: ("received_direct", "received_postal"),
    6: ("carried_over",),
    7: ("resolved",),
    8: ("resolved_early",),
    9: ("resolved_on_time",),
    10: ("resolved_overdue",),
    11: ("pending",),
    12: ("pending_within",),
    13: ("pending_overdue",),
}

#: The rules of SPEC §6, as parameters of form06_cells.sql.
SPEC_RULES: dict[str, object] = {
    "carried_as_received": False,
    "withdrawn_rule": "on_time",
    "due_by_time": False,
}

#: The usual causes of a difference: (code, description, rule parameters that reproduce it).
RULE_CAUSES: tuple[tuple[str, str, dict[str, object]], ...] = (
    (
        "carried_as_received",
        "hồ sơ kỳ trước chuyển qua bị tính là tiếp nhận mới trong kỳ",
        {"carried_as_received": True},
    ),
    (
        "withdrawn_left_out",
        "hồ sơ công dân rút bị bỏ ra ngoài biểu",
        {"withdrawn_rule": "left_out"},
    ),
    (
        "withdrawn_by_dates",
        "hồ sơ công dân rút bị xét trước hạn/quá hạn theo ngày như hồ sơ có kết quả "
        "(biểu 06 tính là đúng hạn)",
        {"withdrawn_rule": "by_dates"},
    ),
    (
        "withdrawn_pending",
        "hồ sơ công dân rút bị tính là đang giải quyết",
        {"withdrawn_rule": "pending"},
    ),
    (
        "due_by_time",
        "hạn giải quyết bị so theo giờ phút thay vì theo ngày",
        {"due_by_time": True},
    ),
)


class HosoDataError(Exception):
    """The hoso database cannot be read for the comparison; the message says what to do."""


@dataclass(frozen=True)
class CellDossier:
    """One dossier counted in a cell, with the dates that decided it."""

    dossier_code: str
    channel: str
    status_class: str
    received_at: datetime | None
    due_at: datetime | None
    finished_at: datetime | None


@dataclass
class Cause:
    """A cause that explains a difference exactly, and the dossiers it moves."""

    code: str
    description: str
    added: list[CellDossier] = field(default_factory=list)  # counted by the cause, not by hoso
    removed: list[CellDossier] = field(default_factory=list)  # counted by hoso, not the cause


@dataclass
class Difference:
    """One cell where the system's sheet and hoso disagree."""

    sheet: str
    row_number: int | None
    label: str
    column: int
    system: int
    hoso: int
    dossiers: list[CellDossier]
    causes: list[Cause] = field(default_factory=list)

    @property
    def delta(self) -> int:
        """System minus hoso."""
        return self.system - self.hoso


@dataclass(frozen=True)
class BrokenIdentity:
    """A row of the system's sheet where its own columns do not add up."""

    sheet: str
    row_number: int
    label: str
    total_column: int
    parts: tuple[int, ...]
    total: int
    parts_sum: int


@dataclass
class ComparedRow:
    """One row side by side: the system's figures (None: not in the sheet) and hoso's."""

    label: str
    kind: str  # sector | total
    row_number: int | None
    system: dict[int, int | None] | None
    hoso: dict[int, int] | None
    note: str = ""


@dataclass
class SheetComparison:
    """The comparison of one form-06 sheet with hoso's figures for its window."""

    sheet: str
    window: tuple[date, date]
    window_source: str  # title | asked
    rows: list[ComparedRow] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)
    identities: list[BrokenIdentity] = field(default_factory=list)
    unmatched_system: list[str] = field(default_factory=list)
    unmatched_hoso: list[str] = field(default_factory=list)
    bad_cells: list[tuple[int, str, int, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    hoso_check: list[str] = field(default_factory=list)

    @property
    def agrees(self) -> bool:
        """No difference and no broken identity."""
        return not self.differences and not self.identities and not self.bad_cells


# --- hoso's database ---------------------------------------------------------------------------


def open_hoso(database: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory database with the hoso file attached read-only as ``hoso``.

    ``dossiers`` is a view on ``hoso.staging.dossiers``; windows go into tables of the
    in-memory database, so the hoso file is never written.
    """
    if not database.is_file():
        raise HosoDataError(
            f"Chưa có cơ sở dữ liệu {database}: hãy chạy 'hoso run' trước, hoặc chỉ ra tệp "
            "bằng --db."
        )
    con = duckdb.connect()
    con.execute(sql_text("parse/macros"))
    try:
        con.execute("attach $path as hoso (read_only)", {"path": str(database)})
    except duckdb.Error as exc:
        con.close()
        text = str(exc)
        if "lock" in text.lower():
            raise HosoDataError(
                "Một lần chạy 'hoso run' đang ghi cơ sở dữ liệu nên chưa đọc được. Hãy thử lại "
                "khi lần chạy đó kết thúc."
            ) from exc
        raise HosoDataError(f"Không mở được cơ sở dữ liệu {database} ({text[:160]}).") from exc
    found = con.execute(
        "select count(*) from duckdb_tables() "
        "where database_name = 'hoso' and schema_name = 'staging' and table_name = 'dossiers'"
    ).fetchall()[0][0]
    if not found:
        con.close()
        raise HosoDataError(
            f"Cơ sở dữ liệu {database} chưa có hồ sơ nào (chưa chạy 'hoso run' lần nào)."
        )
    con.execute("create view dossiers as select * from hoso.staging.dossiers")
    return con


def hoso_figures(
    con: duckdb.DuckDBPyConnection, window: tuple[date, date]
) -> tuple[dict[int, int], dict[str, tuple[str, dict[int, int]]]]:
    """hoso's form-06 figures for ``window``, by the indicator SQL: (total, sectors).

    ``sectors`` maps a sector's matching key to (its name, its columns 3–13); groups whose
    names differ only by case or spacing are one sector (SPEC §3).
    """
    con.execute(
        'create or replace temp table report_windows ("window" varchar, from_date date, '
        "to_date date)"
    )
    con.execute(
        "insert into report_windows values ('period', $a, $b)", {"a": window[0], "b": window[1]}
    )
    figures = ", ".join(sorted({f for parts in FORM_FIGURES.values() for f in parts}))
    rows = con.execute(
        f"select group_by, group_value, {figures} from ({sql_text('indicators/indicators')}) "
        "where group_by in ('all', 'sector')",
        {"unknown_group": UNKNOWN_GROUP},
    ).fetchall()
    names = sorted({f for parts in FORM_FIGURES.values() for f in parts})
    total: dict[int, int] = dict.fromkeys(FIGURE_COLUMNS, 0)
    sectors: dict[str, tuple[str, dict[int, int]]] = {}
    for group_by, value, *numbers in rows:
        by_name = dict(zip(names, numbers, strict=True))
        cols = {c: sum(int(by_name[p]) for p in parts) for c, parts in FORM_FIGURES.items()}
        if group_by == "all":
            total = cols
            continue
        key = match_key(value)
        if key in sectors:
            name, before = sectors[key]
            cols = {c: before[c] + cols[c] for c in FIGURE_COLUMNS}
            sectors[key] = (name, cols)
        else:
            sectors[key] = (value, cols)
    return total, sectors


Cells = dict[tuple[str | None, int], list[CellDossier]]


def cell_dossiers(
    con: duckdb.DuckDBPyConnection, window: tuple[date, date], rules: dict[str, object]
) -> Cells:
    """The dossiers of every cell, by form06_cells.sql: (sector key or None for the total,
    column) → dossiers."""
    params = {"from_date": window[0], "to_date": window[1], "unknown_group": UNKNOWN_GROUP}
    params.update(SPEC_RULES)
    params.update(rules)
    rows = con.execute(sql_text("reconcile/form06_cells"), params).fetchall()
    cells: Cells = defaultdict(list)
    for code, sector, column, channel, status, received, due, finished in rows:
        d = CellDossier(code, channel, status, received, due, finished)
        cells[(match_key(sector), column)].append(d)
        cells[(None, column)].append(d)
    return cells


# --- the comparison ----------------------------------------------------------------------------


def broken_identities(sheet: FormSheet) -> list[BrokenIdentity]:
    """The rows of the system's sheet whose own columns do not add up."""
    out = []
    for row in sheet.rows:
        for total, parts in IDENTITIES:
            values = [row.values[c] for c in (total, *parts)]
            if any(v is None for v in values):
                continue
            parts_sum = sum(v for v in values[1:] if v is not None)
            if values[0] != parts_sum:
                out.append(
                    BrokenIdentity(
                        sheet.name,
                        row.row_number,
                        row.label,
                        total,
                        parts,
                        values[0] or 0,
                        parts_sum,
                    )
                )
    return out


def alternative_windows(
    window: tuple[date, date], title: tuple[date, date] | None
) -> list[tuple[date, date]]:
    """Windows another system may have used instead: the sheet's own title window, the
    calendar month against the standard month (15th–14th) and back, the last day left out."""
    a, b = window
    out: list[tuple[date, date]] = []
    if title is not None:
        out.append(title)
    if a.day == 15 and b.day == 14:  # a standard span: the calendar months of its end
        start = date(a.year, a.month + 1, 1) if a.month < 12 else date(a.year + 1, 1, 1)
        out.append((start, date(b.year, b.month, calendar.monthrange(b.year, b.month)[1])))
    if a.day == 1 and b.day == calendar.monthrange(b.year, b.month)[1]:
        first = date(a.year - 1, 12, 15) if a.month == 1 else date(a.year, a.month - 1, 15)
        out.append((first, date(b.year, b.month, 14)))
    if b > a:
        out.append((a, b - timedelta(days=1)))
    seen: list[tuple[date, date]] = []
    for w in out:
        if w != window and w not in seen and w[0] <= w[1]:
            seen.append(w)
    return seen


def compare_sheet(
    con: duckdb.DuckDBPyConnection,
    sheet: FormSheet,
    window: tuple[date, date],
    window_source: str,
) -> SheetComparison:
    """Compare one form-06 sheet with hoso's figures for ``window``."""
    result = SheetComparison(sheet.name, window, window_source)
    result.identities = broken_identities(sheet)
    total, sectors = hoso_figures(con, window)
    cells = cell_dossiers(con, window, {})
    result.hoso_check = _check_cells(total, sectors, cells)

    seen: set[str] = set()
    system_total: FormRow | None = None
    for row in sheet.rows:
        for column, text in row.bad_cells:
            result.bad_cells.append((row.row_number, row.label, column, text))
        if row.kind == "total":
            if system_total is None:
                system_total = row
            else:
                result.notes.append(f"Dòng {row.row_number}: dòng tổng thứ hai, không so sánh.")
            continue
        if row.kind != "sector":
            continue
        key = match_key(row.label)
        if key in seen:
            result.notes.append(
                f"Dòng {row.row_number}: lĩnh vực '{row.label}' lặp lại trong biểu, không so sánh."
            )
            continue
        seen.add(key)
        hoso = sectors.get(key)
        if hoso is None:
            result.unmatched_system.append(row.label)
            note = "không có trong số liệu hoso"
            result.rows.append(
                ComparedRow(row.label, "sector", row.row_number, row.values, None, note)
            )
        else:
            result.rows.append(
                ComparedRow(row.label, "sector", row.row_number, row.values, hoso[1])
            )
    for key, (name, cols) in sorted(sectors.items()):
        if key not in seen and any(cols.values()):
            result.unmatched_hoso.append(name)
            result.rows.append(
                ComparedRow(name, "sector", None, None, cols, "không có trong biểu của hệ thống")
            )
    if system_total is not None:
        result.rows.append(
            ComparedRow(
                system_total.label, "total", system_total.row_number, system_total.values, total
            )
        )
    else:
        result.notes.append("Biểu không có dòng tổng cộng; chỉ so sánh từng lĩnh vực.")

    alternatives = [
        (code, text, cell_dossiers(con, window, rules)) for code, text, rules in RULE_CAUSES
    ]
    for alt in alternative_windows(window, sheet.window):
        if alt == window:
            continue
        text = (
            f"biểu tính theo khoảng thời gian khác: từ ngày {alt[0]:%d/%m/%Y} đến ngày "
            f"{alt[1]:%d/%m/%Y}"
        )
        alternatives.append(("other_window", text, cell_dossiers(con, alt, {})))

    for row in result.rows:
        key = None if row.kind == "total" else match_key(row.label)
        for column in FIGURE_COLUMNS:
            system = 0 if row.system is None else row.system[column]
            hoso = 0 if row.hoso is None else row.hoso[column]
            if system is None or system == hoso:
                continue
            counted = cells.get((key, column), [])
            diff = Difference(sheet.name, row.row_number, row.label, column, system, hoso, counted)
            for code, text, alt_cells in alternatives:
                other = alt_cells.get((key, column), [])
                if len(other) == system:
                    mine = {d.dossier_code for d in counted}
                    theirs = {d.dossier_code for d in other}
                    diff.causes.append(
                        Cause(
                            code,
                            text,
                            added=[d for d in other if d.dossier_code not in mine],
                            removed=[d for d in counted if d.dossier_code not in theirs],
                        )
                    )
            result.differences.append(diff)
    return result


def _check_cells(
    total: dict[int, int], sectors: dict[str, tuple[str, dict[int, int]]], cells: Cells
) -> list[str]:
    """Where the per-dossier cells disagree with the indicator SQL (a defect of hoso)."""
    problems = []
    for column in FIGURE_COLUMNS:
        if len(cells.get((None, column), [])) != total[column]:
            problems.append(f"tổng cộng, cột ({column})")
        for key, (name, cols) in sectors.items():
            if len(cells.get((key, column), [])) != cols[column]:
                problems.append(f"{name}, cột ({column})")
    return problems
