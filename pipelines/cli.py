"""The ``hoso`` command: thin verbs over the library. Messages for people are Vietnamese.

hoso run       chạy toàn bộ: đọc tệp xuất → nạp → tính chỉ số → kiểm tra → công bố
hoso check     đọc thử tệp (không nạp): trình đọc, trang tính, ánh xạ tiêu đề, số dòng
hoso periods   liệt kê các kỳ báo cáo chuẩn của một năm
hoso status    các lần chạy gần nhất và số liệu đã công bố
hoso serve     chạy theo lịch hằng đêm (Prefect), có giao diện web
hoso doi-chieu đối chiếu biểu số 06 của hệ thống với số liệu hoso, từng ô
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipelines.settings import Settings

EXIT_NOT_PUBLISHED = 1
EXIT_USAGE = 2


def _quiet_environment(*, quiet_logs: bool = True) -> None:
    """Offline-friendly defaults for Prefect and Great Expectations (before they import).

    ``quiet_logs``: the terminal shows hoso's own summary, so Prefect's INFO lines are hidden
    for ``hoso run``; served runs keep them (they are what the Prefect UI shows).
    """
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    # two runs started together on a busy 2-core machine need more than Prefect's 20 s
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    if quiet_logs:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' không phải ngày dạng YYYY-MM-DD (ví dụ 2026-04-16)."
        ) from None


def _say(text: str = "") -> None:
    print(text, flush=True)


def _fail(text: str, code: int = EXIT_USAGE) -> int:
    print(f"LỖI: {text}", file=sys.stderr, flush=True)
    return code


# --- run -----------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    """Run the whole flow once and print the figures."""
    from pipelines.periods import PeriodError, parse_period
    from pipelines.settings import SettingsError, load_settings

    if args.period and (args.date_from or args.date_to):
        return _fail("Dùng --period hoặc --from/--to, không dùng cả hai.")
    if bool(args.date_from) != bool(args.date_to):
        return _fail("Cần cả --from và --to (hoặc dùng --period, ví dụ --period 2026-04).")
    start, end = args.date_from, args.date_to
    if args.period:
        try:
            chosen = parse_period(args.period)
        except PeriodError as exc:
            return _fail(str(exc))
        start, end = chosen.from_date, chosen.to_date
    if start and end and start > end:
        return _fail("--from phải trước hoặc bằng --to.")
    try:
        settings = load_settings(args.config)
    except SettingsError as exc:
        return _fail(str(exc))

    from pipelines.lock import LockTimeout, writer_lock

    database = Path(args.db) if args.db else settings.database
    try:
        with writer_lock(database, settings.lock_timeout_seconds, on_wait=_say_waiting):
            return _run_locked(args, settings, start, end)
    except LockTimeout as exc:
        return _fail(str(exc))


def _say_waiting() -> None:
    _say("Một lần chạy khác đang ghi cơ sở dữ liệu; đang chờ lần chạy đó kết thúc…")


def _run_locked(
    args: argparse.Namespace, settings: Settings, start: date | None, end: date | None
) -> int:
    """The flow, while this process holds the database's writer lock."""
    from pipelines.settings import SettingsError

    _quiet_environment()
    from prefect.task_runners import ThreadPoolTaskRunner

    from pipelines import progress
    from pipelines.flows import hoso_flow
    from pipelines.report_text import print_run

    if sys.stderr.isatty():
        progress.use(progress.TerminalProgress())
    workers = settings.workers or max(1, os.cpu_count() or 1)
    flow = hoso_flow.with_options(task_runner=ThreadPoolTaskRunner(max_workers=workers))
    try:
        result = flow(
            exports=str(args.exports) if args.exports else None,
            database=str(args.db) if args.db else None,
            output=str(args.out) if args.out else None,
            period_from=start,
            period_to=end,
            since=args.since,
            config=str(args.config) if args.config else None,
            take_lock=False,
        )
    except (SettingsError, FileNotFoundError) as exc:
        progress.stop()
        return _fail(str(exc))
    except Exception as exc:
        progress.stop()
        return _fail(
            f"Lần chạy dừng vì lỗi không mong đợi: {type(exc).__name__}: {exc}. Không có số "
            "liệu mới nào được công bố; số liệu đã công bố trước đây được giữ nguyên. Hãy chạy "
            "lại; nếu lỗi lặp lại, gửi nội dung này cho người phụ trách kỹ thuật.",
            EXIT_NOT_PUBLISHED,
        )
    progress.stop()
    print_run(result)
    return int(result["exit_code"])


# --- check ---------------------------------------------------------------------------------


def cmd_check(args: argparse.Namespace) -> int:
    """Read files without loading them and say what hoso understood."""
    from pipelines.ingest import Refusal, read_one
    from pipelines.settings import SettingsError, load_settings

    try:
        vocab = load_settings(args.config).vocabulary()
    except SettingsError as exc:
        return _fail(str(exc))
    worst = 0
    for path in args.files:
        _say(f"== {path}")
        if not path.is_file():
            _say("   Không tìm thấy tệp.")
            worst = EXIT_USAGE
            continue
        outcome = read_one(path, vocab, frozenset())
        if isinstance(outcome, Refusal):
            _say(f"   BỊ TỪ CHỐI: {outcome.reason}")
            worst = max(worst, 3)
            continue
        _say(f"   Loại tệp: {outcome.kind}; trang tính: {outcome.sheet}")
        if outcome.ignored_sheets:
            _say(f"   Trang tính bỏ qua: {', '.join(outcome.ignored_sheets)}")
        _say(
            f"   Thời điểm xuất: {outcome.export_at:%d/%m/%Y %H:%M} "
            f"(theo {_RULE_LABELS[outcome.export_time_rule]})"
        )
        _say(f"   Dòng tiêu đề: {outcome.header_rows}")
        for column, header in outcome.columns.items():
            _say(f"     {header!s:<32} → {column}")
        if outcome.personal_columns:
            _say(f"   Cột dữ liệu cá nhân bị loại bỏ: {outcome.personal_columns}")
        if outcome.ignored_headers:
            _say(f"   Tiêu đề không dùng: {', '.join(outcome.ignored_headers)}")
        _say(
            f"   Dòng đọc: {outcome.rows_read} = hồ sơ {outcome.rows.num_rows} "
            f"+ bỏ qua {outcome.rows_skipped} (giá trị được kiểm tra khi nạp: hoso run)"
        )
    return worst


_RULE_LABELS = {
    "title_block": "dòng tiêu đề trong tệp",
    "file_name": "ngày trong tên tệp",
    "file_mtime": "thời gian sửa tệp",
}


# --- periods -------------------------------------------------------------------------------


def cmd_periods(args: argparse.Namespace) -> int:
    """List the standard periods of a year."""
    from pipelines.periods import periods_of_year

    year = args.year or date.today().year
    _say(f"{'Tên (--period)':<16} {'Kỳ':<34} Từ ngày     Đến ngày")
    for p in periods_of_year(year):
        _say(f"{p.name:<16} {p.label:<34} {p.from_date:%d/%m/%Y}  {p.to_date:%d/%m/%Y}")
    return 0


# --- status --------------------------------------------------------------------------------


def cmd_status(args: argparse.Namespace) -> int:
    """The last runs and the figures published last."""
    from pipelines.report_text import print_status
    from pipelines.settings import SettingsError, load_settings

    try:
        settings = load_settings(args.config)
    except SettingsError as exc:
        return _fail(str(exc))
    database = Path(args.db) if args.db else settings.database
    if not database.exists():
        return _fail(f"Chưa có cơ sở dữ liệu {database}: hãy chạy 'hoso run' trước.")
    from pipelines.lock import LockTimeout, writer_lock

    try:
        with writer_lock(database, min(30.0, settings.lock_timeout_seconds)):
            return print_status(database, limit=args.limit)
    except LockTimeout:
        return _fail(
            "Một lần chạy đang ghi cơ sở dữ liệu nên chưa xem được trạng thái. "
            "Hãy thử lại sau ít phút."
        )


# --- serve ---------------------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the flow on its nightly schedule (Prefect deployment)."""
    from pipelines.settings import SettingsError, load_settings

    try:
        settings = load_settings(args.config)
    except SettingsError as exc:
        return _fail(str(exc))
    _quiet_environment(quiet_logs=False)
    from pipelines.serve import serve

    return serve(settings, config=args.config, cron=args.cron, port=args.port)


# --- doi-chieu ------------------------------------------------------------------------------

EXIT_DIFFER = 4


def cmd_doi_chieu(args: argparse.Namespace) -> int:
    """Reconcile a system's form 06 with hoso's figures: 0 agree, 4 differ, 2 not a form 06."""
    from pipelines.periods import PeriodError, parse_period
    from pipelines.settings import SettingsError, load_settings

    if args.period and (args.date_from or args.date_to):
        return _fail("Dùng --period hoặc --from/--to, không dùng cả hai.")
    if bool(args.date_from) != bool(args.date_to):
        return _fail("Cần cả --from và --to (hoặc dùng --period, ví dụ --period 2026-04).")
    asked = (args.date_from, args.date_to) if args.date_from else None
    if args.period:
        try:
            chosen = parse_period(args.period)
        except PeriodError as exc:
            return _fail(str(exc))
        asked = (chosen.from_date, chosen.to_date)
    if asked and asked[0] > asked[1]:
        return _fail("--from phải trước hoặc bằng --to.")
    if not args.file.is_file():
        return _fail(f"Không tìm thấy tệp {args.file}.")
    try:
        settings = load_settings(args.config)
    except SettingsError as exc:
        return _fail(str(exc))

    from pipelines.reconcile import OUTPUT_NAME, HosoDataError, NotForm06, reconcile
    from pipelines.reconcile.output import summary_lines, write_reconciliation

    database = Path(args.db) if args.db else settings.database
    try:
        result = reconcile(args.file, database, asked)
    except NotForm06 as exc:
        return _fail(f"{args.file.name}: {exc}")
    except HosoDataError as exc:
        return _fail(str(exc))
    except Exception as exc:
        return _fail(
            f"Đối chiếu dừng vì lỗi không mong đợi: {type(exc).__name__}: {exc}. Hãy gửi nội "
            "dung này cho người phụ trách kỹ thuật.",
            EXIT_NOT_PUBLISHED,
        )
    target = (args.out or Path.cwd()) / OUTPUT_NAME
    for line in summary_lines(result):
        _say(line)
    try:
        write_reconciliation(result, target)
    except OSError as exc:
        _say()
        _fail(
            f"Không ghi được {target} ({exc.strerror or exc}). Nếu tệp đang mở trong Excel, "
            "hãy đóng lại rồi chạy lại."
        )
    else:
        _say()
        _say(f"Đã ghi bảng đối chiếu: {target}")
    if result.agrees:
        _say("Kết luận: biểu của hệ thống KHỚP với số liệu hoso.")
        return 0
    _say("Kết luận: biểu của hệ thống CHÊNH LỆCH với số liệu hoso (mã thoát 4).")
    return EXIT_DIFFER


# --- parser --------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hoso",
        description=(
            "hoso: tính các chỉ số báo cáo giải quyết thủ tục hành chính từ tệp Excel xuất "
            "từ hệ thống một cửa / Cổng dịch vụ công."
        ),
    )
    parser.add_argument(
        "--config", type=Path, default=None, help="tệp cấu hình (mặc định: ./hoso.toml nếu có)"
    )
    sub = parser.add_subparsers(dest="command", metavar="LỆNH")

    run = sub.add_parser(
        "run",
        help="chạy toàn bộ và công bố số liệu",
        description="Đọc tệp xuất → nạp vào DuckDB → tính chỉ số → kiểm tra → công bố. "
        "Mã thoát: 0 đã công bố; 1 kiểm tra không đạt (không công bố); 2 sai cách dùng "
        "hoặc cấu hình; 3 đã công bố nhưng có tệp bị từ chối.",
    )
    run.add_argument("--exports", type=Path, help="thư mục chứa các tệp xuất")
    run.add_argument("--from", dest="date_from", type=_iso_date, help="đầu kỳ báo cáo YYYY-MM-DD")
    run.add_argument("--to", dest="date_to", type=_iso_date, help="cuối kỳ báo cáo YYYY-MM-DD")
    run.add_argument(
        "--period", help="kỳ chuẩn thay cho --from/--to: 2026-04, 2026-Q1, 2026-H1, 2026 …"
    )
    run.add_argument("--since", type=_iso_date, help="đầu lũy kế (mặc định 2025-07-01)")
    run.add_argument("--db", type=Path, help="tệp cơ sở dữ liệu DuckDB")
    run.add_argument("--out", type=Path, help="thư mục công bố kết quả")
    run.set_defaults(func=cmd_run)

    check = sub.add_parser(
        "check",
        help="đọc thử tệp xuất, không nạp",
        description="Đọc tệp mà không nạp: loại tệp, trang tính, ánh xạ tiêu đề, thời điểm "
        "xuất, số dòng. Dùng khi gặp một mẫu tệp xuất mới.",
    )
    check.add_argument("files", type=Path, nargs="+", help="các tệp cần đọc thử")
    check.set_defaults(func=cmd_check)

    per = sub.add_parser("periods", help="liệt kê các kỳ báo cáo chuẩn của một năm")
    per.add_argument("--year", type=int, help="năm (mặc định: năm nay)")
    per.set_defaults(func=cmd_periods)

    status = sub.add_parser("status", help="các lần chạy gần nhất và số liệu đã công bố")
    status.add_argument("--db", type=Path, help="tệp cơ sở dữ liệu DuckDB")
    status.add_argument("--limit", type=int, default=5, help="số lần chạy hiển thị")
    status.set_defaults(func=cmd_status)

    serve = sub.add_parser(
        "serve",
        help="chạy tự động hằng đêm theo lịch (Prefect)",
        description="Khởi động máy chủ Prefect trên 127.0.0.1 (nếu chưa cấu hình) và phục vụ "
        "luồng hoso theo lịch cron trong hoso.toml. Dừng bằng Ctrl+C.",
    )
    serve.add_argument("--cron", help="ghi đè lịch cron, ví dụ '0 2 * * *'")
    serve.add_argument("--port", type=int, default=4200, help="cổng của giao diện Prefect")
    serve.set_defaults(func=cmd_serve)

    rec = sub.add_parser(
        "doi-chieu",
        help="đối chiếu biểu số 06 của hệ thống với số liệu hoso, từng ô",
        description="Đọc biểu số 06/VPCP/KSTT tải từ hệ thống (xlsx, xls hoặc HTML), so từng "
        "ô với số liệu hoso cùng kỳ, liệt kê các hồ sơ đứng sau mỗi ô chênh lệch và nguyên "
        "nhân thường gặp; ghi doi-chieu.xlsx. Kỳ lấy từ tiêu đề biểu nếu không chỉ rõ. "
        "Mã thoát: 0 khớp; 4 có chênh lệch; 2 tệp không phải biểu 06 hoặc sai cách dùng.",
    )
    rec.add_argument("file", type=Path, help="tệp biểu số 06 tải từ hệ thống")
    rec.add_argument("--from", dest="date_from", type=_iso_date, help="đầu kỳ YYYY-MM-DD")
    rec.add_argument("--to", dest="date_to", type=_iso_date, help="cuối kỳ YYYY-MM-DD")
    rec.add_argument("--period", help="kỳ chuẩn thay cho --from/--to: 2026-04, 2026-Q1 …")
    rec.add_argument("--db", type=Path, help="tệp cơ sở dữ liệu DuckDB")
    rec.add_argument(
        "--out", type=Path, help="thư mục ghi doi-chieu.xlsx (mặc định: thư mục hiện tại)"
    )
    rec.set_defaults(func=cmd_doi_chieu)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hoso`` console script."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
