"""Which files to read, and reading one of them: the outcome of each file of a folder."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipelines.read import FileRefused, ReadResult, file_hash, is_candidate, read_export
from pipelines.vocab import Vocabulary


@dataclass(frozen=True)
class Refusal:
    """A file that could not be read: the reason names the file, sheet and what is missing."""

    path: Path
    reason: str
    sheet: str | None = None
    headers: tuple[str, ...] = ()


@dataclass(frozen=True)
class AlreadyLoaded:
    """A file whose exact bytes were loaded by an earlier run: skipped without parsing."""

    path: Path
    file_hash: str


ReadOutcome = ReadResult | Refusal | AlreadyLoaded


def discover(folder: Path) -> tuple[list[Path], list[Path]]:
    """The files hoso reads in ``folder`` (sorted by name) and the files it ignores."""
    if not folder.is_dir():
        raise FileNotFoundError(
            f"Không tìm thấy thư mục tệp xuất '{folder}'. Hãy kiểm tra khóa 'exports' trong "
            "hoso.toml hoặc tùy chọn --exports."
        )
    entries = sorted(p for p in folder.iterdir() if p.is_file())
    return [p for p in entries if is_candidate(p)], [p for p in entries if not is_candidate(p)]


def read_one(
    path: Path,
    vocab: Vocabulary,
    known: frozenset[str],
    on_new: Callable[[], None] | None = None,
) -> ReadOutcome:
    """Read one file, unless its bytes were loaded before; a refusal is an outcome, not a crash.

    ``on_new`` is called before a file that was not loaded before is read.
    """
    try:
        digest = file_hash(path)
    except OSError as exc:
        return Refusal(path, f"Không mở được tệp ({exc.strerror}). Hãy đóng tệp nếu đang mở.")
    if digest in known:
        return AlreadyLoaded(path, digest)
    if on_new is not None:
        on_new()
    try:
        return read_export(path, vocab, digest=digest)
    except FileRefused as exc:
        return Refusal(path, exc.message, exc.sheet, tuple(exc.headers))
    except MemoryError:
        return Refusal(path, "Tệp quá lớn so với bộ nhớ máy. Hãy chia nhỏ tệp xuất theo tháng.")
    except Exception as exc:  # one odd file must not stop the others; its text is not shown
        # (an error's text may quote cell values, i.e. personal data)
        return Refusal(
            path,
            f"Lỗi không lường trước khi đọc tệp ({type(exc).__name__}). Hãy mở tệp bằng Excel, "
            "lưu lại dạng .xlsx rồi chạy lại; nếu vẫn lỗi, hãy báo cho người quản trị hoso.",
        )
