"""Reading ``[tool.ssot]`` from ``pyproject.toml`` into contracts.

Every error names the file and the key, and says what to write instead: a user who mistypes a
key in a mission-critical CI stage must see the fix on the first line, not a traceback.
"""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_ssot.domain.model import (
    AUDIT_POLICIES,
    Allowance,
    AuditPolicy,
    ObjectPath,
    RedirectContract,
    SpecError,
)
from pytest_ssot.source.tree import DEFAULT_TEST_GLOBS, TreeSelection, normalise_globs

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9 and 3.10 only
    import tomli as tomllib

#: Deprecation helpers of well-known projects; a call to one of them counts as a pure
#: redirect statement (numpy 2.x core shims, scipy deprecated submodules, scikit-learn 0.22
#: generated shims, pyomo relocations).
DEFAULT_SHIM_HELPERS: tuple[str, ...] = (
    "_raise_warning",
    "_sub_module_deprecation",
    "_raise_dep_warning_if_not_pytest",
    "relocated_module",
    "moved_module",
)

_TOP_KEYS = ("contracts", "shim-helpers", "allow", "audit", "package-contracts")
_CONTRACT_KEYS = ("canonical", "redirects", "golden-path", "description", "audit")
_AUDIT_KEYS = ("paths", "exclude", "test-paths", "baseline")
DEFAULT_BASELINE = "ssot-baseline.json"
_ALLOW_KEYS = ("names", "reason")


class ConfigError(Exception):
    """The ``[tool.ssot]`` table cannot be used as written."""


@dataclass(frozen=True)
class AuditSettings:
    """Where the import audit looks, what counts as tests, and where the baseline lives."""

    selection: TreeSelection = field(default_factory=TreeSelection)
    baseline: str = DEFAULT_BASELINE


@dataclass(frozen=True)
class SsotConfig:
    """The contracts of one project and the settings that apply to all of them."""

    path: Path
    contracts: tuple[RedirectContract, ...]
    shim_helpers: frozenset[str] = field(default_factory=lambda: frozenset(DEFAULT_SHIM_HELPERS))
    allowances: Mapping[str, Allowance] = field(default_factory=dict)
    audit: AuditSettings = field(default_factory=AuditSettings)
    #: The audit policy for contracts declared by installed packages ("off" ignores them).
    package_policy: AuditPolicy = "warn"

    @property
    def root(self) -> Path:
        """Paths in the configuration are relative to the file that holds it."""
        return self.path.parent

    @property
    def baseline_path(self) -> Path:
        return self.root / self.audit.baseline

    def own_deprecated_modules(self) -> dict[str, tuple[RedirectContract, ...]]:
        """Each deprecated module of the project's own contracts, with the contracts it
        serves, in configuration order.

        The purity check judges these modules and ``ssot fix`` rewrites them. A contract an
        installed package declares (``source``) is left out: its deprecated modules are the
        package's code, not the project's (only their import sites in the project are
        audited, and rewritten).
        """
        serving: dict[str, list[RedirectContract]] = {}
        for contract in self.contracts:
            if contract.source:
                continue
            for module in contract.redirect_modules():
                serving.setdefault(module, []).append(contract)
        return {module: tuple(contracts) for module, contracts in serving.items()}

    def contract(self, name: str) -> RedirectContract:
        for contract in self.contracts:
            if contract.name == name:
                return contract
        raise KeyError(name)


def load_config(path: Path) -> SsotConfig | None:
    """Read the contracts from ``path``; ``None`` when the file has no ``[tool.ssot]`` table."""
    try:
        with path.open("rb") as stream:
            document = tomllib.load(stream)
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the file ({error.strerror or error})") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}; fix the syntax") from None
    tool = document.get("tool", {})
    if not isinstance(tool, dict) or "ssot" not in tool:
        return None
    return parse_config(tool["ssot"], path)


def parse_config(table: object, path: Path) -> SsotConfig:
    """Turn the ``[tool.ssot]`` table (already parsed TOML) into a validated configuration."""
    where = _Where(path)
    top = where.table(table, "tool.ssot")
    where.reject_unknown(top, _TOP_KEYS, "tool.ssot")
    helpers = where.strings(top.get("shim-helpers", []), "tool.ssot.shim-helpers")
    allowances = _parse_allowances(where, top.get("allow", {}))
    contracts_table = where.table(top.get("contracts", {}), "tool.ssot.contracts")
    if not contracts_table:
        raise ConfigError(
            f"{path}: [tool.ssot] declares no contract; add one, e.g.\n"
            "[tool.ssot.contracts.my-engine]\n"
            'canonical = "pkg.new_module:Engine"\n'
            'redirects = ["pkg.old_module:Engine"]'
        )
    contracts = tuple(_parse_contract(where, name, body) for name, body in contracts_table.items())
    _reject_shared_redirects(where, contracts)
    return SsotConfig(
        path=path,
        contracts=contracts,
        shim_helpers=frozenset(DEFAULT_SHIM_HELPERS) | {_helper_name(h) for h in helpers},
        allowances=allowances,
        audit=_parse_audit(where, top.get("audit", {})),
        package_policy=_policy(
            where, top.get("package-contracts", "warn"), "tool.ssot.package-contracts"
        ),
    )


def _policy(where: _Where, value: object, key: str) -> AuditPolicy:
    if value not in AUDIT_POLICIES:
        raise ConfigError(
            f"{where.path}: {key} must be one of {', '.join(map(repr, AUDIT_POLICIES))}, "
            f"not {value!r}"
        )
    return value


def _parse_audit(where: _Where, raw: object) -> AuditSettings:
    key = "tool.ssot.audit"
    table = where.table(raw, key)
    where.reject_unknown(table, _AUDIT_KEYS, key)
    paths = where.strings(table.get("paths", ["."]), f"{key}.paths")
    exclude = where.strings(table.get("exclude", []), f"{key}.exclude")
    tests = where.strings(table.get("test-paths", list(DEFAULT_TEST_GLOBS)), f"{key}.test-paths")
    baseline = table.get("baseline", DEFAULT_BASELINE)
    if not isinstance(baseline, str) or not baseline:
        raise ConfigError(f"{where.path}: {key}.baseline must be a file path string")
    for path in paths:
        if not (where.path.parent / path).exists():
            raise ConfigError(
                f"{where.path}: {key}.paths: {path!r} does not exist (paths are relative to "
                "this file); fix or remove it"
            )
    return AuditSettings(
        selection=TreeSelection(
            paths=tuple(paths),
            exclude=normalise_globs(exclude),
            test_globs=tuple(tests),
            roots=tuple(pytest_pythonpath(where.path)),
        ),
        baseline=baseline,
    )


def _helper_name(spec: str) -> str:
    """``pkg._compat:warn_moved`` and ``pkg._compat.warn_moved`` both mean ``warn_moved``."""
    return spec.replace(":", ".").rsplit(".", 1)[-1]


def _parse_contract(where: _Where, name: str, body: object) -> RedirectContract:
    key = f"tool.ssot.contracts.{name}"
    table = where.table(body, key)
    where.reject_unknown(table, _CONTRACT_KEYS, key)
    if "canonical" not in table:
        raise ConfigError(
            f"{where.path}: [{key}] has no 'canonical'; "
            'add canonical = "pkg.module:Name" (the single source of truth)'
        )
    canonical = where.object_path(table["canonical"], f"{key}.canonical")
    raw_redirects = table.get("redirects")
    if not raw_redirects:
        raise ConfigError(
            f"{where.path}: [{key}] has no redirects; list the deprecated paths, e.g. "
            'redirects = ["pkg.old_module:Name"]'
        )
    redirect_specs = where.strings(raw_redirects, f"{key}.redirects")
    redirects = tuple(
        _redirect_path(where, spec, canonical, f"{key}.redirects") for spec in redirect_specs
    )
    description = table.get("description", "")
    if not isinstance(description, str):
        raise ConfigError(f"{where.path}: [{key}] description must be a string")
    golden_path = table.get("golden-path", False)
    if not isinstance(golden_path, bool):
        raise ConfigError(
            f"{where.path}: [{key}] golden-path must be true or false, not {golden_path!r}"
        )
    if canonical in redirects:
        raise ConfigError(
            f"{where.path}: [{key}] lists its canonical {canonical} among its redirects; "
            "remove it from redirects"
        )
    policy = _policy(where, table.get("audit", "error"), f"[{key}] audit")
    return RedirectContract(
        name=name,
        canonical=canonical,
        redirects=redirects,
        golden_path=golden_path,
        description=description,
        audit=policy,
    )


def _redirect_path(where: _Where, spec: str, canonical: ObjectPath, key: str) -> ObjectPath:
    path = where.object_path(spec, key)
    if canonical.is_module and not path.is_module:
        parent, _, leaf = canonical.module.rpartition(".")
        hint = f", or if {leaf} is an object write canonical = '{parent}:{leaf}'" if parent else ""
        raise ConfigError(
            f"{where.path}: {key}: {spec!r} names an object but the canonical "
            f"{canonical} is a whole module; write {path.module!r} (no ':Name'){hint}"
        )
    if path.is_module and not canonical.is_module:
        # ``pkg.old`` under a canonical ``pkg.new:Engine`` means ``pkg.old:Engine``.
        return ObjectPath(path.module, canonical.attribute)
    return path


def _reject_shared_redirects(where: _Where, contracts: Sequence[RedirectContract]) -> None:
    claimed: dict[ObjectPath, str] = {}
    for contract in contracts:
        for redirect in contract.redirects:
            other = claimed.setdefault(redirect, contract.name)
            if other != contract.name:
                raise ConfigError(
                    f"{where.path}: {redirect} is a redirect in both "
                    f"[tool.ssot.contracts.{other}] and [tool.ssot.contracts.{contract.name}]; "
                    "a deprecated path can point at one canonical only, keep it in one"
                )


def _parse_allowances(where: _Where, raw: object) -> dict[str, Allowance]:
    allowances: dict[str, Allowance] = {}
    for module, body in where.table(raw, "tool.ssot.allow").items():
        key = f'tool.ssot.allow."{module}"'
        table = where.table(body, key)
        where.reject_unknown(table, _ALLOW_KEYS, key)
        reason = table.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise ConfigError(
                f"{where.path}: [{key}] needs a reason; say why the module keeps these "
                'names, e.g. reason = "old pickles reference _reconstruct"'
            )
        names = where.strings(table.get("names", []), f"{key}.names")
        if not names:
            raise ConfigError(f'{where.path}: [{key}] lists no names; add names = ["..."]')
        allowances[module] = Allowance(module=module, names=frozenset(names), reason=reason)
    return allowances


@dataclass(frozen=True)
class _Where:
    """Validation helpers that know which file they are reading, for the error messages."""

    path: Path

    def table(self, value: object, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise ConfigError(
                f"{self.path}: [{key}] must be a table, not {_kind(value)}; "
                f"write it as a [{key}] section"
            )
        return value

    def strings(self, value: object, key: str) -> list[str]:
        if isinstance(value, str) or not isinstance(value, list):
            raise ConfigError(
                f"{self.path}: {key} must be a list of strings, not {_kind(value)}; "
                f'write {key.rsplit(".", 1)[-1]} = ["..."]'
            )
        for item in value:
            if not isinstance(item, str):
                raise ConfigError(
                    f"{self.path}: {key} must hold only strings; {item!r} is {_kind(item)}"
                )
        return list(value)

    def object_path(self, value: object, key: str) -> ObjectPath:
        if not isinstance(value, str):
            raise ConfigError(
                f"{self.path}: {key} must be a string like 'pkg.module:Name', not {_kind(value)}"
            )
        try:
            return ObjectPath.parse(value)
        except SpecError as error:
            raise ConfigError(f"{self.path}: {key}: {error}") from None

    def reject_unknown(self, table: Mapping[str, object], known: Sequence[str], key: str) -> None:
        for name in table:
            if name not in known:
                close = difflib.get_close_matches(name, known, n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(known)}"
                raise ConfigError(f"{self.path}: [{key}] unknown key {name!r}; {hint}")


def _kind(value: object) -> str:
    names = {
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        list: "a list",
        dict: "a table",
    }
    return names.get(type(value), type(value).__name__)


def pytest_ini_options(path: Path) -> dict[str, Any]:
    """``[tool.pytest.ini_options]`` of a pyproject.toml, for the ``ssot`` command to find
    things where pytest does (empty when unreadable: pytest reports that itself)."""
    try:
        with path.open("rb") as stream:
            document = tomllib.load(stream)
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    options = document.get("tool", {}).get("pytest", {}).get("ini_options", {})
    return options if isinstance(options, dict) else {}


def pytest_pythonpath(path: Path) -> list[str]:
    """The ``pythonpath`` entries, so that ``ssot`` finds the project's modules where its
    tests do."""
    value = pytest_ini_options(path).get("pythonpath", [])
    if isinstance(value, str):
        return value.split()
    return [entry for entry in value if isinstance(entry, str)] if isinstance(value, list) else []


def pytest_cache_dir(config: SsotConfig) -> Path:
    """pytest's cache directory for this project, decided as pytest does: the ``cache_dir``
    ini key, else ``$TOX_ENV_DIR/.pytest_cache`` under tox, else ``.pytest_cache``."""
    value = pytest_ini_options(config.path).get("cache_dir")
    if not isinstance(value, str):
        tox = os.environ.get("TOX_ENV_DIR")
        value = os.path.join(tox, ".pytest_cache") if tox else ".pytest_cache"
    path = Path(os.path.expandvars(os.path.expanduser(value)))
    return path if path.is_absolute() else config.root / path
