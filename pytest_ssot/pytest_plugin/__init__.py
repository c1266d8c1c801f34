"""The pytest adapter: hooks, contract items, the golden-path and evidence session.

The only package that imports pytest. :mod:`pytest_ssot.plugin` (the ``pytest11`` entry point)
redirects to :mod:`~pytest_ssot.pytest_plugin.hooks`.
"""
