"""The one writer of synthetic dossier exports, for the tests, the sample exports and the
benchmarks.

- :mod:`tests.exports.grid`: a sheet as a grid of cells with merged ranges, row styles, column
  widths and date formats, and one writer per file kind (xlsx by openpyxl or xlsxwriter, xlsm,
  BIFF8 by xlwt, HTML saved as .xls, CSV variants); workbook properties make the bytes stable.
- :mod:`tests.exports.layout`: dossier lists laid out as portals export them (title block,
  one- or two-row header, column numbers, group rows, footer), the national sync layout.
- :mod:`tests.exports.hostile`: damaged and hostile files.

It imports nothing of ``pipelines``: what it writes is the truth the pipeline is checked
against. ``sample_exports/generate.py`` (which describes the committed samples as sheets and
writes every one of them here) and ``benchmarks/generate.py`` import it with the repository
root on ``sys.path``.
"""

from tests.exports.grid import (
    EXCEL_KINDS,
    SCRIPT,
    WRITERS,
    Cell,
    Merge,
    Properties,
    SheetSpec,
    Style,
    encode_legacy,
    html_document,
    text,
    write_csv,
    write_export,
    write_html,
    write_openpyxl,
    write_xlsxwriter,
    write_xlwt,
)
from tests.exports.hostile import (
    biff_stream,
    ole_file,
    patch_zip_member,
    shared_strings_workbook,
    zip_bomb,
)
from tests.exports.layout import (
    FOOTER,
    NATIONAL_HEADERS,
    PERSONAL_HEADERS,
    STANDARD_HEADERS,
    TITLE,
    GroupRow,
    Header,
    Row,
    dossier_sheet,
    header_names,
    national_rows,
    personal_values,
    records,
    stamp,
    two_row_header,
)

__all__ = [
    "EXCEL_KINDS",
    "FOOTER",
    "NATIONAL_HEADERS",
    "PERSONAL_HEADERS",
    "SCRIPT",
    "STANDARD_HEADERS",
    "TITLE",
    "WRITERS",
    "Cell",
    "GroupRow",
    "Header",
    "Merge",
    "Properties",
    "Row",
    "SheetSpec",
    "Style",
    "biff_stream",
    "dossier_sheet",
    "encode_legacy",
    "header_names",
    "html_document",
    "national_rows",
    "ole_file",
    "patch_zip_member",
    "personal_values",
    "records",
    "shared_strings_workbook",
    "stamp",
    "text",
    "two_row_header",
    "write_csv",
    "write_export",
    "write_html",
    "write_openpyxl",
    "write_xlsxwriter",
    "write_xlwt",
    "zip_bomb",
]
