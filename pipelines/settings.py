"""``hoso.toml`` → one typed :class:`Settings` object. Command-line options override it.

Every key is optional; the defaults run the pipeline on ``sample_exports/``. An unknown key or
a value of the wrong form is an error that names the key and the expected form.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from pipelines.periods import DEFAULT_SINCE
from pipelines.vocab import Vocabulary, VocabularyError, load_vocabulary

CONFIG_NAME = "hoso.toml"


class SettingsError(ValueError):
    """hoso.toml (or an option) is not valid; the message names the key and the expected form."""


@dataclass(frozen=True)
class Schedule:
    """When ``hoso serve`` runs the flow: a cron expression in a time zone."""

    cron: str = "0 2 * * *"
    timezone: str = "Asia/Ho_Chi_Minh"


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know, from defaults, hoso.toml and command-line options."""

    exports: Path = Path("sample_exports")
    database: Path = Path("data/hoso.duckdb")
    output: Path = Path("out")
    unit_name: str | None = None
    since: date = DEFAULT_SINCE
    lock_timeout_seconds: float = 600.0
    workers: int = 0  # 0: one reader thread per core
    schedule: Schedule = field(default_factory=Schedule)
    aliases: dict[str, list[str]] = field(default_factory=dict)
    channels: dict[str, list[str]] = field(default_factory=dict)
    statuses: dict[str, list[str]] = field(default_factory=dict)
    flags: dict[str, list[str]] = field(default_factory=dict)
    source: Path | None = None

    def reader_threads(self) -> int:
        """Threads that read exports: ``workers``, or one per core when it is 0."""
        return self.workers or max(1, os.cpu_count() or 1)

    def vocabulary(self) -> Vocabulary:
        """The committed vocabulary plus this configuration's additions."""
        try:
            return load_vocabulary(self.aliases, self.channels, self.statuses, self.flags)
        except VocabularyError as exc:
            raise SettingsError(str(exc)) from exc

    def override(self, **options: Any) -> Settings:
        """A copy with the given options (those not None) replacing the configured values."""
        return replace(self, **{k: v for k, v in options.items() if v is not None})


_TOP_KEYS = {
    "exports": ("đường dẫn thư mục", str),
    "database": ("đường dẫn tệp", str),
    "output": ("đường dẫn thư mục", str),
    "unit_name": ("chuỗi", str),
    "since": ("ngày dạng 2025-07-01", date),
    "lock_timeout_seconds": ("số giây", (int, float)),
    "workers": ("số nguyên ≥ 0", int),
}


def _word_lists(value: Any, key: str) -> dict[str, list[str]]:
    if not isinstance(value, dict) or not all(
        isinstance(v, list) and all(isinstance(w, str) for w in v) for v in value.values()
    ):
        raise SettingsError(f'Khóa [{key}] trong {CONFIG_NAME}: cần dạng tên = ["từ 1", "từ 2"].')
    return {k: list(v) for k, v in value.items()}


def parse_settings(data: dict[str, Any], source: Path | None = None) -> Settings:
    """Settings from the parsed TOML of hoso.toml."""
    where = f" trong {source}" if source else ""
    values: dict[str, Any] = {"source": source}
    base = source.parent if source else Path()
    for key, value in data.items():
        if key in _TOP_KEYS:
            form, kind = _TOP_KEYS[key]
            if isinstance(value, bool) or not isinstance(value, kind):
                raise SettingsError(f"Khóa '{key}'{where}: cần {form}, nhận được {value!r}.")
            if key in ("exports", "database", "output"):
                value = base / value
            if key == "workers" and value < 0:
                raise SettingsError(f"Khóa '{key}'{where}: cần {form}.")
            values[key] = value
        elif key == "schedule":
            if not isinstance(value, dict) or set(value) - {"cron", "timezone"}:
                raise SettingsError(
                    f'Mục [schedule]{where}: chỉ có cron = "0 2 * * *" và '
                    'timezone = "Asia/Ho_Chi_Minh".'
                )
            values["schedule"] = _schedule(value, where)
        elif key == "aliases":
            values["aliases"] = _word_lists(value, "aliases")
        elif key == "vocabulary":
            if not isinstance(value, dict) or set(value) - {"channels", "statuses", "flags"}:
                raise SettingsError(
                    f"Mục [vocabulary]{where}: chỉ có [vocabulary.channels], "
                    "[vocabulary.statuses], [vocabulary.flags]."
                )
            for sub, words in value.items():
                values[sub] = _word_lists(words, f"vocabulary.{sub}")
        else:
            known = ", ".join([*_TOP_KEYS, "schedule", "aliases", "vocabulary"])
            raise SettingsError(f"Khóa '{key}'{where} không được hỗ trợ. Các khóa hợp lệ: {known}.")
    settings = Settings(**values)
    settings.vocabulary()  # fail now, not mid-run, on a bad vocabulary
    return settings


def _schedule(value: dict[str, Any], where: str) -> Schedule:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    cron = value.get("cron", Schedule.cron)
    tz = value.get("timezone", Schedule.timezone)
    if not isinstance(cron, str) or len(cron.split()) != 5:
        raise SettingsError(
            f"Khóa 'schedule.cron'{where}: cần biểu thức cron 5 trường, ví dụ \"0 2 * * *\" "
            "(2 giờ sáng mỗi ngày)."
        )
    try:
        ZoneInfo(str(tz))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SettingsError(
            f"Khóa 'schedule.timezone'{where}: múi giờ '{tz}' không tồn tại; "
            'dùng "Asia/Ho_Chi_Minh".'
        ) from exc
    return Schedule(cron=cron, timezone=tz)


def load_settings(path: Path | None = None) -> Settings:
    """Settings from ``path``, or from ./hoso.toml when it exists, else the defaults."""
    if path is None:
        candidate = Path(CONFIG_NAME)
        if not candidate.exists():
            return Settings()
        path = candidate
    if not path.exists():
        raise SettingsError(f"Không tìm thấy tệp cấu hình {path}.")
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(toml_error_message(path, exc)) from exc
    except UnicodeDecodeError as exc:
        raise SettingsError(
            f"Tệp {path} không phải văn bản UTF-8: hãy lưu lại bằng Notepad, chọn mã hóa UTF-8."
        ) from exc
    except OSError as exc:
        raise SettingsError(f"Không mở được tệp cấu hình {path} ({exc.strerror}).") from exc
    return parse_settings(data, path)


_TOML_WHERE = re.compile(r"\(at line (\d+), column (\d+)\)")


def toml_error_message(path: Path, exc: tomllib.TOMLDecodeError) -> str:
    """The TOML parser's (English) error as a Vietnamese message with the line and column."""
    found = _TOML_WHERE.search(str(exc))
    if found:
        where = f"ở dòng {found.group(1)}, cột {found.group(2)}"
    elif "end of document" in str(exc):
        where = "ở cuối tệp"
    else:
        where = "(không rõ vị trí)"
    return (
        f"Tệp cấu hình {path} sai cú pháp TOML {where}. Hãy kiểm tra dòng đó: mỗi dòng có dạng "
        'khóa = giá trị, chữ đặt trong ngoặc kép (unit_name = "UBND xã …"), ngày dạng '
        "2025-07-01, tên mục trong ngoặc vuông ([schedule]), mỗi khóa chỉ một lần."
    )
