"""An expectation that raises is reported as an error of the check, never as failing rows."""

from __future__ import annotations

import json

import pandas as pd

from pipelines.validate import validate_frames


def _suite(tmp_path, expectations):
    (tmp_path / "t.json").write_text(
        json.dumps({"name": "t", "expectations": expectations}), encoding="utf-8"
    )
    return tmp_path


def test_an_expectation_that_raises_is_an_error_of_the_check(tmp_path):
    directory = _suite(
        tmp_path,
        [
            {
                "type": "expect_column_values_to_not_be_null",
                "kwargs": {
                    "column": "a",
                    "row_condition": "no_such_column > 1",
                    "condition_parser": "pandas",
                },
                "meta": {"why": "Cột a không rỗng"},
            },
            {
                "type": "expect_column_values_to_not_be_null",
                "kwargs": {"column": "a"},
                "meta": {"why": "Cột a luôn có giá trị"},
            },
        ],
    )
    frame = pd.DataFrame({"a": [1.0, None, 3.0]})
    outcome = validate_frames({"t": frame}, directory=directory)

    raised, failed = outcome.findings
    assert not outcome.success
    assert not raised.success and raised.unexpected_count == 0
    assert "no_such_column" in raised.error and "Error" in raised.error.split(":")[0]
    message = raised.message()
    assert "không chạy được phép kiểm tra" in message and "no_such_column" in message
    assert "dòng không đạt" not in message and "Traceback" not in message
    # the check beside it ran: its failing rows are counted as before
    assert failed.error is None and failed.unexpected_count == 1
    assert "1 dòng không đạt" in failed.message()
    summary = outcome.summary()["failed"]
    assert [f["error"] is not None for f in summary] == [True, False]


def test_a_check_that_runs_has_no_error(tmp_path):
    directory = _suite(
        tmp_path,
        [
            {
                "type": "expect_column_values_to_not_be_null",
                "kwargs": {"column": "a"},
                "meta": {"why": "Cột a luôn có giá trị"},
            }
        ],
    )
    outcome = validate_frames({"t": pd.DataFrame({"a": [1, 2]})}, directory=directory)
    assert outcome.success and outcome.findings[0].error is None
