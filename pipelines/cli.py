"""The ``hoso`` command: thin verbs over the library. Messages for people are Vietnamese.

hoso run       chạy toàn bộ: đọc tệp xuất → nạp → tính chỉ số → kiểm tra → công bố
hoso check     đọc thử tệp (không nạp): trình đọc, trang tính, ánh xạ tiêu đề, số dòng
hoso periods   liệt kê các kỳ báo cáo chuẩn của một năm
hoso status    các lần chạy gần nhất và số liệu đã công bố
hoso files     các tệp đã nạp (đường dẫn, mã băm, thời điểm xuất, số dòng, lần chạy)
hoso forget    bỏ một tệp đã nạp nhầm; lần chạy sau tính lại như chưa từng nạp
hoso serve     chạy theo lịch hằng đêm (Prefect), có giao diện web
hoso doi-chieu đối chiếu biểu số 06 của hệ thống với số liệu hoso, từng ô
"""

from __future__ import annotations

import argparse
import atexit
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.summary import (
    EXIT_BROKEN_PIPE,
    EXIT_DIFFER,
    EXIT_INTERRUPTED,
    EXIT_NOT_PUBLISHED,
    EXIT_PUBLISHED,
    EXIT_USAGE,
)

if TYPE_CHECKING:
    from pipelines.settings import Settings

#: Where an unexpected error's traceback goes: this file in the database's folder.
ERROR_LOG_NAME = "hoso-loi.log"


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
        # hoso run prints every warning itself (report_text); Prefect's own lines would only
        # add its ERROR line with a Python traceback when the flow fails (logged to a file)
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "CRITICAL")


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
        settings = load_settings(args.config).override(
            exports=args.exports, database=args.db, output=args.out, since=args.since
        )
    except SettingsError as exc:
        return _fail(str(exc))
    problem = preflight(settings)
    if problem:
        return _fail(problem)
    _progress_line("Đang khởi động…")
    problem = no_exports_problem(settings)
    if problem:
        return _fail(problem)

    from pipelines.lock import LockTimeout, writer_lock

    try:
        with writer_lock(settings.database, settings.lock_timeout_seconds, on_wait=_say_waiting):
            # the database is read only under the lock: a reader opened while another run
            # opens it for writing would make that run fail
            problem = no_exports_problem(settings, check_database=True)
            if problem:
                return _fail(problem)
            return _run_locked(args, settings, start, end)
    except LockTimeout as exc:
        return _fail(str(exc))


def _nearest_existing(path: Path) -> Path:
    """``path`` itself or its closest ancestor that exists."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path.cwd()


def _writable_place(path: Path, what: str, option: str, key: str, *, is_dir: bool) -> str | None:
    """Why ``path`` (a folder or file hoso creates) cannot be written, or None. Creates nothing."""
    path = path.resolve()
    if path.exists():
        if is_dir and not path.is_dir():
            return f"{what} '{path}' là một tệp, không phải thư mục. Hãy sửa {option} hoặc {key}."
        if not is_dir and path.is_dir():
            return f"{what} '{path}' là một thư mục, cần một tệp. Hãy sửa {option} hoặc {key}."
    base = _nearest_existing(path if is_dir else path.parent)
    if not base.is_dir():
        return (
            f"Không tạo được {what.lower()} '{path}': '{base}' là một tệp. "
            f"Hãy sửa {option} hoặc {key}."
        )
    if not os.access(base, os.W_OK):
        return (
            f"Không có quyền ghi vào '{base}' ({what.lower()} {path}). Hãy chọn thư mục khác "
            f"bằng {option} (hoặc {key} trong hoso.toml), hoặc cấp quyền ghi cho thư mục đó."
        )
    return None


def preflight(settings: Settings) -> str | None:
    """Usage and environment problems found before anything starts (Prefect, the lock, the
    database): the message that says what to do, or None. Creates nothing."""
    exports = settings.exports
    if not exports.is_dir():
        kind = "là một tệp, không phải thư mục" if exports.exists() else "không tồn tại"
        return (
            f"Thư mục tệp xuất '{exports}' {kind}. Hãy tạo thư mục đó và chép các tệp xuất "
            "vào, hoặc chỉ đúng thư mục bằng --exports (hoặc khóa exports trong hoso.toml)."
        )
    return (
        _not_a_database(settings.database)
        or _writable_place(
            settings.database, "Tệp cơ sở dữ liệu", "--db", "khóa database", is_dir=False
        )
        or _writable_place(settings.output, "Thư mục công bố", "--out", "khóa output", is_dir=True)
    )


#: DuckDB files carry this magic at byte 8.
_DUCKDB_MAGIC = b"DUCK"


def _not_a_database(database: Path) -> str | None:
    """Why ``database`` is an existing file that is not a DuckDB database, or None."""
    if not database.is_file() or database.stat().st_size == 0:
        return None
    try:
        with database.open("rb") as f:
            head = f.read(12)
    except OSError as exc:
        return f"Không mở được tệp cơ sở dữ liệu '{database}' ({exc.strerror})."
    if head[8:12] == _DUCKDB_MAGIC:
        return None
    return (
        f"Tệp '{database}' không phải cơ sở dữ liệu của hoso (DuckDB). Hãy chỉ đúng tệp bằng "
        "--db (hoặc khóa database trong hoso.toml), hoặc đổi tên tệp đó để hoso tạo tệp mới."
    )


def no_exports_problem(settings: Settings, *, check_database: bool = False) -> str | None:
    """The message when the exports folder holds no export and nothing was loaded before (a
    report of zeros for a period nobody asked for would be silently wrong), else None.

    Without ``check_database`` an existing database counts as "loaded before" (it is opened
    only with ``check_database``, under the writer lock)."""
    from pipelines.ingest import discover

    try:
        paths, ignored = discover(settings.exports)
    except FileNotFoundError as exc:
        return str(exc)
    if paths:
        return None
    if settings.database.is_file() and (
        not check_database or _files_loaded_before(settings.database)
    ):
        return None
    others = f" (có {len(ignored)} tệp khác, không phải tệp xuất)" if ignored else ""
    return (
        f"Không tìm thấy tệp xuất nào trong thư mục '{settings.exports}'{others} và cơ sở dữ "
        "liệu chưa có tệp nào: không có gì để tính, không công bố gì. Hãy chép các tệp xuất "
        "(.xlsx, .xls, .csv, .html) từ hệ thống một cửa vào thư mục đó rồi chạy lại."
    )


def _files_loaded_before(database: Path) -> bool:
    """Whether the database holds loaded files (read under the writer lock). True when it
    cannot be read: the flow then decides."""
    import duckdb

    try:
        con = duckdb.connect(str(database), read_only=True)
    except duckdb.Error:
        return True
    try:
        return bool(con.execute("select count(*) from files").fetchall()[0][0])
    except duckdb.Error:
        return False
    finally:
        con.close()


def _progress_line(text: str) -> None:
    """A progress line on stderr (stdout keeps the results)."""
    print(text, file=sys.stderr, flush=True)


def _say_waiting() -> None:
    _say("Một lần chạy khác đang ghi cơ sở dữ liệu; đang chờ lần chạy đó kết thúc…")


def _run_locked(
    args: argparse.Namespace, settings: Settings, start: date | None, end: date | None
) -> int:
    """The flow, while this process holds the database's writer lock."""
    from pipelines.settings import SettingsError

    _quiet_environment()
    api_url, temporary = _choose_prefect_api(settings)
    from pipelines import progress
    from pipelines.flows import hoso_flow
    from pipelines.report_text import print_run

    if sys.stderr.isatty():
        progress.use(progress.TerminalProgress())
    else:
        progress.use(progress.LineProgress())
    try:
        if temporary is not None:
            temporary()
        with _flow_settings(api_url, temporary=temporary is not None):
            result = hoso_flow(
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
        return _fail(str(exc))
    except Exception as exc:
        log = log_unexpected(exc, settings.database)
        return _fail(
            f"Lần chạy dừng vì lỗi không mong đợi ({type(exc).__name__}). Không có số liệu mới "
            "nào được công bố; số liệu đã công bố trước đây được giữ nguyên. Chi tiết kỹ thuật "
            f"đã ghi vào {log}. Hãy chạy lại; nếu lỗi lặp lại, gửi tệp đó cho người phụ trách "
            "kỹ thuật.",
            EXIT_NOT_PUBLISHED,
        )
    finally:
        progress.stop()
        progress.use(None)
    print_run(result)
    return int(result["exit_code"])


def _choose_prefect_api(settings: Settings) -> tuple[str | None, Callable[[], None] | None]:
    """The Prefect API of this run: PREFECT_API_URL when configured (nothing to change), else
    the API of a ``hoso serve`` running on this database, else a temporary server. The
    temporary server is started now, in the background, so that its start (a process that
    boots Prefect's server, ~5 s) overlaps the imports of the flow's libraries in this one;
    the second item waits until it answers (and raises what its start raised)."""
    from prefect.settings import get_current_settings

    if get_current_settings().api.url:
        return None, None
    from pipelines.serve import running_api_url, ui_url_of

    url = running_api_url(settings)
    if url:
        _progress_line(f"Dùng máy chủ Prefect của 'hoso serve' tại {ui_url_of(url)}.")
        return url, None
    _progress_line("Khởi động Prefect (máy chủ tạm thời, khoảng 10 giây)…")
    return None, _start_temporary_server()


def _start_temporary_server() -> Callable[[], None]:
    """Start Prefect's temporary server (the one its client would start on first use) in a
    thread; the returned function joins it. Prefect stops the server at exit."""
    import threading

    from prefect.server.api.server import SubprocessASGIServer

    failure: list[BaseException] = []

    def start() -> None:
        try:
            SubprocessASGIServer().start()
        except BaseException as exc:  # handed to the main thread by wait()
            failure.append(exc)

    thread = threading.Thread(target=start, name="hoso-prefect-server", daemon=True)
    thread.start()

    def wait() -> None:
        thread.join()
        if failure:
            raise failure[0]

    return wait


@contextmanager
def _flow_settings(api_url: str | None, *, temporary: bool) -> Iterator[None]:
    """Prefect settings of the flow call: the chosen API; no heartbeat thread on a temporary
    server (nobody watches it, it dies with this process, and the engine waits up to 1 s for
    the thread when the flow ends). Runs on a real server keep their heartbeats."""
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        temporary_settings,
    )

    updates: dict[Any, Any] = {}
    if api_url:
        updates[PREFECT_API_URL] = api_url
    if temporary:
        updates[PREFECT_FLOWS_HEARTBEAT_FREQUENCY] = None
    with temporary_settings(updates=updates):
        yield


def log_unexpected(exc: BaseException, database: Path | None) -> Path:
    """Append ``exc``'s traceback to ``hoso-loi.log`` in the database's folder (or the temporary
    folder when that cannot be written); the path, for the message."""
    import tempfile

    text = "".join(traceback.format_exception(exc))
    stamp = f"=== {datetime.now():%Y-%m-%d %H:%M:%S} hoso {' '.join(sys.argv[1:])}\n"
    folders = [Path(database).resolve().parent] if database else []
    for folder in [*folders, Path(tempfile.gettempdir())]:
        path = folder / ERROR_LOG_NAME
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as f:
                f.write(stamp + text + "\n")
        except OSError:
            continue
        return path
    return Path(tempfile.gettempdir()) / ERROR_LOG_NAME


# --- check ---------------------------------------------------------------------------------


def cmd_check(args: argparse.Namespace) -> int:
    """Read files without loading them and say what hoso understood."""
    from pipelines.ingest import Refusal, read_one
    from pipelines.labels import column_label
    from pipelines.read import is_candidate
    from pipelines.settings import SettingsError, load_settings

    try:
        vocab = load_settings(args.config).vocabulary()
    except SettingsError as exc:
        return _fail(str(exc))
    worst = EXIT_PUBLISHED
    for path in args.files:
        _say(f"== {path}")
        if not path.is_file():
            _say("   Không tìm thấy tệp.")
            worst = EXIT_USAGE
            continue
        if not is_candidate(path):
            _say(
                "   Không phải tệp xuất, bỏ qua (hoso chỉ đọc .xlsx, .xlsm, .xls, .csv, .html; "
                "'hoso run' cũng bỏ qua tệp này)."
            )
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
        _say(
            f"   Số dòng tiêu đề cột: {outcome.header_rows} (không kể khối tiêu đề phía trên "
            "bảng: tên cơ quan, tên danh sách, ngày xuất)"
        )
        _say("   Cột trong tệp → cột hoso dùng:")
        for column, header in outcome.columns.items():
            _say(f"     {header!s:<32} → {column_label(column)} ({column})")
        if outcome.personal_columns:
            _say(f"   Số cột dữ liệu cá nhân bị loại bỏ: {outcome.personal_columns}")
        if outcome.ignored_headers:
            _say(f"   Tiêu đề không dùng: {', '.join(outcome.ignored_headers)}")
        _say(
            f"   Dòng đọc: {outcome.rows_read} = hồ sơ {outcome.rows.num_rows} "
            f"+ bỏ qua {outcome.rows_skipped} (giá trị được kiểm tra khi nạp: hoso run)"
        )
    return worst


_RULE_LABELS = {
    "title_block": "khối tiêu đề trong tệp",
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
    return EXIT_PUBLISHED


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


# --- files, forget -------------------------------------------------------------------------


def _database_of(args: argparse.Namespace) -> Path | int:
    """The database of ``--db`` or the configuration; an exit code when there is none."""
    from pipelines.settings import SettingsError, load_settings

    try:
        settings = load_settings(args.config)
    except SettingsError as exc:
        return _fail(str(exc))
    database = Path(args.db) if args.db else settings.database
    if not database.exists():
        return _fail(f"Chưa có cơ sở dữ liệu {database}: hãy chạy 'hoso run' trước.")
    args.lock_timeout = min(30.0, settings.lock_timeout_seconds)
    return database


def cmd_files(args: argparse.Namespace) -> int:
    """List the loaded files: path, hash prefix, export time and rule, rows, runs."""
    database = _database_of(args)
    if isinstance(database, int):
        return database
    from pipelines import db
    from pipelines.inventory import RULE_LABELS, loaded_files
    from pipelines.lock import LockTimeout, writer_lock

    try:
        with writer_lock(database, args.lock_timeout):
            con = db.connect(database)
            try:
                files = loaded_files(con)
            finally:
                con.close()
    except LockTimeout:
        return _fail("Một lần chạy đang ghi cơ sở dữ liệu. Hãy thử lại sau ít phút.")
    _say(f"{len(files)} tệp đã nạp trong {database}:")
    for f in files:
        runs = ", ".join(f.runs) or "—"
        _say(
            f"  {f.file_name}  [{f.file_hash[:12]}]  xuất lúc {f.export_at:%d/%m/%Y %H:%M} "
            f"(theo {RULE_LABELS.get(f.export_time_rule, f.export_time_rule)}); "
            f"nạp {f.rows_loaded} dòng; lần chạy: {runs}"
        )
    _say(
        "Tệp đã nạp vẫn được tính dù đã rời thư mục tệp xuất; bỏ tệp nạp nhầm bằng "
        "'hoso forget TỆP|MÃ_BĂM'."
    )
    return EXIT_PUBLISHED


def cmd_forget(args: argparse.Namespace) -> int:
    """Remove loaded files (by relative path or hash prefix) in one transaction."""
    database = _database_of(args)
    if isinstance(database, int):
        return database
    from pipelines import db
    from pipelines.inventory import ForgetError, forget
    from pipelines.lock import LockTimeout, writer_lock

    try:
        with writer_lock(database, args.lock_timeout):
            con = db.connect(database)
            try:
                removed = forget(con, args.keys)
            finally:
                con.close()
    except LockTimeout:
        return _fail("Một lần chạy đang ghi cơ sở dữ liệu. Hãy thử lại sau ít phút.")
    except ForgetError as exc:
        return _fail(str(exc))
    for f in removed:
        _say(f"Đã bỏ tệp {f.file_name} [{f.file_hash[:12]}] ({f.rows_loaded} dòng).")
    _say(
        "Lần chạy sau sẽ tính lại số liệu như chưa từng nạp các tệp này. Nếu tệp vẫn còn "
        "trong thư mục tệp xuất, hãy chuyển nó ra chỗ khác trước, nếu không nó sẽ được nạp lại."
    )
    return EXIT_PUBLISHED


# --- serve ---------------------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the flow on its nightly schedule (Prefect deployment)."""
    from pipelines.settings import SettingsError, load_settings

    try:
        settings = load_settings(args.config)
    except SettingsError as exc:
        return _fail(str(exc))
    if not 0 < args.port < 65536:
        return _fail(f"Cổng {args.port} không hợp lệ: cần một số từ 1 đến 65535, ví dụ 4200.")
    _quiet_environment(quiet_logs=False)
    from pipelines.serve import serve

    return serve(settings, config=args.config, cron=args.cron, port=args.port, host=args.host)


# --- doi-chieu ------------------------------------------------------------------------------


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
        log = log_unexpected(exc, database)
        return _fail(
            f"Đối chiếu dừng vì lỗi không mong đợi ({type(exc).__name__}). Chi tiết kỹ thuật đã "
            f"ghi vào {log}; hãy gửi tệp đó cho người phụ trách kỹ thuật.",
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
        return EXIT_PUBLISHED
    _say("Kết luận: biểu của hệ thống CHÊNH LỆCH với số liệu hoso (mã thoát 4).")
    return EXIT_DIFFER


# --- parser: argparse in Vietnamese ----------------------------------------------------------

#: argparse's own messages (its gettext msgids) in Vietnamese. Applied by VietnameseParser to
#: every parser and subparser, so a command added later speaks Vietnamese too.
ARGPARSE_VI: dict[str, str] = {
    "usage: ": "Cách dùng: ",
    "options": "tùy chọn",
    "positional arguments": "tham số",
    "show this help message and exit": "hiện hướng dẫn này rồi thoát",
    "show program's version number and exit": "hiện phiên bản rồi thoát",
    "%(prog)s: error: %(message)s\n": "%(prog)s: lỗi: %(message)s\n",
    "argument %(argument_name)s: %(message)s": "tham số %(argument_name)s: %(message)s",
    "unrecognized arguments: %s": "không hiểu các tham số: %s (xem --help)",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "lựa chọn không hợp lệ: %(value)r (chọn một trong: %(choices)s)"
    ),
    "the following arguments are required: %s": "thiếu tham số bắt buộc: %s",
    "one of the arguments %s is required": "cần một trong các tham số %s",
    "expected one argument": "cần một giá trị",
    "expected at most one argument": "cần nhiều nhất một giá trị",
    "expected at least one argument": "cần ít nhất một giá trị",
    "expected %s argument": "cần %s giá trị",
    "expected %s arguments": "cần %s giá trị",
    "not allowed with argument %s": "không dùng cùng tham số %s",
    "ignored explicit argument %r": "bỏ qua giá trị %r",
    "ambiguous option: %(option)s could match %(matches)s": (
        "tùy chọn %(option)s không rõ: có thể là %(matches)s"
    ),
    "unexpected option string: %s": "tùy chọn không mong đợi: %s",
    "invalid %(type)s value: %(value)r": "giá trị không hợp lệ (cần %(type)s): %(value)r",
    "can't open '%(filename)s': %(error)s": "không mở được '%(filename)s': %(error)s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": (
        "lệnh %(parser_name)r không có (các lệnh: %(choices)s)"
    ),
}
#: Type names in "invalid %(type)s value".
_TYPE_NAMES_VI = {"int": "số nguyên", "float": "số", "str": "chuỗi"}


def _translate(message: str) -> str:
    return ARGPARSE_VI.get(message, message)


def _ntranslate(singular: str, plural: str, n: int) -> str:
    return _translate(singular if n == 1 else plural)


@contextmanager
def _vietnamese_argparse() -> Iterator[None]:
    """argparse looks its messages up through its module's ``_``/``ngettext`` at call time:
    point them at the Vietnamese table while our parser works (the CLI is single-threaded)."""
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._, argparse.ngettext = _translate, _ntranslate  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


class VietnameseHelpFormatter(argparse.HelpFormatter):
    """Help with each option's default: appended when the help text does not state it."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if (
            action.option_strings
            and "mặc định" not in text
            and action.default not in (None, False, argparse.SUPPRESS)
        ):
            text += " (mặc định: %(default)s)"
        return text


class VietnameseParser(argparse.ArgumentParser):
    """An ArgumentParser whose own strings (usage, options, errors, help) are Vietnamese.

    Subparsers are created with the same class, so every subcommand is Vietnamese too.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", VietnameseHelpFormatter)
        with _vietnamese_argparse():
            super().__init__(*args, **kwargs)

    def _in_vietnamese(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with _vietnamese_argparse():
            return method(*args, **kwargs)

    def parse_known_args(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return self._in_vietnamese(super().parse_known_args, *args, **kwargs)

    def parse_args(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return self._in_vietnamese(super().parse_args, *args, **kwargs)

    def format_usage(self) -> str:
        return self._in_vietnamese(super().format_usage)

    def format_help(self) -> str:
        return self._in_vietnamese(super().format_help)

    def error(self, message: str) -> Any:  # type: ignore[override]
        for english, vietnamese in _TYPE_NAMES_VI.items():
            message = message.replace(f"(cần {english})", f"(cần {vietnamese})")
        return self._in_vietnamese(super().error, message)


def _default_of(key: str) -> str:
    from pipelines.settings import Settings

    return str(getattr(Settings(), key))


def build_parser() -> argparse.ArgumentParser:
    parser = VietnameseParser(
        prog="hoso",
        description=(
            "hoso: tính các chỉ số báo cáo giải quyết thủ tục hành chính từ tệp Excel xuất "
            "từ hệ thống một cửa / Cổng dịch vụ công. Hướng dẫn: docs/huong-dan.md."
        ),
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="TỆP",
        help="tệp cấu hình (mặc định: ./hoso.toml nếu có)",
    )
    sub = parser.add_subparsers(dest="command", metavar="LỆNH", title="các lệnh")

    def from_config(key: str) -> str:
        return f"(mặc định: khóa {key} trong hoso.toml, nếu không có: {_default_of(key)})"

    run = sub.add_parser(
        "run",
        help="chạy toàn bộ và công bố số liệu",
        description="Đọc tệp xuất → nạp vào DuckDB → tính chỉ số → kiểm tra → công bố. "
        "Mã thoát: 0 đã công bố; 1 kiểm tra không đạt (không công bố); 2 sai cách dùng "
        "hoặc cấu hình; 3 đã công bố nhưng có tệp bị từ chối.",
    )
    run.add_argument(
        "--exports",
        type=Path,
        metavar="THƯ_MỤC",
        help=f"thư mục chứa các tệp xuất {from_config('exports')}",
    )
    month = "(mặc định: tháng chuẩn gần nhất đã kết thúc, theo ngày xuất mới nhất)"
    run.add_argument(
        "--from",
        dest="date_from",
        type=_iso_date,
        metavar="NGÀY",
        help=f"đầu kỳ báo cáo YYYY-MM-DD {month}",
    )
    run.add_argument(
        "--to",
        dest="date_to",
        type=_iso_date,
        metavar="NGÀY",
        help=f"cuối kỳ báo cáo YYYY-MM-DD {month}",
    )
    run.add_argument(
        "--period",
        metavar="KỲ",
        help="kỳ chuẩn thay cho --from/--to: 2026-04, 2026-Q1, 2026-H1, 2026 … "
        "(xem 'hoso periods'; mặc định: như --from/--to)",
    )
    run.add_argument(
        "--since",
        type=_iso_date,
        metavar="NGÀY",
        help=f"đầu lũy kế YYYY-MM-DD {from_config('since')}",
    )
    run.add_argument(
        "--db", type=Path, metavar="TỆP", help=f"tệp cơ sở dữ liệu DuckDB {from_config('database')}"
    )
    run.add_argument(
        "--out",
        type=Path,
        metavar="THƯ_MỤC",
        help=f"thư mục công bố kết quả {from_config('output')}",
    )
    run.set_defaults(func=cmd_run)

    check = sub.add_parser(
        "check",
        help="đọc thử tệp xuất, không nạp",
        description="Đọc tệp mà không nạp: loại tệp, trang tính, ánh xạ tiêu đề, thời điểm "
        "xuất, số dòng. Dùng khi gặp một mẫu tệp xuất mới.",
    )
    check.add_argument("files", type=Path, nargs="+", metavar="TỆP", help="các tệp cần đọc thử")
    check.set_defaults(func=cmd_check)

    per = sub.add_parser("periods", help="liệt kê các kỳ báo cáo chuẩn của một năm")
    per.add_argument("--year", type=int, metavar="NĂM", help="năm (mặc định: năm nay)")
    per.set_defaults(func=cmd_periods)

    status = sub.add_parser("status", help="các lần chạy gần nhất và số liệu đã công bố")
    status.add_argument(
        "--db", type=Path, metavar="TỆP", help=f"tệp cơ sở dữ liệu DuckDB {from_config('database')}"
    )
    status.add_argument("--limit", type=int, default=5, metavar="SỐ", help="số lần chạy hiển thị")
    status.set_defaults(func=cmd_status)

    files = sub.add_parser(
        "files",
        help="liệt kê các tệp đã nạp",
        description="Các tệp đã nạp: đường dẫn, mã băm, thời điểm xuất và cách xác định, số "
        "dòng đã nạp, các lần chạy đã nạp tệp.",
    )
    files.add_argument(
        "--db", type=Path, metavar="TỆP", help=f"tệp cơ sở dữ liệu DuckDB {from_config('database')}"
    )
    files.set_defaults(func=cmd_files)

    forget_cmd = sub.add_parser(
        "forget",
        help="bỏ tệp đã nạp nhầm",
        description="Xóa các dòng của tệp đã nạp nhầm (theo đường dẫn như 'hoso files' in ra, "
        "hoặc mã băm, ít nhất 6 ký tự) trong một giao dịch; lần chạy sau tính lại như chưa "
        "từng nạp.",
    )
    forget_cmd.add_argument("keys", nargs="+", metavar="TỆP|MÃ_BĂM", help="tệp hoặc mã băm")
    forget_cmd.add_argument(
        "--db", type=Path, metavar="TỆP", help=f"tệp cơ sở dữ liệu DuckDB {from_config('database')}"
    )
    forget_cmd.set_defaults(func=cmd_forget)

    serve = sub.add_parser(
        "serve",
        help="chạy tự động hằng đêm theo lịch (Prefect)",
        description="Khởi động máy chủ Prefect (nếu PREFECT_API_URL chưa được cấu hình) và "
        "phục vụ luồng hoso theo lịch cron trong hoso.toml, có giao diện web. Dừng bằng Ctrl+C.",
    )
    serve.add_argument(
        "--cron",
        metavar="CRON",
        help="ghi đè lịch cron, ví dụ '0 2 * * *' (mặc định: [schedule] cron trong hoso.toml, "
        "nếu không có: '0 2 * * *', 2 giờ sáng mỗi ngày)",
    )
    serve.add_argument(
        "--port", type=int, default=4200, metavar="CỔNG", help="cổng của giao diện Prefect"
    )
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        metavar="ĐỊA_CHỈ",
        help="địa chỉ máy chủ Prefect lắng nghe; 0.0.0.0 để máy khác trong mạng mở được giao diện",
    )
    serve.set_defaults(func=cmd_serve)

    rec = sub.add_parser(
        "doi-chieu",
        help="đối chiếu biểu số 06 của hệ thống với số liệu hoso, từng ô",
        description="Đọc biểu số 06/VPCP/KSTT tải từ hệ thống (xlsx, xls hoặc HTML), so từng "
        "ô với số liệu hoso cùng kỳ, liệt kê các hồ sơ đứng sau mỗi ô chênh lệch và nguyên "
        "nhân thường gặp; ghi doi-chieu.xlsx. Kỳ lấy từ tiêu đề biểu nếu không chỉ rõ. "
        "Mã thoát: 0 khớp; 4 có chênh lệch; 2 tệp không phải biểu 06 hoặc sai cách dùng.",
    )
    rec.add_argument("file", type=Path, metavar="TỆP", help="tệp biểu số 06 tải từ hệ thống")
    title = "(mặc định: kỳ ghi trong tiêu đề biểu)"
    rec.add_argument(
        "--from",
        dest="date_from",
        type=_iso_date,
        metavar="NGÀY",
        help=f"đầu kỳ YYYY-MM-DD {title}",
    )
    rec.add_argument(
        "--to", dest="date_to", type=_iso_date, metavar="NGÀY", help=f"cuối kỳ YYYY-MM-DD {title}"
    )
    rec.add_argument(
        "--period", metavar="KỲ", help=f"kỳ chuẩn thay cho --from/--to: 2026-04, 2026-Q1 … {title}"
    )
    rec.add_argument(
        "--db", type=Path, metavar="TỆP", help=f"tệp cơ sở dữ liệu DuckDB {from_config('database')}"
    )
    rec.add_argument(
        "--out", type=Path, help="thư mục ghi doi-chieu.xlsx (mặc định: thư mục hiện tại)"
    )
    rec.set_defaults(func=cmd_doi_chieu)
    return parser


def _log_database_of(args: argparse.Namespace) -> Path | None:
    """The database of this command (for the error log), without failing."""
    if getattr(args, "db", None):
        return Path(args.db)
    try:
        from pipelines.settings import load_settings

        return load_settings(getattr(args, "config", None)).database
    except Exception:
        return None


def _quiet_broken_pipe() -> int:
    """The reader of our output has gone (``hoso status | head``): end quietly. stdout is
    pointed at devnull so the interpreter's last flush does not complain either."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return EXIT_BROKEN_PIPE


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hoso`` console script. No traceback ever reaches the user: an
    unexpected error is logged to ``hoso-loi.log`` beside the database and the message says
    where.

    Called with no ``argv`` (the console script, ``python -m pipelines.cli``), the process
    ends without the interpreter's teardown once every exit handler has run
    (``_end_without_teardown``); called with ``argv`` (tests, benchmarks) it just returns.
    """
    if argv is None:
        atexit.register(_end_without_teardown)  # first registered: runs after Prefect's own
    code = _main(argv)
    if argv is None:
        _exit_code.append(code)
    return code


#: The exit code ``_end_without_teardown`` ends the process with (empty: end normally).
_exit_code: list[int] = []


def _end_without_teardown() -> None:
    """The last exit handler of a ``hoso`` process: end it now, with its exit code.

    By then our outputs are written and closed, and every other exit handler has run (Prefect
    drains its events and logs and stops its temporary server; non-daemon threads were joined
    before). What remains is the interpreter freeing Prefect's, Great Expectations' and
    pandas' modules one by one: measured 1.5–2.7 s after a run, for nothing.
    """
    if not _exit_code:
        return
    if "logging" in sys.modules:
        sys.modules["logging"].shutdown()
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):
            stream.flush()
    os._exit(_exit_code[0])


def _main(argv: Sequence[str] | None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.func(args)
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except KeyboardInterrupt:
        print("\nĐã dừng (Ctrl+C).", file=sys.stderr, flush=True)
        return EXIT_INTERRUPTED
    except Exception as exc:
        log = log_unexpected(exc, _log_database_of(args))
        return _fail(
            f"Lỗi không mong đợi ({type(exc).__name__}). Chi tiết kỹ thuật đã ghi vào {log}; "
            "hãy gửi tệp đó cho người phụ trách kỹ thuật.",
            EXIT_NOT_PUBLISHED,
        )


if __name__ == "__main__":
    sys.exit(main())
