"""Personal data (SPEC §4) is dropped when a file is read: no applicant name, phone number,
address, ID number or e-mail reaches the read result, DuckDB, rejects or refusal messages."""

from __future__ import annotations

import dataclasses

import pytest

from pipelines.ingest import Refusal, read_one
from tests import builders as b

EXTRA = "Người đại diện"  # an unknown header: ignored, so its values are never read either


def _rows(n: int) -> tuple[list[dict], list[str]]:
    rows, secrets = [], []
    for k, r in enumerate(b.records(n)):
        personal = b.personal_values(k)
        personal[EXTRA] = f"Zqxrep Đại Diện {k}"
        secrets += personal.values()
        rows.append(r | personal)
    return rows, secrets


def _scan_db(con) -> str:
    parts = []
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables"
    ).fetchall()
    assert {"files", "snapshot_rows", "rejects"} <= {t for _, t in tables}
    for schema, table in tables:
        parts.append(repr(con.execute(f'select * from "{schema}"."{table}"').fetchall()))
    return "\n".join(parts)


def _scan_result(result) -> str:
    fields = {f.name: getattr(result, f.name) for f in dataclasses.fields(result)}
    fields["rows"] = result.rows.to_pylist()
    return repr(fields)


def _assert_absent(secrets: list[str], *texts: str) -> None:
    blob = "\n".join(texts)
    leaked = [s for s in secrets if s in blob]
    # parts of the values, too (a digit run of a phone or ID number, the marker words)
    leaked += [m for m in ("Zqx", "zqx", "0999", "0988", "00109") if m in blob]
    assert leaked == []


HEADER = [*b.STANDARD_HEADERS, *b.PERSONAL_HEADERS, EXTRA]
GROUPED = [
    "STT",
    "Mã hồ sơ",
    ("Người nộp hồ sơ", ["Họ tên người nộp", "Số điện thoại", "Địa chỉ", "CMND/CCCD", "Email"]),
    ("Thông tin hồ sơ", ["Tên thủ tục hành chính", "Lĩnh vực", "Đơn vị xử lý"]),
    "Hình thức nộp",
    ("Thời gian", ["Ngày tiếp nhận", "Ngày hẹn trả", "Ngày có kết quả"]),
    "Trạng thái",
    "Số hóa",
    "Kết quả điện tử",
    EXTRA,
]


CASES = [(kind, HEADER) for kind in b.WRITERS] + [
    (kind, GROUPED) for kind in ("xlsx_shared_strings", "xls_biff8", "html", "csv_comma")
]


@pytest.mark.parametrize(("kind", "header"), CASES, ids=[f"{k}-{len(h)}" for k, h in CASES])
def test_personal_values_reach_nothing(tmp_path, kind, header):
    rows, secrets = _rows(5)
    rows[1]["Trạng thái"] = "Trạng thái lạ"  # a rejected row: its reject must hold no secret
    rows[2]["Ngày tiếp nhận"] = "31/02/2026"
    sheet = b.dossier_sheet(rows, header, title=b.TITLE, footer=True)
    path = b.write_export(tmp_path, "personal", kind, [sheet])

    result, stats, con = b.read_and_load(path)

    assert result.personal_columns == 5
    assert EXTRA in result.ignored_headers
    assert stats.rows_rejected == 2 and stats.rows_loaded == 3
    _assert_absent(secrets, _scan_result(result), _scan_db(con))
    b.assert_accounting(result, stats)


def test_national_sync_personal_fields(tmp_path):
    rows = b.national_rows(8)
    secrets = [r[h] for r in rows for h in ("ChuHoSo", "SoGiayToChuHoSo", "SoDienThoai")]
    sheet = b.dossier_sheet(rows, b.NATIONAL_HEADERS)
    path = b.write_export(tmp_path, "sync_20260416", "csv_comma", [sheet])
    result, _, con = b.read_and_load(path)
    assert result.personal_columns == 3
    _assert_absent(secrets, _scan_result(result), _scan_db(con))


@pytest.mark.parametrize("kind", ["xlsx_shared_strings", "html", "csv_bom_semicolon"])
def test_refusal_messages_hold_no_personal_values(tmp_path, kind):
    rows, secrets = _rows(3)
    missing = [h for h in HEADER if h not in ("Hình thức nộp", "Ngày tiếp nhận")]
    path = b.write_export(tmp_path, "missing", kind, [b.dossier_sheet(rows, missing)])
    outcome = read_one(path, b.vocab(), frozenset())
    assert isinstance(outcome, Refusal)
    assert "Hình thức nộp" in outcome.reason and "Ngày tiếp nhận" in outcome.reason
    _assert_absent(secrets, outcome.reason, repr(outcome))


def test_ambiguous_columns_refusal_holds_no_personal_values(tmp_path):
    rows, secrets = _rows(3)
    header = [*HEADER, "Số biên nhận"]
    for r in rows:
        r["Số biên nhận"] = r["Mã hồ sơ"]
    path = b.write_export(tmp_path, "dup", "xlsx_shared_strings", [b.dossier_sheet(rows, header)])
    outcome = read_one(path, b.vocab(), frozenset())
    assert isinstance(outcome, Refusal)
    _assert_absent(secrets, outcome.reason, repr(outcome))
