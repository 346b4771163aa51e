"""hoso.toml → Settings: defaults, overrides, and errors that name the key."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pipelines.settings import Settings, SettingsError, load_settings, parse_settings


def test_defaults_need_no_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.since == date(2025, 7, 1)
    assert settings.schedule.timezone == "Asia/Ho_Chi_Minh"


def test_paths_are_relative_to_the_config_file(tmp_path):
    config = tmp_path / "hoso.toml"
    config.write_text(
        'exports = "xuat"\nsince = 2025-01-01\nunit_name = "UBND xã A"\n'
        '[schedule]\ncron = "30 1 * * *"\n',
        encoding="utf-8",
    )
    settings = load_settings(config)
    assert settings.exports == tmp_path / "xuat"
    assert settings.since == date(2025, 1, 1)
    assert settings.schedule.cron == "30 1 * * *"


def test_options_override_the_file():
    settings = Settings().override(exports=Path("a"), database=None)
    assert settings.exports == Path("a") and settings.database == Settings().database


@pytest.mark.parametrize(
    ("data", "names"),
    [
        ({"exprots": "x"}, "exprots"),
        ({"since": "01/07/2025"}, "since"),
        ({"workers": -1}, "workers"),
        ({"schedule": {"cron": "every night"}}, "schedule.cron"),
        ({"schedule": {"timezone": "Asia/Hanoi_City"}}, "schedule.timezone"),
        ({"aliases": {"no_such_column": ["x"]}}, "no_such_column"),
        ({"vocabulary": {"channels": {"teleport": ["x"]}}}, "teleport"),
        ({"vocabulary": {"statuses": {"finished": ["Trực tuyến", "Đang xử lý"]}}}, "Đang xử lý"),
    ],
)
def test_errors_name_the_key(data, names):
    with pytest.raises(SettingsError) as exc:
        parse_settings(data)
    assert names in str(exc.value)


def test_user_vocabulary_extends_the_committed_one():
    settings = parse_settings(
        {
            "aliases": {"dossier_code": ["Mã số hồ sơ"]},
            "vocabulary": {"channels": {"online": ["Cổng DVC quốc gia"]}},
        }
    )
    vocab = settings.vocabulary()
    assert vocab.column_for("MÃ SỐ HỒ SƠ") == "dossier_code"
    assert vocab.channels["cong dvc quoc gia"] == "online"
    assert vocab.column_for("Mã hồ sơ") == "dossier_code"


def test_a_broken_toml_file_is_named(tmp_path):
    config = tmp_path / "hoso.toml"
    config.write_text("exports = \n", encoding="utf-8")
    with pytest.raises(SettingsError) as exc:
        load_settings(config)
    assert str(config) in str(exc.value)
