"""``hoso doi-chieu``: reconcile a system's own report form 06 with hoso's figures, cell by cell.

:func:`reconcile` reads the form-06 sheets of a workbook (:mod:`.form06`), chooses the window
of each (its title, or the window asked for), compares them with hoso's figures and the
dossiers behind each cell (:mod:`.compare`); :mod:`.output` writes ``doi-chieu.xlsx`` and the
terminal summary. The hoso database is only read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pipelines.reconcile.compare import HosoDataError, SheetComparison, compare_sheet, open_hoso
from pipelines.reconcile.form06 import FormSheet, NotForm06, read_form06

__all__ = ["HosoDataError", "NotForm06", "Reconciliation", "reconcile"]

OUTPUT_NAME = "doi-chieu.xlsx"


@dataclass
class Reconciliation:
    """Every sheet compared, and the sheets left out (with the reason)."""

    source: Path
    sheets: list[SheetComparison] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def agrees(self) -> bool:
        """Every compared sheet agrees with hoso."""
        return all(s.agrees for s in self.sheets)


def choose_windows(
    sheets: list[FormSheet], asked: tuple[date, date] | None
) -> tuple[list[tuple[FormSheet, tuple[date, date], str]], list[str]]:
    """Which sheets to compare, each with its window and where the window came from.

    With a window asked for, only the sheets whose title states it; when none does, every sheet
    is compared with the asked window (a different window is then one of the causes looked
    for). Without one, each sheet with its title's window; a sheet whose title states none is
    left out with the reason.
    """
    chosen: list[tuple[FormSheet, tuple[date, date], str]] = []
    skipped: list[str] = []
    if asked is not None:
        matching = [s for s in sheets if s.window == asked]
        for s in matching or sheets:
            chosen.append((s, asked, "asked"))
        for s in sheets:
            if matching and s not in matching:
                skipped.append(
                    f"Trang '{s.name}': kỳ {_window_text(s.window)} khác kỳ yêu cầu, không so sánh."
                )
        return chosen, skipped
    for s in sheets:
        if s.window is None:
            skipped.append(
                f"Trang '{s.name}': không đọc được kỳ báo cáo ở tiêu đề (cần 'Từ ngày … đến "
                "ngày …' hoặc 'Kỳ báo cáo: Tháng m/yyyy'); hãy chỉ rõ bằng --from/--to hoặc "
                "--period."
            )
        else:
            chosen.append((s, s.window, "title"))
    return chosen, skipped


def _window_text(window: tuple[date, date] | None) -> str:
    if window is None:
        return "(không rõ)"
    return f"từ ngày {window[0]:%d/%m/%Y} đến ngày {window[1]:%d/%m/%Y}"


def reconcile(path: Path, database: Path, asked: tuple[date, date] | None = None) -> Reconciliation:
    """Compare every chosen form-06 sheet of ``path`` with hoso's figures in ``database``.

    Raises :class:`NotForm06` when the file holds no form 06 (or no sheet can be compared) and
    :class:`HosoDataError` when the database cannot be read.
    """
    sheets = read_form06(path)
    chosen, skipped = choose_windows(sheets, asked)
    if not chosen:
        raise NotForm06(" ".join(skipped))
    result = Reconciliation(path, skipped=skipped)
    con = open_hoso(database)
    try:
        for sheet, window, source in chosen:
            result.sheets.append(compare_sheet(con, sheet, window, source))
    finally:
        con.close()
    return result
