"""What a run did, for run.json, the terminal and the Prefect UI. No personal data: files are
named by their path relative to the exports folder, rows by row number, values only from
non-personal columns."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from pipelines.data_warnings import DataWarning, sort_warnings
from pipelines.ingest import AlreadyLoaded, Refusal, relative_name
from pipelines.load import LoadStats
from pipelines.read import ReadResult

EXIT_PUBLISHED = 0
EXIT_VALIDATION_FAILED = 1
EXIT_USAGE = 2
EXIT_PUBLISHED_WITH_REFUSALS = 3

PROBLEM_LABELS = {
    "missing": "thiếu giá trị",
    "invalid_date": "ngày không hợp lệ",
    "unknown_word": "từ không có trong từ điển",
    "no_result_date": "đã giải quyết/rút nhưng không có ngày có kết quả",
    "excel_error": "ô lỗi Excel hoặc công thức chưa có giá trị",
}

COLUMN_LABELS = {
    "dossier_code": "Mã hồ sơ",
    "received_at": "Ngày tiếp nhận",
    "submitted_at": "Ngày nộp",
    "channel": "Hình thức nộp",
    "online_flag": "Trực tuyến",
    "status": "Trạng thái",
    "due_at": "Ngày hẹn trả",
    "extended_due_at": "Ngày gia hạn",
    "finished_at": "Ngày có kết quả",
    "returned_at": "Ngày trả kết quả",
    "is_digitized": "Số hóa",
    "has_e_result": "Kết quả điện tử",
}


@dataclass
class RunSummary:
    """Everything run.json says about one run."""

    run_id: str
    started_at: datetime
    exports: str
    database: str
    output: str
    files: list[dict[str, Any]] = field(default_factory=list)
    files_already_loaded: list[str] = field(default_factory=list)
    files_refused: list[dict[str, Any]] = field(default_factory=list)
    files_ignored: list[str] = field(default_factory=list)
    windows: list[dict[str, Any]] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)
    validation: dict[str, Any] = field(default_factory=dict)
    outcome: str = "running"
    exit_code: int | None = None
    finished_at: datetime | None = None
    message: str | None = None
    period_from: date | None = None
    period_to: date | None = None
    since: date | None = None
    #: what the published figures depend on: loaded files, windows, code (see publish)
    publication_key: str | None = None
    #: the published figures (`all` rows of period and cumulative), for the terminal
    figures: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: what hoso decided about the data (SPEC §7, §8); never changes the exit code
    warnings: list[DataWarning] = field(default_factory=list)

    def name_of(self, path: Path) -> str:
        """A file's name as shown everywhere: its path relative to the exports folder."""
        return relative_name(Path(path), Path(self.exports))

    def add_warnings(self, warnings: Iterable[DataWarning]) -> None:
        """Add data warnings (any module's); kept in the stable order of SPEC §8."""
        self.warnings = sort_warnings([*self.warnings, *warnings])

    def add_loaded(
        self, result: ReadResult, stats: LoadStats, con: duckdb.DuckDBPyConnection
    ) -> None:
        """Record a loaded file with its accounting and its rejects grouped by reason."""
        rejects = con.execute(
            """
            select problem, column_name, coalesce(value, '') as value, count(*) as n,
                   list(row_number order by row_number)[1:5] as rows
            from rejects where file_hash = $h
            group by all order by n desc, problem, column_name, value
            """,
            {"h": result.file_hash},
        ).fetchall()
        self.files.append(
            {
                "file": self.name_of(result.path),
                "file_hash": result.file_hash,
                "kind": result.kind,
                "sheet": result.sheet,
                "export_at": result.export_at,
                "export_time_rule": result.export_time_rule,
                "rows_read": stats.rows_read,
                "rows_loaded": stats.rows_loaded,
                "rows_rejected": stats.rows_rejected,
                "rows_skipped": stats.rows_skipped,
                "rows_duplicate": stats.rows_duplicate,
                "header_rows": result.header_rows,
                "columns": result.columns,
                "ignored_headers": result.ignored_headers,
                "ignored_sheets": result.ignored_sheets,
                "personal_columns_dropped": result.personal_columns,
                "rejects": [
                    {
                        "problem": problem,
                        "column": column,
                        "value": value,
                        "count": n,
                        "example_rows": rows,
                        "message": reject_message(problem, column, value),
                    }
                    for problem, column, value, n, rows in rejects
                ],
            }
        )

    def add_refused(self, refusal: Refusal) -> None:
        self.files_refused.append(
            {
                "file": self.name_of(refusal.path),
                "sheet": refusal.sheet,
                "reason": refusal.reason,
                "headers_found": list(refusal.headers),
                "error": refusal.error,
            }
        )

    def add_skipped(self, skipped: AlreadyLoaded) -> None:
        """A file whose bytes were loaded before; a copy under another name is a warning."""
        name = self.name_of(skipped.path)
        self.files_already_loaded.append(name)
        if skipped.first is not None and skipped.first != name:
            self.add_warnings(
                [
                    DataWarning.of(
                        "duplicate_file",
                        name,
                        f"Tệp '{name}' trùng từng byte với tệp '{skipped.first}' (đã đọc): "
                        "bỏ qua bản sao, số liệu chỉ tính một lần.",
                        [skipped.first],
                        count=1,
                    )
                ]
            )

    def as_dict(self) -> dict[str, Any]:
        """The run as plain data (warnings as their run.json dicts)."""
        data = dict(self.__dict__)
        data["warnings"] = [w.as_dict() for w in self.warnings]
        return data

    def for_run_json(self) -> dict[str, Any]:
        """run.json: what was read and checked (the figures are in indicators.csv)."""
        return {k: v for k, v in self.as_dict().items() if k != "figures"}


def reject_message(problem: str, column: str, value: str | None) -> str:
    """A reject reason in plain Vietnamese: which column, what is wrong, the cell text."""
    text = f"{COLUMN_LABELS.get(column, column)}: {PROBLEM_LABELS.get(problem, problem)}"
    return f"{text} ('{value}')" if value else text
