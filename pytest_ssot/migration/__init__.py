"""The migration tools: ``ssot discover`` (find violations in an unknown codebase),
``ssot map`` (which tests guard what) and ``ssot fix`` (the libcst codemod).

May import every layer below (domain, source, settings, analysis, rendering); never pytest.
"""
