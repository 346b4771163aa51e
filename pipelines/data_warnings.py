"""Data warnings (SPEC §7, §8): what hoso decided about the data, said out loud.

A warning never changes the exit code. Each has a ``code`` of SPEC §8, the file it concerns
(relative to the exports folder; None for the whole database), a Vietnamese ``message``, how
many dossiers, rows or files it concerns, and up to :data:`MAX_EXAMPLES` examples (dossier
codes or row numbers — never a personal value).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

MAX_EXAMPLES = 20

#: The warning codes of SPEC §8 with a short Vietnamese title (for the terminal and workbook).
WARNING_CODES: dict[str, str] = {
    "duplicate_file": "Tệp trùng nội dung",
    "csv_damaged": "Tệp CSV hỏng dấu ngoặc kép",
    "export_time_from_mtime": "Thời điểm xuất lấy theo ngày sửa tệp",
    "snapshot_conflict": "Hai tệp cùng thời điểm xuất khác nhau",
    "result_before_reception": "Ngày có kết quả trước ngày tiếp nhận",
    "date_after_export": "Ngày sau thời điểm xuất tệp",
    "due_before_reception": "Ngày hẹn trả trước ngày tiếp nhận",
    "error_cell": "Ô lỗi Excel",
    "code_normalised": "Mã hồ sơ viết khác nhau được gộp",
    "window_not_covered": "Tệp xuất chưa phủ hết kỳ báo cáo",
}


@dataclass(frozen=True)
class DataWarning:
    """One warning: a code of SPEC §8, the file (or None), a message, a count and examples."""

    code: str
    file: str | None
    message: str
    count: int
    examples: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.code not in WARNING_CODES:
            raise ValueError(f"unknown warning code {self.code!r}")

    @classmethod
    def of(
        cls,
        code: str,
        file: str | None,
        message: str,
        examples: Iterable[Any] = (),
        *,
        count: int | None = None,
    ) -> DataWarning:
        """A warning whose count is the number of examples unless given; examples capped."""
        listed = [str(e) for e in examples]
        return cls(
            code=code,
            file=file,
            message=message,
            count=len(listed) if count is None else count,
            examples=tuple(listed[:MAX_EXAMPLES]),
        )

    @property
    def title(self) -> str:
        return WARNING_CODES[self.code]

    def as_dict(self) -> dict[str, Any]:
        """The run.json form: ``{code, file, message, count, examples}``."""
        return {
            "code": self.code,
            "file": self.file,
            "message": self.message,
            "count": self.count,
            "examples": list(self.examples),
        }


def sort_warnings(warnings: Iterable[DataWarning]) -> list[DataWarning]:
    """A stable order: by code (SPEC §8 order), then file, then message."""
    order = {code: i for i, code in enumerate(WARNING_CODES)}
    return sorted(warnings, key=lambda w: (order[w.code], w.file or "", w.message))
