"""Moved to :mod:`pytest_ssot.command.main`;
kept for code that imports ``pytest_ssot.cli``.

A pure redirect, checked by this project's own ``[tool.ssot]`` contracts.
"""

from __future__ import annotations

from pytest_ssot.command.main import *  # noqa: F403
