"""--ssot-evidence end to end: what golden-path tests actually ran, traced with coverage.py."""

from __future__ import annotations

import pytest

from tests.conftest import write_tree

PROJECT = {
    "pyproject.toml": """
        [tool.pytest.ini_options]
        pythonpath = ["."]

        [tool.ssot.contracts.engine]
        canonical = "app.core:Engine"
        redirects = ["app.old:Engine"]
        golden-path = true
        audit = "warn"
    """,
    "app/core.py": """
        class Engine:
            def answer(self, message):
                return "ssot: " + message
    """,
    # A perfect redirect (identity holds), and a legacy helper that still runs its own code.
    "app/old.py": """
        from app.core import Engine


        def legacy_answer(message):
            text = message.upper()
            return "legacy: " + text
    """,
    "test_chat.py": """
        import pytest

        from app.core import Engine


        @pytest.mark.golden_path
        def test_ssot():
            assert Engine().answer("hi") == "ssot: hi"


        @pytest.mark.golden_path
        def test_through_legacy():
            from app.old import legacy_answer

            assert legacy_answer("hi") == "legacy: HI"


        @pytest.mark.golden_path
        def test_guards_nothing():
            assert 1 + 1 == 2


        def test_not_golden():
            from app.old import legacy_answer

            assert legacy_answer("x")
    """,
}


# The legacy helper also makes app.old impure; report that without failing the golden-path
# tests, so that what fails them here is the runtime evidence alone.
REPORT_ONLY = ("--ssot-golden-path=report",)


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    write_tree(pytester.path, PROJECT)
    return pytester


def test_golden_path_test_running_deprecated_code_fails_with_its_evidence(
    project: pytest.Pytester,
) -> None:
    result = project.runpytest_subprocess("--ssot-evidence=golden", *REPORT_ONLY)
    result.assert_outcomes(passed=4, failed=2, xfailed=1, warnings=2)
    result.stdout.fnmatch_lines(
        [
            "*_ test_through_legacy _*",
            "golden-path test executed deprecated code instead of the SSOT (ssot evidence):",
            "    app.old: lines 5-6 of app/old.py",
            "        reached through test_chat.py:13: from app.old import legacy_answer",
            "        fix: use app.core instead; `ssot fix` rewrites the imports",
            "*SsotEvidenceWarning: test_chat.py::test_through_legacy does not guard the SSOT: it never ran the code of app.core",
            "*- ssot runtime evidence -*",
            "engine: 1 traced test(s) ran app.core; 1 ran deprecated code",
            "    deprecated code: test_chat.py::test_through_legacy",
        ]
    )


def test_require_guard_fails_tests_that_never_reach_the_canonical(
    project: pytest.Pytester,
) -> None:
    result = project.runpytest_subprocess(
        "--ssot-evidence=golden", "--ssot-require-guard", *REPORT_ONLY
    )
    result.assert_outcomes(passed=3, failed=3, xfailed=1)
    result.stdout.fnmatch_lines(
        [
            "*test_chat.py::test_guards_nothing does not guard the SSOT: it never ran the code of app.core"
        ]
    )


def test_all_tests_are_traced_on_request_but_only_golden_ones_fail(
    project: pytest.Pytester,
) -> None:
    result = project.runpytest_subprocess("--ssot-evidence=all", *REPORT_ONLY)
    result.assert_outcomes(passed=4, failed=2, xfailed=1, warnings=2)
    result.stdout.fnmatch_lines(["engine: 1 traced test(s) ran app.core; 2 ran deprecated code"])


def test_off_by_default(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess(*REPORT_ONLY)
    result.assert_outcomes(passed=5, failed=1, xfailed=1)
    result.stdout.no_fnmatch_line("*runtime evidence*")


@pytest.mark.parametrize(
    "extra",
    [["-n", "2"], ["--cov=app", "--cov-report=term"], ["--cov=app", "--cov-context=test"]],
    ids=["xdist", "pytest-cov", "pytest-cov-contexts"],
)
def test_same_verdicts_under_xdist_and_pytest_cov(
    project: pytest.Pytester, extra: list[str]
) -> None:
    if extra[0] == "-n":
        pytest.importorskip("xdist")
    else:
        pytest.importorskip("pytest_cov")
    result = project.runpytest_subprocess("--ssot-evidence=golden", *REPORT_ONLY, *extra)
    result.assert_outcomes(passed=4, failed=2, xfailed=1, warnings=2)
    result.stdout.fnmatch_lines(
        [
            "engine: 1 traced test(s) ran app.core; 1 ran deprecated code",
            "    deprecated code: test_chat.py::test_through_legacy",
        ]
    )


def test_the_users_coverage_report_is_unchanged(project: pytest.Pytester) -> None:
    pytest.importorskip("pytest_cov")

    def report(*args: str) -> list[str]:
        result = project.runpytest_subprocess("--cov=app", "--cov-report=term", *args)
        return [line for line in result.outlines if line.startswith(("app", "TOTAL"))]

    plain = report()
    assert any(line.startswith("TOTAL") for line in plain)
    assert report("--ssot-evidence=golden") == plain
