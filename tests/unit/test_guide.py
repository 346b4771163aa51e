"""docs/huong-dan.md: the Vietnamese guide for commune IT staff is linked from the README's
first lines and explains the messages hoso really prints."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from pipelines.cli import no_exports_problem, preflight
from pipelines.settings import Settings, SettingsError, load_settings
from tests.support import REPO

GUIDE = REPO / "docs" / "huong-dan.md"


def _guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def test_the_readme_links_the_guide_in_its_first_lines() -> None:
    first = "\n".join((REPO / "README.md").read_text(encoding="utf-8").splitlines()[:12])
    assert "docs/huong-dan.md" in first


def test_the_guide_is_nfc_and_covers_the_tasks() -> None:
    text = _guide()
    assert unicodedata.is_normalized("NFC", text)
    for topic in ("Cài đặt trên Windows", "tệp xuất", "hằng đêm", "Chạy lại một kỳ"):
        assert topic in text
    for command in ("hoso run", "hoso check", "hoso periods", "hoso status", "hoso serve"):
        assert command in text
    for output in ("bao-cao.docx", "bao-cao.txt", "indicators.xlsx", "hoso-loi.log"):
        assert output in text


def _opening(message: str, words: int = 5) -> str:
    """The first words of a message, before any path or value it quotes."""
    head = message.removeprefix("LỖI: ").replace("'", "")
    return " ".join(head.split()[:words]).rstrip(" .:")


def _messages(tmp_path: Path) -> list[str]:
    exports = tmp_path / "exports"
    missing = preflight(Settings(exports=tmp_path / "khong-co"))
    exports.mkdir()
    empty = no_exports_problem(
        Settings(exports=exports, database=tmp_path / "h.duckdb", output=tmp_path / "o")
    )
    bad = tmp_path / "hoso.toml"
    bad.write_text("unit_name = UBND\n", encoding="utf-8")
    with pytest.raises(SettingsError) as toml_error:
        load_settings(bad)
    found = [m for m in (missing, empty, str(toml_error.value)) if m]
    # the paths the messages quote are the user's; the guide writes them as "…"
    return [re.sub(r"\S*" + re.escape(str(tmp_path)) + r"\S*", "…", m) for m in found]


def test_the_guide_explains_the_messages_the_code_prints(tmp_path: Path) -> None:
    messages = _messages(tmp_path)
    assert len(messages) == 3
    guide = _guide().replace("'", "")
    for message in messages:
        assert _opening(message) in guide, message
