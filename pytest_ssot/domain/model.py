"""The domain of pytest-ssot: contracts, verdicts and findings.

Everything here is plain data. Reading configuration, importing user code and talking to pytest
happen elsewhere, so the checks and reports can be driven from pytest, a CLI or a unit test alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# Re-exported: the rule registry defines the verdicts and rule codes.
from pytest_ssot.domain.rules import Rule as Rule  # noqa: PLC0414
from pytest_ssot.domain.rules import Verdict as Verdict  # noqa: PLC0414

#: What an import of a deprecated path does to the contract's ``imports`` item.
AuditPolicy = Literal["error", "warn", "baseline", "off"]
AUDIT_POLICIES: tuple[AuditPolicy, ...] = ("error", "warn", "baseline", "off")


class SpecError(ValueError):
    """A dotted path that is not of the form ``pkg.mod`` or ``pkg.mod:Name``."""


@dataclass(frozen=True, order=True)
class ObjectPath:
    """Where an object lives: a module and, unless the whole module is meant, an attribute.

    Written ``pkg.mod:Name`` (the colon makes the module/attribute split explicit, as
    entry points do) or ``pkg.mod`` for a whole module.
    """

    module: str
    attribute: str | None = None

    @classmethod
    def parse(cls, spec: str) -> ObjectPath:
        text = spec.strip()
        module, colon, attribute = text.partition(":")
        if not module:
            raise SpecError(f"{spec!r} has no module part; write it as 'package.module:Name'")
        if colon and not attribute:
            raise SpecError(
                f"{spec!r} has an empty name after ':'; write 'package.module:Name', "
                "or drop the colon to mean the whole module"
            )
        for part, what in ((module, "module"), (attribute, "name")):
            if (
                part is not None
                and part
                and not _is_dotted_identifier(part, allow_dots=what == "module")
            ):
                raise SpecError(
                    f"{spec!r}: {part!r} is not a valid Python {what}; "
                    "write it as 'package.module:Name'"
                )
        return cls(module, attribute if colon else None)

    @property
    def is_module(self) -> bool:
        return self.attribute is None

    @property
    def dotted(self) -> str:
        """The path as a caller writes it in an import: ``pkg.mod.Name``."""
        return self.module if self.attribute is None else f"{self.module}.{self.attribute}"

    def __str__(self) -> str:
        return self.module if self.attribute is None else f"{self.module}:{self.attribute}"


def _is_dotted_identifier(text: str, *, allow_dots: bool) -> bool:
    parts = text.split(".") if allow_dots else [text]
    return all(part.isidentifier() for part in parts)


@dataclass(frozen=True)
class Allowance:
    """Names a deprecated module may keep beyond a pure redirect, and why.

    The reason is mandatory: an allowlist entry without one is how an SSOT quietly grows back.
    """

    module: str
    names: frozenset[str]
    reason: str


@dataclass(frozen=True)
class RedirectContract:
    """One canonical object and the deprecated paths that must be that very object."""

    name: str
    canonical: ObjectPath
    redirects: tuple[ObjectPath, ...]
    golden_path: bool = False
    description: str = ""
    audit: AuditPolicy = "error"
    #: The installed distribution that declared it (entry points); "" for the project's own.
    source: str = ""

    @property
    def modules(self) -> frozenset[str]:
        return frozenset({self.canonical.module, *(r.module for r in self.redirects)})

    def redirect_modules(self) -> tuple[str, ...]:
        """The deprecated modules, each once, in configuration order."""
        return tuple(dict.fromkeys(r.module for r in self.redirects))


@dataclass(frozen=True)
class Location:
    """A place in a source file; ``path`` is as given (absolute or relative to the project)."""

    path: str
    line: int = 0
    end_line: int = 0

    @property
    def length(self) -> int:
        return self.end_line - self.line + 1 if self.end_line >= self.line > 0 else 0

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True)
class Mutation:
    """An attribute of the canonical object that importing a deprecated module changed."""

    attribute: str
    change: str  # "added", "replaced" or "removed"
    imported: str  # the module whose import made the change
    location: Location | None = None


@dataclass(frozen=True)
class IdentityResult:
    """The runtime verdict for one deprecated path."""

    contract: str
    redirect: ObjectPath
    canonical: ObjectPath
    verdict: Verdict
    detail: str
    location: Location | None = None
    warnings: tuple[str, ...] = ()
    mutations: tuple[Mutation, ...] = ()
    overridden: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        contract: RedirectContract,
        redirect: ObjectPath,
        verdict: Verdict,
        detail: str,
        location: Location | None = None,
        warnings: tuple[str, ...] = (),
    ) -> IdentityResult:
        """The verdict for ``redirect`` of ``contract``, by the runtime or the static check."""
        return cls(
            contract=contract.name,
            redirect=redirect,
            canonical=contract.canonical,
            verdict=verdict,
            detail=detail,
            location=location,
            warnings=warnings,
        )

    @property
    def ok(self) -> bool:
        return self.verdict.ok and not self.mutations


@dataclass(frozen=True)
class Impurity:
    """A statement in a deprecated module that is more than a redirect."""

    location: Location
    kind: str
    message: str


@dataclass(frozen=True)
class PurityResult:
    """The static verdict for one deprecated module's source.

    A module can redirect names of several contracts, so the result belongs to the module.
    """

    module: str
    path: str | None
    impurities: tuple[Impurity, ...] = ()
    error: str | None = None
    allowed: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.impurities and self.error is None


@dataclass(frozen=True, order=True)
class ImportSite:
    """One place that reaches a deprecated path, with the text to put there instead."""

    path: str
    line: int
    column: int
    contract: str
    deprecated: str
    form: str  # "import", "from-import", "relative-import" or "string"
    text: str
    replacement: str = ""
    type_only: bool = False

    @property
    def key(self) -> str:
        """What the baseline counts: stable when lines move, specific to what is reached."""
        return f"{self.form} {self.deprecated}"


@dataclass(frozen=True)
class Stale:
    """A baseline entry that no longer matches as many sites as it records."""

    path: str
    key: str
    recorded: int
    found: int


@dataclass(frozen=True)
class BaselineDiff:
    """What changed since the baseline, for one contract."""

    new: tuple[ImportSite, ...]
    fixed: tuple[Stale, ...]  # fewer sites than recorded, but the entry still matches
    stale: tuple[Stale, ...]  # the entry matches nothing any more

    @property
    def ok(self) -> bool:
        return not self.new and not self.stale

    @property
    def fixed_count(self) -> int:
        return sum(s.recorded - s.found for s in (*self.fixed, *self.stale))


@dataclass(frozen=True)
class ContractAudit:
    """The import sites of one contract's deprecated paths, judged by its policy."""

    policy: AuditPolicy
    sites: tuple[ImportSite, ...]
    test_paths: frozenset[str] = frozenset()
    unreadable: tuple[str, ...] = ()
    diff: BaselineDiff | None = None
    error: str | None = None
    baseline: str = ""  # the baseline file, as configured
    #: Contracts the baseline records but the configuration does not declare.
    unknown_contracts: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """No finding; under the ``warn`` policy findings are reported without failing."""
        if self.error or self.unreadable:
            return False
        if self.policy == "baseline":
            return self.diff is not None and self.diff.ok and not self.unknown_contracts
        return not self.sites

    @property
    def test_sites(self) -> int:
        return sum(site.path in self.test_paths for site in self.sites)


@dataclass(frozen=True)
class ContractReport:
    """Every finding for one contract, in the order a reader wants them."""

    contract: RedirectContract
    identity: tuple[IdentityResult, ...] = ()
    purity: tuple[PurityResult, ...] = ()
    audit: ContractAudit | None = None

    @property
    def ok(self) -> bool:
        """Identity and purity: whether users get the SSOT. Import sites are judged apart."""
        return all(r.ok for r in self.identity) and all(p.ok for p in self.purity)

    @property
    def fails_run(self) -> bool:
        """A violation, or import sites the contract's audit policy does not let pass (the
        ``warn`` policy only reports them)."""
        audit = self.audit
        return not self.ok or (audit is not None and not audit.ok and audit.policy != "warn")

    @property
    def violations(self) -> tuple[IdentityResult, ...]:
        return tuple(r for r in self.identity if not r.ok)
