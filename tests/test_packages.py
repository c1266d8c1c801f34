"""Contracts declared by installed packages through the ``pytest_ssot.contracts`` entry points."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pytest_ssot.settings.packages import (
    package_contracts,
    with_package_contracts,
)
from pytest_ssot.settings.presence import ENTRY_POINT_GROUP
from pytest_ssot.settings.pyproject import SsotConfig, load_config
from tests.conftest import write_tree


def install(site: Path, name: str, entry: str, module: str, source: str) -> None:
    """A distribution as pip leaves it: a ``*.dist-info`` with metadata and entry points."""
    info = site / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{entry}\n")
    (site / f"{module}.py").write_text(textwrap.dedent(source))


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "site-packages"
    path.mkdir()
    monkeypatch.syspath_prepend(str(path))
    install(
        path,
        "mylib",
        "mylib = mylib_ssot:CONTRACTS",
        "mylib_ssot",
        """
        CONTRACTS = {
            "engine": {"canonical": "mylib.core:Engine", "redirects": ["mylib.old:Engine"]},
        }
        """,
    )
    return path


def test_package_contracts_are_found_with_the_warn_policy(site: Path) -> None:
    found = package_contracts()
    assert found.problems == ()
    (contract,) = found.contracts
    assert contract.name == "mylib.engine"
    assert (contract.audit, contract.source) == ("warn", "mylib")
    assert str(contract.redirects[0]) == "mylib.old:Engine"


def test_a_broken_declaration_is_reported_not_raised(site: Path) -> None:
    install(site, "badlib", "bad = badlib_ssot:CONTRACTS", "badlib_ssot", "CONTRACTS = {'x': {}}\n")
    install(site, "worse", "worse = worse_ssot:nope", "worse_ssot", "raise RuntimeError('boom')\n")
    found = package_contracts()
    assert [c.name for c in found.contracts] == ["mylib.engine"]
    assert any("badlib" in p and "has no 'canonical'" in p for p in found.problems)
    assert any("worse" in p and "RuntimeError: boom" in p for p in found.problems)


def project(tmp_path: Path, text: str) -> SsotConfig:
    path = tmp_path / "pyproject.toml"
    path.write_text(textwrap.dedent(text))
    loaded = load_config(path)
    assert loaded is not None
    return loaded


def test_the_project_decides_the_policy_and_wins_on_shared_paths(
    site: Path, tmp_path: Path
) -> None:
    alone, _ = with_package_contracts(None, tmp_path)
    assert alone is not None
    assert [c.name for c in alone.contracts] == ["mylib.engine"]

    own = """
        [tool.ssot.contracts.own]
        canonical = "mylib.core:Engine"
        redirects = ["mylib.old:Engine"]
    """
    merged, _ = with_package_contracts(project(tmp_path, own), tmp_path)
    assert merged is not None
    assert [c.name for c in merged.contracts] == ["own"]  # the path is declared once

    off = project(tmp_path, '[tool.ssot]\npackage-contracts = "off"\n' + own)
    assert with_package_contracts(off, tmp_path)[0] == off

    other = '[tool.ssot.contracts.own]\ncanonical = "a:B"\nredirects = ["c:B"]\n'
    strict, _ = with_package_contracts(
        project(tmp_path, '[tool.ssot]\npackage-contracts = "error"\n' + other), tmp_path
    )
    assert strict is not None
    assert [(c.name, c.audit) for c in strict.contracts] == [
        ("own", "error"),
        ("mylib.engine", "error"),
    ]


def test_downstream_project_gets_the_audit_without_config(
    site: Path, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(site))
    write_tree(
        pytester.path,
        {
            "app/service.py": "from mylib.old import Engine\n",
            "test_service.py": "def test_nothing():\n    pass\n",
        },
    )
    result = pytester.runpytest_subprocess("-rx")
    result.assert_outcomes(passed=1, xfailed=1)
    result.stdout.fnmatch_lines(
        [
            "mylib.engine (declared by the installed package mylib): import audit only",
            "    imports (warn): 1 site(s) (1 production / 0 test)",
            "XFAIL pyproject.toml::mylib.engine::imports - ssot warn: 1 import site(s) of deprecated paths*",
        ]
    )


def test_presence_is_certain_only_about_no(tmp_path: Path) -> None:
    from pytest_ssot.settings.presence import (
        may_declare_contracts,
        packages_may_declare_contracts,
    )

    plain = tmp_path / "pyproject.toml"
    plain.write_text('[tool.pytest.ini_options]\ntestpaths = ["tests"]\n')
    assert not may_declare_contracts([plain, tmp_path / "missing.toml"])
    dotted = tmp_path / "dotted.toml"
    dotted.write_text('tool.ssot.contracts.e.canonical = "a:B"\n')
    assert may_declare_contracts([plain, dotted])

    site = tmp_path / "site"
    (site / "other-1.0.dist-info").mkdir(parents=True)
    (site / "other-1.0.dist-info" / "entry_points.txt").write_text("[pytest11]\nx = y\n")
    assert not packages_may_declare_contracts([str(site), str(tmp_path / "nowhere")])
    (site / "lib-1.0.dist-info").mkdir()
    (site / "lib-1.0.dist-info" / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\na = b\n")
    assert packages_may_declare_contracts([str(site)])


def test_a_project_without_contracts_imports_nothing_but_the_hooks(
    pytester: pytest.Pytester,
) -> None:
    """Start-up cost for everyone who has the plugin installed: no checks, no model, no
    coverage.py or libcst, when there is no [tool.ssot] and no package declares contracts."""
    pytester.makepyprojecttoml('[tool.pytest.ini_options]\naddopts = "-p pytest_ssot"\n')
    pytester.makepyfile(
        """
        import sys

        def test_nothing_of_the_checks_is_imported():
            loaded = sorted(m for m in sys.modules if m.startswith("pytest_ssot."))
            assert "pytest_ssot.pytest_plugin.hooks" in loaded
            heavy = ("analysis", "domain", "rendering", "migration", "source", "command")
            assert [m for m in loaded if m.split(".")[1] in heavy] == []
            assert "libcst" not in sys.modules
            assert "pytest_ssot.settings.pyproject" not in loaded
        """
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize(
    "text",
    [
        "[tool.ssot]\n",
        "[tool.ssot.contracts.e]\ncanonical = 'a:B'\n",
        '[ tool . "ssot" . contracts . e ]\n',
        "[tool]\nssot = { contracts = {} }\n",
    ],
)
def test_every_spelling_of_the_table_is_a_maybe(tmp_path: Path, text: str) -> None:
    from pytest_ssot.settings.presence import may_declare_contracts

    path = tmp_path / "pyproject.toml"
    path.write_text(text)
    assert may_declare_contracts([path])


@pytest.mark.parametrize("vendored", [True, False])
def test_fix_leaves_a_package_contracts_modules_alone_and_rewrites_the_projects_imports(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, vendored: bool
) -> None:
    """The library's source is reachable (vendored on pytest's pythonpath) or installed;
    its deprecated module holds a copy of the class: that is the library's to fix, not the
    project's. The project's own import of the deprecated path is rewritten either way."""
    import io

    from pytest_ssot.command.main import main

    root = tmp_path / "proj"
    library = {
        "mylib/__init__.py": "",
        "mylib/core.py": "class Engine:\n    pass\n",
        "mylib/old.py": "class Engine:\n    pass\n",
    }
    write_tree(root / "vendor" if vendored else site, library)
    library = {
        f"vendor/{p}" if vendored else f"../site-packages/{p}": t for p, t in library.items()
    }
    write_tree(
        root,
        {
            "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["vendor"]\n\n'
            '[tool.ssot.contracts.own]\ncanonical = "app.core:Thing"\n'
            'redirects = ["app.old:Thing"]\n',
            "app/__init__.py": "",
            "app/core.py": "class Thing:\n    pass\n",
            "app/old.py": "from app.core import Thing\n",
            "app/service.py": "from mylib.old import Engine\n",
        },
    )
    monkeypatch.chdir(root)
    out = io.StringIO()
    assert main(["fix", "--write"], out) == 0, out.getvalue()
    for path, text in library.items():
        assert (root / path).read_text() == text, path
    assert "mylib" not in out.getvalue().replace("app/service.py", "")
    assert (root / "app/service.py").read_text() == "from mylib.core import Engine\n"
