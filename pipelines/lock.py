"""One writer at a time: an exclusive lock on ``<database>.lock``, portable (Windows and POSIX).

A second run waits up to a bounded time for the first to finish, then gives up with a clear
message. The lock is held by the open file handle, so a killed process releases it at once.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


class LockTimeout(RuntimeError):
    """Another run held the database for longer than we were willing to wait."""


def _try_lock(handle: IO[bytes]) -> bool:
    if os.name == "nt":
        import msvcrt

        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def _unlock(handle: IO[bytes]) -> None:
    if os.name == "nt":
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@contextmanager
def writer_lock(
    database: Path,
    timeout: float,
    poll: float = 0.5,
    on_wait: Callable[[], None] | None = None,
) -> Iterator[None]:
    """Hold the database's writer lock; wait at most ``timeout`` seconds for it.

    ``on_wait`` is called once when the lock is busy (to tell the user why nothing happens).
    """
    path = Path(f"{database}.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+b")
    try:
        deadline = time.monotonic() + timeout
        told = False
        while not _try_lock(handle):
            if on_wait is not None and not told:
                on_wait()
                told = True
            if time.monotonic() >= deadline:
                raise LockTimeout(
                    f"Một lần chạy khác đang ghi cơ sở dữ liệu {database} và chưa xong sau "
                    f"{timeout:.0f} giây. Hãy đợi lần chạy đó kết thúc (xem: hoso status) rồi "
                    "chạy lại; không cần xóa tệp nào."
                )
            time.sleep(poll)
        try:
            yield
        finally:
            _unlock(handle)
    finally:
        handle.close()
