"""The ``pytest11`` entry point (``-p pytest_ssot``);
the hooks live in :mod:`pytest_ssot.pytest_plugin.hooks`.

A pure redirect, checked by this project's own ``[tool.ssot]`` contracts.
"""

from __future__ import annotations

from pytest_ssot.pytest_plugin.hooks import *  # noqa: F403
