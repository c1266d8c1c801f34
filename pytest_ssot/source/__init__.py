"""Reading and writing source without importing it.

Finding a module's file the way ``import`` would, parsing deaf to warning filters, walking
the project's tree, writing files atomically. May import :mod:`pytest_ssot.domain` only.
"""
