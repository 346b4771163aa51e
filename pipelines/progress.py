"""Progress for people at a terminal; silence under a scheduler.

The flow reports what it is doing through :func:`start`, :func:`file_done` and :func:`stage`;
by default nothing is shown (served runs log to Prefect instead). ``hoso run`` installs a
:class:`TerminalProgress` at an interactive terminal (a bar over the files, and a line per
stage) and a :class:`LineProgress` otherwise (a line per stage, for logs and pipes).
"""

from __future__ import annotations

import sys
from typing import Protocol, TextIO


class Reporter(Protocol):
    def start(self, files: int) -> None: ...
    def file_done(self, name: str) -> None: ...
    def stage(self, text: str) -> None: ...
    def stop(self) -> None: ...


class _Silent:
    def start(self, files: int) -> None:
        pass

    def file_done(self, name: str) -> None:
        pass

    def stage(self, text: str) -> None:
        pass

    def stop(self) -> None:
        pass


class LineProgress:
    """One line per stage on ``stream`` (stderr): what a log file or a pipe can show."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    def _line(self, text: str) -> None:
        print(text, file=self._stream or sys.stderr, flush=True)

    def start(self, files: int) -> None:
        self._line(f"Đọc và nạp {files} tệp xuất…" if files else "Không có tệp xuất mới để đọc.")

    def file_done(self, name: str) -> None:
        pass

    def stage(self, text: str) -> None:
        self._line(f"{text}…")

    def stop(self) -> None:
        pass


class TerminalProgress:
    """A rich progress bar on stderr: files read and loaded, then the current stage."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._task = None

    def start(self, files: int) -> None:
        self._progress.start()
        self._progress.console.print(f"Đọc và nạp {files} tệp xuất…")
        self._task = self._progress.add_task("Đọc và nạp tệp xuất", total=max(files, 1))

    def file_done(self, name: str) -> None:
        if self._task is not None:
            self._progress.update(self._task, advance=1, description=f"Đã nạp {name}")

    def stage(self, text: str) -> None:
        self._progress.console.print(f"{text}…")
        if self._task is not None:
            self._progress.update(self._task, description=text)

    def stop(self) -> None:
        self._progress.stop()


_reporter: Reporter = _Silent()


def use(reporter: Reporter | None) -> None:
    """Install a reporter (None: back to silence)."""
    global _reporter
    _reporter = reporter or _Silent()


def start(files: int) -> None:
    _reporter.start(files)


def file_done(name: str) -> None:
    _reporter.file_done(name)


def stage(text: str) -> None:
    _reporter.stage(text)


def stop() -> None:
    _reporter.stop()
