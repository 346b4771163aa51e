"""Which files to read, and reading one of them: the outcome of each file of a folder."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
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
    #: the class of an unexpected exception (for run.json), never its text
    error: str | None = None


@dataclass(frozen=True)
class AlreadyLoaded:
    """A file whose exact bytes were loaded by an earlier run: skipped without parsing."""

    path: Path
    file_hash: str
    #: the name (relative path) under which these bytes were loaded or read first
    first: str | None = None


ReadOutcome = ReadResult | Refusal | AlreadyLoaded


def relative_name(path: Path, folder: Path) -> str:
    """A file's name as hoso shows it everywhere: its POSIX path relative to the folder."""
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return path.name


def discover(folder: Path, skip: Iterable[Path] = ()) -> tuple[list[Path], list[Path]]:
    """The files hoso reads in ``folder`` and its sub-folders, and the files it ignores.

    Both are sorted by relative path. Hidden folders (``.name``) and the paths in ``skip``
    (hoso's own database, its output and failed-run folders, when they sit inside the exports
    folder) are not entered.
    """
    if not folder.is_dir():
        raise FileNotFoundError(
            f"Không tìm thấy thư mục tệp xuất '{folder}'. Hãy kiểm tra khóa 'exports' trong "
            "hoso.toml hoặc tùy chọn --exports."
        )
    skipped = {_resolved(p) for p in skip}
    entries: list[Path] = []
    for root, dirs, files in os.walk(folder):
        here = Path(root)
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and _resolved(here / d) not in skipped
        )
        entries.extend(
            here / f for f in files if (here / f).is_file() and _resolved(here / f) not in skipped
        )
    entries.sort(key=lambda p: relative_name(p, folder))
    return [p for p in entries if is_candidate(p)], [p for p in entries if not is_candidate(p)]


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path.absolute()


def original_first(path: Path, folder: Path) -> tuple[float, int, str]:
    """Sort key among byte-identical copies: the oldest first, then the shortest name."""
    try:
        mtime = path.stat().st_mtime
    except OSError:
        mtime = float("inf")
    name = relative_name(path, folder)
    return (mtime, len(name), name)


def hash_files(paths: Iterable[Path]) -> dict[Path, str]:
    """The content hash of each readable file (unreadable ones are left to :func:`read_one`)."""
    digests: dict[Path, str] = {}
    for path in paths:
        try:
            digests[path] = file_hash(path)
        except OSError:
            continue
    return digests


def read_one(
    path: Path,
    vocab: Vocabulary,
    known: frozenset[str],
    on_new: Callable[[], None] | None = None,
    digest: str | None = None,
) -> ReadOutcome:
    """Read one file, unless its bytes were loaded before; a refusal is an outcome, not a crash.

    ``on_new`` is called before a file that was not loaded before is read; ``digest`` is the
    file's hash when the caller computed it already.
    """
    if digest is None:
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
            error=type(exc).__name__,
        )


def load_refusal(path: Path, exc: BaseException) -> Refusal:
    """The refusal of a file whose rows could not be loaded (its transaction rolled back).

    Only the exception's class is said: its text may quote cell values (personal data).
    """
    return Refusal(
        path,
        f"Lỗi không lường trước khi nạp tệp vào cơ sở dữ liệu ({type(exc).__name__}); tệp này "
        "không được nạp, các tệp khác vẫn được tính. Hãy mở tệp bằng Excel, lưu lại dạng .xlsx "
        "rồi chạy lại; nếu vẫn lỗi, hãy báo cho người quản trị hoso.",
        error=type(exc).__name__,
    )
