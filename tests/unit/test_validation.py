"""Each accounting identity is enforced by the indicators suite; failures are explained."""

from __future__ import annotations

from datetime import date

import pytest

from pipelines.validate import load_suite, validate_tables
from tests.support import indicators_for, rule_case_rows

PERIOD = (date(2026, 3, 19), date(2026, 4, 16), date(2025, 7, 1))


@pytest.fixture()
def staged():
    con, _ = indicators_for(rule_case_rows(), *PERIOD)
    yield con
    con.close()


def test_clean_tables_pass(staged):
    outcome = validate_tables(staged, "staging")
    assert outcome.success
    assert not [f for f in outcome.failed if f.severity == "critical"]


BREAKS = [
    ("handled = handled + 1", "Tổng số phải giải quyết = đã giải quyết + đang giải quyết"),
    ("handled = handled + 1", "Tổng số phải giải quyết = tiếp nhận mới + kỳ trước chuyển qua"),
    ("resolved_early = resolved_early + 1", "Đã giải quyết = trước hạn + đúng hạn + quá hạn"),
    ("received_postal = received_postal + 1", "Tiếp nhận mới = trực tuyến + trực tiếp + bưu chính"),
    ("pending_within = pending_within + 1", "Đang giải quyết = trong hạn + quá hạn"),
    ("pending = -1", "không thể âm"),
    ("online_rate = 1.5", "Tỷ lệ 'online_rate' là phân số trong [0, 1]"),
]


@pytest.mark.parametrize(("change", "named"), BREAKS)
def test_a_broken_identity_fails_and_is_named(staged, change, named):
    staged.execute(
        f"update staging.indicators set {change} where \"window\" = 'period' and group_by = 'all'"
    )
    outcome = validate_tables(staged, "staging")
    assert not outcome.success
    messages = [f.message() for f in outcome.failed if f.severity == "critical"]
    hit = [m for m in messages if named in m]
    assert hit, messages
    assert "period 2026-03-19..2026-04-16 all" in hit[0]  # the example names the row


def test_period_above_cumulative_is_caught(staged):
    staged.execute(
        "update staging.indicators set received_new = received_new + 100, "
        "received_online = received_online + 100, handled = handled + 100, "
        "pending = pending + 100, pending_within = pending_within + 100 "
        "where \"window\" = 'period' and group_by = 'all'"
    )
    outcome = validate_tables(staged, "staging")
    assert any("lũy kế" in f.why for f in outcome.failed)
    assert not outcome.success


def test_duplicate_key_is_caught(staged):
    staged.execute(
        "insert into staging.indicators select * from staging.indicators "
        "where \"window\" = 'period' and group_by = 'all'"
    )
    outcome = validate_tables(staged, "staging")
    assert not outcome.success


def test_data_warnings_do_not_block(staged):
    # C13 was received after the canonical file's export date: a warning, not a block.
    outcome = validate_tables(staged, "staging")
    warnings = [f for f in outcome.failed if f.severity == "warning"]
    assert warnings and outcome.success
    assert "C13" in warnings[0].examples


@pytest.mark.parametrize("table", ["dossiers", "indicators"])
def test_every_expectation_says_why(table):
    suite = load_suite(table)
    for expectation in suite["expectations"]:
        assert expectation["meta"].get("why"), expectation
        assert expectation["severity"] in ("critical", "warning")


def test_dossier_rows_are_validated_for_the_new_batch_only(staged):
    # A bad dossier in history (a file loaded by an earlier run) is not revalidated by a run
    # that loaded no file; the run that loaded its file catches it.
    staged.execute("update staging.dossiers set channel = 'fax' where dossier_code = 'C13'")
    (file_hash,) = staged.execute(
        "select source_file_hash from staging.dossiers where dossier_code = 'C13'"
    ).fetchone()
    nightly = validate_tables(staged, "staging", new_files=[])
    assert nightly.success
    assert not [f for f in nightly.failed if f.table == "dossiers"]
    batch = validate_tables(staged, "staging", new_files=[file_hash])
    assert not batch.success
    assert any(f.table == "dossiers" and f.column == "channel" for f in batch.failed)
