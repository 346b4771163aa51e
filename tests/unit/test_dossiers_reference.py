"""sql/dossiers/dossiers.sql (winners by a group by on one integer key, fast) gives exactly the
table of tests/reference/dossiers_by_rules.sql (window functions over every snapshot row) on
generated files and snapshot rows: several exports of a dossier, equal export times, files
whose export time is only their modification time, rows with and without a result."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.db import connect, sql_text
from tests.support import REPO

REFERENCE = (REPO / "tests" / "reference" / "dossiers_by_rules.sql").read_text(encoding="utf-8")

START = datetime(2026, 1, 1, 8, 0)
STATUSES = ["pending", "awaiting_supplement", "finished", "withdrawn", "refused"]


@st.composite
def a_case(draw):
    n_files = draw(st.integers(1, 5))
    files = []
    for k in range(n_files):
        files.append(
            {
                # few distinct export times, so that ties between files occur
                "hash": draw(st.sampled_from("0123456789abcdef")) + f"{k:063d}",
                "export_at": START + timedelta(days=draw(st.integers(0, 3))),
                "rule": draw(st.sampled_from(["title_block", "file_name", "file_mtime"])),
            }
        )
    rows = []
    for f in files:
        for row_number in draw(st.sets(st.integers(2, 40), max_size=12)):
            finished = draw(st.one_of(st.none(), st.integers(-3, 20)))
            rows.append(
                {
                    "file_hash": f["hash"],
                    "row_number": row_number,
                    "dossier_code": f"D{draw(st.integers(0, 6))}",
                    "status": draw(st.sampled_from(STATUSES)),
                    "received_at": START + timedelta(days=draw(st.integers(0, 10))),
                    "due_at": draw(
                        st.one_of(
                            st.none(),
                            st.builds(lambda d: START + timedelta(days=d), st.integers(0, 20)),
                        )
                    ),
                    "finished_offset": finished,
                    "unit": draw(st.sampled_from(["U1", "u1", None])),
                }
            )
    return files, rows


def _tables(files, rows, changed):
    con = connect(":memory:")
    try:
        for f in files:
            con.execute(
                """insert into files values ($h, $h || '.xlsx', 'xlsx', 'DS', $e, $rule,
                   0, 0, 0, 0, 0, 1, [], [], now()::timestamp)""",
                {"h": f["hash"], "e": f["export_at"], "rule": f["rule"]},
            )
        for r in rows:
            finished = (
                None
                if r["finished_offset"] is None
                else r["received_at"] + timedelta(days=r["finished_offset"], hours=3)
            )
            con.execute(
                """insert into snapshot_rows values ($h, $row, $code, 'P', 'Thủ tục', 'Lĩnh vực',
                   $unit, 'online', $status, $received, $due, $finished, true, null)""",
                {
                    "h": r["file_hash"],
                    "row": r["row_number"],
                    "code": r["dossier_code"],
                    "unit": r["unit"],
                    "status": r["status"],
                    "received": r["received_at"],
                    "due": r["due_at"],
                    "finished": finished,
                },
            )
        con.execute("create temp table changed_codes (dossier_code varchar)")
        con.execute(
            "insert into changed_codes select unnest($codes::varchar[])", {"codes": changed}
        )
        result = []
        for sql in (sql_text("dossiers/dossiers"), REFERENCE):
            for everything in (True, False):
                result.append(
                    con.execute(
                        f"select * from ({sql}) order by dossier_code", {"everything": everything}
                    ).fetchall()
                )
        return result
    finally:
        con.close()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a_case(), st.lists(st.sampled_from([f"D{i}" for i in range(7)]), max_size=4))
def test_the_pipeline_sql_equals_the_reference(case, changed):
    files, rows = case
    fast_all, fast_changed, reference_all, reference_changed = _tables(files, rows, changed)
    assert fast_all == reference_all
    assert fast_changed == reference_changed
