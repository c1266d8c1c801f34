"""Running every check of a configuration: the one entry point for pytest and the CLI."""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from pytest_ssot.analysis.audit import audit_tree
from pytest_ssot.analysis.baseline import BaselineError, compare, load_baseline, write_baseline
from pytest_ssot.analysis.identity import Importer, check_identity
from pytest_ssot.analysis.isolation import Isolation, check_identities_isolated
from pytest_ssot.analysis.purity import RedirectRules, check_module_purity
from pytest_ssot.analysis.static import check_identity_static
from pytest_ssot.domain.model import (
    ContractAudit,
    ContractReport,
    IdentityResult,
    PurityResult,
    RedirectContract,
)
from pytest_ssot.settings.pyproject import SsotConfig
from pytest_ssot.source.modules import find_module, locate_module_source


def run_checks(
    config: SsotConfig,
    *,
    importer: Importer = importlib.import_module,
    search_path: Sequence[str] | None = None,
    audit_cache: Path | None = None,
    update_baseline: bool = False,
    isolation: Isolation | None = None,
    static: bool = False,
) -> tuple[ContractReport, ...]:
    """Identity, purity and the import audit for every contract.

    Identity imports the user's code: in this process, or with ``isolation`` in a child
    interpreter (see :mod:`pytest_ssot.analysis.isolation`); with ``static`` it follows
    the import chains in the source on ``search_path`` and nothing of the project runs.
    """
    purity = check_purity(config, search_path=search_path)
    audits = audit_contracts(config, cache_file=audit_cache, update_baseline=update_baseline)
    trees: dict[str, ast.Module] = {}  # parsed once, shared by the static replays
    # One child interpreter checks every contract (start-up is the cost that matters).
    own = [contract for contract in config.contracts if not contract.source]
    isolated = (
        dict(zip(own, check_identities_isolated(own, isolation)))
        if isolation is not None and not static
        else {}
    )

    def identity(contract: RedirectContract) -> tuple[IdentityResult, ...]:
        if contract.source:
            return ()  # a package's contract: only its import audit applies here
        if static:
            return check_identity_static(contract, list(search_path or sys.path), trees)
        if contract in isolated:
            return isolated[contract]
        return check_identity(contract, importer)

    return tuple(
        ContractReport(
            contract=contract,
            identity=identity(contract),
            purity=tuple(purity[m] for m in contract.redirect_modules() if m in purity),
            audit=audits.get(contract.name),
        )
        for contract in config.contracts
    )


def audit_contracts(
    config: SsotConfig, *, cache_file: Path | None = None, update_baseline: bool = False
) -> dict[str, ContractAudit]:
    """One walk of the tree for all audited contracts, judged by each contract's policy."""
    audited = [c for c in config.contracts if c.audit != "off"]
    if not audited:
        return {}
    tree = audit_tree(config.root, audited, config.audit.selection, cache_file=cache_file)
    declared = [c.name for c in config.contracts]
    if update_baseline:
        write_baseline(
            config.baseline_path,
            {c.name: tree.for_contract(c.name) for c in audited},
            declared=declared,
        )
    baseline, error = {}, None
    if any(c.audit == "baseline" for c in audited):
        try:
            baseline = load_baseline(config.baseline_path)
        except BaselineError as failure:
            error = str(failure)
    # Entries of contracts the configuration no longer declares (renamed or removed) are
    # reported, never silently ignored.
    unknown = tuple(sorted(set(baseline) - set(declared)))
    results = {}
    for contract in audited:
        sites = tree.for_contract(contract.name)
        diff = None
        if contract.audit == "baseline":
            diff = compare(baseline.get(contract.name, {}), sites)
        results[contract.name] = ContractAudit(
            policy=contract.audit,
            sites=sites,
            test_paths=tree.test_paths,
            unreadable=tree.unreadable,
            diff=diff,
            error=error if contract.audit == "baseline" else None,
            baseline=config.audit.baseline,
            unknown_contracts=unknown if contract.audit == "baseline" else (),
        )
    return results


def check_purity(
    config: SsotConfig, *, search_path: Sequence[str] | None = None
) -> dict[str, PurityResult]:
    """One purity result per deprecated module, judged against every contract it serves."""
    results = {}
    for module, contracts in config.own_deprecated_modules().items():
        source = locate_module_source(module, search_path)
        if source is None:
            results[module] = PurityResult(
                module, None, error=_no_source(module, contracts, search_path)
            )
            continue
        rules = RedirectRules.for_module(
            module,
            contracts,
            config.shim_helpers,
            is_package=source.is_package,
            allowance=config.allowances.get(module),
        )
        results[module] = check_module_purity(module, source.path, rules)
    return results


def _no_source(
    module: str, contracts: Sequence[RedirectContract], search_path: Sequence[str] | None
) -> str:
    """Why there is no source to read: a namespace package (it exists, it has no file), a
    compiled module, or none on the import path."""
    found = find_module(module, search_path)
    if found is not None and found.is_namespace:
        where = ", ".join(found.locations or ())
        return (
            f"module {module} is a namespace package (no __init__.py in {where}): it holds no "
            "code and no names but its submodules; a redirect needs a module file, or name "
            "the module that defines the object"
        )
    origin = getattr(getattr(sys.modules.get(module), "__spec__", None), "origin", None)
    if isinstance(origin, str) and not origin.endswith(".py") and origin not in _NO_FILE:
        return (
            f"module {module} is loaded from {origin}, which is not Python source: a "
            "redirect module is a .py file, so its purity cannot be checked"
        )
    return (
        f"no Python source file found for module {module} on the import path; "
        "check the module name, or the pythonpath setting"
        + _colon_hint(module, contracts, search_path)
    )


#: ``__spec__.origin`` of modules that have no file at all.
_NO_FILE = frozenset({"built-in", "frozen", "namespace"})


def _colon_hint(
    module: str, contracts: Sequence[RedirectContract], search_path: Sequence[str] | None
) -> str:
    """``pkg.mod.Name`` written for ``pkg.mod:Name``: the parent is a module, the path is not."""
    parent, _, leaf = module.rpartition(".")
    colonless = any(
        r.module == module and r.attribute in (None, leaf) for c in contracts for r in c.redirects
    )
    if not parent or not colonless or locate_module_source(parent, search_path) is None:
        return ""
    return (
        f"; if {leaf} is an object in {parent}, write '{parent}:{leaf}' (a colon before the name)"
    )
