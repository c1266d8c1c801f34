from __future__ import annotations

import sys
import textwrap
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import Protocol

import pytest


class WriteTree(Protocol):
    def __call__(self, files: Mapping[str, str], namespaces: Collection[str] = ()) -> Path: ...


def write_tree(root: Path, files: Mapping[str, str], namespaces: Collection[str] = ()) -> Path:
    """Write ``{"pkg/mod.py": source}`` under ``root``; packages get their ``__init__.py``,
    except the directories in ``namespaces`` (``"pkg/sub/nsdir"``): namespace packages."""
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source).lstrip("\n"), encoding="utf-8")
        if path.suffix == ".py":
            for parent in path.relative_to(root).parents:
                if parent != Path(".") and parent.as_posix() not in namespaces:
                    (root / parent / "__init__.py").touch()
    return root


@pytest.fixture
def importable_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[WriteTree]:
    """Write modules under a fresh directory that is on ``sys.path`` for this test only."""
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)

    def write(files: Mapping[str, str], namespaces: Collection[str] = ()) -> Path:
        return write_tree(tmp_path, files, namespaces)

    yield write
    for name in set(sys.modules) - before:
        del sys.modules[name]
