"""Machine outputs for CI: JSON, SARIF 2.1.0, GitHub Actions annotations and step summary.

All of them list the findings of :mod:`pytest_ssot.rendering.findings` and describe rules from the
registry (:mod:`pytest_ssot.domain.rules`), so a violation reads the same in a pull-request
annotation, in code scanning and in the log.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pytest_ssot import __version__
from pytest_ssot.domain.model import ContractReport
from pytest_ssot.domain.rules import DOCS_URL, RULES
from pytest_ssot.domain.serial import to_plain
from pytest_ssot.rendering.findings import Finding, Projection
from pytest_ssot.settings.options import parse_report_spec
from pytest_ssot.source.files import repository_root, write_atomically
from pytest_ssot.source.modules import relative_posix

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def sarif_log(reports: Sequence[ContractReport], projection: Projection) -> dict[str, Any]:
    """A SARIF 2.1.0 log that GitHub code scanning accepts."""
    rules = [
        {
            "id": info.code,
            "name": info.symbol,
            "shortDescription": {"text": info.summary},
            "fullDescription": {"text": info.summary},
            "help": {"text": info.fix, "markdown": f"**Fix:** {info.fix}"},
            "helpUri": info.help_uri,
            "defaultConfiguration": {"level": info.level},
        }
        for info in RULES.values()
    ]
    index = {rule["id"]: number for number, rule in enumerate(rules)}
    base = repository_root(projection.root)
    results = [
        {
            "ruleId": finding.code,
            "ruleIndex": index[finding.code],
            "level": finding.level,
            "message": {"text": finding.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {
                            "uri": _repository_path(finding, projection.root, base),
                            "uriBaseId": "%SRCROOT%",
                        },
                        "region": _region(finding),
                    }
                }
            ],
            "properties": {"contract": finding.contract, "check": finding.check},
        }
        for finding in projection.findings(reports)
    ]
    return {
        "version": "2.1.0",
        "$schema": SARIF_SCHEMA,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "pytest-ssot",
                        "version": __version__,
                        "informationUri": DOCS_URL,
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }


def _repository_path(finding: Finding, root: Path, base: Path) -> str:
    """The finding's file relative to the repository root (``%SRCROOT%``), ``/``-separated;
    never absolute, so the log means the same on every machine."""
    return relative_posix(root / finding.path, base)


def _region(finding: Finding) -> dict[str, int]:
    region = {"startLine": finding.line}
    if finding.column:
        region["startColumn"] = finding.column
    return region


# -- JSON ----------------------------------------------------------------------------------------


def json_report(
    reports: Sequence[ContractReport], projection: Projection, *, static: bool = False
) -> dict[str, Any]:
    ok = not any(report.fails_run for report in reports)
    return {
        "ok": ok,
        "static": static,
        "findings": [_finding_json(f) for f in projection.findings(reports)],
        "contracts": to_plain(list(reports)),
    }


def _finding_json(finding: Finding) -> dict[str, Any]:
    return {"symbol": finding.info.symbol, **to_plain(finding)}


def write_report(spec: str, reports: Sequence[ContractReport], projection: Projection) -> Path:
    """``json:PATH`` or ``sarif:PATH``; written atomically."""

    kind, path = parse_report_spec(spec)
    if kind == "sarif":
        document = sarif_log(reports, projection)
    else:
        document = json_report(reports, projection)
    target = Path(path)
    write_atomically(target, json.dumps(document, indent=2) + "\n")
    return target


# -- GitHub Actions --------------------------------------------------------------------------


def github_annotations(reports: Sequence[ContractReport], projection: Projection) -> list[str]:
    """Workflow commands that annotate the pull request's files."""
    lines = []
    base = repository_root(projection.root)
    for finding in projection.findings(reports):
        path = _repository_path(finding, projection.root, base)
        title = f"{finding.code} {finding.info.symbol} ({finding.contract})"
        column = f",col={finding.column}" if finding.column else ""
        lines.append(
            f"::{finding.level} file={_escape_property(path)},line={finding.line}"
            f"{column},title={_escape_property(title)}::{_escape_data(finding.message)}"
        )
    return lines


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def markdown_summary(reports: Sequence[ContractReport], projection: Projection) -> str:
    """Tables for ``$GITHUB_STEP_SUMMARY``: one row per contract, then one per finding."""
    lines = [
        "## pytest-ssot",
        "",
        "| contract | golden path | identity | purity | imports |",
        "| --- | --- | --- | --- | --- |",
    ]
    for report in reports:
        bad = [r for r in report.identity if not r.ok]
        identity = (
            "ok"
            if not bad
            else ", ".join(
                sorted(
                    {r.verdict.value for r in bad}
                    | ({"mutation"} if any(r.mutations for r in bad) else set())
                )
            )
        )
        impure = sum(not p.ok for p in report.purity)
        purity = "ok" if not impure else f"{impure} impure module(s)"
        audit = report.audit
        if audit is None:
            imports = "not audited"
        else:
            imports = f"{len(audit.sites)} site(s) ({audit.policy})"
            if audit.diff is not None:
                imports += f", {len(audit.diff.new)} new"
        mark = "yes" if report.contract.golden_path else ""
        status = "✅" if report.ok else "❌"
        lines.append(
            f"| {status} `{report.contract.name}` | {mark} | {identity} | {purity} | {imports} |"
        )
    found = projection.findings(reports)
    if found:
        lines += ["", "| rule | level | where | finding |", "| --- | --- | --- | --- |"]
        lines += [
            f"| {f.code} `{f.info.symbol}` | {f.level} | `{f.path}:{f.line}` | "
            f"{_markdown_cell(f.message)} |"
            for f in found
        ]
    return "\n".join(lines) + "\n"


def _markdown_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
