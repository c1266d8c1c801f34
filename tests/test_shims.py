"""Deprecation shims written the way numpy 2.x and scipy 1.x write theirs.

The generated projects below copy the idioms of ``numpy/core/*.py`` and scipy's deprecated
submodules line for line (a PEP 562 ``__getattr__`` with a local ``sentinel = object()``, a
``globals()`` loop that keeps names for old pickles, a ``_sub_module_deprecation``-style
helper, ``__dir__``), under other package names, so every interpreter checks them without
numpy or scipy installed. The last tests run the same checks on the real packages where
they can be installed.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import json
import subprocess
import sys
import textwrap
import types
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from pytest_ssot.analysis.run import check_purity
from pytest_ssot.analysis.static import check_identity_static
from pytest_ssot.domain.model import ObjectPath, RedirectContract
from pytest_ssot.settings.pyproject import parse_config
from pytest_ssot.source.modules import locate_module_source
from tests.conftest import WriteTree, write_tree
from tests.test_purity import NUMPY_MULTIARRAY, NUMPY_NUMERIC, SCIPY_SUBMODULE

#: numpy 2.x ``numpy/core/_internal.py``: a function of its own kept for old pickles.
NUMPY_INTERNAL = """\
from numpy._core import _internal


# Build a new array from the information in a pickle.
# Note that the name numpy.core._internal._reconstruct is embedded in
# pickles of ndarrays made with NumPy before release 1.0
# so don't remove the name here, or you'll
# break backward compatibility.
def _reconstruct(subtype, shape, dtype):
    from numpy import ndarray
    return ndarray.__new__(subtype, shape, dtype)


# Pybind11 (in versions <= 2.11.1) imports _dtype_from_pep3118 from the
# _internal submodule, therefore it must be importable without a warning.
_dtype_from_pep3118 = _internal._dtype_from_pep3118

def __getattr__(attr_name):
    from numpy._core import _internal

    from ._utils import _raise_warning
    ret = getattr(_internal, attr_name, None)
    if ret is None:
        raise AttributeError(
            f"module 'numpy.core._internal' has no attribute {attr_name}")
    _raise_warning(attr_name, "_internal")
    return ret
"""


def numlib(numpy_source: str) -> str:
    """A numpy shim, line for line, under the generated package's name."""
    return numpy_source.replace("numpy", "numlib").replace("NumPy", "NumLib")


#: numpy 2.x: the code moved to ``numlib._core``; ``numlib.core`` keeps shims.
NUMLIB = {
    "numlib/__init__.py": """
        from numlib import _core
        from numlib._core.multiarray import ndarray
    """,
    "numlib/_core/__init__.py": """
        from numlib._core import multiarray, numeric, umath
    """,
    "numlib/_core/multiarray.py": """
        class ndarray:
            pass


        def _reconstruct(subtype, shape, dtype):
            return ndarray.__new__(subtype)


        def scalar(dtype, obj):
            return obj


        _ARRAY_API = ("capsule",)
    """,
    "numlib/_core/numeric.py": """
        from numlib._core.multiarray import ndarray


        def zeros_like(a):
            return ndarray()
    """,
    "numlib/_core/umath.py": """
        def add(a, b):
            return a + b
    """,
    "numlib/_core/_internal.py": """
        def _dtype_from_pep3118(spec):
            return spec
    """,
    "numlib/core/__init__.py": '''
        """
        The `numlib.core` submodule exists solely for backward compatibility
        purposes. The original `core` was renamed to `_core` and made private.
        """
        from numlib import _core

        from ._utils import _raise_warning

        __all__ = ["multiarray", "numeric", "umath"]  # noqa: F822


        def __getattr__(attr_name):
            attr = getattr(_core, attr_name)
            _raise_warning(attr_name)
            return attr
    ''',
    "numlib/core/_utils.py": """
        import warnings


        def _raise_warning(attr, submodule=None):
            new_module = "numlib._core"
            old_module = "numlib.core"
            if submodule is not None:
                new_module = f"{new_module}.{submodule}"
                old_module = f"{old_module}.{submodule}"
            warnings.warn(
                f"{old_module} is deprecated and has been renamed to {new_module}.",
                DeprecationWarning,
                stacklevel=3,
            )
    """,
    "numlib/core/multiarray.py": numlib(NUMPY_MULTIARRAY),
    "numlib/core/numeric.py": numlib(NUMPY_NUMERIC),
    "numlib/core/_internal.py": numlib(NUMPY_INTERNAL),
    "numlib/core/umath.py": """
        _MISSING = object()


        def __getattr__(attr_name):
            from numlib._core import umath

            from ._utils import _raise_warning
            ret = getattr(umath, attr_name, _MISSING)
            if ret is _MISSING:
                raise AttributeError(
                    f"module 'numlib.core.umath' has no attribute {attr_name}")
            _raise_warning(attr_name, "umath")
            return ret
    """,
}


def scilib(scipy_source: str) -> str:
    """A scipy shim, line for line, under the generated package's name."""
    return scipy_source.replace("scipy", "scilib").replace("SciPy", "SciLib")


#: scipy 1.x: public-but-private modules replaced by ``_sub_module_deprecation`` shims.
SCILIB = {
    "scilib/__init__.py": "",
    "scilib/_lib/deprecation.py": """
        import warnings
        from importlib import import_module


        def _sub_module_deprecation(*, sub_package, module, private_modules, all,
                                    attribute, correct_module=None):
            if correct_module is not None:
                correct_import = f"scilib.{sub_package}.{correct_module}"
            else:
                correct_import = f"scilib.{sub_package}"
            if attribute not in all:
                raise AttributeError(
                    f"`scilib.{sub_package}.{module}` has no attribute `{attribute}`")
            attr = getattr(import_module(correct_import), attribute, None)
            warnings.warn(
                f"Please import `{attribute}` from the `{correct_import}` namespace",
                category=DeprecationWarning,
                stacklevel=3,
            )
            if attr is not None:
                return attr
            for private in private_modules:
                try:
                    return getattr(import_module(f"scilib.{sub_package}.{private}"), attribute)
                except AttributeError:
                    if private == private_modules[-1]:
                        raise
    """,
    "scilib/linalg/__init__.py": """
        from ._basic import *

        # Deprecated namespaces, to be removed in v2.0.0
        from . import basic
    """,
    "scilib/linalg/_basic.py": """
        __all__ = ["solve", "inv"]


        def solve(a, b):
            return b


        def inv(a):
            return a
    """,
    "scilib/linalg/basic.py": scilib(SCIPY_SUBMODULE),
}

NUMPY_CONTRACTS = """
    [tool.ssot]
    shim-helpers = ["numpy.core._utils:_raise_warning"]

    [tool.ssot.contracts.ndarray]
    canonical = "numpy._core.multiarray:ndarray"
    redirects = ["numpy.core.multiarray:ndarray", "numpy.core.numeric:ndarray"]
    golden-path = true
    audit = "off"

    [tool.ssot.contracts.reconstruct]
    canonical = "numpy._core.multiarray:_reconstruct"
    redirects = ["numpy.core.multiarray:_reconstruct"]
    audit = "off"

    [tool.ssot.contracts.add]
    canonical = "numpy._core.umath:add"
    redirects = ["numpy.core.umath:add"]
    audit = "off"

    [tool.ssot.contracts.zeros-like]
    canonical = "numpy._core.numeric:zeros_like"
    redirects = ["numpy.core.numeric:zeros_like"]
    audit = "off"

    [tool.ssot.contracts.pep3118]
    canonical = "numpy._core._internal:_dtype_from_pep3118"
    redirects = ["numpy.core._internal:_dtype_from_pep3118"]
    audit = "off"

    [tool.ssot.allow."numpy.core.multiarray"]
    names = ["_reconstruct", "scalar"]
    reason = "old pickles reference numpy.core.multiarray._reconstruct and scalar"

    [tool.ssot.allow."numpy.core._internal"]
    names = ["_reconstruct"]
    reason = "pickles from before NumPy 1.0 reference numpy.core._internal._reconstruct"
"""

SCILIB_CONTRACTS = """
    [tool.ssot.contracts.solve]
    canonical = "scilib.linalg._basic:solve"
    redirects = ["scilib.linalg.basic:solve", "scilib.linalg:solve"]
    golden-path = true
    audit = "off"
"""

#: The contracts of the real packages, on the generated ones.
SHIM_CONTRACTS = numlib(NUMPY_CONTRACTS) + SCILIB_CONTRACTS

GOLDEN_TEST = {
    "tests/test_golden.py": """
        import pytest

        from numlib._core.multiarray import ndarray
        from scilib.linalg import solve


        @pytest.mark.golden_path
        def test_a_user_solves():
            assert isinstance(ndarray(), ndarray)
            assert solve(None, 2) == 2
    """,
}


def make_project(root: Path, files: Mapping[str, str], contracts: str) -> Path:
    pyproject = '[tool.pytest.ini_options]\npythonpath = ["."]\n' + textwrap.dedent(contracts)
    return write_tree(root, {**files, "pyproject.toml": pyproject})


def ssot_json(root: Path, *args: str) -> tuple[int, dict[str, object]]:
    """``ssot check --format json ARGS`` in a real process (the runtime check imports the project)."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest_ssot", "check", "--format", "json", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def identities(data: Mapping[str, object]) -> dict[str, dict[str, str]]:
    """The identity result of each deprecated path, as JSON."""
    contracts = data["contracts"]
    assert isinstance(contracts, list)
    return {r["redirect"]: r for c in contracts for r in c["identity"]}


def verdicts(data: Mapping[str, object]) -> dict[str, str]:
    return {redirect: r["verdict"] for redirect, r in identities(data).items()}


def purities(data: Mapping[str, object]) -> dict[str, dict[str, object]]:
    """The purity result of each deprecated module, as JSON."""
    contracts = data["contracts"]
    assert isinstance(contracts, list)
    return {p["module"]: p for c in contracts for p in c["purity"]}


def impurities(data: Mapping[str, object]) -> dict[str, list[str]]:
    """Per deprecated module: its impurities and its unreadable-source error, as text."""
    found: dict[str, list[str]] = {}
    for module, purity in purities(data).items():
        listed = purity["impurities"]
        assert isinstance(listed, list)
        problems = [f"{i['location']['line']} [{i['kind']}] {i['message']}" for i in listed]
        if purity["error"]:
            problems.append(str(purity["error"]))
        found[module] = problems
    return found


def assert_identity_and_pure(code: int, data: Mapping[str, object], *, static: bool) -> None:
    """Every path is the SSOT and every shim pure; the static check may say it cannot tell
    (``unresolved``) but never reports a violation it cannot prove."""
    expected = {"identity", "unresolved"} if static else {"identity"}
    found = verdicts(data)
    assert found
    assert set(found.values()) <= expected, found
    assert not any(impurities(data).values()), impurities(data)
    assert code == (1 if "unresolved" in found.values() else 0)


SHIM_REDIRECTS = (
    "numlib.core.multiarray:ndarray",
    "numlib.core.numeric:ndarray",
    "numlib.core.multiarray:_reconstruct",
    "numlib.core.umath:add",
    "numlib.core.numeric:zeros_like",
    "numlib.core._internal:_dtype_from_pep3118",
    "scilib.linalg.basic:solve",
    "scilib.linalg:solve",
)


def test_shims_in_the_project_are_identity_and_pure(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(pytester.path, {**NUMLIB, **SCILIB, **GOLDEN_TEST}, SHIM_CONTRACTS)
    result = pytester.runpytest_subprocess("-v", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=len(SHIM_REDIRECTS) + 8 + 1)
    result.stdout.fnmatch_lines(["ndarray [[]golden path[]]: ok (2 redirect(s) are the SSOT)"])
    result.stdout.no_fnmatch_line("*SSOT0*")

    code, data = ssot_json(root)
    assert sorted(verdicts(data)) == sorted(SHIM_REDIRECTS)
    assert_identity_and_pure(code, data, static=False)
    assert purities(data)["numlib.core.multiarray"]["allowed"] == ["_reconstruct", "scalar"]

    code, data = ssot_json(root, "--static")
    assert_identity_and_pure(code, data, static=True)
    # numpy's `ret = getattr(module, name, sentinel)` / `return ret` and the globals() loop
    # are followed; only scipy's helper computes its answer out of sight.
    assert {r for r, v in verdicts(data).items() if v != "identity"} == {
        "scilib.linalg.basic:solve"
    }


def test_shims_of_an_installed_package_are_found_and_never_a_false_verdict(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shims live outside the project (on ``sys.path``, as site-packages is): the
    plugin and ``ssot check`` read the same files; the static check, which does not read
    code outside the project, says it cannot tell, never "separate-definition"."""
    site = write_tree(pytester.path / "site", {**NUMLIB, **SCILIB})
    root = make_project(pytester.path / "project", GOLDEN_TEST, SHIM_CONTRACTS)
    monkeypatch.setenv("PYTHONPATH", str(site))
    monkeypatch.chdir(root)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", str(root))
    result.assert_outcomes(passed=len(SHIM_REDIRECTS) + 8 + 1)

    code, data = ssot_json(root)
    assert_identity_and_pure(code, data, static=False)
    paths = {module: purity["path"] for module, purity in purities(data).items()}
    assert paths["numlib.core.numeric"] == str(site / "numlib" / "core" / "numeric.py")

    code, data = ssot_json(root, "--static")
    assert_identity_and_pure(code, data, static=True)
    assert set(verdicts(data).values()) == {"unresolved"}
    text = subprocess.run(
        [sys.executable, "-m", "pytest_ssot", "check", "--static"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    assert (
        "Contract 'ndarray': the static check cannot tell whether users get the SSOT "
        "numlib._core.multiarray:ndarray\n" in text
    )
    assert "something other than the SSOT" not in text
    assert identities(data)["numlib.core.multiarray:ndarray"]["detail"] == (
        "resolves to numlib.core.multiarray.ndarray, the canonical to "
        "numlib._core.multiarray.ndarray: both are outside the project, whose code the static "
        "check does not read; only the runtime check (ssot check) can tell whether they are "
        "one object"
    )


# --- where the purity check reads a deprecated module ------------------------------------------


def test_an_imported_module_is_read_from_its_spec(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the tests imported is what users run, even from a namespace directory (no
    ``__init__.py``) inside a regular package, or from a path no longer on ``sys.path``."""
    write_tree(tmp_path, {"vendor/__init__.py": ""})
    (tmp_path / "vendor" / "ns" / "deep").mkdir(parents=True)
    shim = tmp_path / "vendor" / "ns" / "deep" / "legacy.py"
    shim.write_text("from vendor.core import Engine\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("vendor", "vendor.ns", "vendor.ns.deep", "vendor.ns.deep.legacy"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    spec = importlib.util.spec_from_file_location("vendor.ns.deep.legacy", shim)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "vendor.ns.deep.legacy", module)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p != str(tmp_path)])
    found = locate_module_source("vendor.ns.deep.legacy", [])
    assert found is not None
    assert (found.path, found.is_package) == (shim, False)


def test_a_module_that_replaced_itself_is_read_from_its_own_file(
    importable_tree: WriteTree,
) -> None:
    """``sys.modules[__name__] = canonical`` leaves another module under the name: its spec
    names the canonical's file, so the shim is found by name instead."""
    root = importable_tree(
        {
            "legacyapp/core.py": "class Engine:\n    pass\n",
            "legacyapp/old.py": "import sys\nfrom legacyapp import core\nsys.modules[__name__] = core\n",
        }
    )
    importlib.import_module("legacyapp.old")
    assert sys.modules["legacyapp.old"] is sys.modules["legacyapp.core"]
    found = locate_module_source("legacyapp.old", [])
    assert found is not None
    assert found.path == root / "legacyapp" / "old.py"


def test_a_compiled_deprecated_module_says_why_it_has_no_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An extension module has no Python source: SSOT011 says so, not "not found"."""
    compiled = types.ModuleType("fastlib._speedups")
    origin = str(tmp_path / "_speedups.cpython-311-x86_64-linux-gnu.so")
    compiled.__spec__ = importlib.machinery.ModuleSpec(compiled.__name__, None, origin=origin)
    monkeypatch.setitem(sys.modules, compiled.__name__, compiled)
    config = parse_config(
        {"contracts": {"c": {"canonical": "json:loads", "redirects": ["fastlib._speedups:loads"]}}},
        tmp_path / "pyproject.toml",
    )
    (result,) = check_purity(config, search_path=[]).values()
    assert result.error == (
        f"module fastlib._speedups is loaded from {origin}, which is not Python source: a "
        "redirect module is a .py file, so its purity cannot be checked"
    )


# --- the real thing: numpy 2.x and scipy 1.x, where they can be installed ----------------------

SCIPY_CONTRACTS = """
    [tool.ssot]
    shim-helpers = ["scipy._lib.deprecation:_sub_module_deprecation"]

    [tool.ssot.contracts.solve]
    canonical = "scipy.linalg._basic:solve"
    redirects = ["scipy.linalg.basic:solve"]
    golden-path = true
    audit = "off"

    [tool.ssot.contracts.odeint]
    canonical = "scipy.integrate._odepack_py:odeint"
    redirects = ["scipy.integrate.odepack:odeint"]
    audit = "off"

    [tool.ssot.contracts.issparse]
    canonical = "scipy.sparse._base:issparse"
    redirects = ["scipy.sparse.base:issparse"]
    audit = "off"
"""

REAL_GOLDEN_TEST = {
    "tests/test_golden.py": """
        import pytest


        @pytest.mark.golden_path
        def test_a_user_gets_an_array():
            import numpy

            assert numpy.zeros(2).tolist() == [0.0, 0.0]
    """,
}


@dataclass(frozen=True)
class RealShims:
    """An installed package and contracts on the deprecation shims it ships."""

    package: str
    minversion: str
    contracts: str
    items: int  # identity items + purity items (one per contract and module) + the golden test
    modules: tuple[str, ...]


REAL_SHIMS = [
    # numpy.core became shims of numpy._core in numpy 2.0.
    RealShims(
        "numpy",
        "2.0",
        NUMPY_CONTRACTS,
        6 + 6 + 1,
        ("numpy.core.multiarray", "numpy.core.numeric", "numpy.core.umath", "numpy.core._internal"),
    ),
    RealShims(
        "scipy",
        "1.13",
        SCIPY_CONTRACTS,
        3 + 3 + 1,
        ("scipy.linalg.basic", "scipy.integrate.odepack", "scipy.sparse.base"),
    ),
]


@pytest.fixture(scope="module", params=REAL_SHIMS, ids=lambda shims: shims.package)
def real_shims(request: pytest.FixtureRequest) -> RealShims:
    """Skips where the package cannot be installed. Module-scoped, so the import happens
    before pytester snapshots ``sys.modules``: restoring the snapshot would otherwise drop
    numpy, whose extension modules cannot be imported twice in one process."""
    shims: RealShims = request.param
    pytest.importorskip("numpy", minversion="2.0")  # scipy needs it too
    pytest.importorskip(shims.package, minversion=shims.minversion)
    return shims


def test_installed_numpy_and_scipy_shims_are_identity_and_pure(
    pytester: pytest.Pytester, real_shims: RealShims
) -> None:
    """The plugin, ``ssot check`` and ``ssot check --static`` on the shims the packages ship:
    identity and pure (the static check, which does not read installed packages, may say
    ``unresolved``), never a violation. The ``test`` extra installs them where wheels exist."""
    root = make_project(pytester.path, REAL_GOLDEN_TEST, real_shims.contracts)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(passed=real_shims.items)

    code, data = ssot_json(root)
    assert_identity_and_pure(code, data, static=False)
    runtime_paths = {module: purity["path"] for module, purity in purities(data).items()}
    assert set(real_shims.modules) <= set(runtime_paths)

    code, data = ssot_json(root, "--static")
    assert_identity_and_pure(code, data, static=True)
    static_paths = {module: purity["path"] for module, purity in purities(data).items()}
    assert static_paths == runtime_paths  # one way to find a module's source


# --- the static check on references outside the project ----------------------------------------

OUTSIDE = {
    "app/__init__.py": "",
    "app/core.py": "class Engine:\n    pass\n",
    "app/api.py": "from vendorlib import Session\n\n\nclass Local:\n    pass\n",
    "app/from_vendor.py": "from vendorlib import Engine\n",
    "app/session.py": "from vendorlib.http import Session\n",
    "app/session_alias.py": "import vendorlib\n\nSession = vendorlib.http.Session\n",
    "app/session_chain.py": "from app.session import Session\n",
    "app/compat.py": "from vendorlib.core import *\n",
    "app/legacy_api.py": "from vendorlib.sub import Session\nfrom app.api import Local\n",
    "app/own_session.py": "class Session:\n    pass\n",
}


@pytest.mark.parametrize(
    ("canonical", "redirect", "verdict", "detail"),
    [
        pytest.param(
            "app.core:Engine",
            "app.from_vendor:Engine",
            "unresolved",
            "resolves to vendorlib.Engine, the canonical to app.core.Engine: vendorlib.Engine is "
            "outside the project",
            id="project-class-against-an-opaque-reference",
        ),
        pytest.param(
            "app.session:Session",
            "app.session_chain:Session",
            "identity",
            "is app.session:Session",
            id="same-opaque-reference-through-the-project",
        ),
        pytest.param(
            "app.session:Session",
            "app.session_alias:Session",
            "identity",
            "is app.session:Session",
            id="same-dotted-path-as-an-attribute-chain",
        ),
        pytest.param(
            "app.api:Session",
            "app.session:Session",
            "unresolved",
            "resolves to vendorlib.http.Session, the canonical to vendorlib.Session: both are "
            "outside the project",
            id="two-different-opaque-references",
        ),
        pytest.param(
            "app.session:Session",
            "app.own_session:Session",
            "separate-definition",
            "is its own class app.own_session.Session at ",
            id="own-class-against-an-opaque-canonical",
        ),
        pytest.param(
            "vendorlib.core",
            "app.compat",
            "unresolved",
            "the canonical to vendorlib.core: vendorlib.core is outside the project",
            id="whole-module-canonical-outside-the-project",
        ),
        pytest.param(
            "app.api",
            "app.legacy_api",
            "unresolved",
            "1 name(s) cannot be compared from source: Session; e.g. resolves to "
            "vendorlib.sub.Session, the canonical to vendorlib.Session",
            id="whole-module-with-an-opaque-name",
        ),
    ],
)
def test_static_check_on_references_outside_the_project(
    tmp_path: Path, canonical: str, redirect: str, verdict: str, detail: str
) -> None:
    """Two references outside the project are one object only at the same dotted path;
    otherwise the static check cannot tell (unresolved), never "separate-definition". A class
    the deprecated module defines itself is a separate definition whatever the canonical."""
    write_tree(tmp_path, OUTSIDE)
    contract = RedirectContract("c", ObjectPath.parse(canonical), (ObjectPath.parse(redirect),))
    (result,) = check_identity_static(contract, [str(tmp_path)])
    assert (result.verdict.value, result.redirect) == (verdict, ObjectPath.parse(redirect))
    assert detail in result.detail
