"""Row anomalies of SPEC §8, said out loud: warnings over the dossiers in the database.

Computed after the dossier states are built (``sql/checks/row_warnings.sql``), over every
current state, so that rows loaded by earlier runs are warned as much as new ones. A warning
never blocks: the figures follow the rules (F < R counts as F = R; other dates are kept).
The warnings found while a file is read (``csv_damaged``, ``error_cell``, ``code_normalised``)
come with the read result (:attr:`pipelines.read.ReadResult.warnings`).
"""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import duckdb

from pipelines import db
from pipelines.data_warnings import MAX_EXAMPLES, DataWarning, sort_warnings
from pipelines.transform import STAGING

#: code → the Vietnamese message of a row anomaly, ``{n}`` the number of dossiers.
MESSAGES = {
    "result_before_reception": (
        "{n} hồ sơ có ngày có kết quả trước ngày tiếp nhận: hoso tính là giải quyết ngay trong "
        "ngày tiếp nhận. Hãy kiểm tra các hồ sơ này trên hệ thống một cửa."
    ),
    "due_before_reception": (
        "{n} hồ sơ có ngày hẹn trả trước ngày tiếp nhận: hoso giữ nguyên các ngày như đã xuất "
        "(giải quyết sau ngày hẹn trả là quá hạn). Hãy kiểm tra các hồ sơ này trên hệ thống."
    ),
    "date_after_export": (
        "{n} hồ sơ có ngày tiếp nhận hoặc ngày có kết quả sau ngày xuất tệp: hoso giữ nguyên "
        "các ngày. Hãy kiểm tra thời điểm xuất của tệp và các hồ sơ này."
    ),
}


def row_warnings(con: duckdb.DuckDBPyConnection, schema: str = STAGING) -> list[DataWarning]:
    """The row anomalies among the dossier states of ``<schema>.dossiers``, one warning per
    (code, file), with the dossier codes as examples."""
    con.execute(f"set search_path = '{schema},main'")
    try:
        rows = con.execute(
            db.sql_text("checks/row_warnings"), {"max_examples": MAX_EXAMPLES}
        ).fetchall()
    finally:
        con.execute("set search_path = 'main'")
    return sort_warnings(
        DataWarning.of(code, file_name, MESSAGES[code].format(n=n), examples, count=n)
        for code, _file_hash, file_name, n, examples in rows
    )


def row_warnings_of(database: Path) -> list[DataWarning]:
    """:func:`row_warnings` of a database file (its own connection, for the flow)."""
    with closing(db.connect(database)) as con:
        return row_warnings(con)
