"""The domain: contracts, results, verdicts and the rule registry.

Plain data and the rules about it. Imports nothing from pytest_ssot outside this package,
nothing from pytest, and does no I/O.
"""
