"""End-to-end: real pytest sessions on small generated projects, asserting what a user sees."""

from __future__ import annotations

import json
import sys
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Mapping

import pytest

from tests.conftest import write_tree

CANONICAL = {
    "app/__init__.py": "",
    "app/core.py": """
        class Engine:
            def answer(self, message: str) -> str:
                return f"answer to {message}"
    """,
}

GOOD_REDIRECT = {
    "app/old.py": """
        '''Deprecated: use app.core.'''
        import warnings

        from app.core import Engine

        warnings.warn("app.old is deprecated", DeprecationWarning, stacklevel=2)
        __all__ = ["Engine"]
    """,
}

FORKED_REDIRECT = {
    "app/old.py": """
        '''DEPRECATED but still holds code.'''


        class Engine:
            def answer(self, message: str) -> str:
                return ""
    """,
}

GOLDEN_TESTS = {
    "test_chat.py": """
        import pytest

        from app.core import Engine


        @pytest.mark.golden_path
        def test_user_gets_an_answer():
            assert Engine().answer("hi") == "answer to hi"


        @pytest.mark.golden_path
        @pytest.mark.ssot("some-other-contract")
        def test_unrelated_golden_path():
            pass


        def test_ordinary():
            pass
    """,
}


def contract_toml(
    golden_path: bool = True, redirects: str = '["app.old:Engine"]', audit: str = "off"
) -> str:
    """The import audit is off unless a test is about it, to keep item counts to the point."""
    return f"""
        [tool.ssot.contracts.engine]
        canonical = "app.core:Engine"
        redirects = {redirects}
        golden-path = {str(golden_path).lower()}
        audit = "{audit}"
    """


def make_project(
    pytester: pytest.Pytester, ssot: str, files: Mapping[str, str], ini: str = ""
) -> None:
    pyproject = (
        "[tool.pytest.ini_options]\n"
        'pythonpath = ["."]\n'
        'console_output_style = "classic"\n' + textwrap.dedent(ini) + textwrap.dedent(ssot)
    )
    write_tree(pytester.path, {**files, "pyproject.toml": pyproject})
    (pytester.path / "app" / "__init__.py").touch()


def test_inert_without_contracts(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_a():\n    pass\n")
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*ssot contracts*")
    result.stdout.no_fnmatch_line("pyproject.toml*")


def test_markers_registered_for_strict_markers_without_contracts(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.golden_path
        @pytest.mark.ssot("engine")
        def test_a():
            pass
        """
    )
    result = pytester.runpytest("--strict-markers")
    result.assert_outcomes(passed=1)
    assert result.ret == 0
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(
        ["@pytest.mark.golden_path(*contracts):*", "@pytest.mark.ssot(*contracts):*"]
    )


def test_pure_redirect_passes_as_collected_items(pytester: pytest.Pytester) -> None:
    make_project(pytester, contract_toml(), {**CANONICAL, **GOOD_REDIRECT, **GOLDEN_TESTS})
    result = pytester.runpytest("-v", "-W", "error::DeprecationWarning")
    result.stdout.fnmatch_lines(
        [
            "pyproject.toml::engine::identity[[]app.old:Engine[]] PASSED*",
            "pyproject.toml::engine::purity[[]app.old[]] PASSED*",
            "*- ssot contracts -*",
            "engine [[]golden path[]]: ok (1 redirect(s) are the SSOT)",
        ]
    )
    result.assert_outcomes(passed=5)
    result.stdout.no_fnmatch_line("*SSOT golden path*")


def test_separate_definition_fails_golden_path_with_diagnosis(pytester: pytest.Pytester) -> None:
    make_project(pytester, contract_toml(), {**CANONICAL, **FORKED_REDIRECT, **GOLDEN_TESTS})
    result = pytester.runpytest()
    result.assert_outcomes(passed=2, failed=3)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "SSOT001 separate-definition: app.old:Engine",
            "    is its own class app.old.Engine at app/old.py:4 (3 lines), not the canonical",
            "*_ test_user_gets_an_answer _*",
            "golden path broken by SSOT contract(s) engine: this test's own assertions may "
            "pass, but",
            "    engine: users reaching the code through these paths get something other than "
            "the SSOT app.core:Engine:",
            "        x from app.old import Engine  [[]SSOT001 separate-definition[]] at "
            "app/old.py:4",
            "    engine: and deprecated modules hold code beside the redirect:",
            "        x app.old (app/old.py): line 4 [[]class[]]  [[]SSOT010 impure redirect[]]",
            "*= SSOT golden path: BROKEN =*",
            "Contract 'engine': users are served something other than the SSOT app.core:Engine",
            "    x from app.old import Engine   [[]SSOT001 separate-definition[]]",
            "        breaks: callers importing app.old.Engine run a second implementation:*",
            "        look at: app/old.py:4",
            "        fix: replace the body of app/old.py with a redirect:",
            "            | from app.core import Engine",
            "*- app.old is not a pure redirect*",
            "        app/old.py:4 [[]class[]] class definition 'Engine' (lines 4-6, 3 lines)*",
            "Golden-path tests affected in this run: 1 of *, reported as failed; affected are *",
            "    test_chat.py::test_user_gets_an_answer",
            "engine [[]golden path[]]: VIOLATED (1 separate-definition, 1 impure)",
        ]
    )
    # The golden-path test narrowed to another contract is not affected.
    result.stdout.no_fnmatch_line("*test_unrelated_golden_path - *")


IMPURE_BUT_IDENTICAL = {
    "app/old.py": """
        '''Deprecated: use app.core.'''
        import logging

        from app.core import Engine

        logging.getLogger("app").addHandler(logging.NullHandler())


        def helper():
            return Engine()
    """,
}


def test_purity_only_failure_says_users_get_the_ssot_and_what_code_is_left(
    pytester: pytest.Pytester,
) -> None:
    """Identity holds: the diagnosis says users get the SSOT today and names the module and
    its statements (kind and line), never "something other than the SSOT" with nothing
    after the colon."""
    make_project(pytester, contract_toml(), {**CANONICAL, **IMPURE_BUT_IDENTICAL, **GOLDEN_TESTS})
    result = pytester.runpytest("-o", "ssot_golden_path_purity=true")
    result.assert_outcomes(passed=3, failed=2)
    result.stdout.fnmatch_lines(
        [
            "golden path broken by SSOT contract(s) engine: this test's own assertions may "
            "pass, but",
            "    engine: users get the SSOT app.core:Engine through every path today, but "
            "deprecated modules hold code beside the redirect, which can diverge from the SSOT "
            "or run side effects on import:",
            "        x app.old (app/old.py): line 2 [[]unrelated-import[]], line 6 [[]call[]], "
            "line 9 [[]function[]]  [[]SSOT010 impure redirect[]]",
            "See the 'SSOT golden path' section of the summary*",
        ],
        consecutive=True,
    )
    result.stdout.fnmatch_lines(
        [
            "*= SSOT golden path: BROKEN =*",
            "Contract 'engine': users get the SSOT app.core:Engine through every path today, "
            "but deprecated modules are not pure redirects",
            "    - app.old is not a pure redirect: it holds code beside the redirect, which can "
            "diverge from the SSOT or run side effects on import; move these into the canonical "
            "module (or delete them), then re-export:",
            "        app/old.py:2 [[]unrelated-import[]] 'import logging' imports from a module*",
            "        app/old.py:6 [[]call[]] 'logging.getLogger('app').addHandler(*",
            "        app/old.py:9 [[]function[]] function definition 'helper' (lines 9-10, *",
            "",
            "Golden-path tests affected in this run: 1 of *, reported as failed; affected are *",
        ],
        consecutive=True,
    )
    result.stdout.no_fnmatch_line("*something other than the SSOT*")


def test_purity_only_findings_leave_golden_path_tests_alone_by_default(
    pytester: pytest.Pytester,
) -> None:
    """Users get the SSOT through every path: the purity item fails, the golden-path test
    keeps its own result and there is no "golden path: BROKEN" section."""
    make_project(pytester, contract_toml(), {**CANONICAL, **IMPURE_BUT_IDENTICAL, **GOLDEN_TESTS})
    result = pytester.runpytest()
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(["FAILED pyproject.toml::engine::purity[[]app.old[]] - SSOT010*"])
    result.stdout.no_fnmatch_line("*SSOT golden path: BROKEN*")


def test_report_only_keeps_golden_path_tests_green(pytester: pytest.Pytester) -> None:
    make_project(pytester, contract_toml(), {**CANONICAL, **FORKED_REDIRECT, **GOLDEN_TESTS})
    result = pytester.runpytest("--ssot-golden-path=report")
    result.assert_outcomes(passed=3, failed=2)
    result.stdout.fnmatch_lines(
        ["Golden-path tests affected in this run: 1 of *, not failed (report only); *"]
    )


def test_golden_path_test_failing_on_its_own_gets_the_diagnosis_section(
    pytester: pytest.Pytester,
) -> None:
    tests = {
        "test_chat.py": "import pytest\n\nimport app.core\n\n"
        "@pytest.mark.golden_path\ndef test_g():\n    assert 0\n"
    }
    make_project(pytester, contract_toml(), {**CANONICAL, **FORKED_REDIRECT, **tests})
    result = pytester.runpytest()
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines(["*assert 0*", "*- SSOT golden path -*"])


def test_contract_that_is_not_golden_path_leaves_golden_tests_alone(
    pytester: pytest.Pytester,
) -> None:
    make_project(
        pytester, contract_toml(golden_path=False), {**CANONICAL, **FORKED_REDIRECT, **GOLDEN_TESTS}
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=3, failed=2)
    result.stdout.no_fnmatch_line("*SSOT golden path*")


VERDICT_PROJECTS = {
    "subclass-shim": (
        "from app.core import Engine as _E\n\nclass Engine(_E):\n    def answer(self, m):\n        return ''\n",
        [
            "SSOT002 subclass-shim: app.old:Engine",
            "*a subclass of app.core:Engine*; it overrides answer",
        ],
    ),
    "missing": (
        "from app.core import Engine as Motor\n",
        ["SSOT003 missing: app.old:Engine", "*has no attribute 'Engine'*"],
    ),
    "import-error": (
        "from app.registry import REGISTRY\n",
        [
            "SSOT004 import-error: app.old:Engine",
            "*ModuleNotFoundError: No module named 'app.registry' (at app/old.py:1:*",
        ],
    ),
    "mutation": (
        "from app.core import Engine\nEngine.legacy = True\n",
        ["SSOT006 mutation: importing app.old added Engine.legacy at app/old.py:2"],
    ),
}


@pytest.mark.parametrize(
    ("source", "lines"), VERDICT_PROJECTS.values(), ids=VERDICT_PROJECTS.keys()
)
def test_each_verdict_is_a_failed_item(
    pytester: pytest.Pytester, source: str, lines: list[str]
) -> None:
    make_project(pytester, contract_toml(golden_path=False), {**CANONICAL, "app/old.py": source})
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(lines)
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_canonical_import_error(pytester: pytest.Pytester) -> None:
    make_project(
        pytester,
        contract_toml(golden_path=False),
        {
            "app/core.py": "raise RuntimeError('WEBSOCKET_URL is not configured')\n",
            **GOOD_REDIRECT,
        },
    )
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(
        [
            "SSOT005 canonical-import-error: app.old:Engine",
            "*RuntimeError: WEBSOCKET_URL is not configured (at app/core.py:1:*",
        ]
    )
    result.assert_outcomes(passed=1, failed=1)


def test_shim_warnings_are_expected_even_with_warnings_as_errors(
    pytester: pytest.Pytester,
) -> None:
    make_project(pytester, contract_toml(golden_path=False), {**CANONICAL, **GOOD_REDIRECT})
    result = pytester.runpytest("-W", "error")
    result.assert_outcomes(passed=2)


@pytest.mark.parametrize("how", [["--ssot-warn"], ["-o", "ssot_warn=true"]], ids=["flag", "ini"])
def test_warn_mode_reports_without_failing(pytester: pytest.Pytester, how: list[str]) -> None:
    make_project(pytester, contract_toml(), {**CANONICAL, **FORKED_REDIRECT, **GOLDEN_TESTS})
    result = pytester.runpytest(*how, "-rx")
    result.assert_outcomes(passed=3, xfailed=2)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "*= SSOT golden path: BROKEN (warn mode) =*",
            "XFAIL pyproject.toml::engine::identity[[]app.old:Engine[]] - ssot warn: "
            "SSOT001 separate-definition: app.old:Engine",
        ]
    )


def test_warn_mode_keeps_passing_items_passing_under_xfail_strict(
    pytester: pytest.Pytester,
) -> None:
    make_project(
        pytester, contract_toml(), {**CANONICAL, **GOOD_REDIRECT}, ini="xfail_strict = true\n"
    )
    result = pytester.runpytest("--ssot-warn")
    result.assert_outcomes(passed=2)


def test_items_are_selectable_with_markers_and_keywords(pytester: pytest.Pytester) -> None:
    make_project(pytester, contract_toml(), {**CANONICAL, **FORKED_REDIRECT, **GOLDEN_TESTS})
    result = pytester.runpytest("-m", "ssot")
    # The two contract items, plus the user's test marked ssot("some-other-contract").
    result.assert_outcomes(failed=2, passed=1, deselected=2)
    result = pytester.runpytest("-k", "identity")
    result.assert_outcomes(failed=1)


def test_junit_xml_carries_verdicts(pytester: pytest.Pytester) -> None:
    make_project(pytester, contract_toml(), {**CANONICAL, **FORKED_REDIRECT, **GOLDEN_TESTS})
    pytester.runpytest("--junitxml=out.xml", "-o", "junit_family=xunit1")
    root = ET.parse(pytester.path / "out.xml").getroot()
    cases = {case.get("name"): case for case in root.iter("testcase")}
    identity = cases["identity[app.old:Engine]"]
    properties = {p.get("name"): p.get("value") for p in identity.iter("property")}
    assert properties["ssot_verdict"] == "separate-definition"
    assert properties["ssot_rules"] == "SSOT001"
    assert identity.find("failure") is not None
    golden = cases["test_user_gets_an_answer"]
    golden_properties = {p.get("name"): p.get("value") for p in golden.iter("property")}
    assert golden_properties["ssot_golden_path_broken"] == "engine"


def test_bad_config_is_a_usage_error_naming_the_key(pytester: pytest.Pytester) -> None:
    make_project(pytester, contract_toml().replace("redirects", "redirect"), CANONICAL)
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "ERROR: pytest-ssot: */pyproject.toml: [[]tool.ssot.contracts.engine[]] unknown key 'redirect'; did you mean 'redirects'?"
        ]
    )


def test_missing_explicit_config_file(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_a():\n    pass\n")
    result = pytester.runpytest("--ssot-config=nope.toml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: pytest-ssot: --ssot-config / ssot_config points at */nope.toml*"]
    )


def test_explicit_config_without_contracts_is_a_usage_error(pytester: pytest.Pytester) -> None:
    """Pointing at a file is asking for its contracts; a file without any says so, in the
    plugin and in the ``ssot`` command alike (one discovery serves both)."""
    pytester.makepyfile("def test_a():\n    pass\n")
    (pytester.path / "other.toml").write_text("[tool.black]\nline-length = 99\n")
    result = pytester.runpytest("--ssot-config=other.toml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "ERROR: pytest-ssot: --ssot-config / ssot_config points at */other.toml, which has no [[]tool.ssot[]] table*"
        ]
    )
    command = pytester.run(sys.executable, "-m", "pytest_ssot", "check", "--config", "other.toml")
    assert command.ret == 2
    command.stderr.fnmatch_lines(
        ["ssot check: error: --config points at */other.toml, which has no [[]tool.ssot[]] table*"]
    )


def test_plugin_loads_with_p_and_disables_with_no(pytester: pytest.Pytester) -> None:
    make_project(pytester, contract_toml(golden_path=False), {**CANONICAL, **FORKED_REDIRECT})
    result = pytester.runpytest_subprocess("-p", "pytest_ssot")
    result.assert_outcomes(failed=2)
    result = pytester.runpytest_subprocess("-p", "no:pytest_ssot")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_explicit_p_without_autoload(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_project(pytester, contract_toml(golden_path=False), {**CANONICAL, **FORKED_REDIRECT})
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    result = pytester.runpytest_subprocess("-p", "pytest_ssot")
    result.assert_outcomes(failed=2)
    result = pytester.runpytest_subprocess()
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_shim_helper_and_allowlist_from_config(pytester: pytest.Pytester) -> None:
    ssot = (
        contract_toml(golden_path=False)
        + """
        [tool.ssot]
        shim-helpers = ["app._compat:warn_moved"]

        [tool.ssot.allow."app.old"]
        names = ["_reconstruct"]
        reason = "old pickles call app.old._reconstruct"
    """
    )
    files = {
        **CANONICAL,
        "app/_compat.py": "def warn_moved(old, new):\n    pass\n",
        "app/old.py": """
            from app._compat import warn_moved
            from app.core import Engine

            warn_moved("app.old.Engine", "app.core.Engine")


            def _reconstruct(*args):
                return Engine()
        """,
    }
    make_project(pytester, ssot, files)
    result = pytester.runpytest()
    result.assert_outcomes(passed=2)


# -- the import audit --------------------------------------------------------------------------

CALLERS = {
    "app/api.py": "from app.old import Engine\n",
    # Not run: the site is what matters, not the shim's warning.
    "test_api.py": "def helper():\n    from app.old import Engine\n\n\ndef test_api():\n    pass\n",
}


def test_import_sites_fail_the_contract_with_the_full_list(pytester: pytest.Pytester) -> None:
    make_project(
        pytester,
        contract_toml(golden_path=False, audit="error"),
        {**CANONICAL, **GOOD_REDIRECT, **CALLERS},
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ ssot imports: engine (error) _*",
            "2 import site(s) of deprecated paths (1 production, 1 test):",
            "SSOT020 app/api.py:1:1: from app.old import Engine",
            "        fix: from app.core import Engine",
            "SSOT020 test_api.py:2:5: from app.old import Engine [[]test[]]",
            "    imports (error): 2 site(s) (1 production / 1 test)",
        ]
    )


def test_warn_policy_reports_sites_without_failing(pytester: pytest.Pytester) -> None:
    make_project(
        pytester,
        contract_toml(golden_path=False, audit="warn"),
        {**CANONICAL, **GOOD_REDIRECT, **CALLERS},
    )
    result = pytester.runpytest("-rx")
    result.assert_outcomes(passed=3, xfailed=1)
    result.stdout.fnmatch_lines(
        ["XFAIL pyproject.toml::engine::imports - ssot warn: 2 import site(s) of deprecated paths*"]
    )


def test_baseline_ratchet(pytester: pytest.Pytester) -> None:
    make_project(
        pytester,
        contract_toml(golden_path=False, audit="baseline"),
        {**CANONICAL, **GOOD_REDIRECT, **CALLERS},
    )
    # No baseline yet: every site is new.
    result = pytester.runpytest()
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(
        ["2 new import site(s) of deprecated paths since ssot-baseline.json:"]
    )

    # Adopt: record the sites; the run is green.
    result = pytester.runpytest("--ssot-update-baseline")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["wrote the import-audit baseline */ssot-baseline.json"])
    baseline = (pytester.path / "ssot-baseline.json").read_text()
    assert '"from-import app.old.Engine": 1' in baseline

    # Moving the site down a few lines does not invalidate the baseline.
    (pytester.path / "app" / "api.py").write_text("\n\n\nfrom app.old import Engine\n")
    pytester.runpytest().assert_outcomes(passed=4)

    # A new site fails, and only it is listed.
    (pytester.path / "app" / "more.py").write_text("import app.old\n")
    result = pytester.runpytest()
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(
        [
            "1 new import site(s) of deprecated paths since ssot-baseline.json:",
            "SSOT020 app/more.py:1:1: import app.old",
        ]
    )
    result.stdout.no_fnmatch_line("SSOT020 app/api.py*")
    (pytester.path / "app" / "more.py").unlink()

    # Fixing a site is progress, but the baseline entry that matches nothing now must go.
    (pytester.path / "app" / "api.py").write_text("from app.core import Engine\n")
    result = pytester.runpytest()
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(
        [
            "SSOT021 1 entrie(s) of ssot-baseline.json match nothing any more;*",
            "    app/api.py: from-import app.old.Engine (recorded 1, found 0)",
            "progress: 1 site(s) fixed since ssot-baseline.json",
        ]
    )
    pytester.runpytest("--ssot-update-baseline").assert_outcomes(passed=4)
    pytester.runpytest().assert_outcomes(passed=4)
    assert "app/api.py" not in (pytester.path / "ssot-baseline.json").read_text()


def test_corrupt_baseline_fails_the_imports_item_with_the_fix(pytester: pytest.Pytester) -> None:
    make_project(
        pytester,
        contract_toml(golden_path=False, audit="baseline"),
        {**CANONICAL, **GOOD_REDIRECT, "ssot-baseline.json": "{oops"},
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "SSOT021 ssot-baseline.json: the baseline is not valid JSON (*); restore it from version control, or rewrite it with --ssot-update-baseline"
        ]
    )


def test_audit_cache_lives_in_pytest_cache(pytester: pytest.Pytester) -> None:
    make_project(
        pytester,
        contract_toml(golden_path=False, audit="error"),
        {**CANONICAL, **GOOD_REDIRECT, **CALLERS},
    )
    pytester.runpytest().assert_outcomes(passed=3, failed=1)
    assert (pytester.path / ".pytest_cache" / "d" / "ssot" / "audit.json").is_file()
    (pytester.path / "app" / "api.py").write_text("from app.core import Engine\n")
    result = pytester.runpytest()
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["1 import site(s) of deprecated paths (0 production, 1 test):"])


# -- CI outputs --------------------------------------------------------------------------------


def test_reports_annotations_and_step_summary(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_project(pytester, contract_toml(), {**CANONICAL, **FORKED_REDIRECT, **GOLDEN_TESTS})
    summary = pytester.path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = pytester.runpytest("--ssot-report=sarif:out.sarif", "--ssot-report", "json:out.json")
    result.stdout.fnmatch_lines(
        [
            "ssot report: out.sarif",
            "ssot report: out.json",
            "::error file=app/old.py,line=4,title=SSOT001 separate-definition (engine)::app.old:Engine: separate-definition: *",
        ]
    )
    sarif = json.loads((pytester.path / "out.sarif").read_text())
    assert sarif["runs"][0]["results"][0]["ruleId"] == "SSOT001"
    assert json.loads((pytester.path / "out.json").read_text())["ok"] is False
    assert "| ❌ `engine` | yes | separate-definition |" in summary.read_text(encoding="utf-8")


def test_bad_report_spec_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_a():\n    pass\n")
    result = pytester.runpytest("--ssot-report=xml:out.xml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: pytest-ssot: --ssot-report 'xml:out.xml': write FORMAT:PATH*"]
    )


# -- pytest-xdist ------------------------------------------------------------------------------


def test_xdist_gives_the_same_result_and_checks_once(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("xdist")
    counting = {
        "app/old.py": """
            import os
            with open(os.environ["SSOT_IMPORT_LOG"], "a") as log:
                log.write("imported\\n")
            class Engine:
                pass
        """
    }
    make_project(pytester, contract_toml(), {**CANONICAL, **counting, **GOLDEN_TESTS})
    log = pytester.path / "imports.log"
    monkeypatch.setenv("SSOT_IMPORT_LOG", str(log))
    plain = pytester.runpytest_subprocess()
    plain.assert_outcomes(passed=2, failed=3)
    assert log.read_text().count("imported") == 1
    log.unlink()
    distributed = pytester.runpytest_subprocess("-n", "2")
    distributed.assert_outcomes(passed=2, failed=3)
    assert log.read_text().count("imported") == 1, "only the controller runs the checks"
    for result in (plain, distributed):
        result.stdout.fnmatch_lines(
            [
                "*= SSOT golden path: BROKEN =*",
                "    x from app.old import Engine   [[]SSOT001 separate-definition[]]",
                "Golden-path tests affected in this run: 1 of *, reported as failed; affected are *",
                "    test_chat.py::test_user_gets_an_answer",
            ]
        )


def test_mission_critical_stage_runs_only_contracts_and_golden_paths(
    pytester: pytest.Pytester,
) -> None:
    make_project(pytester, contract_toml(), {**CANONICAL, **FORKED_REDIRECT, **GOLDEN_TESTS})
    broken = pytester.runpytest("-m", "ssot or golden_path")
    broken.assert_outcomes(passed=1, failed=3, deselected=1)
    assert broken.ret == pytest.ExitCode.TESTS_FAILED
    write_tree(pytester.path, GOOD_REDIRECT)
    fixed = pytester.runpytest("-m", "ssot or golden_path")
    fixed.assert_outcomes(passed=4, deselected=1)
    assert fixed.ret == pytest.ExitCode.OK


def test_junit_and_sarif_name_the_same_rules_for_a_stale_baseline_and_unreadable_files(
    pytester: pytest.Pytester,
) -> None:
    """The rules on the imports item (JUnit) and in SARIF come from one projection: a stale
    baseline entry is SSOT021 and an unparsable file SSOT011, in both."""
    baseline = {
        "version": 1,
        "contracts": {"engine": {"app/gone.py": {"from-import app.old.Engine": 1}}},
    }
    make_project(
        pytester,
        contract_toml(golden_path=False, audit="baseline"),
        {
            **CANONICAL,
            **GOOD_REDIRECT,
            "ssot-baseline.json": json.dumps(baseline),
            "app/broken.py": "from app.old import (Engine,\n",
        },
    )
    result = pytester.runpytest(
        "--junitxml=out.xml", "-o", "junit_family=xunit1", "--ssot-report=sarif:out.sarif"
    )
    result.assert_outcomes(passed=2, failed=1)
    root = ET.parse(pytester.path / "out.xml").getroot()
    imports = next(c for c in root.iter("testcase") if c.get("name") == "imports")
    properties = {p.get("name"): p.get("value") for p in imports.iter("property")}
    junit_rules = sorted(str(properties["ssot_rules"]).split(","))
    sarif = json.loads((pytester.path / "out.sarif").read_text())
    sarif_rules = sorted({r["ruleId"] for r in sarif["runs"][0]["results"]})
    assert junit_rules == sarif_rules
    assert {"SSOT011", "SSOT021"} <= set(sarif_rules)


def _broad_golden_suite(reaching: int, total: int, per_file: int = 30) -> dict[str, str]:
    """``total`` golden-path tests shaped like a real suite's broad business tests; the first
    ``reaching`` of them reach the contract in the ways real tests do (a module-level import
    of the deprecated path, one inside the test, a fixture from conftest.py, the canonical),
    the others import look-alike modules whose names contain the contract's names."""
    files: dict[str, str] = {
        "app/old_helpers.py": "def helper():\n    return 1\n",
        "app/core_extra.py": "def core_engine_config():\n    return {}\n",
        "tests/__init__.py": "",
        "tests/conftest.py": (
            "import pytest\n\n\n@pytest.fixture\ndef engine():\n"
            "    from app.old import Engine\n    return Engine()\n"
        ),
    }
    ways = [
        ("    from app.old import Engine\n    assert Engine\n", ""),
        ("    assert engine\n", "engine"),
        ("    from app.core import Engine\n    assert Engine\n", ""),
        ("    import app.old\n    assert app.old\n", ""),
    ]
    number = 0
    for index in range(total // per_file):
        head = ["import pytest", "from app.old_helpers import helper", "from app import core_extra"]
        body: list[str] = []
        for _ in range(per_file):
            if number < reaching:
                call, fixture = ways[number % len(ways)]
            else:
                call, fixture = "    assert helper() == 1\n", ""
            body += [
                "",
                "",
                "@pytest.mark.golden_path",
                f"def test_business_{number:03}({fixture}):",
                call.rstrip("\n"),
            ]
            number += 1
        files[f"tests/test_business_{index:02}.py"] = "\n".join(head + body) + "\n"
    return files


def test_broad_golden_path_suite_fails_only_the_tests_the_contract_reaches(
    pytester: pytest.Pytester,
) -> None:
    """300 golden-path tests, 10 of them reach the broken contract: exactly those 10 fail,
    and the whole output stays short enough to read."""
    suite = _broad_golden_suite(reaching=10, total=300)
    make_project(pytester, contract_toml(), {**CANONICAL, **FORKED_REDIRECT, **suite})
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=290, failed=12)
    failed = {
        line.split(" ")[1] for line in result.stdout.lines if line.startswith("FAILED tests/")
    }
    assert failed == {f"tests/test_business_00.py::test_business_{n:03}" for n in range(10)}
    result.stdout.fnmatch_lines(
        ["Golden-path tests affected in this run: 10 of 300, reported as failed; *"]
    )
    assert len(result.stdout.lines) < 80, "\n".join(result.stdout.lines)
