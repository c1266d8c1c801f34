"""The identity check in a child interpreter, with a timeout on every import.

A module that hangs, calls ``os._exit()`` or crashes the interpreter on import would take the
whole test run with it if it were imported in-process. Here each contract is checked by a fresh
``python`` that runs :func:`pytest_ssot.analysis.identity.check_identity` and reports back, so
such a module becomes an ``import-error`` verdict with its reason and the run goes on. The parent
process never imports the user's modules, so it is left exactly as it was found.

The child reads a JSON request on standard input and writes JSON lines on its original standard
output: ``{"importing": module}`` before each import, then ``{"results": [...]}``. Whatever the
user's modules print goes to standard error, which is kept only to find where a crash happened
(the child enables :mod:`faulthandler`, which prints the Python stack on a crash, a hang or an
``os._exit()``).
"""

from __future__ import annotations

import contextlib
import faulthandler
import importlib
import json
import linecache
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import types
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import IO, Any

import pytest_ssot
from pytest_ssot.analysis.identity import check_identity, first_user_frame
from pytest_ssot.domain.judge import CanonicalFailed, ImportFailed, judge
from pytest_ssot.domain.model import (
    IdentityResult,
    Location,
    RedirectContract,
)
from pytest_ssot.domain.serial import pack, unpack
from pytest_ssot.settings.options import DEFAULT_IMPORT_TIMEOUT

#: How long after the child's own deadline (when it prints where it hangs) it is killed.
_GRACE = 0.5

#: Standard error kept from the child to locate a crash (the end is what matters).
_STDERR_TAIL = 256 * 1024


class IsolationError(Exception):
    """The child interpreter could not be started or died before importing anything."""


@dataclass(frozen=True)
class Isolation:
    """How to run the isolated check: the interpreter, its import path and the timeout."""

    timeout: float = DEFAULT_IMPORT_TIMEOUT
    python: str = field(default_factory=lambda: sys.executable)
    #: ``None``: the caller's ``sys.path`` at the time of the check.
    sys_path: tuple[str, ...] | None = None


def check_identity_isolated(
    contract: RedirectContract, isolation: Isolation | None = None
) -> tuple[IdentityResult, ...]:
    """What :func:`~.identity.check_identity` returns, computed in a child process."""
    return check_identities_isolated([contract], isolation)[0]


def check_identities_isolated(
    contracts: Sequence[RedirectContract], isolation: Isolation | None = None
) -> tuple[tuple[IdentityResult, ...], ...]:
    """The identity results of every contract, computed in one child interpreter.

    The child checks the contracts one after another, exactly as in-process (each contract's
    project imports are undone before the next). A redirect whose module hangs, exits or
    crashes gets an ``import-error`` verdict (the canonical's own module:
    ``canonical-import-error`` for every redirect of that contract), and a new child takes
    over from the next redirect. Raises :class:`IsolationError` when a child cannot get as far
    as its first import, which is a problem of the environment, not of a module.
    """
    isolation = isolation or Isolation()
    sys_path = isolation.sys_path
    if sys_path is None:
        sys_path = tuple(p for p in sys.path if isinstance(p, str))
    results: list[list[IdentityResult | None]] = [[None] * len(c.redirects) for c in contracts]
    todo = [(i, list(range(len(c.redirects)))) for i, c in enumerate(contracts) if c.redirects]
    while todo:
        parts = [
            replace(contracts[i], redirects=tuple(contracts[i].redirects[j] for j in indexes))
            for i, indexes in todo
        ]
        done, crash = _run_child(parts, sys_path, isolation)
        for part, found in done.items():
            i, indexes = todo[part]
            if len(found) != len(indexes):
                raise IsolationError(
                    f"the isolated identity check of contract {contracts[i].name!r} returned "
                    f"{len(found)} result(s) for {len(indexes)} redirect(s)"
                )
            for j, result in zip(indexes, found):
                results[i][j] = result
        if crash is None:
            break
        i, indexes = todo[crash.part]
        _judge_crash(contracts[i], indexes, results[i], crash)
        current = [j for j in indexes if results[i][j] is None]
        todo = ([(i, current)] if current else []) + todo[crash.part + 1 :]
    missing = [c.name for c, found in zip(contracts, results) if None in found]
    if missing:
        raise IsolationError(
            f"the isolated identity check ended without results for {', '.join(missing)}"
        )
    return tuple(tuple(r for r in found if r is not None) for found in results)


def _judge_crash(
    contract: RedirectContract,
    indexes: list[int],
    results: list[IdentityResult | None],
    crash: _Crash,
) -> None:
    """The verdicts of the redirects that the module which took the child down serves."""
    canonical = crash.module == contract.canonical.module
    judged = False
    for j in indexes:
        redirect = contract.redirects[j]
        if not canonical and redirect.module != crash.module:
            continue
        judged = True
        failed = CanonicalFailed if canonical else ImportFailed
        results[j] = judge(contract, redirect, failed(crash.detail, crash.location))
    if not judged:  # never loop: the module was none of this contract's
        raise IsolationError(
            f"the isolated identity check of contract {contract.name!r} stopped while "
            f"importing {crash.module}, which is none of its modules: {crash.detail}"
        )


@dataclass(frozen=True)
class _Crash:
    part: int
    module: str
    detail: str
    location: Location | None


def _run_child(
    contracts: Sequence[RedirectContract], sys_path: Sequence[str], isolation: Isolation
) -> tuple[dict[int, list[IdentityResult]], _Crash | None]:
    request = json.dumps(
        {
            "contracts": pack(list(contracts)),
            "sys_path": list(sys_path),
            "timeout": isolation.timeout,
        }
    ).encode()
    with tempfile.TemporaryFile() as stderr:
        try:
            process = subprocess.Popen(
                [isolation.python, "-c", _BOOTSTRAP, _PACKAGE_PARENT],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                # Its own process group, so a timeout also ends what the module started.
                start_new_session=os.name == "posix",
            )
        except OSError as error:
            raise IsolationError(
                f"cannot start {isolation.python!r} for the isolated identity check: "
                f"{error.strerror or error}"
            ) from None
        try:
            return _follow(process, request, stderr, isolation.timeout, len(contracts))
        finally:
            _stop(process)


def _follow(
    process: subprocess.Popen[bytes],
    request: bytes,
    stderr: IO[bytes],
    timeout: float,
    parts: int,
) -> tuple[dict[int, list[IdentityResult]], _Crash | None]:
    """Read the child's events until it has sent every result, dies or overruns a deadline."""
    assert process.stdin is not None
    assert process.stdout is not None
    lines: queue.Queue[bytes | None] = queue.Queue()
    reader = threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True)
    reader.start()
    with contextlib.suppress(OSError):  # a child that died at once: judged below
        process.stdin.write(request)
    with contextlib.suppress(OSError):
        process.stdin.close()
    done: dict[int, list[IdentityResult]] = {}
    part = 0
    importing: str | None = None
    deadline = time.monotonic() + timeout + _GRACE
    timed_out = False
    while len(done) < parts:
        try:
            line = lines.get(timeout=min(max(deadline - time.monotonic(), 0.0), 0.2))
        except queue.Empty:
            if process.poll() is not None:
                # Exited; a process it forked may hold the pipe open, so do not wait for EOF.
                line = _next_or_none(lines)
                if line is None:
                    break
            elif time.monotonic() >= deadline:
                timed_out = True
                break
            else:
                continue
        if line is None:  # the child is leaving: let it finish, within the deadline
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                timed_out = True
            break
        event = _event(line)
        deadline = time.monotonic() + timeout + _GRACE
        if "results" in event:
            done[int(event["contract"])] = list(unpack(str(event["results"])))
        elif "contract" in event:
            part, importing = int(event["contract"]), None
        elif "importing" in event:
            importing = str(event["importing"])
    if len(done) == parts:
        return done, None
    _stop(process)
    reader.join(timeout=1.0)
    what = f"timed out after {timeout:g} s" if timed_out else _describe_exit(process.returncode)
    return done, _crash(part, importing, what, _tail(stderr))


def _crash(part: int, importing: str | None, what: str, trace: str) -> _Crash:
    if importing is None:
        raise IsolationError(
            f"the isolated identity check {what} before importing anything; "
            f"its last output: {_last_line(trace) or '(none)'}"
        )
    frame = _crash_frame(trace)
    if frame is None:
        return _Crash(part, importing, f"{what} while importing {importing}", None)
    line_number = frame.lineno or 0
    code = linecache.getline(frame.filename, line_number).strip()
    return _Crash(
        part,
        importing,
        f"{what} while importing {importing} (at {frame.filename}:{line_number}: {code})",
        Location(frame.filename, line_number, line_number),
    )


def _read_lines(stream: IO[bytes], lines: queue.Queue[bytes | None]) -> None:
    try:
        for line in stream:
            lines.put(line)
    except (OSError, ValueError):
        pass
    finally:
        lines.put(None)


def _next_or_none(lines: queue.Queue[bytes | None]) -> bytes | None:
    try:
        return lines.get(timeout=0.05)
    except queue.Empty:
        return None


def _event(line: bytes) -> dict[str, Any]:
    try:
        event = json.loads(line)
    except ValueError:
        return {}
    return event if isinstance(event, dict) else {}


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        try:
            if os.name == "posix":
                os.killpg(process.pid, signal.SIGKILL)
            else:  # pragma: no cover - Windows
                process.kill()
        except OSError:
            pass
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)
    for stream in (process.stdin, process.stdout):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


_CRASH_SIGNALS = frozenset(
    {"SIGSEGV", "SIGBUS", "SIGILL", "SIGFPE", "SIGABRT", "SIGSYS", "SIGTRAP"}
)


def _describe_exit(returncode: int | None) -> str:
    if returncode is not None and returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = "unknown signal"
        if name in _CRASH_SIGNALS:
            return f"the interpreter crashed (signal {-returncode}, {name})"
        return f"the process was killed by signal {-returncode} ({name})"
    if returncode is not None and returncode > 255:  # Windows: an NTSTATUS code
        return f"the interpreter crashed (status {returncode:#x})"
    return f"the process exited with status {returncode}"


def _tail(stream: IO[bytes]) -> str:
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(max(0, size - _STDERR_TAIL))
    return stream.read().decode("utf-8", "replace")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


_STACK_HEADER = re.compile(
    r"^(?:(?P<dump>(?:Current thread|Thread|Stack)\b.*\(most recent call first\))"
    r"|Traceback \(most recent call last\)):$"
)
_FRAME = re.compile(r'^\s+File "(?P<file>.+)", line (?P<line>\d+),? in (?P<name>.*)$')


def _crash_frame(trace: str) -> traceback.FrameSummary | None:
    """Where the user's code was when the child printed its stack.

    faulthandler prints every thread, innermost frame first, on a crash, a hang or
    ``os._exit()``; an uncaught exception prints a traceback, outermost first. The main
    thread is the one running this module's importer; its frame is chosen as for an exception
    in-process.
    """
    stacks: list[list[traceback.FrameSummary]] = []
    innermost_first: list[bool] = []
    for line in trace.splitlines():
        header = _STACK_HEADER.match(line)
        if header:
            stacks.append([])
            innermost_first.append(header["dump"] is not None)
            continue
        match = _FRAME.match(line)
        if match and stacks:
            stacks[-1].append(
                traceback.FrameSummary(
                    match["file"], int(match["line"]), match["name"], lookup_line=False
                )
            )
    candidates = [
        (list(reversed(s)) if reverse else s) for s, reverse in zip(stacks, innermost_first) if s
    ]
    ours = [s for s in candidates if any(_is_this_module(f.filename) for f in s)]
    chosen = ours[-1] if ours else (candidates[-1] if candidates else [])
    return first_user_frame(chosen) if chosen else None


def _is_this_module(filename: str) -> bool:
    return os.path.basename(filename) == "isolation.py" and "pytest_ssot" in filename


# -- the child --------------------------------------------------------------------------------

#: The folder holding this copy of the ``pytest_ssot`` package (whatever layer this module is in).
_PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(pytest_ssot.__file__)))

#: The same copy of pytest_ssot as the parent's, whatever the child's own sys.path holds.
_BOOTSTRAP = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from pytest_ssot.analysis.isolation import main; main()"
)


def main() -> None:
    """Run one contract's identity check for a parent process (see the module docstring)."""
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # what the user's modules print must not reach the channel
    request = json.loads(sys.stdin.buffer.read())
    sys.path[:] = request["sys_path"]
    timeout = float(request["timeout"])
    faulthandler.enable()
    real_exit = os._exit

    def exit_showing_where(status: int) -> None:
        faulthandler.dump_traceback(all_threads=False)
        real_exit(status)

    os._exit = exit_showing_where  # type: ignore[assignment]

    def send(event: dict[str, Any]) -> None:
        channel.write(json.dumps(event) + "\n")
        channel.flush()
        # If the next step hangs, print where, just before the parent's deadline.
        faulthandler.dump_traceback_later(timeout)

    def importer(module: str) -> types.ModuleType:
        send({"importing": module})
        return importlib.import_module(module)

    for index, contract in enumerate(unpack(request["contracts"])):
        send({"contract": index})
        results = check_identity(contract, importer)
        send({"contract": index, "results": pack(results)})
    faulthandler.cancel_dump_traceback_later()
    # Leave without running the modules' atexit handlers or waiting for their threads.
    real_exit(0)


if __name__ == "__main__":
    main()
