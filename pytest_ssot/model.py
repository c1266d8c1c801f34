"""Moved to :mod:`pytest_ssot.domain.model`;
kept for code that imports ``pytest_ssot.model``.

A pure redirect, checked by this project's own ``[tool.ssot]`` contracts.
"""

from __future__ import annotations

from pytest_ssot.domain.model import *  # noqa: F403
