"""Generate the committed sample exports of a fake commune office, and the figures they must give.

Run ``.venv/bin/python sample_exports/generate.py`` (or ``make samples``) to rewrite every file
in this folder. The output is deterministic: a fixed seed, fixed dates, fixed workbook
timestamps. Each export is described here as sheets (rows, merged ranges, row styles, column
widths) and written by ``tests/exports``, the one writer of synthetic exports (shared with the
tests and the benchmarks); nothing here writes a file itself but the JSON and the README.
Nothing here imports ``pipelines``: the expected figures are counted from the generator's own
records with a direct reading of SPEC §6, so they can check the pipeline.

The world: "UBND xã Xuân Giang" (fake) receives 600 dossiers between 2025-06-01 and 2026-04-16.
Each dossier has a lifecycle (reception, due date, maybe a supplement request or an extended due
date, then a result, a withdrawal, a refusal, or nothing yet). Six exports taken at different
times show the dossiers they cover in the state they had at that time, in six layouts of
SPEC §2. The truth is the state in the file with the latest export time (latest row within a
file), exactly as SPEC §5 says, and the generator checks that this is the world's state on
2026-04-16.
"""

from __future__ import annotations

import json
import random
import sys
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a script: the repository root holds tests/exports
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.exports import (
    NATIONAL_HEADERS,
    Cell,
    Merge,
    Properties,
    SheetSpec,
    Style,
    header_names,
    two_row_header,
    write_csv,
    write_html,
    write_openpyxl,
    write_xlsxwriter,
    write_xlwt,
)

SEED = 20260416
N_DOSSIERS = 600
FIRST_DAY = date(2025, 6, 2)
WORLD_END = datetime(2026, 4, 16, 17, 0)  # the state shown by the latest exports
FIXED_DOC_TIME = datetime(2026, 4, 16, 17, 0, 0)  # workbook properties and zip entry times
OUT_DIR = Path(__file__).resolve().parent

#: The two windows of expected_figures.json: standard month 4 of 2026 and cumulative since
#: the start of the two-tier local government (SPEC §6).
WINDOWS = {
    "period": (date(2026, 3, 15), date(2026, 4, 14)),
    "cumulative": (date(2025, 7, 1), date(2026, 4, 14)),
}

FIGURE_KEYS = (
    "received_new",
    "received_online",
    "received_direct",
    "received_postal",
    "carried_over",
    "handled",
    "resolved",
    "resolved_early",
    "resolved_on_time",
    "resolved_overdue",
    "pending",
    "pending_overdue",
    "withdrawn",
    "refused",
    "digitized",
    "e_result",
    "pending_within",
)
RATE_KEYS = ("online_rate", "on_time_rate", "digitization_rate", "e_result_rate")

# --------------------------------------------------------------------------------------------
# The office
# --------------------------------------------------------------------------------------------

AGENCY = "ỦY BAN NHÂN DÂN XÃ XUÂN GIANG"
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
COMMUNE = "Xã Xuân Giang"

ONE_STOP = "Bộ phận Một cửa xã"
ECONOMY = "Phòng Kinh tế xã"
SOCIAL = "Phòng Văn hóa - Xã hội xã"
UNITS = (ONE_STOP, ECONOMY, SOCIAL)


@dataclass(frozen=True)
class Procedure:
    code: str
    name: str
    sector: str
    unit: str
    days: int  # working days to the due date; 0 = same day, no due date
    weight: int
    online_share: float


PROCEDURES = (
    Procedure("1.001193", "Thủ tục đăng ký khai sinh", "Hộ tịch", ONE_STOP, 1, 20, 0.95),
    Procedure("1.000894", "Thủ tục đăng ký kết hôn", "Hộ tịch", ONE_STOP, 1, 8, 0.9),
    Procedure("1.000656", "Thủ tục đăng ký khai tử", "Hộ tịch", ONE_STOP, 1, 8, 0.9),
    Procedure(
        "1.004873", "Thủ tục cấp bản sao trích lục hộ tịch", "Hộ tịch", ONE_STOP, 1, 14, 0.95
    ),
    Procedure(
        "2.000815",
        "Thủ tục chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan, tổ chức có thẩm "
        "quyền của Việt Nam cấp hoặc chứng nhận",
        "Chứng thực",
        ONE_STOP,
        0,
        16,
        0.6,
    ),
    Procedure(
        "2.000884",
        "Thủ tục chứng thực chữ ký trong các giấy tờ, văn bản",
        "Chứng thực",
        ONE_STOP,
        0,
        6,
        0.5,
    ),
    Procedure(
        "1.004227",
        "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
        "Đất đai",
        ECONOMY,
        10,
        8,
        0.8,
    ),
    Procedure("1.003554", "Thủ tục hòa giải tranh chấp đất đai", "Đất đai", ECONOMY, 30, 3, 0.5),
    Procedure(
        "1.010801",
        "Thủ tục giải quyết chế độ trợ cấp thờ cúng liệt sĩ",
        "Người có công",
        SOCIAL,
        12,
        4,
        0.85,
    ),
    Procedure(
        "1.001776",
        "Thủ tục thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hàng tháng",
        "Bảo trợ xã hội",
        SOCIAL,
        7,
        8,
        0.85,
    ),
    Procedure(
        "2.000286",
        "Thủ tục hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội",
        "Bảo trợ xã hội",
        SOCIAL,
        3,
        5,
        0.8,
    ),
)
PROC = {p.code: p for p in PROCEDURES}

SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi")
MIDDLES = ("Văn", "Thị", "Đức", "Minh", "Thu", "Quốc")


@dataclass(frozen=True)
class Person:
    """Fake, distinctive personal values: a scan for them has no false positives."""

    name: str
    phone: str
    id_number: str
    address: str
    email: str


def person(i: int) -> Person:
    return Person(
        name=f"{SURNAMES[i % len(SURNAMES)]} {MIDDLES[(i // 8) % len(MIDDLES)]} Mẫu {i:03d}",
        phone=f"0900{i:06d}",
        id_number=f"001099{i:06d}",
        address=f"Số {i} ngõ Mẫu Thử, thôn Giả Định, xã Xuân Giang",
        email=f"maugiadinh{i:03d}@example.invalid",
    )


# --------------------------------------------------------------------------------------------
# Dossier lifecycles
# --------------------------------------------------------------------------------------------


@dataclass
class Dossier:
    index: int
    proc: Procedure
    channel: str  # online | direct | postal
    submitted_at: datetime
    received_at: datetime
    due: date | None
    outcome: str = "finished"  # finished | withdrawn | refused | open
    ended_at: datetime | None = None  # result date, or the stop date of a withdrawal
    returned_at: datetime | None = None
    supplement: tuple[datetime, datetime] | None = None
    due_after_supplement: date | None = None
    extended_due: date | None = None
    extended_from: datetime | None = None
    is_digitized: bool = True
    has_e_result: bool = False
    case: str = ""  # scripted case label (README)
    quirk: str = ""  # status_lag | return_only | duplicate | code_variant
    code: str = ""


@dataclass(frozen=True)
class State:
    """What an export taken at some time shows of a dossier."""

    status: str  # pending | awaiting_supplement | finished | withdrawn | refused
    due: date | None
    extended_due: date | None
    result_at: datetime | None
    returned_at: datetime | None
    has_e_result: bool
    fresh: bool = field(default=False, compare=False)  # received less than a day before


def state_at(d: Dossier, t: datetime) -> State | None:
    """The dossier as an export taken at ``t`` shows it (None: not received yet)."""
    if d.received_at > t:
        return None
    fresh = t - d.received_at < timedelta(hours=24)
    if d.outcome == "refused":
        return State("refused", None, None, None, None, False, fresh)
    due = d.due
    if d.supplement and d.due_after_supplement and t >= d.supplement[1]:
        due = d.due_after_supplement
    ext = d.extended_due if d.extended_from and t >= d.extended_from else None
    if d.ended_at and d.ended_at <= t:
        if d.outcome == "withdrawn":
            return State("withdrawn", due, ext, d.ended_at, None, False, fresh)
        returned = d.returned_at if d.returned_at and d.returned_at <= t else None
        return State("finished", due, ext, d.ended_at, returned, d.has_e_result, fresh)
    if d.supplement and d.supplement[0] <= t < d.supplement[1]:
        return State("awaiting_supplement", due, ext, None, None, False, fresh)
    return State("pending", due, ext, None, None, False, fresh)


def add_working_days(day: date, n: int) -> date:
    """``n`` working days (Monday–Friday) after ``day``; 0 gives ``day`` or the next one."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    while n > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def _working_days(start: date, end: date) -> list[date]:
    """Working days in [start, end]."""
    return [
        start + timedelta(days=k)
        for k in range((end - start).days + 1)
        if (start + timedelta(days=k)).weekday() < 5
    ]


def dt(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M")


def d_(text: str) -> date:
    return date.fromisoformat(text)


def _clock(rng: random.Random, day: date, lo: int = 7 * 60 + 45, hi: int = 17 * 60) -> datetime:
    minute = rng.randint(lo, hi)
    return datetime.combine(day, time(minute // 60, minute % 60))


def _random_dossier(rng: random.Random, index: int, days: list[date]) -> Dossier:
    proc = rng.choices(PROCEDURES, weights=[p.weight for p in PROCEDURES])[0]
    received_at = _clock(rng, rng.choice(days), 7 * 60 + 30, 16 * 60 + 45)
    online_share = proc.online_share if received_at.date() >= date(2025, 9, 1) else 0.7
    r = rng.random()
    channel = "online" if r < online_share else ("direct" if r < online_share + 0.27 else "postal")
    if channel == "online":
        submitted_at = received_at - timedelta(minutes=rng.randint(5, 60 * 60))
    elif channel == "postal":
        submitted_at = received_at - timedelta(days=rng.randint(1, 3), hours=rng.randint(0, 5))
    else:
        submitted_at = received_at
    due = add_working_days(received_at.date(), proc.days) if proc.days else None
    d = Dossier(index, proc, channel, submitted_at, received_at, due)
    d.is_digitized = rng.random() < (0.96 if channel == "online" else 0.7)
    u = rng.random()
    if u < 0.02:
        d.outcome, d.due = "refused", None
        return d
    if u < 0.05:
        d.outcome = "withdrawn"
        day = add_working_days(received_at.date(), rng.randint(0, max(1, proc.days)))
        d.ended_at = max(_clock(rng, day), received_at + timedelta(minutes=rng.randint(20, 90)))
        return d
    if proc.days >= 7 and u < 0.065:
        d.outcome = "open"  # stuck: no result yet at the end
        return d
    start, deadline = received_at.date(), due
    if proc.days and rng.random() < 0.08:
        s0 = received_at + timedelta(hours=rng.randint(2, 30))
        s1 = s0 + timedelta(days=rng.randint(3, 25), hours=rng.randint(0, 5))
        d.supplement = (s0, s1)
        d.due_after_supplement = add_working_days(s1.date(), proc.days)
        start, deadline = s1.date(), d.due_after_supplement
    elif proc.days >= 3 and rng.random() < 0.06:
        d.extended_due = add_working_days(due, rng.randint(3, 8))
        d.extended_from = max(
            datetime.combine(due - timedelta(days=1), time(16, 0)),
            received_at + timedelta(hours=2),
        )
        deadline = d.extended_due
    if deadline is None:  # same-day procedures
        finish = received_at + timedelta(minutes=rng.randint(10, 200))
    else:
        v = rng.random()
        if v < 0.75:  # early: a working day from the start to the day before the deadline
            early = [x for x in _working_days(start, deadline) if x < deadline] or [start]
            day = rng.choice(early)
        elif v < 0.93:
            day = deadline
        else:
            day = add_working_days(deadline, rng.randint(1, 6))
        lo = d.supplement[1] if d.supplement else received_at
        finish = max(_clock(rng, day), lo + timedelta(minutes=rng.randint(15, 120)))
    d.ended_at = finish
    d.has_e_result = rng.random() < (0.93 if channel == "online" else 0.75)
    if rng.random() < 0.6:
        d.returned_at = finish + timedelta(minutes=rng.randint(0, 30))
    else:
        d.returned_at = _clock(rng, add_working_days(finish.date(), rng.randint(1, 3)))
    return d


def _scripted() -> list[Dossier]:
    """Dossiers placed on the edges of SPEC §6, each named for what it shows."""

    def make(case: str, code: str, channel: str, received: str, due: str | None, **kw) -> Dossier:
        received_at = dt(received)
        d = Dossier(
            0,
            PROC[code],
            channel,
            kw.pop("submitted", received_at),
            received_at,
            d_(due) if due else None,
            case=case,
        )
        d.is_digitized = channel == "online"
        for key, value in kw.items():
            setattr(d, key, value)
        if d.outcome == "finished" and d.ended_at:
            d.has_e_result = kw.get("has_e_result", channel == "online")
            d.returned_at = kw.get("returned_at", d.ended_at + timedelta(minutes=10))
        return d

    return [
        make(
            "submitted before the period (Saturday night), received on its first working day",
            "1.004227",
            "online",
            "2026-03-16 07:45",
            "2026-03-30",
            submitted=dt("2026-03-14 21:30"),
            ended_at=dt("2026-03-27 10:00"),
        ),
        make(
            "received before the period, resolved in it: carried over (final state only in the "
            "HTML export)",
            "1.001776",
            "direct",
            "2026-03-13 16:30",
            "2026-03-24",
            ended_at=dt("2026-03-16 09:00"),
        ),
        make(
            "received on the last day of the period, resolved the day after: pending within",
            "1.001193",
            "online",
            "2026-04-14 16:50",
            "2026-04-15",
            ended_at=dt("2026-04-15 08:30"),
        ),
        make(
            "resolved on its due date late in the day: on time",
            "1.000894",
            "online",
            "2026-04-13 09:00",
            "2026-04-14",
            ended_at=dt("2026-04-14 16:55"),
        ),
        make(
            "past due at the end of the period, resolved after it: pending overdue in the period",
            "1.004227",
            "online",
            "2026-03-30 10:00",
            "2026-04-13",
            ended_at=dt("2026-04-15 15:00"),
        ),
        make(
            "due on the last day of the period and still open: pending within",
            "1.001776",
            "online",
            "2026-04-06 08:20",
            "2026-04-14",
            outcome="open",
        ),
        make(
            "awaiting the citizen's supplement since before its due date: never overdue",
            "1.004227",
            "online",
            "2026-03-18 08:10",
            "2026-04-01",
            outcome="open",
            supplement=(dt("2026-03-25 09:00"), dt("2026-05-10 08:00")),
        ),
        make(
            "awaiting supplement at the end, due date before the end of the period: pending "
            "within (semicolon CSV)",
            "1.000894",
            "online",
            "2026-04-09 09:30",
            "2026-04-10",
            outcome="open",
            supplement=(dt("2026-04-10 08:30"), dt("2026-04-24 08:00")),
        ),
        make(
            "stuck since February, far past due: pending overdue in both windows",
            "1.003554",
            "direct",
            "2026-02-10 09:30",
            "2026-03-24",
            outcome="open",
            is_digitized=False,
        ),
        make(
            "withdrawn in the period: resolved on time at its stop date",
            "1.010801",
            "online",
            "2026-03-30 08:00",
            "2026-04-16",
            outcome="withdrawn",
            ended_at=dt("2026-04-02 11:00"),
        ),
        make(
            "withdrawn after its due date: still on time (report form 06)",
            "1.001776",
            "direct",
            "2026-03-02 08:30",
            "2026-03-11",
            outcome="withdrawn",
            ended_at=dt("2026-03-20 10:00"),
        ),
        make(
            "refused at reception: only in refused",
            "1.001193",
            "online",
            "2026-03-20 14:00",
            None,
            outcome="refused",
        ),
        make(
            "extended due date (Ngày gia hạn) filled: early against it, overdue against the "
            "original due date",
            "1.000894",
            "online",
            "2026-03-23 08:00",
            "2026-03-24",
            extended_due=d_("2026-04-03"),
            extended_from=dt("2026-03-23 16:00"),
            ended_at=dt("2026-04-01 10:00"),
        ),
        make(
            "extended due date, national sync layout (NgayHenTra holds the extended date)",
            "1.004227",
            "online",
            "2026-03-02 08:00",
            "2026-03-16",
            extended_due=d_("2026-03-30"),
            extended_from=dt("2026-03-13 16:00"),
            ended_at=dt("2026-03-25 14:00"),
        ),
        make(
            "status text still says pending but a result date is filled: resolved",
            "1.004873",
            "online",
            "2026-04-07 08:00",
            "2026-04-08",
            ended_at=dt("2026-04-08 10:00"),
            quirk="status_lag",
        ),
        make(
            "no result date, only a return date: finished_at is the return date (overdue)",
            "1.000656",
            "direct",
            "2026-04-02 09:00",
            "2026-04-03",
            ended_at=dt("2026-04-03 08:00"),
            returned_at=dt("2026-04-06 09:00"),
            quirk="return_only",
        ),
        make(
            "due date written without a time, resolved that afternoon: on time by calendar date",
            "1.001193",
            "online",
            "2026-04-08 15:00",
            "2026-04-09",
            ended_at=dt("2026-04-09 16:40"),
        ),
        make(
            "resolved after its due date in the period: overdue (pending in two older exports)",
            "1.001776",
            "direct",
            "2026-03-09 08:00",
            "2026-03-18",
            ended_at=dt("2026-03-24 14:00"),
        ),
        make(
            "listed twice in the semicolon CSV: a stale pending row, then the true finished row",
            "1.001193",
            "online",
            "2026-03-31 08:15",
            "2026-04-01",
            ended_at=dt("2026-04-01 09:30"),
            quirk="duplicate",
        ),
        make(
            "listed twice in the national sync: a stale row with a lower-case, padded code, "
            "then the true row",
            "1.001776",
            "online",
            "2026-04-01 08:00",
            "2026-04-10",
            ended_at=dt("2026-04-09 15:00"),
            quirk="duplicate",
        ),
        make(
            "resolved the day before the period: in no period figure",
            "1.001193",
            "online",
            "2026-03-13 08:00",
            "2026-03-16",
            ended_at=dt("2026-03-14 08:30"),
        ),
        make(
            "received after the end of both windows: in no figure",
            "1.001193",
            "online",
            "2026-04-15 09:00",
            "2026-04-16",
            ended_at=dt("2026-04-16 10:00"),
        ),
        make(
            "received before the cumulative start, resolved after it: carried over "
            "(only in the legacy .xls)",
            "1.004227",
            "direct",
            "2025-06-20 09:00",
            "2025-07-04",
            ended_at=dt("2025-07-03 10:00"),
        ),
        make(
            "received before the cumulative start and still open: carried over, pending overdue",
            "1.003554",
            "direct",
            "2025-06-23 08:30",
            "2025-08-05",
            outcome="open",
            is_digitized=False,
        ),
        make(
            "received and resolved before the cumulative start: in no figure",
            "1.001193",
            "direct",
            "2025-06-25 10:00",
            "2025-06-26",
            ended_at=dt("2025-06-26 09:00"),
        ),
        make(
            "three exports, three states: pending, awaiting supplement, finished "
            "(received '5/3/2026 8:05')",
            "1.001776",
            "online",
            "2026-03-05 08:05",
            "2026-03-16",
            supplement=(dt("2026-03-12 09:00"), dt("2026-03-27 10:00")),
            due_after_supplement=d_("2026-04-07"),
            ended_at=dt("2026-04-03 11:00"),
        ),
        make(
            "due '16/04/2026', resolved on that day after the period: pending within",
            "1.003554",
            "direct",
            "2026-03-04 14:20",
            "2026-04-16",
            ended_at=dt("2026-04-16 14:00"),
        ),
        make(
            "sent by post in the period: received_postal",
            "2.000286",
            "postal",
            "2026-04-02 10:00",
            "2026-04-07",
            submitted=dt("2026-03-31 15:00"),
            ended_at=dt("2026-04-06 15:30"),
        ),
        make(
            "legacy .xls awaiting supplement, title-block .xlsx pending with an extension, "
            "national sync finished",
            "1.003554",
            "direct",
            "2025-09-22 09:00",
            "2025-11-03",
            supplement=(dt("2025-09-25 10:00"), dt("2025-10-20 08:00")),
            due_after_supplement=d_("2025-12-01"),
            extended_due=d_("2026-01-30"),
            extended_from=dt("2025-11-28 16:00"),
            ended_at=dt("2026-01-20 09:00"),
            has_e_result=False,
        ),
    ]


def build_world(rng: random.Random) -> list[Dossier]:
    days = _working_days(FIRST_DAY, WORLD_END.date())
    scripted = _scripted()
    dossiers = [_random_dossier(rng, 0, days) for _ in range(N_DOSSIERS - len(scripted))]
    dossiers += scripted
    dossiers.sort(key=lambda d: (d.received_at, d.proc.code, d.case))
    per_day: dict[date, int] = {}
    for i, d in enumerate(dossiers, start=1):
        d.index = i
        n = per_day[d.received_at.date()] = per_day.get(d.received_at.date(), 0) + 1
        d.code = f"H30.99-{d.received_at:%y%m%d}-{n:04d}"
    return dossiers


# --------------------------------------------------------------------------------------------
# Exports
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Export:
    name: str
    content_time: datetime  # the moment whose states its rows show
    export_time: datetime  # what SPEC §2 derives from the file (title label or file name)
    export_rule: str
    received_from: date
    received_to: date
    units: tuple[str, ...] = UNITS


LEGACY = Export(
    "legacy_biff.xls",
    datetime(2025, 10, 1, 7, 15),
    datetime(2025, 10, 1, 7, 15),
    "title_block (Ngày xuất)",
    date(2025, 6, 1),
    date(2025, 9, 30),
)
TITLE = Export(
    "title_block_one_row_header.xlsx",
    datetime(2026, 1, 5, 8, 30),
    datetime(2026, 1, 5, 8, 30),
    "title_block (Ngày xuất)",
    date(2025, 7, 1),
    date(2025, 12, 31),
)
TWO_ROW = Export(
    "two_row_header_numbered.xlsx",
    datetime(2026, 3, 10, 17, 45),
    datetime(2026, 3, 10, 17, 45),
    "title_block (Thời điểm xuất)",
    date(2026, 1, 1),
    date(2026, 3, 10),
)
HTML = Export(
    "portal_html_saved_as.xls",
    datetime(2026, 3, 20, 0, 0),
    datetime(2026, 3, 20, 0, 0),
    "title_block (Ngày in)",
    date(2026, 2, 15),
    date(2026, 3, 19),
)
SEMICOLON = Export(
    "export_semicolon_bom_20260416.csv",
    WORLD_END,
    datetime(2026, 4, 16, 0, 0),
    "file_name",
    FIRST_DAY,
    WORLD_END.date(),
    (ONE_STOP,),
)
SYNC = Export(
    "dvc_national_sync_20260416.csv",
    WORLD_END,
    datetime(2026, 4, 16, 0, 0),
    "file_name",
    FIRST_DAY,
    WORLD_END.date(),
    (ECONOMY, SOCIAL),
)
OLDER = (LEGACY, TITLE, TWO_ROW, HTML)
LATEST = (SEMICOLON, SYNC)


@dataclass
class Row:
    """One dossier row as a file writes it; ``state`` is what it shows."""

    dossier: Dossier
    state: State
    code: str  # as written (maybe lower-case or padded)
    quirk: str = ""  # status_lag | return_only | stale | rejected


@dataclass(frozen=True)
class Canonical:
    """A row as SPEC §3 reads it: what the counting rules see."""

    code: str
    channel: str
    status: str
    received_at: datetime
    due: date | None
    finished: date | None
    is_digitized: bool
    has_e_result: bool | None


def canonical(row: Row, *, has_returned: bool, has_e_result: bool) -> Canonical:
    s = row.state
    result = None if row.quirk == "return_only" else s.result_at
    returned = s.returned_at if has_returned else None
    finished = result or returned
    status = "pending" if row.quirk == "status_lag" else s.status
    return Canonical(
        code=row.code.strip().upper(),
        channel=row.dossier.channel,
        status=status,
        received_at=row.dossier.received_at,
        due=s.extended_due or s.due,
        finished=finished.date() if finished else None,
        is_digitized=row.dossier.is_digitized,
        has_e_result=(s.has_e_result if has_e_result else None),
    )


def plan_rows(world: list[Dossier], rng: random.Random) -> dict[str, list[Row]]:
    """Which dossiers each export lists, in which state and order."""
    rows: dict[str, list[Row]] = {}
    last_older: dict[str, State] = {}
    for exp in OLDER:
        listed = []
        for d in world:
            s = state_at(d, exp.content_time)
            if s and exp.received_from <= d.received_at.date() <= exp.received_to:
                listed.append(Row(d, s, d.code))
                last_older[d.code] = s
        rows[exp.name] = listed
    for exp in LATEST:
        listed = []
        for d in world:
            if d.proc.unit not in exp.units:
                continue
            s = state_at(d, exp.content_time)
            old = last_older.get(d.code)
            # the latest exports list every dossier still open and every dossier whose state
            # moved on since its last older export; the others now and then, as overlapping
            # exports do
            still_open = s.status in ("pending", "awaiting_supplement")
            if old is None or old != s or still_open or d.quirk or rng.random() < 0.12:
                listed.append(Row(d, s, d.code, d.quirk if d.quirk != "duplicate" else ""))
        rows[exp.name] = listed
    _add_duplicates(rows)
    _add_code_variants(rows[SYNC.name], set(last_older))
    return rows


def _add_duplicates(rows: dict[str, list[Row]]) -> None:
    """A stale row first, the true row last: within a file the later row wins (SPEC §5)."""
    for exp, variant in ((SEMICOLON, False), (SYNC, True)):
        listed = rows[exp.name]
        for i, row in enumerate(list(listed)):
            if row.dossier.quirk != "duplicate":
                continue
            d = row.dossier
            stale_time = datetime.combine(d.received_at.date(), time(17, 0))
            code = f"  {d.code.lower()} " if variant else d.code
            listed[i] = Row(d, state_at(d, stale_time), code, "stale")
            listed.append(row)


def _add_code_variants(listed: list[Row], older_codes: set[str]) -> None:
    """Some sync codes are lower-case or padded: identity is trimmed and upper-cased."""
    forms = (str.lower, lambda c: f" {c}", lambda c: f"{c.lower()}  ")
    n = 0
    for row in listed:
        if row.quirk or row.code not in older_codes:
            continue
        n += 1
        if n % 4 == 0:
            row.code = forms[(n // 4) % len(forms)](row.code)


def orphan_row() -> Row:
    """The row with an impossible reception date (31/02/2026): rejected, in no figure."""
    proc = PROC["1.001193"]
    d = Dossier(
        N_DOSSIERS + 1,
        proc,
        "online",
        dt("2026-02-27 20:00"),
        dt("2026-02-27 09:12"),  # placeholder; the file shows 31/02/2026 9:12
        d_("2026-03-02"),
        ended_at=dt("2026-03-02 10:00"),
        returned_at=dt("2026-03-02 10:00"),
        has_e_result=True,
        case="impossible reception date 31/02/2026: rejected; the dossier exists in no other "
        "file, so it is in no figure",
        code="H30.99-260227-0099",
    )
    return Row(d, state_at(d, TWO_ROW.content_time), d.code, "rejected")


# --------------------------------------------------------------------------------------------
# Value formats
# --------------------------------------------------------------------------------------------

STATUS_WORDS = {
    "legacy": {
        "pending": ("Đang giải quyết",),
        "fresh": "Mới tiếp nhận",
        "awaiting_supplement": "Yêu cầu bổ sung",
        "finished": "Đã giải quyết",
        "withdrawn": "Rút hồ sơ",
        "refused": "Không được tiếp nhận",
    },
    "title": {
        "pending": ("Đang xử lý", "Chờ phê duyệt"),
        "fresh": "Mới tiếp nhận",
        "awaiting_supplement": "Chờ bổ sung",
        "finished": "Đã trả kết quả",
        "withdrawn": "Công dân rút hồ sơ",
        "refused": "Từ chối tiếp nhận",
    },
    "two_row": {
        "pending": ("Đang xử lý", "Đang giải quyết"),
        "fresh": "Đã tiếp nhận",
        "awaiting_supplement": "Yêu cầu bổ sung giấy tờ",
        "finished": "Hoàn thành",
        "withdrawn": "Đã rút hồ sơ",
        "refused": "Từ chối",
    },
    "html": {
        "pending": ("Đang giải quyết", "Chờ phê duyệt"),
        "fresh": "Được tiếp nhận",
        "awaiting_supplement": "Chờ bổ sung",
        "finished": "Đã có kết quả",
        "withdrawn": "Công dân yêu cầu rút hồ sơ",
        "refused": "Từ chối tiếp nhận",
    },
    "semicolon": {
        "pending": ("Đang xử lý",),
        "fresh": "Mới tiếp nhận",
        "awaiting_supplement": "Chờ bổ sung",
        "finished": "Đã xử lý xong",
        "returned": "Đã trả kết quả",
        "withdrawn": "Công dân rút hồ sơ",
        "refused": "Từ chối tiếp nhận",
    },
}

CHANNEL_WORDS = {
    "legacy": {"online": "Trực tuyến", "direct": "Trực tiếp", "postal": "Bưu chính"},
    "title": {"online": "Nộp trực tuyến", "direct": "Nộp trực tiếp", "postal": "Qua bưu điện"},
    "two_row": {
        "online": "DVC trực tuyến",
        "direct": "Tại bộ phận một cửa",
        "postal": "Bưu chính công ích",
    },
    "html": {"online": "Qua cổng DVC", "direct": "Tại quầy", "postal": "BCCI"},
    "semicolon": {"online": "Trực tuyến", "direct": "Trực tiếp", "postal": "Qua bưu chính"},
    "sync": {"online": "2", "direct": "1", "postal": "3"},
}


def status_word(row: Row, layout: str) -> str:
    words = STATUS_WORDS[layout]
    s = row.state
    if row.quirk == "status_lag":
        return words["pending"][0]
    if s.status == "pending":
        if s.fresh:
            return words["fresh"]
        return words["pending"][row.dossier.index % len(words["pending"])]
    if s.status == "finished" and s.returned_at and "returned" in words:
        return words["returned"]
    return words[s.status]


def sync_status(row: Row) -> str:
    s = row.state
    if row.quirk == "status_lag":
        return "4"
    if s.status == "pending":
        return "2" if s.fresh else "4"
    if s.status == "finished":
        return "10" if s.returned_at else "9"
    return {"awaiting_supplement": "5", "withdrawn": "7", "refused": "3"}[s.status]


def loose_dt(v: datetime | None) -> str:
    """``5/3/2026 8:05``: one-digit day, month and hour."""
    return f"{v.day}/{v.month}/{v.year} {v.hour}:{v.minute:02d}" if v else ""


def dmy(v: date | None) -> str:
    return f"{v:%d/%m/%Y}" if v else ""


def dmy_hm(v: datetime | None) -> str:
    return f"{v:%d/%m/%Y %H:%M}" if v else ""


def dmy_hms(v: datetime | None) -> str:
    return f"{v:%d/%m/%Y %H:%M:%S}" if v else ""


def compact(v: datetime | None) -> str:
    return f"{v:%Y%m%d%H%M%S}" if v else ""


def effective_due(s: State) -> date | None:
    return s.extended_due or s.due


# --------------------------------------------------------------------------------------------
# The exports, described as sheets and written by tests/exports
# --------------------------------------------------------------------------------------------

BOLD = Style(bold=True)
CENTER = Style(align="center")
HEAD = Style(bold=True, border=True, align="center", valign="center")


def _heading_rows() -> list[list[Cell]]:
    """The agency (column A) beside the national motto (column J), as the portals head a list."""
    return [[AGENCY, *[None] * 8, NATION], ["BỘ PHẬN MỘT CỬA", *[None] * 8, MOTTO]]


def export_legacy(path: Path, rows: list[Row]) -> list[Canonical]:
    """BIFF8: a 3-row title block, a one-row header, real date cells."""
    headers = [
        "STT",
        "Số hồ sơ",
        "Tên thủ tục",
        "Lĩnh vực",
        "Cơ quan giải quyết",
        "Hình thức tiếp nhận",
        "Ngày nhận hồ sơ",
        "Hạn giải quyết",
        "Ngày hoàn thành",
        "Tình trạng",
        "Đã số hóa",
        "Số hóa kết quả",
        "Người nộp",
        "Địa chỉ",
    ]
    grid: list[list[Cell]] = [
        ["UBND XÃ XUÂN GIANG"],
        ["DANH SÁCH HỒ SƠ TIẾP NHẬN TỪ 01/06/2025 ĐẾN 30/09/2025"],
        ["Ngày xuất: 01/10/2025 07:15"],
        [],
        headers,
    ]
    out = []
    for i, row in enumerate(rows, start=1):
        d, s, p = row.dossier, row.state, person(row.dossier.index)
        grid.append(
            [
                i,
                row.code,
                d.proc.name,
                d.proc.sector,
                d.proc.unit,
                CHANNEL_WORDS["legacy"][d.channel],
                d.received_at,
                effective_due(s),
                s.result_at,
                status_word(row, "legacy"),
                "X" if d.is_digitized else "",  # an empty text cell, as the old system writes
                "X" if s.has_e_result else "",
                p.name,
                p.address,
            ]
        )
        out.append(canonical(row, has_returned=False, has_e_result=True))
    sheet = SheetSpec(
        "Sheet1",
        grid,
        row_styles={0: BOLD, 1: BOLD, 4: BOLD},
        datetime_format="dd/mm/yyyy hh:mm",
    )
    write_xlwt(path, [sheet])
    return out


def export_title_block(path: Path, rows: list[Row]) -> list[Canonical]:
    """openpyxl: a 6-row title block, a one-row header, real date cells, a footer."""
    headers = [
        "STT",
        "Mã hồ sơ",
        "Mã thủ tục",
        "Tên thủ tục hành chính",
        "Lĩnh vực",
        "Đơn vị xử lý",
        "Hình thức nộp",
        "Ngày tiếp nhận",
        "Ngày hẹn trả",
        "Ngày gia hạn",
        "Ngày có kết quả",
        "Ngày trả kết quả",
        "Trạng thái",
        "Số hóa",
        "Kết quả điện tử",
        "Họ tên người nộp",
        "Số điện thoại",
        "Địa chỉ",
        "Số CCCD",
    ]
    last = len(headers)
    grid: list[list[Cell]] = [
        *_heading_rows(),
        [],
        ["DANH SÁCH HỒ SƠ THỦ TỤC HÀNH CHÍNH"],
        [f"Từ ngày {TITLE.received_from:%d/%m/%Y} đến ngày {TITLE.received_to:%d/%m/%Y}"],
        ["Ngày xuất: 05/01/2026 08:30"],
        headers,
    ]
    merges = [Merge(r, c, 1, n) for r in (0, 1) for c, n in ((0, 6), (9, 7))]
    merges += [Merge(r, 0, 1, last) for r in (3, 4, 5)]
    out = []
    for i, row in enumerate(rows, start=1):
        d, s, p = row.dossier, row.state, person(row.dossier.index)
        grid.append(
            [
                i,
                row.code,
                d.proc.code,
                d.proc.name,
                d.proc.sector,
                d.proc.unit,
                CHANNEL_WORDS["title"][d.channel],
                d.received_at,
                s.due,
                s.extended_due,
                s.result_at,
                s.returned_at,
                status_word(row, "title"),
                "Có" if d.is_digitized else "Không",
                ("Có" if s.has_e_result else "Không") if s.status == "finished" else None,
                p.name,
                p.phone,
                p.address,
                p.id_number,
            ]
        )
        out.append(canonical(row, has_returned=True, has_e_result=True))
    total = len(grid) + 1
    grid += [
        [],
        [f"Tổng cộng: {len(rows)} hồ sơ"],
        [],
        # signatures away from the code and reception columns: the "(Ký…)" line has no label
        # of SPEC §3, so it is skipped only because both of those cells are empty
        [None, None, None, "Người lập biểu", *[None] * 8, "Thủ trưởng đơn vị"],
        [None, None, None, "(Ký, ghi rõ họ tên)", *[None] * 8, "(Ký, đóng dấu)"],
    ]
    merges.append(Merge(total, 0, 1, 4))
    sheet = SheetSpec(
        "Danh sách hồ sơ",
        grid,
        merges,
        row_styles={
            0: BOLD,
            3: Style(bold=True, align="center"),
            4: CENTER,
            5: CENTER,
            6: BOLD,
            total: BOLD,
            total + 2: BOLD,
        },
        widths=dict(enumerate((5, 20, 10, 40, 14, 20, 16, 16, 12, 12, 16))),
        datetime_format="dd/mm/yyyy hh:mm",
    )
    write_openpyxl(
        path, [sheet], properties=Properties("Hệ thống thông tin giải quyết TTHC", FIXED_DOC_TIME)
    )
    return out


def export_two_row(path: Path, rows: list[Row], orphan: Row) -> list[Canonical]:
    """xlsxwriter in constant-memory mode (inline strings): a summary sheet first, then the list
    with a two-row header, a column-number row, group rows, text dates and a footer."""
    # the first sheet is a summary, not the dossier list
    stats: list[list[Cell]] = [
        ["THỐNG KÊ HỒ SƠ THEO LĨNH VỰC"],
        ["Thời điểm xuất: 10/03/2026 17:45:00"],
        [],
        ["STT", "Lĩnh vực", "Tổng số hồ sơ", "Đã giải quyết", "Đang xử lý"],
    ]
    for i, sector in enumerate(sorted({p.sector for p in PROCEDURES}), start=1):
        mine = [r for r in rows if r.dossier.proc.sector == sector]
        done = sum(r.state.status in ("finished", "withdrawn") for r in mine)
        open_ = sum(r.state.status in ("pending", "awaiting_supplement") for r in mine)
        stats.append([i, sector, len(mine), done, open_])

    header = [
        "STT",
        "Mã hồ sơ *",
        (
            "Thông tin hồ sơ",
            [
                "Mã TTHC",
                "Tên thủ tục",
                " Lĩnh vực",
                "Đơn vị  xử lý",
                "Hình thức nộp",
                "Chủ hồ sơ",
                "Điện thoại",
            ],
        ),
        ("Thời gian", ["Ngày tiếp nhận:", "NGÀY HẸN TRẢ", "Ngày gia hạn", "Ngày có\nkết quả"]),
        ("Kết quả", [" Trạng thái ", "Số hóa", "Kết quả điện tử"]),
    ]
    width = len(header_names(header))
    top = 6
    header_rows, header_merges = two_row_header(header, top)
    grid: list[list[Cell]] = [
        *_heading_rows(),
        ["DANH SÁCH HỒ SƠ TIẾP NHẬN"],
        [f"Từ ngày {TWO_ROW.received_from:%d/%m/%Y} đến ngày 10/03/2026"],
        ["Thời điểm xuất: 10/03/2026 17:45:00"],
        [],
        *header_rows,
        [f"({j})" for j in range(1, width + 1)],
    ]
    # the file lists the groups' ranges before the two that span both header rows
    merges = sorted(header_merges, key=lambda m: m.rows)
    groups = [len(grid)]
    grid.append([f"Xã, phường: {COMMUNE}"])
    out = []
    n = 0
    for k, unit in enumerate(UNITS, start=1):
        mine = [row for row in rows if row.dossier.proc.unit == unit]
        if unit == ONE_STOP:
            # the typo row sits among its unit's rows, by its (true) reception time
            mine = sorted([*mine, orphan], key=lambda x: x.dossier.received_at)
        groups.append(len(grid))
        grid.append([f"{k}. {unit}"])
        for row in mine:
            n += 1
            d, s, p = row.dossier, row.state, person(row.dossier.index)
            received = "31/02/2026 9:12" if row.quirk == "rejected" else loose_dt(d.received_at)
            values = [
                row.code,
                d.proc.code,
                d.proc.name,
                d.proc.sector,
                d.proc.unit,
                CHANNEL_WORDS["two_row"][d.channel],
                p.name,
                p.phone,
                received,
                dmy(s.due),
                dmy(s.extended_due),
                loose_dt(s.result_at),
                status_word(row, "two_row"),
                "X" if d.is_digitized else "",
                "X" if s.has_e_result else "",
            ]
            grid.append([n, *(v or None for v in values)])  # empty text: no cell
            if row.quirk != "rejected":
                out.append(canonical(row, has_returned=False, has_e_result=True))
    merges += [Merge(r, 0, 1, width) for r in groups]
    total = len(grid) + 1
    grid += [
        [],
        [f"Tổng số: {n} hồ sơ"],
        [],
        [None, "Người lập biểu", *[None] * 11, "Thủ trưởng đơn vị"],
    ]
    group = Style(bold=True, italic=True)
    head_wrap = replace(HEAD, wrap=True)
    sheets = [
        SheetSpec("Thống kê", stats, row_styles={0: BOLD, 3: HEAD}),
        SheetSpec(
            "Danh sách hồ sơ",
            grid,
            merges,
            row_styles={
                0: BOLD,
                2: BOLD,
                top: HEAD,
                top + 1: head_wrap,
                top + 2: HEAD,
                **dict.fromkeys(groups, group),
                total: BOLD,
                total + 2: BOLD,
            },
            widths={0: 5, 1: 20, 3: 40},
        ),
    ]
    props = Properties("Hệ thống một cửa điện tử", FIXED_DOC_TIME)
    write_xlsxwriter(path, sheets, constant_memory=True, properties=props)
    return out


def export_html(path: Path, rows: list[Row]) -> list[Canonical]:
    """An HTML table saved as .xls; the headers are in decomposed Unicode (NFD)."""
    header = [
        "STT",
        "Mã hồ sơ",
        (
            "Thông tin hồ sơ",
            ["Mã TTHC", "Tên TTHC", "Lĩnh vực", "Cơ quan thực hiện", "Kênh tiếp nhận"],
        ),
        ("Thời gian", ["Ngày nộp", "Ngày tiếp nhận", "Ngày hẹn trả kết quả", "Ngày xử lý xong"]),
        ("Kết quả", ["Trạng thái hồ sơ", "Số hóa hồ sơ", "Cấp kết quả điện tử"]),
        "Tổ chức/Cá nhân",
        "SĐT",
    ]
    width = len(header_names(header))
    title = [
        AGENCY,
        "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ",
        "DANH SÁCH HỒ SƠ THỦ TỤC HÀNH CHÍNH",
        f"Từ ngày {HTML.received_from:%d/%m/%Y} đến ngày {HTML.received_to:%d/%m/%Y}",
        "Ngày in: 20/03/2026",
        None,  # a blank row across the table
    ]
    top = len(title)
    header_rows, merges = two_row_header(header, top)
    grid: list[list[Cell]] = [[line] for line in title]
    grid += [[unicodedata.normalize("NFD", v) if v else v for v in r] for r in header_rows]
    merges = [Merge(r, 0, 1, width) for r in range(top)] + merges
    out = []
    for i, row in enumerate(rows, start=1):
        d, s, p = row.dossier, row.state, person(row.dossier.index)
        due = effective_due(s)
        grid.append(
            [
                i,
                row.code,
                d.proc.code,
                d.proc.name,
                d.proc.sector,
                d.proc.unit,
                CHANNEL_WORDS["html"][d.channel],
                dmy_hm(d.submitted_at),
                dmy_hm(d.received_at),
                f"{due:%d/%m/%Y} 17:00" if due else "",
                dmy_hm(s.result_at),
                status_word(row, "html"),
                "Có" if d.is_digitized else "Không",
                "Có" if s.has_e_result else "Không",
                p.name,
                p.phone,
            ]
        )
        out.append(canonical(row, has_returned=False, has_e_result=True))
    merges.append(Merge(len(grid), 0, 1, width))
    row_styles = {r: BOLD for r in range(top - 1)}
    row_styles |= {top: Style(heading=True), top + 1: Style(heading=True), len(grid): BOLD}
    grid.append([f"Tổng số: {len(rows)} hồ sơ"])
    sheet = SheetSpec("Danh sách hồ sơ", grid, merges, row_styles=row_styles)
    write_html(
        path, [sheet], lines=True, script=False, table='border="1" cellspacing="0" cellpadding="2"'
    )
    return out


def export_semicolon(path: Path, rows: list[Row]) -> list[Canonical]:
    headers = [
        "Mã hồ sơ",
        "Mã thủ tục",
        "Tên thủ tục",
        "Tên lĩnh vực",
        "Đơn vị tiếp nhận",
        "Kênh nộp",
        "Ngày nộp hồ sơ",
        "Ngày tiếp nhận",
        "Ngày hẹn trả",
        "Ngày gia hạn",
        "Ngày có kết quả",
        "Ngày trả kết quả",
        "Trạng thái",
        "Số hóa hồ sơ",
        "Cấp kết quả điện tử",
        "Họ tên",
        "Điện thoại",
        "Email",
        "CMND/CCCD",
    ]
    grid: list[list[Cell]] = [headers]
    out = []
    for row in rows:
        d, s, p = row.dossier, row.state, person(row.dossier.index)
        result = None if row.quirk == "return_only" else s.result_at
        e_result = ""
        if s.status == "finished":
            e_result = "Đã cấp" if s.has_e_result else "Chưa cấp"
        grid.append(
            [
                row.code,
                d.proc.code,
                d.proc.name,
                d.proc.sector,
                d.proc.unit,
                CHANNEL_WORDS["semicolon"][d.channel],
                dmy_hms(d.submitted_at),
                dmy_hms(d.received_at),
                dmy(s.due),
                dmy(s.extended_due),
                dmy_hms(result),
                dmy_hms(s.returned_at),
                status_word(row, "semicolon"),
                "Đã số hóa" if d.is_digitized else "Chưa số hóa",
                e_result,
                p.name,
                p.phone,
                p.email,
                p.id_number,
            ]
        )
        out.append(canonical(row, has_returned=True, has_e_result=True))
    write_csv(path, [SheetSpec("CSV", grid)], sep=";", bom=True, newline="\r\n")
    return out


def export_sync(path: Path, rows: list[Row]) -> list[Canonical]:
    # the national sync field names, without the return date (NgayTra) this portal leaves out
    headers = [h for h in NATIONAL_HEADERS if h != "NgayTra"]
    grid: list[list[Cell]] = [headers]
    out = []
    for row in rows:
        d, s, p = row.dossier, row.state, person(row.dossier.index)
        due = effective_due(s)
        grid.append(
            [
                row.code,
                d.proc.code,
                d.proc.name,
                d.proc.sector,
                d.proc.unit,
                CHANNEL_WORDS["sync"][d.channel],
                compact(d.submitted_at),
                compact(d.received_at),
                compact(datetime.combine(due, time(17, 0))) if due else "",
                compact(s.result_at),
                sync_status(row),
                "1" if d.is_digitized else "0",
                p.name,
                p.id_number,
                p.phone,
            ]
        )
        # the sync layout has no e-result column: the flag is null for these rows
        out.append(canonical(row, has_returned=False, has_e_result=False))
    write_csv(path, [SheetSpec("CSV", grid)], sep=",", newline="\n")
    return out


# --------------------------------------------------------------------------------------------
# Truth: SPEC §5 (latest export wins) and SPEC §6 (counting rules)
# --------------------------------------------------------------------------------------------


def final_states(files: dict[str, list[Canonical]]) -> dict[str, Canonical]:
    """For each dossier code, the row of the latest export; within a file, the later row."""
    exports = {e.name: e for e in (*OLDER, *LATEST)}
    best: dict[str, tuple[tuple[datetime, int], Canonical]] = {}
    owner: dict[tuple[str, datetime], str] = {}
    for name, records in files.items():
        t = exports[name].export_time
        for i, rec in enumerate(records):
            # two files with the same export time must never disagree on a dossier
            other = owner.setdefault((rec.code, t), name)
            assert other == name, f"{rec.code} in {name} and {other} at the same export time"
            key = (t, i)
            if rec.code not in best or key > best[rec.code][0]:
                best[rec.code] = (key, rec)
    return {code: rec for code, (_, rec) in sorted(best.items())}


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 6) if den else None


def figures(records: list[Canonical], start: date, end: date) -> dict[str, object]:
    """Every figure and rate of SPEC §6 for the window [start, end]."""
    c = dict.fromkeys(FIGURE_KEYS, 0)
    for rec in records:
        received = rec.received_at.date()
        if rec.status == "refused":
            c["refused"] += start <= received <= end
            continue
        f, due = rec.finished, rec.due
        withdrawn = rec.status == "withdrawn"
        new = start <= received <= end
        carried = received < start and (f is None or f >= start)
        if not (new or carried):
            continue
        if new:
            c["received_new"] += 1
            c[f"received_{rec.channel}"] += 1
            c["digitized"] += bool(rec.is_digitized)
        else:
            c["carried_over"] += 1
        c["handled"] += 1
        if f is not None and start <= f <= end:
            c["resolved"] += 1
            c["withdrawn"] += withdrawn
            c["e_result"] += bool(rec.has_e_result)
            if withdrawn or due is None or f == due:
                c["resolved_on_time"] += 1
            elif f < due:
                c["resolved_early"] += 1
            else:
                c["resolved_overdue"] += 1
        else:
            assert f is None or f > end, rec  # f < start cannot be handled
            c["pending"] += 1
            overdue = rec.status != "awaiting_supplement" and due is not None and due < end
            c["pending_overdue" if overdue else "pending_within"] += 1
    result: dict[str, object] = {"from": start.isoformat(), "to": end.isoformat(), **c}
    result["online_rate"] = _rate(c["received_online"], c["received_new"])
    result["on_time_rate"] = _rate(c["resolved_early"] + c["resolved_on_time"], c["resolved"])
    result["digitization_rate"] = _rate(c["digitized"], c["received_new"])
    result["e_result_rate"] = _rate(c["e_result"], c["resolved"])
    return result


def _check_world(world: list[Dossier], truth: dict[str, Canonical]) -> None:
    """Latest export wins must give each dossier's state on 2026-04-16."""
    assert len(truth) == len(world), (len(truth), len(world))
    for d in world:
        rec = truth[d.code]
        s = state_at(d, WORLD_END)
        expected = canonical(Row(d, s, d.code), has_returned=True, has_e_result=True)
        if d.quirk in ("status_lag", "return_only"):
            continue  # the export itself shows the quirk; the rules decide (README)
        for attr in ("status", "received_at", "due", "finished", "channel", "is_digitized"):
            assert getattr(rec, attr) == getattr(expected, attr), (d.code, attr, rec, expected)


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def main(out_dir: Path = OUT_DIR) -> dict[str, dict[str, object]]:
    """Write every sample export, expected_figures.json, personal_values.json and README.md."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    world = build_world(rng)
    rows = plan_rows(world, random.Random(SEED + 1))
    orphan = orphan_row()
    assert orphan.code not in {d.code for d in world}
    files = {
        LEGACY.name: export_legacy(out_dir / LEGACY.name, rows[LEGACY.name]),
        TITLE.name: export_title_block(out_dir / TITLE.name, rows[TITLE.name]),
        TWO_ROW.name: export_two_row(out_dir / TWO_ROW.name, rows[TWO_ROW.name], orphan),
        HTML.name: export_html(out_dir / HTML.name, rows[HTML.name]),
        SEMICOLON.name: export_semicolon(out_dir / SEMICOLON.name, rows[SEMICOLON.name]),
        SYNC.name: export_sync(out_dir / SYNC.name, rows[SYNC.name]),
    }
    truth = final_states(files)
    _check_world(world, truth)
    records = list(truth.values())
    expected = {name: figures(records, *window) for name, window in WINDOWS.items()}
    _write_json(out_dir / "expected_figures.json", expected)

    personal = set()
    for name, listed in (*rows.items(), (TWO_ROW.name, [orphan])):
        for r in listed:
            p = person(r.dossier.index)
            personal.update(getattr(p, f) for f in PERSONAL_FIELDS[name])
    _write_json(out_dir / "personal_values.json", sorted(personal))

    readme = render_readme(world, rows, orphan, files, truth, expected)
    (out_dir / "README.md").write_text(readme, encoding="utf-8")
    return expected


def _write_json(path: Path, data: object) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    path.write_text(unicodedata.normalize("NFC", text), encoding="utf-8")


# --------------------------------------------------------------------------------------------
# README
# --------------------------------------------------------------------------------------------

#: The personal columns each layout writes (Person fields).
PERSONAL_FIELDS = {
    LEGACY.name: ("name", "address"),
    TITLE.name: ("name", "phone", "address", "id_number"),
    TWO_ROW.name: ("name", "phone"),
    HTML.name: ("name", "phone"),
    SEMICOLON.name: ("name", "phone", "email", "id_number"),
    SYNC.name: ("name", "id_number", "phone"),
}

FILE_NOTES = {
    LEGACY.name: "real BIFF8 `.xls` (xlwt), the oldest export: 3-row title block with "
    "*Ngày xuất*, one-row header, real date cells, flags `X`/blank, no procedure-code column",
    TITLE.name: "`.xlsx` written by openpyxl (shared strings): 6-row title block (agency, "
    "*CỘNG HÒA…*, list title, date range, *Ngày xuất*), one-row header, real date cells, "
    "*Ngày gia hạn* and *Ngày trả kết quả* columns, footer (*Tổng cộng*, signatures)",
    TWO_ROW.name: "`.xlsx` written by xlsxwriter in constant-memory mode (inline strings): a "
    "*Thống kê* summary sheet first, the list second; two-row header with merged groups "
    "(*Thông tin hồ sơ*, *Thời gian*, *Kết quả*), STT and *Mã hồ sơ \\** spanning both rows, "
    "headers with a trailing colon, asterisk, double and surrounding spaces, upper case and a "
    "line break; a `(1) (2) …` column-number row; group rows (*Xã, phường: …*, unit names); "
    "text dates `5/3/2026 8:05`; one row with the impossible date `31/02/2026`",
    HTML.name: "an HTML table (UTF-8, `<meta charset>`) saved as `.xls`: title block as table "
    "rows with *Ngày in: 20/03/2026*, header with `rowspan`/`colspan`, header text in NFD, "
    "both a submission (*Ngày nộp*) and a reception date, text dates `dd/mm/yyyy HH:MM`",
    SEMICOLON.name: "CSV, UTF-8 with BOM, `;`, CRLF, no title block: the export time comes "
    "from the file name; dates `dd/mm/yyyy HH:MM:SS`, flag words *Đã số hóa*/*Chưa số hóa*, "
    "*Đã cấp*/*Chưa cấp*; one dossier listed twice (the later row is true); one of the two "
    "latest exports (unit *Bộ phận Một cửa xã*)",
    SYNC.name: "national sync layout: CSV, UTF-8 without BOM, `,`, field names `MaHoSo`… , "
    "channel codes 1/2/3, status codes 1–10, timestamps `yyyyMMddHHmmss`, some codes "
    "lower-case or padded with spaces, one dossier listed twice; no e-result column (the flag "
    "is null there); the other latest export (the two other units)",
}


def render_readme(
    world: list[Dossier],
    rows: dict[str, list[Row]],
    orphan: Row,
    files: dict[str, list[Canonical]],
    truth: dict[str, Canonical],
    expected: dict[str, dict[str, object]],
) -> str:
    exports = (*OLDER, *LATEST)
    winners: dict[str, int] = {}
    for e in exports:
        codes = {r.code for r in files[e.name]}
        winners[e.name] = sum(1 for code in codes if _winning_file(code, files, exports) == e.name)
    lines = [
        "# Sample exports",
        "",
        "Synthetic dossier exports of a fake commune office (*UBND xã Xuân Giang*), one per "
        "layout of SPEC §2, with overlapping date ranges and different export times, so that "
        "the same dossier appears in several files in different states. Every name, phone "
        "number, ID number, address and e-mail is fake (`personal_values.json` lists them all, "
        "for scans). Nothing here is a real export.",
        "",
        "Regenerate (deterministic: fixed seed, fixed dates, fixed workbook timestamps):",
        "",
        "```",
        ".venv/bin/python sample_exports/generate.py   # or: make samples",
        "```",
        "",
        "`tests/unit/test_sample_truth.py` checks that the generator is deterministic, that the "
        "committed `expected_figures.json` is the regenerated one and that it satisfies the "
        "identities of SPEC §6.",
        "",
        "## Files",
        "",
        "| file | export time (rule) | rows | final for | what it shows |",
        "|---|---|---|---|---|",
    ]
    for e in exports:
        n = len(rows[e.name]) + (1 if e is TWO_ROW else 0)
        lines.append(
            f"| `{e.name}` | {e.export_time:%Y-%m-%d %H:%M} ({e.export_rule}) | {n} | "
            f"{winners[e.name]} | {FILE_NOTES[e.name]} |"
        )
    lines += [
        "| `expected_figures.json` | | | | the figures of SPEC §6 the pipeline must give for the "
        "two windows below, counted by the generator on its own records |",
        "| `personal_values.json` | | | | every fake personal value written into any file |",
        "| `generate.py` | | | | the generator |",
        "",
        "*rows*: dossier rows written (with duplicates and the rejected row); *final for*: "
        "dossiers whose state counts from that file (SPEC §5). The two latest files share "
        "their export time (2026-04-16, from the file name) and list disjoint units.",
        "",
        "## Truth",
        "",
        f"{len(world)} dossiers, received {world[0].received_at:%Y-%m-%d} to "
        f"{world[-1].received_at:%Y-%m-%d}. Each dossier's state is its row in the file with "
        "the latest export time (the later row within a file); the generator checks that this "
        "is the dossier's state in its world on 2026-04-16 17:00. The row with the impossible "
        f"date (`{orphan.code}` in `{TWO_ROW.name}`) must be rejected: that dossier is in no "
        "other file, so it is in no figure. Rows of the national sync layout have no e-result "
        "column: their flag is null and counts as not issued (e_result_rate is over all "
        "resolved dossiers).",
        "",
        "| figure | period " + _window_label("period") + " | cumulative "
        f"{_window_label('cumulative')} |",
        "|---|---|---|",
    ]
    for key in (*FIGURE_KEYS, *RATE_KEYS):
        p, c = expected["period"][key], expected["cumulative"][key]
        lines.append(f"| {key} | {_fmt(p)} | {_fmt(c)} |")
    lines += [
        "",
        "## Dossiers placed on purpose",
        "",
        "| dossier | files | what it shows |",
        "|---|---|---|",
    ]
    for d in world:
        if d.case:
            lines.append(f"| `{d.code}` | {_files_of(d.code, rows)} | {d.case} |")
    lines.append(f"| `{orphan.code}` | {TWO_ROW.name} | {orphan.dossier.case} |")
    variants = [r.code for r in rows[SYNC.name] if r.code != r.code.strip().upper()]
    lines += [
        "",
        "Codes written lower-case or padded in the national sync (same dossiers as in older "
        "files): " + ", ".join(f"`{c!r}`" for c in variants) + ".",
        "",
        f"Dossiers in three or more files: {_count_multi(rows)}; of them, shown with two or "
        f"more status classes: {_count_multi(rows, states=2)}, with three: "
        f"{_count_multi(rows, states=3)}.",
        "",
    ]
    return "\n".join(lines)


def _winning_file(code: str, files: dict[str, list[Canonical]], exports: tuple) -> str:
    best = None
    for e in exports:
        for i, rec in enumerate(files[e.name]):
            if rec.code == code and (best is None or (e.export_time, i) > best[0]):
                best = ((e.export_time, i), e.name)
    return best[1]


def _files_of(code: str, rows: dict[str, list[Row]]) -> str:
    names = [name for name, listed in rows.items() if any(r.dossier.code == code for r in listed)]
    return ", ".join(names)


def _count_multi(rows: dict[str, list[Row]], states: int = 1) -> int:
    """Dossiers listed in three or more files, showing at least ``states`` status classes."""
    files: dict[str, set] = {}
    seen: dict[str, set] = {}
    for name, listed in rows.items():
        for r in listed:
            files.setdefault(r.dossier.code, set()).add(name)
            seen.setdefault(r.dossier.code, set()).add(r.state.status)
    return sum(1 for code in files if len(files[code]) >= 3 and len(seen[code]) >= states)


def _window_label(name: str) -> str:
    start, end = WINDOWS[name]
    return f"{start:%Y-%m-%d}..{end:%Y-%m-%d}"


def _fmt(v: object) -> str:
    return "null" if v is None else str(v)


if __name__ == "__main__":
    figures_ = main()
    print(json.dumps(figures_, ensure_ascii=False, indent=1))
