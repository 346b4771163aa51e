"""Progress for people at a terminal; silence under a scheduler.

The flow reports what it is doing through :func:`stage` and :func:`file_done`; by default
nothing is shown. ``hoso run`` at an interactive terminal installs a :class:`TerminalProgress`
(a bar over the files, then the stage names).
"""

from __future__ import annotations

from typing import Protocol


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
        self._task = self._progress.add_task("Đọc và nạp tệp xuất", total=max(files, 1))

    def file_done(self, name: str) -> None:
        if self._task is not None:
            self._progress.update(self._task, advance=1, description=f"Đã nạp {name}")

    def stage(self, text: str) -> None:
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
