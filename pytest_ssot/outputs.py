"""Moved to :mod:`pytest_ssot.rendering.outputs`;
kept for code that imports ``pytest_ssot.outputs``.

A pure redirect, checked by this project's own ``[tool.ssot]`` contracts.
"""

from __future__ import annotations

from pytest_ssot.rendering.outputs import *  # noqa: F403
