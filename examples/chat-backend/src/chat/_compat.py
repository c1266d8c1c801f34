"""Helpers for modules that moved."""
import warnings


def warn_moved(old: str, new: str) -> None:
    """Warn the code that imported ``old`` that it should import ``new``."""
    warnings.warn(
        f"{old} is deprecated; import {new} instead",
        DeprecationWarning,
        stacklevel=3,
    )
