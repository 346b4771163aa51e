"""The judgments hoso makes about files as data warnings (SPEC §5, §8): dossiers kept from
moving backwards by a modification-time export, same-time conflicts, windows the exports do
not reach. Each reads the database after ``staging.dossiers`` is built; SQL in sql/checks/."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import duckdb

from pipelines.data_warnings import DataWarning
from pipelines.db import sql_text
from pipelines.periods import Window
from pipelines.publish.numbers import format_date_vi

#: The days at a window's end that must hold receptions when the months before have some.
COVERAGE_DAYS = 14


def _file_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("select file_hash, file_name from files").fetchall())


def mtime_warnings(
    con: duckdb.DuckDBPyConnection, new_hashes: Iterable[str] = ()
) -> list[DataWarning]:
    """``export_time_from_mtime``: one per modification-time file loaded now, or holding
    dossiers that kept a further state from another file (listed by dossier code)."""
    names = _file_names(con)
    held: dict[str, list[str]] = defaultdict(list)
    for file_hash, code, _kept in con.execute(sql_text("checks/mtime_held")).fetchall():
        held[file_hash].append(code)
    mtime = {
        h: at
        for h, at in con.execute(
            "select file_hash, export_at from files where export_time_rule = 'file_mtime'"
        ).fetchall()
    }
    wanted = (set(new_hashes) & set(mtime)) | set(held)
    warnings = []
    for file_hash in sorted(wanted, key=lambda h: names[h]):
        codes = held.get(file_hash, [])
        text = (
            f"Không tìm thấy thời điểm xuất trong tiêu đề hay tên tệp '{names[file_hash]}': "
            f"dùng ngày sửa tệp {mtime[file_hash]:%d/%m/%Y %H:%M}."
        )
        if codes:
            text += (
                f" {len(codes)} hồ sơ đã có kết quả ở tệp khác nhưng không có kết quả ở tệp "
                "này (có thể là bản xuất cũ được lưu lại): giữ trạng thái đã có kết quả."
            )
        warnings.append(DataWarning.of("export_time_from_mtime", names[file_hash], text, codes))
    return warnings


def conflict_warnings(con: duckdb.DuckDBPyConnection) -> list[DataWarning]:
    """``snapshot_conflict``: per group of files with one export time that disagree on dossiers
    (the files and the dossier codes); the state of the highest content hash counts."""
    names = _file_names(con)
    groups: dict[tuple, list[str]] = defaultdict(list)
    rows = con.execute(sql_text("checks/snapshot_conflicts")).fetchall()
    for export_at, code, file_names, winner in rows:
        groups[(export_at, tuple(file_names), names[winner])].append(code)
    warnings = []
    for (export_at, file_names, winner), codes in groups.items():
        listed = ", ".join(f"'{n}'" for n in file_names)
        warnings.append(
            DataWarning.of(
                "snapshot_conflict",
                winner,
                f"Các tệp {listed} cùng thời điểm xuất {export_at:%d/%m/%Y %H:%M} nhưng khác "
                f"nhau ở {len(codes)} hồ sơ: lấy trạng thái trong tệp '{winner}' (theo thứ tự "
                "mã băm nội dung). Hãy kiểm tra và chỉ giữ bản xuất đúng.",
                codes,
            )
        )
    return warnings


def coverage_warnings(con: duckdb.DuckDBPyConnection, window: Window) -> list[DataWarning]:
    """``window_not_covered``: the latest export is before the window's end, or no dossier is
    received in its last 14 days while the 90 days before have some."""
    latest_export, latest_received, last_days, before = con.execute(
        sql_text("checks/window_coverage"), {"to_date": window.to_date}
    ).fetchall()[0]
    span = f"{format_date_vi(window.from_date)}–{format_date_vi(window.to_date)}"
    if latest_export is None:
        return []
    if latest_export.date() < window.to_date:
        reason = (
            f"tệp xuất mới nhất xuất lúc {latest_export:%d/%m/%Y %H:%M}, trước ngày cuối kỳ "
            f"{format_date_vi(window.to_date)}"
        )
    elif last_days == 0 and before > 0:
        reached = format_date_vi(latest_received) if latest_received else "?"
        reason = (
            f"không có hồ sơ nào tiếp nhận trong {COVERAGE_DAYS} ngày cuối kỳ trong khi 90 ngày "
            f"trước đó có {before} hồ sơ; hồ sơ tiếp nhận muộn nhất ngày {reached}"
        )
    else:
        return []
    return [
        DataWarning.of(
            "window_not_covered",
            None,
            f"Tệp xuất có thể chưa phủ hết kỳ báo cáo {span}: {reason}. Số liệu kỳ này có thể "
            "chưa đầy đủ; hãy xuất lại dữ liệu đến hết kỳ rồi chạy lại.",
            [],
            count=0,
        )
    ]
