"""Moved to :mod:`pytest_ssot.analysis.run`;
kept for code that imports ``pytest_ssot.checks``.

A pure redirect, checked by this project's own ``[tool.ssot]`` contracts.
"""

from __future__ import annotations

from pytest_ssot.analysis.run import *  # noqa: F403
