"""``python -m pytest_ssot``: the ``ssot`` command."""

from __future__ import annotations

from pytest_ssot.command.main import main

raise SystemExit(main())
