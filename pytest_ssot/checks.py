"""Running every check of a configuration: the one entry point for pytest and the CLI."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path

from pytest_ssot.audit import audit_tree
from pytest_ssot.baseline import BaselineError, compare, load_baseline, write_baseline
from pytest_ssot.config import SsotConfig
from pytest_ssot.identity import Importer, check_identity
from pytest_ssot.model import ContractAudit, ContractReport, PurityResult, RedirectContract
from pytest_ssot.modules import find_module_source
from pytest_ssot.purity import RedirectRules, check_module_purity


def run_checks(
    config: SsotConfig,
    *,
    importer: Importer = importlib.import_module,
    search_path: Sequence[str] | None = None,
    audit_cache: Path | None = None,
    update_baseline: bool = False,
) -> tuple[ContractReport, ...]:
    """Identity (imports user code), purity and the import audit (static) for every contract."""
    purity = check_purity(config, search_path=search_path)
    audits = audit_contracts(config, cache_file=audit_cache, update_baseline=update_baseline)
    return tuple(
        ContractReport(
            contract=contract,
            identity=check_identity(contract, importer),
            purity=tuple(purity[module] for module in contract.redirect_modules()),
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
    if update_baseline:
        write_baseline(config.baseline_path, {c.name: tree.for_contract(c.name) for c in audited})
    baseline, error = {}, None
    if any(c.audit == "baseline" for c in audited):
        try:
            baseline = load_baseline(config.baseline_path)
        except BaselineError as failure:
            error = str(failure)
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
        )
    return results


def check_purity(
    config: SsotConfig, *, search_path: Sequence[str] | None = None
) -> dict[str, PurityResult]:
    """One purity result per deprecated module, judged against every contract it serves."""
    serving: dict[str, list[RedirectContract]] = {}
    for contract in config.contracts:
        for module in contract.redirect_modules():
            serving.setdefault(module, []).append(contract)
    results = {}
    for module, contracts in serving.items():
        source = find_module_source(module, search_path)
        if source is None:
            results[module] = PurityResult(
                module,
                None,
                error=(
                    f"no Python source file found for module {module} on the import path; "
                    "check the module name, or the pythonpath setting"
                ),
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
