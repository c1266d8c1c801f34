"""Running every check of a configuration: the one entry point for pytest and the CLI."""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from pytest_ssot.config import SsotConfig
from pytest_ssot.identity import Importer, check_identity
from pytest_ssot.model import ContractReport, PurityResult, RedirectContract
from pytest_ssot.modules import find_module_source
from pytest_ssot.purity import RedirectRules, check_module_purity


def run_checks(
    config: SsotConfig,
    *,
    importer: Importer = importlib.import_module,
    search_path: Sequence[str] | None = None,
) -> tuple[ContractReport, ...]:
    """Identity (imports user code) and purity (static) for every contract."""
    purity = check_purity(config, search_path=search_path)
    return tuple(
        ContractReport(
            contract=contract,
            identity=check_identity(contract, importer),
            purity=tuple(purity[module] for module in contract.redirect_modules()),
        )
        for contract in config.contracts
    )


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
