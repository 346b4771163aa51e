"""The run record: what a run did, for run.json, the terminal, the runs table and the Prefect
UI; and the one home of hoso's exit codes.

Plain data only: this module imports nothing of the reader, the loader or the database, so
``publish`` and the CLI depend on the record, not on how files are read (the stages turn read
results into entries, see ``pipelines.stages``). No personal data: files are named by their
path relative to the exports folder, rows by row number, values only from non-personal
columns."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pipelines.data_warnings import DataWarning, sort_warnings

# --- exit codes: the one home of what a hoso command returns ----------------------------------

EXIT_PUBLISHED = 0
#: nothing new was published (a check failed, the run stopped, an unexpected error)
EXIT_NOT_PUBLISHED = 1
EXIT_VALIDATION_FAILED = EXIT_NOT_PUBLISHED
EXIT_USAGE = 2
EXIT_PUBLISHED_WITH_REFUSALS = 3
#: ``hoso doi-chieu``: the portal's form 06 and hoso's figures differ
EXIT_DIFFER = 4
EXIT_INTERRUPTED = 130
#: the reader of our output went away (``hoso status | head``): as SIGPIPE
EXIT_BROKEN_PIPE = 141

#: a run's outcomes, as run.json and the runs table name them
OUTCOMES = ("published", "unchanged", "validation_failed", "failed")


def exit_code_of(outcome: str, *, refusals: bool) -> int:
    """The exit code of a run that ended with ``outcome``: 0 published (or unchanged), 3 the
    same with refused files, 1 nothing new published."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown run outcome {outcome!r}")
    if outcome in ("published", "unchanged"):
        return EXIT_PUBLISHED_WITH_REFUSALS if refusals else EXIT_PUBLISHED
    return EXIT_NOT_PUBLISHED


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

    def add_warnings(self, warnings: Iterable[DataWarning]) -> None:
        """Add data warnings (any module's); kept in the stable order of SPEC §8."""
        self.warnings = sort_warnings([*self.warnings, *warnings])

    def end(self, outcome: str, message: str | None = None) -> None:
        """Set the run's outcome and, from it, its exit code (and the message, if given)."""
        self.outcome = outcome
        self.exit_code = exit_code_of(outcome, refusals=bool(self.files_refused))
        if message is not None:
            self.message = message

    def add_file(self, entry: dict[str, Any]) -> None:
        """Record a loaded file: its accounting and its rejects (plain data, see stages)."""
        self.files.append(entry)

    def add_refused(self, entry: dict[str, Any]) -> None:
        """Record a refused file: name, sheet, reason, headers found, error."""
        self.files_refused.append(entry)

    def add_skipped(self, name: str, first: str | None) -> None:
        """A file whose bytes were loaded before (``first``: the file read, when known); a copy
        under another name is a warning."""
        self.files_already_loaded.append(name)
        if first is not None and first != name:
            self.add_warnings(
                [
                    DataWarning.of(
                        "duplicate_file",
                        name,
                        f"Tệp '{name}' trùng từng byte với tệp '{first}' (đã đọc): "
                        "bỏ qua bản sao, số liệu chỉ tính một lần.",
                        [first],
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
