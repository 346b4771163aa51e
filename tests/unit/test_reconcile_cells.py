"""sql/reconcile/form06_cells.sql (the dossiers behind each form-06 cell) counts, per sector and
in total, exactly the figures of sql/indicators/indicators.sql, on generated dossiers and
windows: the list of dossiers `hoso doi-chieu` shows can never drift from hoso's figures."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.db import connect
from pipelines.periods import Window
from pipelines.reconcile.compare import FORM_FIGURES, cell_dossiers, hoso_figures, open_hoso
from pipelines.reconcile.form06 import FIGURE_COLUMNS
from pipelines.transform import build_tables
from tests.support import insert_canonical
from tests.unit.test_indicators_reference import DAYS, START, a_dossier


@st.composite
def a_case(draw):
    rows = [draw(a_dossier(i)) for i in range(draw(st.integers(0, 25)))]
    for row in rows:  # sector names that differ only by case or spacing are one sector
        if row["sector_name"] == "S1" and draw(st.booleans()):
            row["sector_name"] = draw(st.sampled_from(["s1", " S1 ", "S1"]))
    a = draw(st.integers(-5, DAYS + 5))
    b = draw(st.integers(a, DAYS + 10))
    return rows, (START + timedelta(days=a), START + timedelta(days=b))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(a_case())
def test_the_cells_count_the_indicator_figures(tmp_path_factory, case):
    rows, window = case
    path = tmp_path_factory.mktemp("cells") / "hoso.duckdb"
    con = connect(path)
    insert_canonical(con, rows)
    build_tables(con, [Window("period", *window)])
    con.close()
    con = open_hoso(path)
    try:
        total, sectors = hoso_figures(con, window)
        cells = cell_dossiers(con, window, {})
    finally:
        con.close()
    assert set(FORM_FIGURES) == set(FIGURE_COLUMNS)
    for column in FIGURE_COLUMNS:
        assert len(cells.get((None, column), [])) == total[column]
        for key, (_, cols) in sectors.items():
            assert len(cells.get((key, column), [])) == cols[column], (key, column)
        codes = [d.dossier_code for d in cells.get((None, column), [])]
        assert len(codes) == len(set(codes))  # a dossier counts once per column
    keys = {k for k, _ in cells if k is not None}
    assert keys <= set(sectors)
