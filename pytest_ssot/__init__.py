"""pytest-ssot: keep a single-source-of-truth migration honest.

The pytest hooks are in :mod:`pytest_ssot.plugin`; the checks are plain modules
(:mod:`~pytest_ssot.config`, :mod:`~pytest_ssot.identity`, :mod:`~pytest_ssot.purity`,
:mod:`~pytest_ssot.checks`, :mod:`~pytest_ssot.report`) usable without pytest.
"""

from __future__ import annotations

__version__ = "0.1.0"
