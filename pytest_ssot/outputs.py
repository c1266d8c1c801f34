"""Machine outputs for CI: JSON, SARIF 2.1.0, GitHub Actions annotations and step summary.

All of them are built from the same findings as the terminal text, with the same rule codes,
so a violation reads the same in a pull-request annotation, in code scanning and in the log.
Paths are relative to the project root, as code scanning requires.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_ssot import __version__
from pytest_ssot.model import ContractReport, Location, ObjectPath, Rule, Verdict
from pytest_ssot.modules import relative_posix
from pytest_ssot.report import Renderer

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
DOCS = "https://github.com/pytest-ssot/pytest-ssot/blob/main/docs/verdicts.md"
REPORT_FORMATS = ("json", "sarif")

#: Rule code -> (short name, what it means, how to fix it).
RULES: dict[str, tuple[str, str, str]] = {
    Rule.SEPARATE_DEFINITION.value: (
        "separate-definition",
        "A deprecated path holds its own class or function instead of the canonical object.",
        "Replace the deprecated module's body with a redirect that imports the canonical "
        "(`ssot fix` writes it).",
    ),
    Rule.SUBCLASS_SHIM.value: (
        "subclass-shim",
        "A deprecated path is a subclass of the canonical, not the canonical itself.",
        "Alias the canonical instead of subclassing it.",
    ),
    Rule.MISSING.value: (
        "missing",
        "The deprecated path does not exist: importing it raises ImportError.",
        "Add the redirect to the deprecated module.",
    ),
    Rule.IMPORT_ERROR.value: (
        "import-error",
        "Importing the deprecated module fails.",
        "Make the deprecated module import nothing but the canonical.",
    ),
    Rule.CANONICAL_IMPORT_ERROR.value: (
        "canonical-import-error",
        "The canonical object itself cannot be imported.",
        "Fix the import error at the reported location.",
    ),
    Rule.MUTATION.value: (
        "mutation",
        "Importing a deprecated module changes the canonical object.",
        "Delete the assignment; define the attribute on the canonical if it is needed.",
    ),
    Rule.UNRESOLVED.value: (
        "unresolved",
        "The static check cannot follow how the deprecated path is computed.",
        "Run the runtime check (`ssot check` or pytest), or simplify the shim.",
    ),
    Rule.IMPURE_REDIRECT.value: (
        "impure-redirect",
        "A deprecated module holds more than a redirect.",
        "Move the statement into the canonical module, or delete it, and re-export.",
    ),
    Rule.UNREADABLE_SOURCE.value: (
        "unreadable-source",
        "A source file could not be found, read or parsed.",
        "Fix the file or the module name in the configuration.",
    ),
    Rule.DEPRECATED_IMPORT.value: (
        "deprecated-import",
        "Code imports or names a deprecated path instead of the canonical one.",
        "Import from the canonical module (`ssot fix` rewrites it).",
    ),
    Rule.STALE_BASELINE.value: (
        "stale-baseline",
        "The import-audit baseline is stale or unusable.",
        "Record the progress with `pytest --ssot-update-baseline`.",
    ),
}


@dataclass(frozen=True)
class Finding:
    """One violation, flattened: what every CI format needs."""

    rule: str
    level: str  # "error" or "warning"
    message: str
    path: str  # relative to the root, posix
    line: int
    contract: str


def findings(reports: Sequence[ContractReport], root: Path) -> list[Finding]:
    found: list[Finding] = []
    for report in reports:
        found.extend(_report_findings(report, root))
    return found


def _report_findings(report: ContractReport, root: Path) -> Iterator[Finding]:
    shorten = Renderer(root).relative_text
    name = report.contract.name
    config_file = "pyproject.toml"
    for result in report.identity:
        if result.verdict is not Verdict.IDENTITY:
            path, line = _place(result.location, root, config_file)
            yield Finding(
                result.verdict.rule,
                "error",
                f"{result.redirect}: {result.verdict.value}: {shorten(result.detail)}",
                path,
                line,
                name,
            )
        for mutation in result.mutations:
            path, line = _place(mutation.location, root, config_file)
            yield Finding(
                Rule.MUTATION.value,
                "error",
                f"importing {mutation.imported} {mutation.change} "
                f"{result.canonical.attribute or result.canonical.module}.{mutation.attribute}",
                path,
                line,
                name,
            )
    for purity in report.purity:
        if purity.error:
            path, line = _place(Location(purity.path) if purity.path else None, root, config_file)
            yield Finding(Rule.UNREADABLE_SOURCE.value, "error", purity.error, path, line, name)
        for impurity in purity.impurities:
            path, line = _place(impurity.location, root, config_file)
            yield Finding(
                Rule.IMPURE_REDIRECT.value,
                "error",
                f"{purity.module}: [{impurity.kind}] {impurity.message}",
                path,
                line,
                name,
            )
    audit = report.audit
    if audit is None:
        return
    if audit.error:
        yield Finding(Rule.STALE_BASELINE.value, "error", audit.error, audit.baseline, 1, name)
    level = "warning" if audit.policy == "warn" else "error"
    failing = audit.diff.new if audit.diff is not None else audit.sites
    for site in failing:
        fix = f" (use: {site.replacement})" if site.replacement else ""
        yield Finding(
            Rule.DEPRECATED_IMPORT.value,
            level,
            f"{site.text} reaches deprecated {site.deprecated}{fix}",
            site.path,
            site.line,
            name,
        )
    if audit.diff is not None:
        for stale in audit.diff.stale:
            yield Finding(
                Rule.STALE_BASELINE.value,
                "error",
                f"baseline entry {stale.path}: {stale.key} matches nothing any more",
                audit.baseline,
                1,
                name,
            )


def _place(location: Location | None, root: Path, fallback: str) -> tuple[str, int]:
    if location is None or not location.path:
        return fallback, 1
    return relative_posix(location.path, root), max(location.line, 1)


def sarif_log(reports: Sequence[ContractReport], root: Path) -> dict[str, Any]:
    """A SARIF 2.1.0 log that GitHub code scanning accepts."""
    rules = [
        {
            "id": code,
            "name": name,
            "shortDescription": {"text": description},
            "fullDescription": {"text": description},
            "help": {"text": fix, "markdown": f"**Fix:** {fix}"},
            "helpUri": f"{DOCS}#{code.lower()}",
            "defaultConfiguration": {"level": "error"},
        }
        for code, (name, description, fix) in RULES.items()
    ]
    index = {rule["id"]: number for number, rule in enumerate(rules)}
    results = [
        {
            "ruleId": finding.rule,
            "ruleIndex": index[finding.rule],
            "level": finding.level,
            "message": {"text": finding.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": finding.path, "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": finding.line},
                    }
                }
            ],
            "properties": {"contract": finding.contract},
        }
        for finding in findings(reports, root)
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
                        "informationUri": DOCS,
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": root.resolve().as_uri() + "/"}},
                "results": results,
            }
        ],
    }


# -- JSON ----------------------------------------------------------------------------------------


def json_report(reports: Sequence[ContractReport], *, static: bool = False) -> dict[str, Any]:
    ok = not any(report.fails_run for report in reports)
    return {"ok": ok, "static": static, "contracts": to_jsonable(list(reports))}


def to_jsonable(value: object) -> Any:
    """Dataclasses, enums, paths and sets as plain JSON values."""
    if isinstance(value, ObjectPath):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [to_jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    return value


def write_report(spec: str, reports: Sequence[ContractReport], root: Path) -> Path:
    """``json:PATH`` or ``sarif:PATH``; written atomically."""
    from pytest_ssot.audit import write_atomically

    kind, path = parse_report_spec(spec)
    document = sarif_log(reports, root) if kind == "sarif" else json_report(reports)
    target = Path(path)
    write_atomically(target, json.dumps(document, indent=2) + "\n")
    return target


def parse_report_spec(spec: str) -> tuple[str, str]:
    kind, colon, path = spec.partition(":")
    if not colon or kind not in REPORT_FORMATS or not path:
        raise ValueError(
            f"{spec!r}: write FORMAT:PATH with FORMAT one of {', '.join(REPORT_FORMATS)}, "
            "e.g. sarif:ssot.sarif"
        )
    return kind, path


# -- GitHub Actions --------------------------------------------------------------------------


def github_annotations(reports: Sequence[ContractReport], root: Path) -> list[str]:
    """Workflow commands that annotate the pull request's files."""
    lines = []
    for finding in findings(reports, root):
        title = f"{finding.rule} {RULES[finding.rule][0]} ({finding.contract})"
        lines.append(
            f"::{finding.level} file={_escape_property(finding.path)},line={finding.line},"
            f"title={_escape_property(title)}::{_escape_data(finding.message)}"
        )
    return lines


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def markdown_summary(reports: Sequence[ContractReport]) -> str:
    """A table for ``$GITHUB_STEP_SUMMARY``: one row per contract."""
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
    return "\n".join(lines) + "\n"
