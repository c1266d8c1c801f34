"""pytest hooks of pytest-ssot: options, markers, and the session once contracts exist.

Loaded through the ``pytest11`` entry point named ``pytest_ssot`` (``pytest_ssot.plugin``
redirects here, so ``-p pytest_ssot`` and ``-p no:pytest_ssot`` work), it stays inert until
``[tool.ssot]`` declares a contract: only the options and markers are registered, so suites
using ``--strict-markers`` keep working, and the checks, coverage.py and libcst are not even
imported. With contracts, :class:`~pytest_ssot.pytest_plugin.session.SsotSession` does the
work (and :mod:`~pytest_ssot.pytest_plugin.evidence` with ``--ssot-evidence``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_ssot.settings.options import OPTIONS, OptionError, Value, option
from pytest_ssot.settings.presence import may_declare_contracts, packages_may_declare_contracts

if TYPE_CHECKING:
    from pytest_ssot.settings.pyproject import SsotConfig

__all__ = ["SsotEvidenceWarning", "option_value", "pytest_addoption", "pytest_configure"]


class SsotEvidenceWarning(pytest.PytestWarning):
    """A golden-path test that never ran the canonical's code: it does not guard the SSOT."""


def pytest_addoption(parser: pytest.Parser) -> None:
    """Every flag and ini key, from the one option table (:mod:`pytest_ssot.settings.options`)."""
    group = parser.getgroup("ssot", "pytest-ssot: single-source-of-truth contracts")
    for row in OPTIONS:
        help_text = row.help + (f" (ini: {row.name})" if row.ini else "")
        if row.type in ("bool", "flag"):
            default = False if row.type == "flag" else None
            group.addoption(row.flag, action="store_true", default=default, help=help_text)
        elif row.type == "reports":
            group.addoption(
                row.flag, action="append", default=[], metavar=row.metavar, help=help_text
            )
        elif row.type == "choice":
            group.addoption(row.flag, choices=row.choices, default=None, help=help_text)
        else:
            group.addoption(row.flag, metavar=row.metavar, default=None, help=help_text)
        if row.ini:
            # Read as text and validated by the table: pytest checks no choices in ini files.
            parser.addini(row.name, row.help, default="")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "golden_path(*contracts): the test proves a user's core journey works. It is failed "
        "with a diagnosis when a golden-path SSOT contract (all, or the named ones) is violated.",
    )
    config.addinivalue_line(
        "markers",
        "ssot(*contracts): the test exercises the named SSOT contracts; on golden-path tests "
        "it narrows which contracts affect them.",
    )
    option_value(config, "ssot_report")  # a bad FORMAT:PATH fails even without contracts
    ssot_config, problems = _find_config(config)
    if ssot_config is not None:
        for row in OPTIONS:
            option_value(config, row.name)  # every value checked before anything runs
        # Imported only now: a project without contracts pays for the markers, nothing more.
        from pytest_ssot.pytest_plugin.session import SsotSession

        session = SsotSession(config, ssot_config, problems)
        config.pluginmanager.register(session, "pytest_ssot.session")
        scope = option_value(config, "ssot_evidence")
        if scope in ("golden", "all"):
            from pytest_ssot.pytest_plugin.evidence import EvidenceHooks

            hooks = EvidenceHooks(session, all_tests=scope == "all")
            config.pluginmanager.register(hooks, "pytest_ssot.evidence")


def _find_config(config: pytest.Config) -> tuple[SsotConfig | None, tuple[str, ...]]:
    """``--ssot-config`` (relative to the rootdir), else the ``pyproject.toml`` pytest read
    its settings from, else the rootdir's; plus the installed packages' contracts."""
    given = option_value(config, "ssot_config")
    explicit = None
    if given:
        explicit = Path(str(given))
        explicit = explicit if explicit.is_absolute() else config.rootpath / explicit
    inifile = config.inipath
    candidates = [inifile] if inifile is not None and inifile.name == "pyproject.toml" else []
    candidates.append(config.rootpath / "pyproject.toml")
    if (
        explicit is None
        and not may_declare_contracts(candidates)
        and not packages_may_declare_contracts()
    ):
        return None, ()  # the common case: nothing to do, nothing more imported
    from pytest_ssot.settings.packages import find_config
    from pytest_ssot.settings.pyproject import ConfigError

    try:
        return find_config(
            explicit, candidates, config.rootpath, option="--ssot-config / ssot_config"
        )
    except ConfigError as error:
        raise pytest.UsageError(f"pytest-ssot: {error}") from None


def option_value(config: pytest.Config, name: str) -> Value:
    """The value in force, validated: a typo in an ini key is a usage error naming the key
    and what it takes, never a silent change of behaviour."""
    row = option(name)
    try:
        return row.resolve(config.getoption(name), config.getini(name) if row.ini else None)
    except OptionError as error:
        raise pytest.UsageError(f"pytest-ssot: {error}") from None
