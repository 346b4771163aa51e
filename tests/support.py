"""Test support: canonical rows into the real tables, the acceptance cases, table scans."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from pipelines.db import connect
from pipelines.periods import report_windows
from pipelines.transform import STAGING, build_tables

REPO = Path(__file__).resolve().parents[1]
SHARED_ACCEPTANCE = REPO.parent / "shared" / "acceptance"
COMMITTED_ACCEPTANCE = REPO / "tests" / "data" / "acceptance"

# The year-to-date window 2026-01-01..2026-04-16 of the rule cases, counted by hand from
# rule_cases.csv (C01–C11, C15 received; C14 carried over; C12 refused).
RULE_CASE_YTD_FIGURES = {
    "received_new": 12,
    "received_online": 9,
    "received_direct": 2,
    "received_postal": 1,
    "carried_over": 1,
    "handled": 13,
    "resolved": 8,
    "resolved_early": 2,
    "resolved_on_time": 3,
    "resolved_overdue": 3,
    "pending": 5,
    "pending_within": 3,
    "pending_overdue": 2,
    "withdrawn": 1,
    "refused": 1,
    "digitized": 9,
    "e_result": 6,
}
RULE_CASE_YTD_RATES = {
    "online_rate": 0.75,
    "on_time_rate": 0.625,
    "digitization_rate": 0.75,
    "e_result_rate": 0.75,
}

CANONICAL_FIELDS = (
    "dossier_code",
    "channel",
    "status",
    "received_at",
    "due_at",
    "finished_at",
    "is_digitized",
    "has_e_result",
)


def acceptance_dir() -> Path:
    """The shared rule cases when present (source of truth), else the committed copy."""
    return SHARED_ACCEPTANCE if SHARED_ACCEPTANCE.exists() else COMMITTED_ACCEPTANCE


def rule_case_rows() -> list[dict[str, str]]:
    with (acceptance_dir() / "rule_cases.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def rule_case_expected() -> dict[str, Any]:
    with (acceptance_dir() / "rule_cases.expected.json").open(encoding="utf-8") as f:
        return json.load(f)


def _flag(text: str | None) -> bool | None:
    if text is None or text == "":
        return None
    return text == "1"


def insert_canonical(
    con: duckdb.DuckDBPyConnection,
    rows: list[dict[str, Any]],
    *,
    file_hash: str = "f" * 64,
    export_at: str = "2026-04-16 00:00:00",
) -> None:
    """Canonical dossier rows (rule_cases.csv shape) as one loaded file's snapshot rows."""
    con.execute(
        """insert into files values ($h, 'canonical.csv', 'csv', 'CSV', $e, 'file_name',
           $n, $n, 0, 0, 0, 1, [], [], now()::timestamp)""",
        {"h": file_hash, "e": export_at, "n": len(rows)},
    )
    for i, r in enumerate(rows, start=2):
        con.execute(
            """insert into snapshot_rows values ($h, $row, $code, $pcode, $pname, $sector,
               $unit, $channel, $status, $received, $due, $finished, $dig, $er)""",
            {
                "h": file_hash,
                "row": i,
                "code": r["dossier_code"],
                "pcode": r.get("procedure_code"),
                "pname": r.get("procedure_name"),
                "sector": r.get("sector_name"),
                "unit": r.get("unit_name"),
                "channel": r["channel"],
                "status": r["status"],
                "received": r["received_at"],
                "due": r.get("due_at") or None,
                "finished": r.get("finished_at") or None,
                "dig": _flag(r.get("is_digitized")),
                "er": _flag(r.get("has_e_result")),
            },
        )


def indicators_for(
    rows: list[dict[str, Any]], period_from: date, period_to: date, since: date
) -> tuple[duckdb.DuckDBPyConnection, dict[tuple[str, str, str], dict[str, Any]]]:
    """Run the real SQL over canonical rows; indicators keyed by (window, group_by, value)."""
    con = connect(":memory:")
    insert_canonical(con, rows)
    build_tables(con, report_windows(period_from, period_to, since))
    frame = con.sql(f"select * from {STAGING}.indicators where \"window\" <> 'month'").df()
    keyed = {(r["window"], r["group_by"], r["group_value"]): r for r in frame.to_dict("records")}
    return con, keyed


def all_text_in_database(path: Path | str) -> str:
    """Every value of every table of a DuckDB file, as one text (for personal-data scans)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        parts = []
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables"
        ).fetchall()
        for schema, table in tables:
            for row in con.execute(f'select * from "{schema}"."{table}"').fetchall():
                parts.append(" ".join(str(v) for v in row))
        return "\n".join(parts)
    finally:
        con.close()
