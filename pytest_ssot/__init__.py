"""pytest-ssot: keep a single-source-of-truth migration honest.

Layers, from the bottom: :mod:`~pytest_ssot.domain` (contracts, results, rules),
:mod:`~pytest_ssot.source` (reading source), :mod:`~pytest_ssot.settings` (configuration),
:mod:`~pytest_ssot.analysis` (the checks), :mod:`~pytest_ssot.rendering` (findings, text,
CI outputs), :mod:`~pytest_ssot.migration` (discover, map, fix); on top the pytest adapter
(:mod:`~pytest_ssot.pytest_plugin`) and the ``ssot`` command (:mod:`~pytest_ssot.command`).
Each layer imports only the layers below it (an import-linter contract keeps it so); only
the pytest adapter imports pytest. See docs/design.md.
"""

from __future__ import annotations

__version__ = "0.1.0"
