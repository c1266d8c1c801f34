"""The checks: identity (in-process, isolated, static), purity, the import audit and its
baseline, runtime evidence, and :mod:`~pytest_ssot.analysis.run` which runs them all.

May import domain, source and settings; never pytest, never rendering.
"""
