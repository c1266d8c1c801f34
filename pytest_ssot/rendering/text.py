"""Turning findings into text a person can act on: rule code, location, message, fix.

Paths are shown relative to the project root so they can be pasted into an editor; every
violation ends with the exact change that resolves it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pytest_ssot.domain.model import (
    ContractAudit,
    ContractReport,
    IdentityResult,
    ImportSite,
    Location,
    Mutation,
    ObjectPath,
    PurityResult,
    RedirectContract,
    Rule,
    Verdict,
)
from pytest_ssot.rendering.redirects import redirect_for

INDENT = "    "


@dataclass(frozen=True)
class Renderer:
    """Renders findings with paths relative to ``root``.

    ``contracts`` and ``search_path`` (``None``: ``sys.path``) let a fix show the whole
    redirect a deprecated module needs: every name it exports, for every contract it serves.
    """

    root: Path
    contracts: tuple[RedirectContract, ...] = ()
    search_path: tuple[str, ...] | None = None

    def path(self, path: str | None) -> str:
        if not path:
            return "?"
        try:
            return os.path.relpath(path, self.root)
        except ValueError:  # another drive on Windows
            return path

    def location(self, location: Location | None) -> str:
        if location is None:
            return "?"
        shown = self.path(location.path)
        return f"{shown}:{location.line}" if location.line else shown

    # -- one check at a time (the text of a failing contract item) -------------------------

    def identity(
        self, result: IdentityResult, contract: RedirectContract, *, with_fix: bool = True
    ) -> list[str]:
        lines: list[str] = []
        if not result.verdict.ok:
            lines.append(f"{result.verdict.rule} {result.verdict.value}: {result.redirect}")
            lines.append(f"{INDENT}{self.relative_text(result.detail)}")
            lines.append(f"{INDENT}canonical: {result.canonical}")
            if result.location:
                lines.append(f"{INDENT}look at: {self.location(result.location)}")
            if with_fix:
                lines.extend(self.fix(result, contract))
        for mutation in result.mutations:
            lines.extend(self.mutation(mutation, result))
        if result.warnings:
            lines.append(f"{INDENT}warnings on import (expected from a shim):")
            lines.extend(f"{INDENT * 2}{w}" for w in result.warnings)
        return lines

    def mutation(self, mutation: Mutation, result: IdentityResult) -> list[str]:
        name = result.canonical.attribute or result.canonical.module
        where = f" at {self.location(mutation.location)}" if mutation.location else ""
        return [
            f"{Rule.MUTATION.value} mutation: importing {mutation.imported} {mutation.change} "
            f"{name}.{mutation.attribute}{where}",
            f"{INDENT}the SSOT behaves differently depending on whether anything imported "
            f"{mutation.imported} first",
            f"{INDENT}fix: delete that assignment; if {name} needs {mutation.attribute!r}, "
            f"define it in {result.canonical.module}",
        ]

    def purity(self, result: PurityResult) -> list[str]:
        if result.error:
            return [f"{Rule.UNREADABLE_SOURCE.value} {self.relative_text(result.error)}"]
        lines = [
            f"{Rule.IMPURE_REDIRECT.value} {self.path(result.path)}:{i.location.line}: "
            f"[{i.kind}] {i.message}"
            for i in result.impurities
        ]
        if lines:
            lines.append(
                f"{INDENT}a deprecated module may hold only a redirect: imports from the "
                "canonical, aliases, __all__, a deprecation warning, a delegating __getattr__"
            )
        return lines

    def audit(self, audit: ContractAudit) -> list[str]:
        """The import sites of a contract, as its policy judges them."""
        baseline = audit.baseline
        if audit.error:
            return [f"{Rule.STALE_BASELINE.value} {self.relative_text(audit.error)}"]
        lines = [f"{Rule.UNREADABLE_SOURCE.value} {error}" for error in audit.unreadable]
        if audit.unknown_contracts:
            names = ", ".join(map(repr, audit.unknown_contracts))
            lines.append(
                f"{Rule.STALE_BASELINE.value} {baseline} records contract(s) {names} that "
                "[tool.ssot] does not declare; if a contract was renamed, rename its entry in "
                "the baseline, else drop them with pytest --ssot-update-baseline"
            )
        if audit.policy == "baseline" and audit.diff is not None:
            diff = audit.diff
            if diff.new:
                lines.append(
                    f"{len(diff.new)} new import site(s) of deprecated paths since {baseline}:"
                )
                lines.extend(self.site(site, audit) for site in diff.new)
            if diff.stale:
                lines.append(
                    f"{Rule.STALE_BASELINE.value} {len(diff.stale)} entrie(s) of {baseline} match "
                    "nothing any more; record the progress with pytest --ssot-update-baseline:"
                )
                lines.extend(
                    f"{INDENT}{s.path}: {s.key} (recorded {s.recorded}, found 0)"
                    for s in diff.stale
                )
            if diff.fixed_count:
                lines.append(f"progress: {diff.fixed_count} site(s) fixed since {baseline}")
            return lines
        if audit.sites:
            production = len(audit.sites) - audit.test_sites
            lines.append(
                f"{len(audit.sites)} import site(s) of deprecated paths "
                f"({production} production, {audit.test_sites} test):"
            )
            lines.extend(self.site(site, audit) for site in audit.sites)
        return lines

    def site(self, site: ImportSite, audit: ContractAudit) -> str:
        tags = "".join(
            f" [{tag}]"
            for tag, on in (("test", site.path in audit.test_paths), ("type-only", site.type_only))
            if on
        )
        fix = f"\n{INDENT * 2}fix: {site.replacement}" if site.replacement else ""
        return (
            f"{Rule.DEPRECATED_IMPORT.value} {site.path}:{site.line}:{site.column}: "
            f"{site.text}{tags}{fix}"
        )

    def fix(self, result: IdentityResult, contract: RedirectContract) -> list[str]:
        if result.verdict is Verdict.CANONICAL_IMPORT_ERROR:
            return [
                f"{INDENT}fix: make {contract.canonical.module} importable (see the error "
                "above); the redirects are judged once it imports"
            ]
        module = result.redirect.module
        target = self.path(result.location.path) if result.location else module
        if result.verdict is Verdict.IMPORT_ERROR:
            lead = f"fix: make {module} import nothing but the canonical; its whole body:"
        else:
            lead = f"fix: replace the body of {target} with a redirect:"
        serving = [c for c in self.contracts if module in c.redirect_modules()] or [contract]
        redirect = redirect_for(module, serving, self.search_path)
        lines = [f"{INDENT}{lead}"]
        lines += [f"{INDENT * 2}| {line}".rstrip() for line in redirect.source().splitlines()]
        if redirect.moving:
            they = "it uses" if len(redirect.moving) == 1 else "they use"
            lines.append(
                f"{INDENT}first move {', '.join(redirect.moving)} into {redirect.home}, with the "
                f"module-level names {they} (no canonical defines them); `ssot fix --write` "
                "does both"
            )
        return lines

    def relative_text(self, text: str) -> str:
        """Shorten absolute paths under the root inside a message."""
        root = str(self.root)
        return text.replace(root + os.sep, "") if root else text

    # -- the golden-path section -------------------------------------------------------------

    def golden_path_violations(self, reports: Sequence[ContractReport]) -> list[str]:
        """Per violated golden-path contract: what users get, what breaks, where, the fix."""
        lines: list[str] = []
        for report in reports:
            if not report.contract.golden_path or report.ok:
                continue
            contract = report.contract
            lines.append(f"Contract {contract.name!r}: {_golden_headline(report)}")
            if contract.description:
                lines.append(f"{INDENT}({contract.description})")
            for result in report.violations:
                lines.extend(self._golden_violation(result, contract))
            for purity in report.purity:
                if purity.error:
                    lines.append(
                        f"{INDENT}- {purity.module}: purity not checked: "
                        f"{self.relative_text(purity.error)}"
                    )
                elif purity.impurities:
                    lines.append(
                        f"{INDENT}- {purity.module} is not a pure redirect: it holds code beside "
                        f"the redirect, {_DRIFT}; move these into the canonical module (or "
                        "delete them), then re-export:"
                    )
                    lines.extend(
                        f"{INDENT * 2}{self.location(i.location)} [{i.kind}] "
                        f"{self.relative_text(i.message)}"
                        for i in purity.impurities
                    )
            lines.append("")
        return lines

    def golden_path_brief(self, reports: Sequence[ContractReport]) -> list[str]:
        """For the failure text of each affected golden-path test: per contract, what is
        wrong in one line (users get something else, or they get the SSOT but a deprecated
        module holds code beside the redirect), then one line per path or module."""
        lines = []
        for report in reports:
            contract = report.contract
            served = self._served_brief(report)
            impure = self._impure_brief(report)
            if served:
                lines.append(
                    f"{INDENT}{contract.name}: users reaching the code through these paths get "
                    f"something other than the SSOT {contract.canonical}:"
                )
                lines.extend(served)
            if impure and served:
                lines.append(
                    f"{INDENT}{contract.name}: and deprecated modules hold code beside the "
                    "redirect:"
                )
            elif impure:
                lines.append(
                    f"{INDENT}{contract.name}: users get the SSOT {contract.canonical} through "
                    "every path today, but deprecated modules hold code beside the redirect, "
                    f"{_DRIFT}:"
                )
            lines.extend(impure)
        return lines

    def _served_brief(self, report: ContractReport) -> list[str]:
        lines = []
        for result in report.violations:
            if not result.verdict.ok:
                lines.append(
                    f"{INDENT * 2}x {import_line(result.redirect)}  "
                    f"[{result.verdict.rule} {result.verdict.value}] "
                    f"at {self.location(result.location)}"
                )
            lines.extend(
                f"{INDENT * 2}x import {m.imported} changes {result.canonical.attribute}."
                f"{m.attribute}  [{Rule.MUTATION.value} mutation] "
                f"at {self.location(m.location)}"
                for m in result.mutations
            )
        return lines

    def _impure_brief(self, report: ContractReport) -> list[str]:
        """One line per deprecated module: where, and which statements (kind and line)."""
        lines = []
        for purity in report.purity:
            if purity.error:
                lines.append(
                    f"{INDENT * 2}x {purity.module}: purity not checked "
                    f"[{Rule.UNREADABLE_SOURCE.value}]: {self.relative_text(purity.error)}"
                )
            elif purity.impurities:
                statements = ", ".join(
                    f"line {i.location.line} [{i.kind}]" for i in purity.impurities
                )
                lines.append(
                    f"{INDENT * 2}x {purity.module} ({self.path(purity.path)}): {statements}  "
                    f"[{Rule.IMPURE_REDIRECT.value} impure redirect]"
                )
        return lines

    def golden_path_section(
        self,
        reports: Sequence[ContractReport],
        affected: Sequence[str],
        *,
        failing_tests: bool,
        golden_tests: int | None = None,
        scope: str = "reach",
        limit: int | None = None,
    ) -> list[str]:
        """What breaks for users, then which golden-path tests that fails and why: the
        count first, the list capped at ``limit`` (``None``: all)."""
        lines = self.golden_path_violations(reports)
        if not lines:
            return []
        outcome = "reported as failed" if failing_tests else "not failed (report only)"
        rule = (
            "every golden-path test (ssot_golden_path_scope = all)"
            if scope == "all"
            else "the golden-path tests these contracts reach (they, their fixtures or their "
            "module import or name the canonical or a deprecated path)"
        )
        if affected:
            of = f" of {golden_tests}" if golden_tests is not None else ""
            lines.append(
                f"Golden-path tests affected in this run: {len(affected)}{of}, {outcome}; "
                f"affected are {rule}:"
            )
            shown = list(affected) if limit is None else list(affected)[:limit]
            lines.extend(f"{INDENT}{nodeid}" for nodeid in shown)
            if len(shown) < len(affected):
                lines.append(f"{INDENT}... and {len(affected) - len(shown)} more (-v lists all)")
        elif golden_tests:
            lines.append(
                f"None of the {golden_tests} golden-path test(s) in this run reaches these "
                "contracts, so none was failed; mark the tests that prove a user gets an "
                "answer through this code."
            )
        else:
            lines.append(
                "No @pytest.mark.golden_path test in this run guards these contracts; "
                "mark the tests that prove a user gets an answer."
            )
        return lines

    def _golden_violation(self, result: IdentityResult, contract: RedirectContract) -> list[str]:
        lines = []
        if not result.verdict.ok:
            lines += [
                f"{INDENT}x {import_line(result.redirect)}   "
                f"[{result.verdict.rule} {result.verdict.value}]",
                f"{INDENT * 2}serves: {self.relative_text(result.detail)}",
                f"{INDENT * 2}breaks: {consequence(result)}",
                f"{INDENT * 2}look at: {self.location(result.location)}",
                *(f"{INDENT}{line}" for line in self.fix(result, contract)),
            ]
        for mutation in result.mutations:
            lines += [
                f"{INDENT}x import {mutation.imported}   [{Rule.MUTATION.value} mutation]",
                f"{INDENT * 2}breaks: importing it {mutation.change} "
                f"{result.canonical.attribute}.{mutation.attribute}, so the SSOT behaves "
                "differently depending on import order",
                f"{INDENT * 2}look at: {self.location(mutation.location)}",
                f"{INDENT * 2}fix: delete that assignment from {mutation.imported}",
            ]
        return lines


#: What code beside a redirect does to users who, today, get the SSOT through it.
_DRIFT = "which can diverge from the SSOT or run side effects on import"


def _golden_headline(report: ContractReport) -> str:
    """What users get: something else, maybe something else (the static check cannot
    tell), or the SSOT itself from modules that hold more than the redirect."""
    canonical = report.contract.canonical
    violations = report.violations
    if any(r.mutations or r.verdict is not Verdict.UNRESOLVED for r in violations):
        return f"users are served something other than the SSOT {canonical}"
    if violations:
        return f"the static check cannot tell whether users get the SSOT {canonical}"
    return (
        f"users get the SSOT {canonical} through every path today, but deprecated modules "
        "are not pure redirects"
    )


def consequence(result: IdentityResult) -> str:
    """What a caller on this import path experiences, in one sentence."""
    canonical = result.canonical.attribute or result.canonical.module
    verdict = result.verdict
    if verdict is Verdict.SEPARATE_DEFINITION:
        return (
            f"callers importing {result.redirect.dotted} run a second implementation: fixes to "
            f"{canonical} never reach them and isinstance(x, {canonical}) is False"
        )
    if verdict is Verdict.SUBCLASS_SHIM:
        overridden = ", ".join(result.overridden) or "nothing yet"
        return (
            f"callers get a subclass whose overrides ({overridden}) run instead of the SSOT's "
            f"code, and type(x) is {canonical} is False"
        )
    if verdict is Verdict.MISSING:
        return f"`{import_line(result.redirect)}` raises ImportError: those callers crash on import"
    if verdict is Verdict.IMPORT_ERROR:
        return (
            f"importing {result.redirect.module} fails, so every caller on this path crashes "
            f"before it reaches {canonical}"
        )
    if verdict is Verdict.CANONICAL_IMPORT_ERROR:
        return "the SSOT itself cannot be imported: every caller is down, whatever path it uses"
    if verdict is Verdict.UNRESOLVED:
        return (
            f"unknown without importing: the static check cannot tell whether callers of "
            f"{result.redirect.dotted} get {canonical}; run `ssot check` or pytest to know"
        )
    return "nothing: this path is the SSOT"


def import_line(path: ObjectPath) -> str:
    if path.attribute is None:
        return f"import {path.module}"
    return f"from {path.module} import {path.attribute}"


def audit_summary(audit: ContractAudit) -> str:
    """One line: the import sites of a contract and what changed since the baseline."""
    production = len(audit.sites) - audit.test_sites
    line = (
        f"imports ({audit.policy}): {len(audit.sites)} site(s) "
        f"({production} production / {audit.test_sites} test)"
    )
    if audit.diff is not None:
        line += f", {len(audit.diff.new)} new since baseline, {audit.diff.fixed_count} fixed"
        if audit.diff.stale:
            line += f", {len(audit.diff.stale)} stale baseline entrie(s)"
    if audit.unreadable:
        line += f", {len(audit.unreadable)} unreadable file(s)"
    if audit.unknown_contracts:
        line += f", {len(audit.unknown_contracts)} undeclared contract(s) in the baseline"
    return line


def contract_summary(report: ContractReport) -> str:
    """One line per contract for the end of a run: ok, or which verdicts and how many."""
    contract = report.contract
    verdicts = [r.verdict.value for r in report.identity if not r.verdict.ok]
    verdicts += ["mutation"] * sum(bool(r.mutations) for r in report.identity)
    verdicts += ["impure"] * sum(not p.ok for p in report.purity)
    tag = " [golden path]" if contract.golden_path else ""
    if contract.source:
        source = contract.source
        return f"{contract.name} (declared by the installed package {source}): import audit only"
    if not verdicts:
        return f"{contract.name}{tag}: ok ({len(contract.redirects)} redirect(s) are the SSOT)"
    counts = {v: verdicts.count(v) for v in dict.fromkeys(verdicts)}
    shown = ", ".join(f"{n} {v}" for v, n in counts.items())
    return f"{contract.name}{tag}: VIOLATED ({shown})"
