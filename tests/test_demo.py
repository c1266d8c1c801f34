"""The demo in examples/ is the main job: it must show every verdict, then go green once fixed."""

from __future__ import annotations

from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run_demo(pytester: pytest.Pytester, name: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        "-p",
        "pytest_ssot",
        "-p",
        "no:cacheprovider",
        "--rootdir",
        str(EXAMPLES / name),
        str(EXAMPLES / name),
    )


def test_broken_demo_shows_every_verdict_and_the_golden_path_section(
    pytester: pytest.Pytester,
) -> None:
    result = run_demo(pytester, "chat-backend")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*= SSOT golden path: BROKEN =*",
            "Contract 'execution-engine': users are served something other than the SSOT *",
            "    x from chat.agents.supervisor.execution_engine import ExecutionEngine   "
            "[[]SSOT001 separate-definition[]]",
            "        fix: replace the body of src/chat/agents/supervisor/execution_engine.py "
            "with a redirect:",
            "    x from chat.agents.execution_engine_consolidated import ExecutionEngine   "
            "[[]SSOT002 subclass-shim[]]",
            "        fix: replace the body of src/chat/agents/execution_engine_consolidated.py "
            "with a redirect:",
            "    x import chat.agents.execution_engine_consolidated   [[]SSOT006 mutation[]]",
            "    x from chat.agents.execution_engine_unified_factory import ExecutionEngine   "
            "[[]SSOT003 missing[]]",
            "    x from chat.agents.supervisor.execution_engine_factory import ExecutionEngine   "
            "[[]SSOT004 import-error[]]",
            "Contract 'websocket-notifier': *",
            "    x from chat.services.notifier import WebSocketNotifier   "
            "[[]SSOT005 canonical-import-error[]]",
            "Golden-path tests affected in this run: 3 of *, reported as failed; affected are *",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "*_ ssot imports: execution-engine (error) _*",
            "3 import site(s) of deprecated paths (1 production, 2 test):",
            "SSOT020 src/chat/api.py:2:1: from chat.agents.supervisor.execution_engine import "
            "ExecutionEngine",
            "        fix: from chat.agents.supervisor.user_execution_engine import "
            "UserExecutionEngine as ExecutionEngine",
        ]
    )


def test_fixed_demo_is_green(pytester: pytest.Pytester) -> None:
    result = run_demo(pytester, "chat-backend-fixed")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "execution-engine [[]golden path[]]: ok (4 redirect(s) are the SSOT)",
            "    imports (baseline): 2 site(s) (0 production / 2 test), 0 new since baseline, "
            "0 fixed",
            "websocket-notifier [[]golden path[]]: ok (1 redirect(s) are the SSOT)",
        ]
    )
    result.stdout.no_fnmatch_line("*SSOT golden path*")
