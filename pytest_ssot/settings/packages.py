"""Contracts shipped by installed packages, through the ``pytest_ssot.contracts`` entry points.

A library that moves or deprecates a public path declares it once; every downstream project
that runs the plugin then has its own imports of that path audited, without writing any
configuration. Only the import audit runs for these contracts (with the ``warn`` policy unless
the project says otherwise): whether the library's own shims are pure is the library's
business, and checking it would import the library.

An entry point names a mapping shaped like ``[tool.ssot.contracts]``, or a callable that
returns one::

    [project.entry-points."pytest_ssot.contracts"]
    mylib = "mylib._ssot:CONTRACTS"

    # mylib/_ssot.py
    CONTRACTS = {"engine": {"canonical": "mylib.core:Engine", "redirects": ["mylib.old:Engine"]}}
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pytest_ssot.domain.model import AuditPolicy, ObjectPath, RedirectContract
from pytest_ssot.settings.presence import ENTRY_POINT_GROUP
from pytest_ssot.settings.pyproject import ConfigError, SsotConfig, load_config, parse_config

if sys.version_info >= (3, 10):
    from importlib.metadata import EntryPoint, entry_points
else:  # pragma: no cover - exercised on 3.9 only
    from importlib_metadata import EntryPoint, entry_points


@dataclass(frozen=True)
class PackageContracts:
    """What the installed packages declare, and the declarations that could not be used."""

    contracts: tuple[RedirectContract, ...]
    problems: tuple[str, ...]


def package_contracts(policy: AuditPolicy = "warn") -> PackageContracts:
    """Every contract declared by an installed package, with ``policy`` for its audit.

    A broken declaration in some installed package must not break the user's run: it is
    reported as a problem, and the other packages' contracts still apply.
    """
    contracts: list[RedirectContract] = []
    problems: list[str] = []
    for entry_point in _entry_points():
        distribution = _distribution(entry_point)
        where = f"entry point {entry_point.name} = {entry_point.value!r} of {distribution}"
        try:
            declared = entry_point.load()
            table = declared() if callable(declared) else declared
            parsed = parse_config({"contracts": table}, Path(f"<{where}>"))
        except ConfigError as error:
            problems.append(str(error))
            continue
        except Exception as error:  # third-party code: anything can happen
            problems.append(f"<{where}>: cannot be loaded ({type(error).__name__}: {error})")
            continue
        contracts.extend(
            dataclasses.replace(
                contract,
                name=f"{distribution}.{contract.name}",
                audit=policy,
                golden_path=False,
                source=distribution,
            )
            for contract in parsed.contracts
        )
    return PackageContracts(tuple(contracts), tuple(problems))


def _entry_points() -> Iterator[EntryPoint]:
    yield from sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: (e.name, e.value))


def _distribution(entry_point: EntryPoint) -> str:
    dist = getattr(entry_point, "dist", None)
    return str(getattr(dist, "name", None) or entry_point.module.partition(".")[0])


def with_package_contracts(
    config: SsotConfig | None, root: Path
) -> tuple[SsotConfig | None, tuple[str, ...]]:
    """The project's configuration plus the installed packages' contracts.

    The project decides: ``[tool.ssot] package-contracts`` sets their policy (``off`` ignores
    them), and a deprecated path the project already declares is not declared twice.
    """
    policy: AuditPolicy = config.package_policy if config is not None else "warn"
    if policy == "off":
        return config, ()
    found = package_contracts(policy)
    if not found.contracts:
        return config, found.problems
    claimed = {r for c in (config.contracts if config else ()) for r in c.redirects}
    extra = tuple(_unclaimed(found.contracts, claimed))
    if config is None:
        return SsotConfig(path=root / "pyproject.toml", contracts=extra), found.problems
    return dataclasses.replace(config, contracts=config.contracts + extra), found.problems


def _unclaimed(
    contracts: Iterable[RedirectContract], claimed: set[ObjectPath]
) -> Iterator[RedirectContract]:
    for contract in contracts:
        redirects = tuple(r for r in contract.redirects if r not in claimed)
        if redirects:
            claimed.update(redirects)
            yield dataclasses.replace(contract, redirects=redirects)


def find_config(
    explicit: Path | None, candidates: Iterable[Path], root: Path, *, option: str
) -> tuple[SsotConfig | None, tuple[str, ...]]:
    """The configuration in force, for the plugin and the ``ssot`` command alike.

    ``explicit`` (given by ``option``) must exist and hold ``[tool.ssot]``; otherwise the first
    of ``candidates`` that holds the table is used. The installed packages' contracts are
    added either way (:func:`with_package_contracts`); ``None`` when there are no contracts.
    """
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(
                f"{option} points at {explicit}, which does not exist; give the path of the "
                "pyproject.toml holding [tool.ssot]"
            )
        config = load_config(explicit)
        if config is None:
            raise ConfigError(
                f"{option} points at {explicit}, which has no [tool.ssot] table; declare the "
                "contracts there, or point at the file that does"
            )
    else:
        found = (load_config(path) for path in candidates if path.is_file())
        config = next((c for c in found if c is not None), None)
    return with_package_contracts(config, root)
