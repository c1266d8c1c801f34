"""The rule registry: every rule code once, with what it means and how to fix it.

Text output, the pytest items' JUnit properties, SARIF, JSON, GitHub annotations and the
rule table of ``docs/verdicts.md`` all read this table, so a rule cannot exist in one output
and be missing from another. Adding a verdict means adding its :class:`Verdict` member and
one :class:`RuleInfo` row here; ``tests/test_rules.py`` fails until the doc row exists too.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Level = Literal["error", "warning"]
CheckKind = Literal["identity", "purity", "imports"]

DOCS_URL = "https://github.com/pytest-ssot/pytest-ssot/blob/main/docs/verdicts.md"


class Verdict(str, enum.Enum):
    """What a deprecated path hands a caller, compared with the canonical object."""

    IDENTITY = "identity"
    SUBCLASS_SHIM = "subclass-shim"
    SEPARATE_DEFINITION = "separate-definition"
    MISSING = "missing"
    IMPORT_ERROR = "import-error"
    CANONICAL_IMPORT_ERROR = "canonical-import-error"
    #: Only from ``ssot check --static``: the path is computed by code it cannot follow.
    UNRESOLVED = "unresolved"

    @property
    def ok(self) -> bool:
        return self is Verdict.IDENTITY

    @property
    def rule(self) -> str:
        """The rule code of this verdict; ``""`` for ``identity``, which is no finding."""
        info = _VERDICT_RULES.get(self)
        return "" if info is None else info.code


class Rule(str, enum.Enum):
    """Stable rule codes, the way linters name their diagnostics."""

    SEPARATE_DEFINITION = "SSOT001"
    SUBCLASS_SHIM = "SSOT002"
    MISSING = "SSOT003"
    IMPORT_ERROR = "SSOT004"
    CANONICAL_IMPORT_ERROR = "SSOT005"
    MUTATION = "SSOT006"
    UNRESOLVED = "SSOT007"
    IMPURE_REDIRECT = "SSOT010"
    UNREADABLE_SOURCE = "SSOT011"
    DEPRECATED_IMPORT = "SSOT020"
    STALE_BASELINE = "SSOT021"


@dataclass(frozen=True)
class RuleInfo:
    """One row of the registry."""

    rule: Rule
    #: The short name shown beside the code (``SSOT001 separate-definition``).
    symbol: str
    #: What a finding of this rule means, in one sentence.
    summary: str
    #: How to resolve it, in one sentence.
    fix: str
    #: The checks that report it; the pytest item of that check fails.
    checks: tuple[CheckKind, ...]
    #: The verdict this rule reports, for rules that are identity verdicts.
    verdict: Verdict | None = None
    #: The level when nothing (warn mode, a ``warn`` audit policy) lowers it.
    level: Level = "error"

    @property
    def code(self) -> str:
        return self.rule.value

    @property
    def anchor(self) -> str:
        """The heading id of the rule's section in ``docs/verdicts.md`` (mkdocs slug)."""
        words = f"{self.code} {self.symbol}".lower().replace("-", " ").split()
        return "-".join(words)

    @property
    def help_uri(self) -> str:
        return f"{DOCS_URL}#{self.anchor}"


_ROWS = (
    RuleInfo(
        Rule.SEPARATE_DEFINITION,
        "separate-definition",
        "A deprecated path holds its own class or function instead of the canonical object.",
        "Replace the deprecated module's body with a redirect that imports the canonical "
        "(`ssot fix` writes it).",
        ("identity",),
        Verdict.SEPARATE_DEFINITION,
    ),
    RuleInfo(
        Rule.SUBCLASS_SHIM,
        "subclass-shim",
        "A deprecated path is a subclass of the canonical, not the canonical itself.",
        "Alias the canonical instead of subclassing it.",
        ("identity",),
        Verdict.SUBCLASS_SHIM,
    ),
    RuleInfo(
        Rule.MISSING,
        "missing",
        "The deprecated path does not exist: importing it raises ImportError.",
        "Add the redirect to the deprecated module.",
        ("identity",),
        Verdict.MISSING,
    ),
    RuleInfo(
        Rule.IMPORT_ERROR,
        "import-error",
        "Importing the deprecated module fails.",
        "Make the deprecated module import nothing but the canonical.",
        ("identity",),
        Verdict.IMPORT_ERROR,
    ),
    RuleInfo(
        Rule.CANONICAL_IMPORT_ERROR,
        "canonical-import-error",
        "The canonical object itself cannot be imported.",
        "Fix the import error at the reported location.",
        ("identity",),
        Verdict.CANONICAL_IMPORT_ERROR,
    ),
    RuleInfo(
        Rule.MUTATION,
        "mutation",
        "Importing a deprecated module changes the canonical object.",
        "Delete the assignment; define the attribute on the canonical if it is needed.",
        ("identity",),
    ),
    RuleInfo(
        Rule.UNRESOLVED,
        "unresolved",
        "The static check cannot follow how the deprecated path is computed.",
        "Run the runtime check (`ssot check` or pytest), or simplify the shim.",
        ("identity",),
        Verdict.UNRESOLVED,
    ),
    RuleInfo(
        Rule.IMPURE_REDIRECT,
        "impure-redirect",
        "A deprecated module holds more than a redirect.",
        "Move the statement into the canonical module, or delete it, and re-export.",
        ("purity",),
    ),
    RuleInfo(
        Rule.UNREADABLE_SOURCE,
        "unreadable-source",
        "A source file could not be found, read or parsed.",
        "Fix the file, or the module name in the configuration.",
        ("purity", "imports"),
    ),
    RuleInfo(
        Rule.DEPRECATED_IMPORT,
        "deprecated-import",
        "Code imports or names a deprecated path instead of the canonical one.",
        "Import from the canonical module (`ssot fix` rewrites it).",
        ("imports",),
    ),
    RuleInfo(
        Rule.STALE_BASELINE,
        "stale-baseline",
        "The import-audit baseline is stale or unusable.",
        "Record the progress with `pytest --ssot-update-baseline`.",
        ("imports",),
    ),
)

#: Every rule, in code order.
RULES: Mapping[Rule, RuleInfo] = {row.rule: row for row in _ROWS}

_VERDICT_RULES: Mapping[Verdict, RuleInfo] = {
    row.verdict: row for row in _ROWS if row.verdict is not None
}


def rule_info(rule: Rule | str) -> RuleInfo:
    """The registry row of a rule, by member or code (``"SSOT001"``)."""
    return RULES[Rule(rule)]


def markdown_table() -> str:
    """The rule table of ``docs/verdicts.md`` (a test keeps the two equal)."""
    lines = ["| rule | name | meaning | fix | item that fails |", "| --- | --- | --- | --- | --- |"]
    for info in RULES.values():
        lines.append(
            f"| [{info.code}](#{info.anchor}) | `{info.symbol}` | {info.summary} | {info.fix} "
            f"| {' or '.join(info.checks)} |"
        )
    return "\n".join(lines) + "\n"
