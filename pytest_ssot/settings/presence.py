"""Whether there is anything to configure, decided without parsing or importing much.

Every pytest session of every project with pytest-ssot installed runs this, most of them with
no contracts at all, so it must cost next to nothing: a substring test on the candidate
``pyproject.toml`` files and on the installed distributions' ``entry_points.txt``. A "maybe"
sends the caller to the real readers (:mod:`~pytest_ssot.settings.pyproject`,
:mod:`~pytest_ssot.settings.packages`); a "no" is certain.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path

#: ``[tool.ssot]``, ``[tool.ssot.contracts.x]``, ``tool.ssot.x = ...``, ``[ tool . "ssot" ]``;
#: a bare ``[tool]`` table with an ``ssot`` key is caught by the fallback in the caller.
_TOOL_SSOT = re.compile(rb"""tool\s*\.\s*["']?ssot\b""")

#: The entry-point group of contracts shipped by installed packages.
ENTRY_POINT_GROUP = "pytest_ssot.contracts"


def may_declare_contracts(candidates: Iterable[Path]) -> bool:
    """``False`` only if no candidate file can hold a ``[tool.ssot]`` table."""
    for path in candidates:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if _TOOL_SSOT.search(data) or (b"[tool]" in data and b"ssot" in data):
            return True
    return False


def packages_may_declare_contracts(path: Iterable[str] | None = None) -> bool:
    """``False`` only if no distribution on ``path`` (``sys.path``) declares the group."""
    marker = f"[{ENTRY_POINT_GROUP}]".encode()
    for entry in sys.path if path is None else path:
        try:
            with os.scandir(entry or ".") as listing:
                folders = [e.path for e in listing if e.name.endswith((".dist-info", ".egg-info"))]
        except OSError:  # not a directory: a missing entry, or an archive
            if os.path.isfile(entry):
                return True  # cannot look inside cheaply; let importlib.metadata decide
            continue
        for folder in folders:
            try:
                with open(os.path.join(folder, "entry_points.txt"), "rb") as stream:
                    if marker in stream.read():
                        return True
            except OSError:
                continue
    return False
