"""Run ``hoso run`` in this process, pausing forever at one stage after writing a marker file.

Used by test_crash.py, which kills this process (SIGKILL) once the marker appears:
``python -m tests.integration.crash_driver STAGE MARKER -- <hoso run options>``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path


def _pause(marker: Path) -> None:
    marker.write_text("paused", encoding="utf-8")
    while True:
        time.sleep(1)


def install(stage: str, marker: Path) -> None:
    """Patch the stage's function so that it pauses at its most delicate moment."""
    from pipelines import ingest, load, publish, transform
    from pipelines.publish import atomic

    if stage == "reading":
        real_read = ingest.read_export

        def read_then_pause(*args, **kwargs):
            real_read(*args, **kwargs)
            _pause(marker)

        ingest.read_export = read_then_pause
    elif stage == "loading":
        real_stats = load.LoadStats

        def stats_then_pause(*args, **kwargs):
            # inside load_file's transaction: rows inserted, files row not yet, no commit
            real_stats(*args, **kwargs)
            _pause(marker)

        load.LoadStats = stats_then_pause
    elif stage == "building":
        real_sql = transform.sql_text

        def sql_then_pause(name: str) -> str:
            if name == "indicators/overdue":  # dossiers and indicators already rebuilt
                _pause(marker)
            return real_sql(name)

        transform.sql_text = sql_then_pause
    elif stage == "publishing-files":
        real_swap_tables = publish.swap_tables

        def files_written_then_pause(*args, **kwargs):
            _pause(marker)
            return real_swap_tables(*args, **kwargs)

        publish.swap_tables = files_written_then_pause
    elif stage == "publishing-swap":
        real_replace = atomic.os.replace
        calls = []

        class _Os:
            def __getattr__(self, name):
                return getattr(atomic.os.__class__, name, None) or getattr(__import__("os"), name)

            @staticmethod
            def replace(src, dst):
                calls.append((src, dst))
                real_replace(src, dst)
                if len(calls) == 1:  # old folder moved aside, new one not yet in place
                    _pause(marker)

        atomic.os = _Os()
    else:
        raise SystemExit(f"unknown stage {stage}")


def main() -> int:
    stage, marker = sys.argv[1], Path(sys.argv[2])
    args = sys.argv[sys.argv.index("--") + 1 :]
    install(stage, marker)
    from pipelines.cli import main as hoso

    return hoso(args)


if __name__ == "__main__":
    sys.exit(main())
