"""Moved to :mod:`pytest_ssot.settings.pyproject`;
kept for code that imports ``pytest_ssot.config``.

A pure redirect, checked by this project's own ``[tool.ssot]`` contracts.
"""

from __future__ import annotations

from pytest_ssot.settings.pyproject import *  # noqa: F403
