"""The two ways results leave the process that computed them.

- :func:`to_plain`: plain JSON values for people and tools (``--format json``, reports,
  evidence properties). One-way: nothing reads them back.
- :func:`pack` / :func:`unpack`: the results themselves, for another process running the same
  copy of pytest-ssot (the isolated identity check's child, xdist workers). Pickle keeps every
  field of every dataclass without a hand-written codec to keep in step with the model; the
  text form travels in JSON lines and xdist's ``workerinput``.
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import pickle
from pathlib import Path
from typing import Any

from pytest_ssot.domain.model import ObjectPath


def to_plain(value: object) -> Any:
    """Dataclasses, enums, paths and sets as plain JSON values."""
    if isinstance(value, ObjectPath):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [to_plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    return value


def pack(value: object) -> str:
    """``value`` as text, for :func:`unpack` in a process running this same pytest-ssot."""
    return base64.b64encode(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)).decode()


def unpack(text: str) -> Any:
    """What :func:`pack` packed. Only ever given text our own other process wrote."""
    return pickle.loads(base64.b64decode(text))
