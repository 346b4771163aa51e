"""bao-cao.docx and bao-cao.txt (issue 17): the section V.2 text ready to paste into the report,
with the unit's name, no Markdown, and the same words as report.md."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH

from pipelines.publish.report import (
    DOCX_FONT,
    report_text,
    write_report,
    write_report_docx,
    write_report_plain,
)
from tests.unit.test_report import rule_cases  # noqa: F401  (the fixture)

UNIT = "UBND xã Xuân Giang"


@pytest.fixture
def docx_path(rule_cases: pd.DataFrame, tmp_path: Path) -> Path:  # noqa: F811
    path = tmp_path / "bao-cao.docx"
    write_report_docx(rule_cases, path, unit_name=UNIT)
    return path


def test_docx_has_the_unit_title_section_and_paragraphs(
    docx_path: Path,
    rule_cases: pd.DataFrame,  # noqa: F811
) -> None:
    text = report_text(rule_cases, unit_name=UNIT)
    paragraphs = Document(str(docx_path)).paragraphs
    assert [p.text for p in paragraphs] == [
        text.title.upper(),
        text.section,
        *text.paragraphs,
    ]
    assert UNIT.upper() in paragraphs[0].text
    assert paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert all(run.bold for run in paragraphs[0].runs + paragraphs[1].runs)
    for body in paragraphs[2:]:
        assert body.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
        assert body.text.startswith("- ") and "#" not in body.text
        assert body.paragraph_format.first_line_indent is not None


def test_docx_font_is_the_administrative_one(docx_path: Path) -> None:
    normal = Document(str(docx_path)).styles["Normal"]
    assert normal.font.name == DOCX_FONT and normal.font.size.pt == 14


def test_docx_bytes_depend_only_on_the_figures(
    rule_cases: pd.DataFrame,  # noqa: F811
    tmp_path: Path,
) -> None:
    first, second = tmp_path / "a.docx", tmp_path / "b.docx"
    write_report_docx(rule_cases, first, unit_name=UNIT)
    write_report_docx(rule_cases, second, unit_name=UNIT)
    assert first.read_bytes() == second.read_bytes()
    write_report_docx(rule_cases, second, unit_name="UBND xã Khác")
    assert first.read_bytes() != second.read_bytes()


def test_plain_text_has_no_markup_and_the_same_words_as_markdown(
    rule_cases: pd.DataFrame,  # noqa: F811
) -> None:
    plain = write_report_plain(rule_cases, unit_name=UNIT)
    markdown = write_report(rule_cases, unit_name=UNIT)
    assert not any(line.startswith("#") for line in plain.splitlines())
    assert plain.splitlines()[0] == f"Số liệu giải quyết thủ tục hành chính – {UNIT}"
    assert plain.replace("\n", "") == markdown.replace("# ", "").replace("#", "").replace("\n", "")
    assert unicodedata.is_normalized("NFC", plain)
