"""Moved to :mod:`pytest_ssot.rendering.text`;
kept for code that imports ``pytest_ssot.report``.

A pure redirect, checked by this project's own ``[tool.ssot]`` contracts.
"""

from __future__ import annotations

from pytest_ssot.rendering.text import *  # noqa: F403
