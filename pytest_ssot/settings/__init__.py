"""Adapters that read configuration: ``[tool.ssot]`` in ``pyproject.toml``, the option
table shared by pytest and the ``ssot`` command, contracts declared by installed packages.

May import :mod:`~pytest_ssot.domain` and :mod:`~pytest_ssot.source`; never pytest.
"""
