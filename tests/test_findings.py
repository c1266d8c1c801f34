"""Every output lists the same findings: one projection serves them all."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from pytest_ssot.domain.model import (
    BaselineDiff,
    ContractAudit,
    ContractReport,
    IdentityResult,
    ImportSite,
    Impurity,
    Location,
    Mutation,
    ObjectPath,
    PurityResult,
    RedirectContract,
    Stale,
    Verdict,
)
from pytest_ssot.domain.rules import Rule
from pytest_ssot.rendering.findings import Finding, Projection, check_id, checks_of, finding_lines
from pytest_ssot.rendering.outputs import (
    github_annotations,
    json_report,
    markdown_summary,
    sarif_log,
)

CANONICAL = ObjectPath("app.core", "Engine")


def _contract(name: str, **kwargs: object) -> RedirectContract:
    redirects = tuple(ObjectPath(f"app.old{i}", "Engine") for i in range(len(Verdict)))
    return RedirectContract(name, CANONICAL, redirects, **kwargs)  # type: ignore[arg-type]


def every_kind_of_result(root: Path) -> tuple[ContractReport, ...]:
    """One report per contract holding every verdict, a mutation, purity errors and
    impurities, and every audit finding (error, unreadable, undeclared, new, stale)."""
    contract = _contract("engine", golden_path=True)
    identity = tuple(
        IdentityResult.of(
            contract,
            redirect,
            verdict,
            f"detail of {verdict.value} in {root}/app/x.py",
            Location(str(root / "app" / f"old{i}.py"), 3),
        )
        for i, (redirect, verdict) in enumerate(zip(contract.redirects, Verdict))
    )
    mutated = IdentityResult(
        contract.name,
        ObjectPath("app.patch", "Engine"),
        CANONICAL,
        Verdict.IDENTITY,
        "same",
        mutations=(
            Mutation("legacy", "added", "app.patch", Location(str(root / "app/patch.py"), 4)),
        ),
    )
    purity = (
        PurityResult(
            "app.old1",
            str(root / "app/old1.py"),
            (
                Impurity(Location(str(root / "app/old1.py"), 5), "class", "class Engine: ..."),
                Impurity(Location(str(root / "app/old1.py"), 9), "call", "setup()"),
            ),
        ),
        PurityResult("app.gone", None, error="app.gone: no source file on sys.path"),
    )
    site = ImportSite(
        "src/use.py",
        2,
        1,
        "engine",
        "app.old0",
        "from-import",
        "from app.old0 import Engine",
        "from app.core import Engine",
    )
    error_audit = ContractAudit("error", (site,), unreadable=("src/bad.py: cannot parse: line 3",))
    baseline_audit = ContractAudit(
        "baseline",
        (site,),
        diff=BaselineDiff((site,), (), (Stale("src/old.py", "k", 2, 0),)),
        baseline="ssot-baseline.json",
        unknown_contracts=("renamed",),
    )
    warn_audit = ContractAudit("warn", (site,))
    broken_baseline = ContractAudit(
        "baseline",
        (),
        diff=BaselineDiff((), (), ()),
        error="ssot-baseline.json: not valid JSON",
        baseline="ssot-baseline.json",
    )
    return (
        ContractReport(contract, (*identity, mutated), purity, error_audit),
        ContractReport(_contract("baselined"), (), (), baseline_audit),
        ContractReport(_contract("warned"), (), (), warn_audit),
        ContractReport(_contract("broken-baseline"), (), (), broken_baseline),
    )


def _key(finding: Finding) -> tuple[str, str, int, str]:
    return finding.code, finding.path, finding.line, finding.level


@pytest.fixture
def setup(tmp_path: Path) -> tuple[tuple[ContractReport, ...], Projection, list[Finding]]:
    reports = every_kind_of_result(tmp_path)
    projection = Projection(tmp_path)
    return reports, projection, projection.findings(reports)


def test_every_rule_is_found(
    setup: tuple[tuple[ContractReport, ...], Projection, list[Finding]],
) -> None:
    _, _, found = setup
    assert {f.rule for f in found} == set(Rule)
    assert not any(str(Path.cwd()) in f.message or f.path.startswith("/") for f in found)


def test_sarif_lists_the_findings(
    setup: tuple[tuple[ContractReport, ...], Projection, list[Finding]],
) -> None:
    reports, projection, found = setup
    results = sarif_log(reports, projection)["runs"][0]["results"]
    listed = Counter(
        (
            r["ruleId"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["level"],
        )
        for r in results
    )
    assert listed == Counter(map(_key, found))


def test_json_lists_the_findings(
    setup: tuple[tuple[ContractReport, ...], Projection, list[Finding]],
) -> None:
    reports, projection, found = setup
    data = json.loads(json.dumps(json_report(reports, projection)))
    listed = Counter((f["rule"], f["path"], f["line"], f["level"]) for f in data["findings"])
    assert listed == Counter(map(_key, found))


def test_annotations_list_the_findings(
    setup: tuple[tuple[ContractReport, ...], Projection, list[Finding]],
) -> None:
    reports, projection, found = setup
    lines = github_annotations(reports, projection)
    assert len(lines) == len(found)
    for line, finding in zip(lines, found):
        assert line.startswith(f"::{finding.level} file={finding.path},line={finding.line},")
        assert f"title={finding.code} " in line


def test_step_summary_lists_the_findings(
    setup: tuple[tuple[ContractReport, ...], Projection, list[Finding]],
) -> None:
    reports, projection, found = setup
    summary = markdown_summary(reports, projection)
    rows = [row for row in summary.splitlines() if row.startswith("| SSOT")]
    assert Counter(row.split()[1] for row in rows) == Counter(f.code for f in found)


def test_terminal_lists_the_findings(
    setup: tuple[tuple[ContractReport, ...], Projection, list[Finding]],
) -> None:
    _, _, found = setup
    lines = finding_lines(found, limit=None)
    assert [line.split(": ", 1)[1].split()[0] for line in lines] == [f.code for f in found]
    capped = finding_lines(found, limit=3)
    assert capped[-1] == f"... and {len(found) - 3} more finding(s) (-v shows all)"


def test_items_list_the_findings(
    setup: tuple[tuple[ContractReport, ...], Projection, list[Finding]],
) -> None:
    reports, projection, found = setup
    per_item = [f for r in reports for check in checks_of(r) for f in projection.of(r, check)]
    assert per_item == found
    assert all(
        f.check == check_id(check)
        for r in reports
        for check in checks_of(r)
        for f in projection.of(r, check)
    )


def test_levels_follow_the_policy(
    setup: tuple[tuple[ContractReport, ...], Projection, list[Finding]],
) -> None:
    reports, projection, found = setup
    assert {f.level for f in found if f.contract == "warned"} == {"warning"}
    assert {f.level for f in found if f.contract != "warned"} == {"error"}
    warn_mode = Projection(projection.root, warn=True).findings(reports)
    assert {f.level for f in warn_mode} == {"warning"}
