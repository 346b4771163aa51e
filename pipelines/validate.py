"""Validate the staged tables with the Great Expectations suites of ``expectations/``.

One suite per validated table (``expectations/<table>.json``); each expectation's ``meta``
says why it exists (``why``) and what to do when it fails (``todo``). The frame a suite checks
comes from ``sql/validation/<table>.sql`` over the staged table. Expectations of severity
``critical`` block publishing; ``warning`` ones are reported and publish.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from pipelines.db import EXPECTATIONS_DIR, sql_text

VALIDATED_TABLES: tuple[str, ...] = ("dossiers", "indicators")
MAX_EXAMPLES = 5


@dataclass(frozen=True)
class Finding:
    """One expectation's outcome, in plain words."""

    table: str
    expectation: str
    column: str | None
    severity: str
    success: bool
    unexpected_count: int
    examples: list[str]
    why: str
    todo: str | None
    #: The exception the check raised ("Class: message", as GX reports it); None when it ran.
    error: str | None = None
    #: the identity of SPEC §6 an expectation checks (its ``meta.identity``), if any
    identity: str | None = None
    #: for a failed identity, the dossiers whose own figures break it (SPEC §6)
    dossiers: tuple[str, ...] = ()

    def message(self) -> str:
        """A line for the user: the check, how many rows, examples, what to do."""
        where = f" (cột {self.column})" if self.column else ""
        if self.error:
            return (
                f"[{self.table}] {self.why}{where}: không chạy được phép kiểm tra "
                f"(lỗi của phép kiểm tra, không phải của dữ liệu): {self.error}"
            )
        text = f"[{self.table}] {self.why}{where}: {self.unexpected_count} dòng không đạt"
        if self.examples:
            text += f", ví dụ: {', '.join(self.examples)}"
        if self.identity and not self.success:
            if self.dossiers:
                text += f"; hồ sơ làm lệch: {', '.join(self.dossiers)}"
            else:
                text += (
                    "; theo quy tắc từng hồ sơ không hồ sơ nào làm lệch, nên lỗi nằm ở phép "
                    "cộng của sql/indicators/indicators.sql"
                )
        if self.todo:
            text += f". Cần làm: {self.todo}"
        return text


@dataclass
class ValidationOutcome:
    """All findings of one validation; ``success`` is false when a critical check failed."""

    findings: list[Finding] = field(default_factory=list)
    results: list[Any] = field(default_factory=list, repr=False)

    @property
    def success(self) -> bool:
        return not any(f.severity == "critical" and not f.success for f in self.findings)

    @property
    def failed(self) -> list[Finding]:
        return [f for f in self.findings if not f.success]

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary for run.json."""
        return {
            "success": self.success,
            "checks": len(self.findings),
            "passed": sum(f.success for f in self.findings),
            "failed": [asdict(f) | {"message": f.message()} for f in self.failed],
        }


def load_suite(table: str, directory: Path = EXPECTATIONS_DIR) -> dict[str, Any]:
    """The suite of ``table`` as committed JSON."""
    with (directory / f"{table}.json").open(encoding="utf-8") as f:
        return json.load(f)


def validation_frame(
    con: duckdb.DuckDBPyConnection,
    table: str,
    schema: str,
    new_files: list[str] | None = None,
) -> pd.DataFrame:
    """The frame a suite checks: ``sql/validation/<table>.sql`` over ``<schema>.<table>``.

    ``new_files``: content hashes of the files this run loaded (None: every loaded file).
    """
    sql = sql_text(f"validation/{table}")
    params = {}
    if "$new_files" in sql:
        if new_files is None:
            new_files = [h for (h,) in con.execute("select file_hash from main.files").fetchall()]
        params["new_files"] = new_files
    con.execute(f"set search_path = '{schema},main'")
    try:
        return con.sql(sql, params=params).to_arrow_table().to_pandas()
    finally:
        con.execute("set search_path = 'main'")


def _quiet_gx() -> Any:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    for name in ("great_expectations", "great_expectations.data_context.types.base"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # String row conditions are deprecated in GX 1.9+ but remain the only way to state a
    # column-arithmetic identity (handled != resolved + pending); pinned to GX < 2.
    warnings.filterwarnings("ignore", message=".*(condition_parser|row_condition).*deprecated")

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    return gx, context


def _examples(result: dict[str, Any]) -> list[str]:
    values = result.get("partial_unexpected_list") or []
    if not values and result.get("partial_unexpected_counts"):
        values = [c["value"] for c in result["partial_unexpected_counts"]]
    return [str(v) for v in values[:MAX_EXAMPLES]]


def validate_frames(
    frames: dict[str, pd.DataFrame],
    directory: Path = EXPECTATIONS_DIR,
    docs_dir: Path | None = None,
) -> ValidationOutcome:
    """Run each table's suite over its frame, once per table; build Data Docs into docs_dir."""
    gx, context = _quiet_gx()
    actions = []
    if docs_dir is not None:
        context.add_data_docs_site(
            "hoso",
            {
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir.resolve()),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
        actions = [gx.checkpoint.UpdateDataDocsAction(name="data_docs", site_names=["hoso"])]
    outcome = ValidationOutcome()
    for table, frame in frames.items():
        suite = context.suites.add(gx.ExpectationSuite(**load_suite(table, directory)))
        source = context.data_sources.add_pandas(f"{table}_source")
        batch_def = source.add_dataframe_asset(table).add_batch_definition_whole_dataframe(table)
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{table}_validation", data=batch_def, suite=suite)
        )
        checkpoint = context.checkpoints.add(
            gx.Checkpoint(
                name=f"{table}_checkpoint",
                validation_definitions=[definition],
                actions=actions,
                result_format={
                    "result_format": "SUMMARY",
                    "partial_unexpected_count": MAX_EXAMPLES,
                },
            )
        )
        run = checkpoint.run(batch_parameters={"dataframe": frame})
        for result in run.run_results.values():
            outcome.results.append(result)
            outcome.findings.extend(_findings(table, result))
    return outcome


def _findings(table: str, result: Any) -> list[Finding]:
    findings = []
    for item in result.results:
        config = item.expectation_config
        meta = config.meta or {}
        res = item.result or {}
        severity = str(getattr(config, "severity", None) or "critical")
        error = _raised(item.exception_info)
        findings.append(
            Finding(
                table=table,
                expectation=config.type,
                column=config.kwargs.get("column"),
                severity=severity.split(".")[-1].lower(),
                success=bool(item.success),
                unexpected_count=int(
                    res.get("unexpected_count") or (0 if item.success or error else 1)
                ),
                examples=_examples(res),
                why=meta.get("why", config.type),
                todo=meta.get("todo"),
                error=error,
                identity=meta.get("identity"),
            )
        )
    return findings


def _raised(info: Any) -> str | None:
    """The exception(s) an expectation raised, as "Class: message" (no traceback); else None.

    GX reports either one ``{raised_exception, exception_message, exception_traceback}`` dict or
    a dict of them keyed by the metric that raised.
    """
    if not isinstance(info, dict):
        return None
    entries = [info] if "raised_exception" in info else list(info.values())
    errors: list[str] = []
    for entry in entries:
        if not isinstance(entry, dict) or not entry.get("raised_exception"):
            continue
        message = str(entry.get("exception_message") or "").strip()
        lines = str(entry.get("exception_traceback") or "").strip().splitlines()
        last = lines[-1] if lines else ""
        name = last.split(":", 1)[0].rsplit(".", 1)[-1].strip() if ":" in last else ""
        text = f"{name}: {message}" if name else message or "lỗi không rõ"
        if text not in errors:
            errors.append(text)
    return "; ".join(errors) or None


def validate_tables(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    docs_dir: Path | None = None,
    new_files: list[str] | None = None,
) -> ValidationOutcome:
    """Validate every staged table of :data:`VALIDATED_TABLES`; Data Docs into docs_dir.

    Dossiers are validated for the files this run loaded (``new_files``; None: all files);
    the indicators, always whole.
    """
    frames = {t: validation_frame(con, t, schema, new_files) for t in VALIDATED_TABLES}
    outcome = validate_frames(frames, docs_dir=docs_dir)
    if any(f.identity and not f.success for f in outcome.findings):
        breaking = identity_breaks(con, schema)
        outcome.findings = [
            replace(f, dossiers=tuple(breaking.get(f.identity, ())[:MAX_DOSSIERS]))
            if f.identity and not f.success
            else f
            for f in outcome.findings
        ]
    return outcome


#: How many breaking dossiers a failed identity names.
MAX_DOSSIERS = 20


def identity_breaks(con: duckdb.DuckDBPyConnection, schema: str) -> dict[str, list[str]]:
    """Identity → the dossiers whose own figures break it (``sql/validation/identity_breaks``),
    each with the windows where it does (``C07 (period 2026-03-19)``)."""
    con.execute(f"set search_path = '{schema},main'")
    try:
        rows = con.execute(sql_text("validation/identity_breaks")).fetchall()
    finally:
        con.execute("set search_path = 'main'")
    out: dict[str, list[str]] = {}
    for identity, code, windows in rows:
        out.setdefault(identity, []).append(f"{code} ({', '.join(windows[:3])})")
    return out
