"""When a file was exported: the order of snapshots (SPEC §2).

The first of: a labelled date-time in the title block (*Ngày xuất: 16/04/2026 08:30*); the last
date in the file name (``20260416``, ``16042026``, ``2026-04-16``, ``16-04-2026``); the file's
modification time. The rule that gave the time is recorded with it.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from pipelines.vocab import normalize_key

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

RULE_TITLE = "title_block"
RULE_FILE_NAME = "file_name"
RULE_MTIME = "file_mtime"

_DATE_DMY = r"(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4})"
_DATE_YMD = r"(?P<y2>\d{4})-(?P<m2>\d{1,2})-(?P<d2>\d{1,2})"
_TIME = r"(?P<H>\d{1,2})[:hg](?P<M>\d{2})(?::(?P<S>\d{2}))?"
_TIME_AFTER = _TIME.replace("?P<", "?P<t")
_TEXT_DT = re.compile(
    rf"(?:{_TIME}\s*(?:,|ngày)?\s*)?(?:{_DATE_DMY}|{_DATE_YMD})"
    rf"(?:[ T,]*(?:lúc\s*)?{_TIME_AFTER})?",
    re.IGNORECASE,
)


def parse_text_datetime(text: str) -> datetime | None:
    """The first day-first date (and time, before or after it) in a piece of text."""
    for m in _TEXT_DT.finditer(text):
        g = m.groupdict()
        y, mo, d = (g["y"], g["m"], g["d"]) if g["y"] else (g["y2"], g["m2"], g["d2"])
        hh, mm, ss = (g["H"], g["M"], g["S"]) if g["H"] else (g["tH"], g["tM"], g["tS"])
        try:
            day = date(int(y), int(mo), int(d))
            clock = time(int(hh), int(mm), int(ss or 0)) if hh else time()
        except ValueError:
            continue
        return datetime.combine(day, clock)
    return None


def from_title(cells: list[str], labels: tuple[str, ...]) -> datetime | None:
    """A date-time after one of the export labels, in the same cell or the next one."""
    for label in labels:
        for i, cell in enumerate(cells):
            key = normalize_key(cell)
            if f" {label} " not in f" {key} ":
                continue
            # the text after the label, then the next cell
            for candidate in (_after_label(cell, label), *cells[i + 1 : i + 2]):
                found = parse_text_datetime(candidate)
                if found:
                    return found
    return None


def _after_label(cell: str, label: str) -> str:
    words = len(label.split())
    parts = cell.split()
    # the label's words are the first ones whose keys spell the label
    for k in range(len(parts)):
        if normalize_key(" ".join(parts[k : k + words])) == label:
            return " ".join(parts[k + words :])
    return cell


_NAME_DATES = (
    (re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)"), "ymd"),
    (re.compile(r"(?<!\d)(\d{2})-(\d{2})-(\d{4})(?!\d)"), "dmy"),
    (re.compile(r"(?<!\d)(\d{8})(?!\d)"), "compact"),
    (re.compile(r"(?<!\d)(\d{14})(?!\d)"), "stamp"),
)


def from_file_name(name: str) -> datetime | None:
    """The last unambiguous date in a file name, at midnight (with its time for a
    ``yyyyMMddHHmmss`` stamp). An 8-digit run that reads as a date both ways is ambiguous."""
    found: list[tuple[int, datetime]] = []
    for pattern, form in _NAME_DATES:
        for m in pattern.finditer(name):
            s = m.group(1)
            if form == "ymd":
                candidates = [(m.group(1), m.group(2), m.group(3))]
            elif form == "dmy":
                candidates = [(m.group(3), m.group(2), m.group(1))]
            elif form == "compact":
                candidates = [(s[:4], s[4:6], s[6:]), (s[4:], s[2:4], s[:2])]
            else:
                day = _date(s[:4], s[4:6], s[6:8])
                try:
                    clock = time(int(s[8:10]), int(s[10:12]), int(s[12:14]))
                except ValueError:
                    continue
                if day:
                    found.append((m.start(), datetime.combine(day, clock)))
                continue
            valid = {d for d in (_date(*c) for c in candidates) if d}
            if len(valid) == 1:
                found.append((m.start(), datetime.combine(valid.pop(), time())))
    if not found:
        return None
    return max(found)[1]


def _date(y: str, m: str, d: str) -> date | None:
    try:
        day = date(int(y), int(m), int(d))
    except ValueError:
        return None
    return day if 2000 <= day.year <= 2100 else None


def from_mtime(path: Path) -> datetime:
    """The file's modification time, in local time (Asia/Ho_Chi_Minh), naive."""
    stamp = datetime.fromtimestamp(path.stat().st_mtime, tz=LOCAL_TZ)
    return stamp.replace(tzinfo=None, microsecond=0)


def export_time(
    path: Path, title_cells: list[str], labels: tuple[str, ...]
) -> tuple[datetime, str]:
    """The export time of a file and the rule that gave it."""
    found = from_title(title_cells, labels)
    if found:
        return found, RULE_TITLE
    found = from_file_name(path.stem)
    if found:
        return found, RULE_FILE_NAME
    return from_mtime(path), RULE_MTIME
