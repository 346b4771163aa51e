"""What the terminal shows after a run and for ``hoso status``: counts, not feelings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from pipelines import db
from pipelines.contract import FIGURES, LABELS, RATES
from pipelines.data_warnings import WARNING_CODES
from pipelines.labels import outcome_label
from pipelines.publish.numbers import RATE_PARTS, format_date_vi, format_int_vi, format_rate_vi


def figures_table(rows: dict[str, dict[str, Any]]) -> list[str]:
    """The figures of the period and cumulative windows as aligned text lines."""
    period, cumulative = rows["period"], rows["cumulative"]
    head_p = f"{format_date_vi(period['from_date'])}–{format_date_vi(period['to_date'])}"
    head_c = f"{format_date_vi(cumulative['from_date'])}–{format_date_vi(cumulative['to_date'])}"
    width = max(len(LABELS[k]) for k in (*FIGURES, *RATES)) + 2
    lines = [
        f"{'Chỉ số':<{width}}{'Kỳ báo cáo':>24}{'Lũy kế':>24}",
        f"{'':<{width}}{head_p:>24}{head_c:>24}",
        "-" * (width + 48),
    ]
    for key in FIGURES:
        lines.append(
            f"{LABELS[key]:<{width}}{format_int_vi(period[key]):>24}"
            f"{format_int_vi(cumulative[key]):>24}"
        )
    lines.append("-" * (width + 48))
    for key in RATES:
        lines.append(f"{LABELS[key]:<{width}}{_rate(period, key):>24}{_rate(cumulative, key):>24}")
    return lines


def _rate(row: dict[str, Any], key: str) -> str:
    return format_rate_vi(row[key], base=row[RATE_PARTS[key][1]])


def _group(rows: list[tuple]) -> dict[str, list[tuple]]:
    grouped: dict[str, list[tuple]] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row)
    return grouped


def _published_rows(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]] | None:
    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'main' and table_name = 'indicators'"
    ).fetchall()[0][0]
    if not exists:
        return None
    frame = con.sql(
        """select * from main.indicators
           where group_by = 'all' and "window" in ('period', 'cumulative')"""
    ).df()
    return {r["window"]: r for r in frame.to_dict("records")}


def print_run(result: dict[str, Any]) -> None:
    """The run's files, its validation and (when published) the figures."""
    print()
    for f in result["files"]:
        print(
            f"  {f['file']}: đọc {f['rows_read']} dòng = nạp {f['rows_loaded']} + loại "
            f"{f['rows_rejected']} + bỏ qua {f['rows_skipped']} "
            f"(trang '{f['sheet']}', xuất lúc {f['export_at']:%d/%m/%Y %H:%M})"
        )
        for r in f["rejects"][:5]:
            rows = ", ".join(str(n) for n in r["example_rows"])
            print(f"      loại {r['count']} dòng — {r['message']} (dòng {rows})")
    copies = {
        w["file"]: w["examples"][0]
        for w in result.get("warnings") or []
        if w["code"] == "duplicate_file" and w["examples"]
    }
    for name in result["files_already_loaded"]:
        if name in copies:
            print(f"  {name}: trùng nội dung với {copies[name]}, bỏ qua")
        else:
            print(f"  {name}: đã nạp ở lần chạy trước, bỏ qua")
    for f in result["files_refused"]:
        print(f"  {f['file']}: BỊ TỪ CHỐI — {f['reason']}")
    if result["files_ignored"]:
        print(f"  Không phải tệp xuất, bỏ qua: {', '.join(result['files_ignored'])}")
    print_warnings(result.get("warnings") or [])
    v = result["validation"] or {"passed": 0, "checks": 0, "failed": []}
    if v["checks"]:
        print(f"\nKiểm tra dữ liệu: {v['passed']}/{v['checks']} đạt")
    for finding in v["failed"]:
        level = "CẢNH BÁO" if finding["severity"] == "warning" else "LỖI"
        print(f"  {level}: {finding['message']}")
    if result["outcome"] == "unchanged":
        print(f"\n{result['message']}")
    elif result["outcome"] == "failed":
        print(f"\nKHÔNG công bố số liệu mới. {result.get('message') or ''}")
        return
    elif result["outcome"] != "published":
        print(
            "\nKHÔNG công bố số liệu mới: có kiểm tra bắt buộc không đạt (xem trên). "
            f"Số liệu đã công bố trước đây được giữ nguyên. {result.get('message') or ''}"
        )
        return
    if result.get("figures"):
        print()
        print("\n".join(figures_table(result["figures"])))
    out = Path(result["output"])
    verb = "Số liệu vẫn ở" if result["outcome"] == "unchanged" else "Đã công bố vào"
    print(f"\n{verb} thư mục {out.resolve()}:")
    print(
        "  bao-cao.docx, bao-cao.txt, indicators.xlsx, indicators.csv, report.md, overdue.csv, "
        "run.json, kiem-tra/"
    )
    if result["files_refused"]:
        print(f"\nChú ý: {len(result['files_refused'])} tệp bị từ chối (xem trên và run.json).")


def warning_lines(warnings: list[dict[str, Any]]) -> list[str]:
    """The *Cảnh báo* block: one line per warning, with up to 5 examples."""
    if not warnings:
        return []
    lines = [f"\nCảnh báo ({len(warnings)}):"]
    for w in warnings:
        title = WARNING_CODES.get(w["code"], w["code"])
        lines.append(f"  [{title}] {w['message']}")
        if w["examples"]:
            shown = ", ".join(str(e) for e in w["examples"][:5])
            more = f" … (tất cả {w['count']})" if w["count"] > 5 else ""
            lines.append(f"      ví dụ: {shown}{more}")
    return lines


def print_warnings(warnings: list[dict[str, Any]]) -> None:
    for line in warning_lines(warnings):
        print(line)


def print_status(database: Path, limit: int = 5) -> int:
    """The last runs and the published figures."""
    con = db.connect(database, read_only=True)
    try:
        rows = _published_rows(con)
        runs = con.execute(
            """select run_id, started_at, finished_at, period_from, period_to, outcome,
                      exit_code, files_loaded, files_skipped, files_refused, message
               from runs order by started_at desc, finished_at desc limit $n""",
            {"n": limit},
        ).fetchall()
        warnings = {
            run_id: [
                {"code": c, "file": f, "message": m, "count": n, "examples": e}
                for _, c, f, m, n, e in rows
            ]
            for run_id, rows in _group(
                con.execute(
                    """select run_id, code, file, message, count, examples from run_warnings
                       where run_id in (select run_id from runs
                                        order by started_at desc limit $n)
                       order by run_id, position""",
                    {"n": limit},
                ).fetchall()
            ).items()
        }
        files, dossiers = con.execute(
            "select count(*), coalesce(sum(rows_loaded), 0) from files"
        ).fetchall()[0]
    finally:
        con.close()
    print(f"Cơ sở dữ liệu: {database} — {files} tệp đã nạp, {dossiers} dòng hồ sơ")
    print("Các lần chạy gần nhất:")
    for run in runs:
        run_id, started, finished, p_from, p_to, outcome, code, n_loaded, n_skip, n_ref, why = run
        period = f"{format_date_vi(p_from)}–{format_date_vi(p_to)}" if p_from else "?"
        ended = f"–{finished:%H:%M}" if finished else ""
        print(
            f"  {started:%d/%m/%Y %H:%M}{ended}  {run_id}  kỳ {period}  "
            f"{outcome_label(outcome)} (mã {code}); "
            f"tệp mới {n_loaded}, đã có {n_skip}, từ chối {n_ref}"
        )
        if outcome == "failed" and why:
            print(f"      lý do: {why}")
        for w in warnings.get(run_id, []):
            print(f"      cảnh báo [{WARNING_CODES.get(w['code'], w['code'])}] {w['message']}")
    if rows:
        print("\nSố liệu đã công bố:")
        print("\n".join(figures_table(rows)))
    else:
        print("\nChưa có số liệu nào được công bố.")
    return 0
