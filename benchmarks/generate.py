"""Synthetic inputs for the benchmarks: large .xlsx exports, and dossiers generated in DuckDB.

Two generators, both deterministic (fixed seed, fixed dates):

* :func:`ensure_export` writes (through ``tests/exports``, the one export writer) an export
  of ``rows`` dossiers as a real portal would: a title
  block (agency, national motto, list title, date range, *Ngày xuất*), one header row with the
  names of ``pipelines/vocab/aliases.toml``, 15 columns, a footer (*Tổng cộng*, *Người lập
  biểu*), a shared-strings table (xlsxwriter's default mode, as Excel writes it), reception
  dates as real Excel dates, due dates as ``dd/mm/yyyy`` text, result dates as a mix of both.
  The file is cached in ``benchmarks/data/`` with a sidecar JSON of its parameters; it is
  written again only when a parameter or :data:`GENERATOR_VERSION` changes.
* :func:`fill_synthetic_dossiers` fills ``files`` and ``snapshot_rows`` of a hoso database
  (made by :func:`pipelines.db.connect`) with ``n`` dossiers, in SQL over ``range()``: ~20
  units, ~30 sectors, ~300 procedures (skewed), three channels, five status classes, received
  over the twelve standard months 2025-05 .. 2026-04, and 20 % of the dossiers seen again in a
  later export with a newer state (so ``dossiers.sql`` has snapshots to resolve).

Run ``python -m benchmarks.generate --rows 100000`` to write one export by hand
(``--first 500000`` numbers its dossiers from 500,000: codes distinct from the other exports;
``--seed`` another stream; each combination has its own path, see :func:`export_path`).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from tests.exports import (
    PERSONAL_HEADERS,
    STANDARD_HEADERS,
    Merge,
    SheetSpec,
    write_xlsxwriter,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
GENERATOR_VERSION = 2  # 2: written by tests/exports (real date cells)
SEED = 20260416

#: The moment the synthetic exports were taken (also written in their title block).
EXPORT_AT = datetime(2026, 4, 16, 8, 30)
#: Reception dates of the exports: 2025-07-01 .. 2026-04-15 (the two-tier government's start).
FIRST_DAY = date(2025, 7, 1)
LAST_DAY = date(2026, 4, 15)
#: Reception dates of the SQL dossiers: twelve full standard months (2025-05 .. 2026-04).
SQL_FIRST_DAY = date(2025, 4, 15)
SQL_DAYS = 366

#: The 15 columns of the export: the standard dossier headers and three personal columns.
HEADERS = (*STANDARD_HEADERS, *PERSONAL_HEADERS[:3])

SECTORS = (
    "Hộ tịch",
    "Chứng thực",
    "Đất đai",
    "Xây dựng",
    "Thành lập và hoạt động doanh nghiệp",
    "Bảo trợ xã hội",
    "Người có công",
    "Giáo dục và Đào tạo",
    "Y tế",
    "Môi trường",
    "Nông nghiệp",
    "Lâm nghiệp",
    "Thủy lợi",
    "Giao thông vận tải",
    "Văn hóa",
    "Thể dục thể thao",
    "Du lịch",
    "Thi đua khen thưởng",
    "Tôn giáo",
    "Công tác dân tộc",
    "Phổ biến giáo dục pháp luật",
    "Công thương",
    "Lao động tiền lương",
    "Việc làm",
    "Trẻ em",
    "Phòng chống tệ nạn xã hội",
    "Tài chính",
    "Kế hoạch và đầu tư",
    "Nội vụ",
    "Giải quyết khiếu nại tố cáo",
)
VERBS = (
    ("Cấp", "giấy chứng nhận"),
    ("Đăng ký", "thông tin"),
    ("Cấp lại", "giấy phép"),
    ("Điều chỉnh", "nội dung hồ sơ"),
    ("Gia hạn", "giấy phép hoạt động"),
    ("Xác nhận", "đơn đề nghị"),
    ("Thẩm định", "hồ sơ đề nghị"),
    ("Công nhận", "kết quả"),
    ("Cấp đổi", "giấy chứng nhận"),
    ("Giải quyết", "chế độ, chính sách"),
)
#: ~300 procedures: every (verb, sector) pair, each belonging to its sector.
PROCEDURES = tuple(
    (f"{verb} {noun} trong lĩnh vực {sector.lower()}", s)
    for v, (verb, noun) in enumerate(VERBS)
    for s, sector in enumerate(SECTORS)
)
PLACES = (
    "Xuân Giang",
    "An Hòa",
    "Tân Phú",
    "Bình Minh",
    "Đông Sơn",
    "Hòa Lạc",
    "Phú Thịnh",
    "Quảng Phú",
    "Thanh Bình",
    "Vĩnh Lộc",
    "Hưng Đạo",
    "Long Hải",
    "Nam Thành",
    "Phước Lâm",
    "Sơn Tây",
    "Tiên Lữ",
    "Yên Định",
    "Kim Sơn",
    "Lạc Thủy",
    "Mỹ Lộc",
)
#: 20 units: the province's centre, its departments' offices and the communes' one-stop desks.
UNITS = (
    "Trung tâm Phục vụ hành chính công tỉnh",
    "Văn phòng Đăng ký đất đai",
    "Sở Tư pháp",
    "Sở Xây dựng",
    "Sở Y tế",
    *(f"UBND {'phường' if i % 3 == 0 else 'xã'} {p}" for i, p in enumerate(PLACES[:15])),
)
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi")
MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quang", "Xuân", "Thu")
GIVEN = (
    "An",
    "Bình",
    "Châu",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hiếu",
    "Hoa",
    "Hùng",
    "Hương",
    "Khánh",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Nga",
    "Phong",
    "Phúc",
    "Quân",
    "Quỳnh",
    "Sơn",
    "Tâm",
    "Thảo",
    "Thắng",
    "Trang",
    "Trung",
    "Tuấn",
)
CHANNELS = (("Trực tuyến", 0.60), ("Trực tiếp", 0.96), ("Bưu chính công ích", 1.0))
DUE_DAYS = (1, 3, 5, 7, 10, 15, 20, 30)


def _rows(n: int, seed: int, first: int = 0):
    """The ``n`` dossier rows of an export, each a tuple of 15 cells (None = blank cell).

    Dates are ``("date", datetime)`` for a real Excel date cell and ``str`` for text. Rows are
    numbered from ``first``; the number is part of the dossier code, so exports with disjoint
    ranges hold distinct dossiers (``first`` also moves the random stream: other values).
    """
    rng = random.Random(seed if first == 0 else seed + first)
    span = (LAST_DAY - FIRST_DAY).days + 1
    n_proc = len(PROCEDURES)
    for i in range(first, first + n):
        received = datetime.combine(
            FIRST_DAY + timedelta(days=rng.randrange(span)), datetime.min.time()
        ) + timedelta(minutes=450 + rng.randrange(570))
        due_days = DUE_DAYS[rng.randrange(len(DUE_DAYS))]
        due = received.date() + timedelta(days=due_days)
        late = rng.random() < 0.12
        duration = due_days + 1 + rng.randrange(20) if late else rng.randrange(due_days + 1)
        finished: datetime | None = datetime.combine(
            received.date() + timedelta(days=duration), datetime.min.time()
        ) + timedelta(minutes=450 + rng.randrange(570))
        u = rng.random()
        if u < 0.01:
            status, finished = "Từ chối tiếp nhận", None
        elif u < 0.02:
            status = "Công dân rút hồ sơ"
        elif u > 0.93 or finished > EXPORT_AT:
            finished = None
            status = ("Đang xử lý", "Chờ bổ sung", "Mới tiếp nhận")[
                rng.choices((0, 1, 2), (70, 15, 15))[0]
            ]
        else:
            status = ("Đã trả kết quả", "Hoàn thành", "Đã có kết quả")[rng.randrange(3)]
        if finished is None:
            finished_cell: object = None
        else:
            form = rng.random()
            if form < 0.5:
                finished_cell = ("date", finished)
            elif form < 0.85:
                finished_cell = f"{finished:%d/%m/%Y %H:%M}"
            else:
                finished_cell = f"{finished:%d/%m/%Y}"
        p = int(n_proc * rng.random() ** 2)
        procedure, sector = PROCEDURES[p]
        unit = UNITS[int(len(UNITS) * rng.random() ** 1.5)]
        c = rng.random()
        channel = next(word for word, edge in CHANNELS if c < edge)
        place = PLACES[rng.randrange(len(PLACES))]
        yield (
            i - first + 1,
            f"000.{UNITS.index(unit):02d}.{sector:02d}.H{p:03d}-{received:%y%m%d}-{i:07d}",
            procedure,
            SECTORS[sector],
            unit,
            channel,
            ("date", received),
            f"{due:%d/%m/%Y}",
            finished_cell,
            status,
            "Có" if rng.random() < 0.75 else "Không",
            "Có" if finished is not None and rng.random() < 0.55 else None,
            f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
            f"09{rng.randrange(100_000_000):08d}",
            f"Số {1 + rng.randrange(300)}, thôn {1 + rng.randrange(20)}, xã {place}",
        )


def export_sheet(n: int, seed: int = SEED, first: int = 0) -> SheetSpec:
    """The sheet of an export of ``n`` dossiers; its rows are generated as they are written."""
    last = len(HEADERS)

    def grid():
        yield ["ỦY BAN NHÂN DÂN TỈNH XUÂN GIANG", *[None] * 7, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"]
        yield ["TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG", *[None] * 7, "Độc lập - Tự do - Hạnh phúc"]
        yield []
        yield ["DANH SÁCH HỒ SƠ TIẾP NHẬN VÀ GIẢI QUYẾT"]
        yield [f"Từ ngày {FIRST_DAY:%d/%m/%Y} đến ngày {LAST_DAY:%d/%m/%Y}"]
        yield [f"Ngày xuất: {EXPORT_AT:%d/%m/%Y %H:%M}"]
        yield list(HEADERS)
        for row in _rows(n, seed, first):
            yield [cell[1] if isinstance(cell, tuple) else cell for cell in row]
        yield []
        yield [f"Tổng cộng: {n} hồ sơ"]
        yield []
        yield [None, "Người lập biểu", *[None] * 8, "Thủ trưởng đơn vị"]

    merges = [
        Merge(0, 0, 1, 5),
        Merge(0, 8, 1, last - 8),
        Merge(1, 0, 1, 5),
        Merge(1, 8, 1, last - 8),
        Merge(3, 0, 1, last),
        Merge(4, 0, 1, last),
    ]
    return SheetSpec("Danh sách hồ sơ", grid(), merges)


def write_export(path: Path, n: int, seed: int = SEED, first: int = 0) -> None:
    """Write an export of ``n`` dossiers (numbered from ``first``) to ``path`` with xlsxwriter
    (shared strings, as Excel writes them), through the one export writer of ``tests/exports``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_xlsxwriter(path, [export_sheet(n, seed, first)])


def export_params(rows: int, seed: int = SEED, first: int = 0) -> dict[str, object]:
    """What an export's content depends on: a cached file is reused only when these match."""
    params: dict[str, object] = {
        "generator_version": GENERATOR_VERSION,
        "rows": rows,
        "seed": seed,
        "columns": 15,
    }
    if first:
        params["first"] = first
    return params


def _count_label(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def export_path(rows: int, seed: int = SEED, first: int = 0) -> Path:
    """Where the export of ``rows`` dossiers lives: alone in its folder (a ``--exports`` dir).

    Each (rows, seed, first) has its own path, so exports of other seeds or of other dossiers
    (``first``) never overwrite one another: ``exports_2k_from500k``, ``exports_100k_seed7``.
    """
    label = _count_label(rows)
    if first:
        label += f"_from{_count_label(first)}"
    if seed != SEED:
        label += f"_seed{seed}"
    return DATA_DIR / f"exports_{label}" / f"danh_sach_ho_so_{label}_{EXPORT_AT:%Y%m%d}.xlsx"


def ensure_export(rows: int, seed: int = SEED, first: int = 0) -> tuple[Path, dict[str, object]]:
    """The export of ``rows`` dossiers numbered from ``first``, written unless cached; returns
    it and its sidecar."""
    path = export_path(rows, seed, first)
    sidecar = DATA_DIR / f"{path.parent.name}.json"  # beside the folder: it holds only the file
    params = export_params(rows, seed, first)
    if path.exists() and sidecar.exists():
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        if meta.get("params") == params and meta.get("bytes") == path.stat().st_size:
            return path, meta | {"cached": True}
    start = time.perf_counter()
    write_export(path, rows, seed, first)
    meta = {
        "params": params,
        "bytes": path.stat().st_size,
        "seconds": round(time.perf_counter() - start, 2),
        "writer": "xlsxwriter (shared strings)",
    }
    sidecar.write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return path, meta | {"cached": False}


# --- dossiers generated in DuckDB -------------------------------------------------------------

#: Uniform numbers in [0, 1) per dossier ``i`` and stream ``k``, deterministic and parallel-safe.
_U = "((hash(i, {k}) % 1000003) / 1000003.0)"


def _u(k: int) -> str:
    return _U.format(k=k)


def fill_synthetic_dossiers(con, n: int, *, repeat_share: float = 0.2) -> dict[str, int]:
    """Fill ``files`` and ``snapshot_rows`` with ``n`` dossiers (see the module docstring).

    Twelve monthly exports hold each dossier once, in the export after its reception month;
    a share ``repeat_share`` of the dossiers is seen again, in a later state, in a 13th export.
    """
    con.execute("delete from snapshot_rows")
    con.execute("delete from files")
    con.execute(
        """
        insert into files
        select 'synthetic-' || lpad(k::varchar, 2, '0'), 'synthetic_' || k || '.xlsx', 'xlsx',
               'DS', $first::timestamp + to_days(least(367, ceil(30.5 * (k + 1))::int))
                   + interval 8 hour, 'title_block',
               0, 0, 0, 0, 0, 1, [], [], now()::timestamp
        from range(13) t(k)
        """,
        {"first": SQL_FIRST_DAY},
    )
    con.execute(
        f"""
        create or replace temp table synthetic_base as
        with drawn as (
            select
                i,
                floor({_u(1)} * {SQL_DAYS})::int as r_day,
                floor({_u(2)} * 570)::int as r_minute,
                [1, 3, 5, 7, 10, 15, 20, 30][1 + floor({_u(3)} * 8)::int] as due_days,
                {_u(4)} < 0.12 as late,
                {_u(5)} as u_dur,
                {_u(6)} as u_status,
                {_u(7)} as u_wait,
                floor(20 * pow({_u(8)}, 1.5))::int as unit_k,
                floor(300 * pow({_u(9)}, 2))::int as proc_k,
                {_u(10)} as u_channel,
                {_u(11)} < 0.75 as digitized,
                {_u(12)} < 0.55 as e_result,
                {_u(13)} < $repeat as repeated
            from range($n) t(i)
        ),
        timed as (
            select
                *,
                $first::timestamp + to_days(r_day) + to_minutes(450 + r_minute) as received_at,
                case when late then due_days + 1 + floor(u_dur * 20)::int
                     else floor(u_dur * (due_days + 1))::int end as duration
            from drawn
        ),
        classed as (
            select
                *,
                received_at::date + to_days(due_days) + interval 17 hour as due_at,
                received_at::date + to_days(duration) + to_minutes(450 + r_minute // 2)
                    as done_at
            from timed
        )
        select
            i,
            repeated,
            received_at,
            due_at,
            case
                when u_status < 0.01 then 'refused'
                when u_status < 0.02 then 'withdrawn'
                when u_status > 0.93 or done_at > $export_at then
                    case when u_wait < 0.15 then 'awaiting_supplement' else 'pending' end
                else 'finished'
            end as status_class,
            done_at,
            unit_k,
            proc_k,
            u_channel,
            digitized,
            e_result
        from classed
        """,
        {"n": n, "first": SQL_FIRST_DAY, "repeat": repeat_share, "export_at": EXPORT_AT},
    )
    row = """
        select
            {file} as file_hash,
            i as row_number,
            'H' || lpad(i::varchar, 9, '0') as dossier_code,
            'TTHC-' || lpad(proc_k::varchar, 3, '0') as procedure_code,
            'Thủ tục hành chính số ' || proc_k || ' (lĩnh vực ' || proc_k % 30 || ')'
                as procedure_name,
            'Lĩnh vực ' || lpad((proc_k % 30)::varchar, 2, '0') as sector_name,
            'Đơn vị ' || lpad(unit_k::varchar, 2, '0') as unit_name,
            case when u_channel < 0.6 then 'online' when u_channel < 0.96 then 'direct'
                 else 'postal' end as channel,
            {status} as status_class,
            received_at,
            due_at,
            {finished} as finished_at,
            digitized as is_digitized,
            {e_result} as has_e_result
        from synthetic_base
    """
    final_state = {
        "status": "status_class",
        "finished": "case when status_class in ('finished', 'withdrawn') then done_at end",
        "e_result": "status_class = 'finished' and e_result",
    }
    # the monthly export: a repeated dossier is still pending there
    monthly = {
        "file": "'synthetic-' || lpad(least(11, floor(datediff('day', $first, received_at) / 30.5)"
        "::int)::varchar, 2, '0')",
        "status": "case when repeated and status_class <> 'refused' then 'pending' "
        "else status_class end",
        "finished": "case when not repeated and status_class in ('finished', 'withdrawn') "
        "then done_at end",
        "e_result": "not repeated and status_class = 'finished' and e_result",
    }
    con.execute("insert into snapshot_rows " + row.format(**monthly), {"first": SQL_FIRST_DAY})
    con.execute(
        "insert into snapshot_rows "
        + row.format(file="'synthetic-12'", **final_state)
        + " where repeated"
    )
    con.execute("drop table synthetic_base")
    snapshot_rows = con.execute("select count(*) from snapshot_rows").fetchall()[0][0]
    return {"dossiers": n, "snapshot_rows": snapshot_rows}


def main() -> None:
    parser = argparse.ArgumentParser(description="Write a synthetic export (cached).")
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--first", type=int, default=0, help="number of the first dossier (distinct codes)"
    )
    args = parser.parse_args()
    path, meta = ensure_export(args.rows, args.seed, args.first)
    meta["path"] = str(path)
    meta["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(meta, ensure_ascii=False))


if __name__ == "__main__":
    main()
