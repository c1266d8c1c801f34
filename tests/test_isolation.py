"""Isolation: the identity check in a child interpreter, and the interpreter left as found.

Hostile modules (segfault, ``os._exit()``, hangs) are only ever imported with isolation on:
in-process they would take this test run down with them.
"""

from __future__ import annotations

import sys
import textwrap
import time
import warnings
from collections.abc import Mapping
from pathlib import Path

import pytest

from pytest_ssot.analysis.identity import check_identity
from pytest_ssot.analysis.isolation import (
    Isolation,
    IsolationError,
    check_identities_isolated,
    check_identity_isolated,
)
from pytest_ssot.domain.model import (
    IdentityResult,
    Location,
    Mutation,
    ObjectPath,
    RedirectContract,
    Verdict,
)
from pytest_ssot.domain.serial import pack, unpack
from tests.conftest import WriteTree, write_tree

CORE = "class Engine:\n    def run(self):\n        return 'ssot'\n"
GOOD = "from app.core import Engine\n"

HOSTILE = {
    "segfault": (
        "import ctypes\nctypes.string_at(0)\n",
        "the interpreter crashed (signal 11, SIGSEGV) while importing app.bad "
        "(at {root}/app/bad.py:2: ctypes.string_at(0))",
    ),
    "os-exit": (
        "import os\nos._exit(3)\n",
        "the process exited with status 3 while importing app.bad "
        "(at {root}/app/bad.py:2: os._exit(3))",
    ),
    "hang": (
        "import time\nwhile True:\n    time.sleep(0.05)\n",
        "timed out after 0.5 s while importing app.bad (at {root}/app/bad.py:3: time.sleep(0.05))",
    ),
    "sys-exit": (
        "import sys\nsys.exit(3)\n",
        "SystemExit(3): the module calls sys.exit() on import (at {root}/app/bad.py:2: sys.exit(3))",
    ),
}

FAST = Isolation(timeout=0.5)

#: The pytest sessions run here need no hypothesis; its plugin costs ~1 s per session.
QUIET = ("-p", "no:hypothesispytest")


def contract(
    *redirects: str, canonical: str = "app.core:Engine", name: str = "engine"
) -> RedirectContract:
    return RedirectContract(
        name=name,
        canonical=ObjectPath.parse(canonical),
        redirects=tuple(ObjectPath.parse(r) for r in redirects),
    )


def project(root: Path, files: Mapping[str, str]) -> Isolation:
    write_tree(root, {"app/core.py": CORE, **files})
    return Isolation(timeout=FAST.timeout, sys_path=(str(root), *sys.path))


@pytest.mark.parametrize(("source", "detail"), HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_import_is_an_import_error_and_the_check_goes_on(
    tmp_path: Path, source: str, detail: str
) -> None:
    isolation = project(tmp_path, {"app/bad.py": source, "app/old.py": GOOD})
    bad, after = check_identity_isolated(contract("app.bad:Engine", "app.old:Engine"), isolation)
    assert bad.verdict is Verdict.IMPORT_ERROR
    assert bad.detail == detail.format(root=tmp_path)
    assert bad.location is not None
    assert (bad.location.path, bad.location.line) == (
        str(tmp_path / "app" / "bad.py"),
        detail.count("bad.py:3") + 2,
    )
    # The redirect after the one that took the child down is checked in a new child.
    assert after.verdict is Verdict.IDENTITY
    assert "app" not in sys.modules  # nothing was imported here


def test_crashing_canonical_fails_every_redirect(tmp_path: Path) -> None:
    isolation = project(tmp_path, {"app/core.py": "import os\nos._exit(4)\n", "app/old.py": GOOD})
    results = check_identity_isolated(contract("app.old:Engine", "app.old:Other"), isolation)
    assert [r.verdict for r in results] == [Verdict.CANONICAL_IMPORT_ERROR] * 2
    assert results[0].detail == (
        "the canonical app.core:Engine cannot be used: the process exited with status 4 while "
        f"importing app.core (at {tmp_path}/app/core.py:2: os._exit(4))"
    )


def test_one_child_checks_every_contract_and_a_crash_loses_no_other_result(
    tmp_path: Path,
) -> None:
    isolation = project(
        tmp_path,
        {
            "app/core2.py": "class Motor:\n    pass\n",
            "app/bad.py": "import os\nos._exit(3)\n",
            "app/old.py": GOOD,
            "app/old2.py": "class Motor:\n    pass\n",
        },
    )
    first = contract("app.old:Engine", "app.bad:Engine", name="one")
    second = contract("app.old2:Motor", canonical="app.core2:Motor", name="two")
    one, two = check_identities_isolated([first, second], isolation)
    assert [r.verdict for r in one] == [Verdict.IDENTITY, Verdict.IMPORT_ERROR]
    assert [r.verdict for r in two] == [Verdict.SEPARATE_DEFINITION]


VERDICTS = {
    "app/old.py": GOOD,
    "app/forked.py": "class Engine:\n    pass\n",
    "app/sub.py": "from app.core import Engine as E\n\nclass Engine(E):\n    def run(self):\n        return ''\n",
    "app/renamed.py": "from app.core import Engine as Motor\n",
    "app/broken.py": "from app.nowhere import Engine\n",
    "app/mutating.py": "import warnings\nfrom app.core import Engine\nEngine.legacy = True\n"
    "warnings.warn('moved', DeprecationWarning)\n",
    "app/lazy.py": "import warnings\n\ndef __getattr__(name):\n    warnings.warn('lazy', DeprecationWarning)\n"
    "    from app import core\n    return getattr(core, name)\n",
}


def test_isolated_results_equal_the_in_process_ones(importable_tree: WriteTree) -> None:
    root = importable_tree({"app/core.py": CORE, **VERDICTS})
    checked = contract(*(f"app.{Path(name).stem}:Engine" for name in VERDICTS))
    isolated = check_identity_isolated(checked, Isolation(sys_path=(str(root), *sys.path)))
    assert "app" not in sys.modules
    in_process = check_identity(checked)
    assert isolated == in_process
    assert {r.verdict for r in isolated} == {
        Verdict.IDENTITY,
        Verdict.SEPARATE_DEFINITION,
        Verdict.SUBCLASS_SHIM,
        Verdict.MISSING,
        Verdict.IMPORT_ERROR,
    }
    assert any(r.mutations for r in isolated)
    assert any(r.warnings for r in isolated)


def test_what_modules_print_does_not_confuse_the_check(tmp_path: Path) -> None:
    noisy = (
        "import os, sys\n"
        "print('{\"results\": []}')\n"
        "os.write(1, b'{\"contract\": 7}\\n')\n"
        "sys.stderr.write('Stack (most recent call first):\\n')\n"
        "from app.core import Engine\n"
    )
    isolation = project(tmp_path, {"app/old.py": noisy})
    (result,) = check_identity_isolated(contract("app.old:Engine"), isolation)
    assert result.verdict is Verdict.IDENTITY


def test_threads_and_atexit_handlers_of_a_module_do_not_delay_the_result(tmp_path: Path) -> None:
    lingering = (
        "import atexit, threading, time\n"
        "threading.Thread(target=time.sleep, args=(30,)).start()\n"
        "atexit.register(time.sleep, 30)\n"
        "from app.core import Engine\n"
    )
    isolation = project(tmp_path, {"app/old.py": lingering})
    start = time.monotonic()
    (result,) = check_identity_isolated(contract("app.old:Engine"), isolation)
    assert result.verdict is Verdict.IDENTITY
    assert time.monotonic() - start < 5


def test_an_interpreter_that_cannot_start_is_an_isolation_error(tmp_path: Path) -> None:
    isolation = Isolation(python=str(tmp_path / "no-python"))
    with pytest.raises(
        IsolationError,
        match=r"^cannot start '.*no-python' for the isolated identity check: No such file",
    ):
        check_identity_isolated(contract("app.old:Engine"), isolation)


def test_results_survive_the_trip_to_another_process() -> None:
    result = IdentityResult(
        contract="engine",
        redirect=ObjectPath("app.old", "Engine"),
        canonical=ObjectPath("app.core"),
        verdict=Verdict.SUBCLASS_SHIM,
        detail="is class app.old.Engine",
        location=Location("/src/app/old.py", 3, 9),
        warnings=("DeprecationWarning: moved (old.py:1)",),
        mutations=(Mutation("legacy", "added", "app.old", Location("/src/app/old.py", 4, 4)),),
        overridden=("run",),
    )
    assert unpack(pack(result)) == result
    bare = IdentityResult("e", ObjectPath("a"), ObjectPath("b"), Verdict.IDENTITY, "is b")
    assert unpack(pack(bare)) == bare


# -- end to end ----------------------------------------------------------------------------------


def make_project(pytester: pytest.Pytester, files: Mapping[str, str], ini: str = "") -> None:
    pyproject = (
        "[tool.pytest.ini_options]\n"
        'pythonpath = ["."]\n'
        + textwrap.dedent(ini)
        + textwrap.dedent(
            """
            [tool.ssot.contracts.engine]
            canonical = "app.core:Engine"
            redirects = ["app.old:Engine"]
            audit = "off"
            """
        )
    )
    write_tree(pytester.path, {"app/core.py": CORE, **files, "pyproject.toml": pyproject})


def test_segfaulting_redirect_with_isolate_is_a_failed_item_and_the_run_goes_on(
    pytester: pytest.Pytester,
) -> None:
    make_project(
        pytester,
        {"app/old.py": HOSTILE["segfault"][0], "test_app.py": "def test_user():\n    pass\n"},
    )
    result = pytester.runpytest(*QUIET, "--ssot-isolate")
    result.stdout.fnmatch_lines(
        [
            "SSOT004 import-error: app.old:Engine",
            "    the interpreter crashed (signal 11, SIGSEGV) while importing app.old "
            "(at app/old.py:2: ctypes.string_at(0))",
            "    look at: app/old.py:2",
        ]
    )
    result.assert_outcomes(passed=1, failed=2)  # identity and purity fail; the user's test runs
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_hang_with_isolate_from_ini_times_out(pytester: pytest.Pytester) -> None:
    make_project(
        pytester,
        {"app/old.py": HOSTILE["hang"][0]},
        ini="ssot_isolate = true\nssot_import_timeout = 0.5\n",
    )
    result = pytester.runpytest(
        *QUIET,
    )
    result.stdout.fnmatch_lines(
        [
            "SSOT004 import-error: app.old:Engine",
            "    timed out after 0.5 s while importing app.old (at app/old.py:3: time.sleep(0.05))",
        ]
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED


@pytest.mark.parametrize(
    ("args", "ini", "given"),
    [
        (["--ssot-import-timeout=soon"], "", "--ssot-import-timeout"),
        ([], "ssot_import_timeout = -1\n", "ssot_import_timeout"),
    ],
    ids=["flag", "ini"],
)
def test_bad_timeout_is_a_usage_error(
    pytester: pytest.Pytester, args: list[str], ini: str, given: str
) -> None:
    make_project(pytester, {"app/old.py": GOOD}, ini=ini)
    result = pytester.runpytest(*QUIET, "--ssot-isolate", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    value = "'soon'" if args else "'-1'"
    assert result.stderr.lines[0] == (
        f"ERROR: pytest-ssot: {given} = {value}: expected a number of seconds greater than 0"
    )


# -- the interpreter left as found -----------------------------------------------------------

PROBE = """
import sys
import warnings

import pytest

STATE = {}


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(session, config, items):
    import app.core

    modules, filters = set(sys.modules), list(warnings.filters)
    engine = dict(vars(app.core.Engine))
    result = yield
    STATE["new modules"] = sorted(m for m in set(sys.modules) - modules if m.startswith("app"))
    STATE["filters unchanged"] = warnings.filters == filters
    STATE["canonical unchanged"] = dict(vars(app.core.Engine)) == engine
    return result
"""

SIDE_EFFECTS = {
    "app/registry.py": "EVENTS = []\n",
    "app/old.py": """
        import warnings

        from app.core import Engine
        from app.registry import EVENTS

        EVENTS.append("app.old imported")
        Engine.legacy = True
        warnings.simplefilter("ignore")
    """,
    "conftest.py": PROBE,
}

STATE_TEST = """
from conftest import STATE


def test_the_checks_left_no_trace():
    assert STATE == {"new modules": [], "filters unchanged": True, "canonical unchanged": True}


def test_import_time_side_effects_happen_once():
    import app.old
    from app.registry import EVENTS

    assert EVENTS == ["app.old imported"]
"""


@pytest.mark.parametrize("mode", [[], ["--ssot-isolate"]], ids=["in-process", "isolated"])
def test_checks_leave_modules_filters_and_canonical_as_found(
    pytester: pytest.Pytester, mode: list[str]
) -> None:
    make_project(pytester, {**SIDE_EFFECTS, "test_state.py": STATE_TEST})
    with_plugin = pytester.runpytest_subprocess(*QUIET, "-p", "pytest_ssot", *mode)
    # identity (mutation) and purity fail; the user's two tests pass as without the plugin.
    with_plugin.assert_outcomes(passed=2, failed=2)
    without = pytester.runpytest_subprocess(*QUIET, "-p", "no:pytest_ssot")
    without.assert_outcomes(passed=2)


ALREADY_IMPORTED_TEST = """
from app.registry import EVENTS  # imported at collection, before the checks run


def test_import_time_side_effects_happen_once():
    import app.old

    assert len(EVENTS) == 1
"""


def test_side_effect_on_a_module_the_tests_already_imported(pytester: pytest.Pytester) -> None:
    """In-process the check cannot undo a write into a module it did not import (documented
    in design.md); isolated, nothing the check imports ever reaches this process."""
    make_project(pytester, {**SIDE_EFFECTS, "test_state.py": ALREADY_IMPORTED_TEST})
    pytester.runpytest_subprocess(*QUIET, "-p", "no:pytest_ssot").assert_outcomes(passed=1)
    pytester.runpytest_subprocess(*QUIET, "-p", "pytest_ssot", "--ssot-isolate").assert_outcomes(
        passed=1, failed=2
    )
    pytester.runpytest_subprocess(*QUIET, "-p", "pytest_ssot").assert_outcomes(failed=3)


def test_warnings_filters_are_restored_in_process() -> None:
    before = list(warnings.filters)
    assert check_identity(contract("app.missing:Engine", canonical="json:JSONDecoder"))
    assert warnings.filters == before


def test_an_interpreter_that_cannot_start_stops_the_run_with_a_usage_error(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_project(pytester, {"app/old.py": GOOD})
    monkeypatch.setattr(sys, "executable", str(pytester.path / "no-python"))
    result = pytester.runpytest(*QUIET, "--ssot-isolate")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert result.errlines[0] == (
        f"ERROR: pytest-ssot: cannot start '{pytester.path / 'no-python'}' for the isolated "
        "identity check: No such file or directory"
    )


def test_the_child_runs_this_very_copy_of_pytest_ssot() -> None:
    """The child puts ``_PACKAGE_PARENT`` first on its path: it must be the folder holding
    this package (an installed wheel and a checkout side by side must not mix)."""
    import pytest_ssot
    from pytest_ssot.analysis import isolation

    package = Path(isolation._PACKAGE_PARENT) / "pytest_ssot" / "__init__.py"
    assert package.resolve() == Path(pytest_ssot.__file__).resolve()
