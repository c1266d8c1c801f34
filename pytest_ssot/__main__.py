"""``python -m pytest_ssot``: the ``ssot`` command."""

from __future__ import annotations

from pytest_ssot.cli import main

raise SystemExit(main())
