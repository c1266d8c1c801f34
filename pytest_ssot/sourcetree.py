"""The Python files of a project, as the import audit sees them.

Walking is the part of a warm audit that cannot be cached, so it uses ``os.scandir`` (one
system call per directory, file types included) and prunes excluded directories before
descending into them: virtualenvs, build output and VCS folders never cost anything.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

#: Directory names never scanned: environments, build output, caches, VCS metadata.
DEFAULT_EXCLUDED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "build",
        "dist",
        "__pycache__",
        "node_modules",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".eggs",
        "site-packages",
    }
)

#: Where test code lives by convention; anything else is production code.
DEFAULT_TEST_GLOBS = (
    "tests/**",
    "test/**",
    "**/tests/**",
    "**/test/**",
    "test_*.py",
    "**/test_*.py",
    "*_test.py",
    "**/*_test.py",
    "conftest.py",
    "**/conftest.py",
)


@dataclass(frozen=True)
class PythonFile:
    """A file found by the walk: where it is, and the module name it is imported as."""

    path: Path
    relative: str  # posix, relative to the root, as reported
    module: str
    is_package: bool
    mtime_ns: int
    size: int


@dataclass(frozen=True)
class TreeSelection:
    """Which files to scan and which of them count as tests."""

    paths: tuple[str, ...] = (".",)
    exclude: tuple[str, ...] = ()
    test_globs: tuple[str, ...] = DEFAULT_TEST_GLOBS

    def excluded(self, relative: str, *, is_dir: bool) -> bool:
        candidates = (relative, relative + "/") if is_dir else (relative,)
        return any(fnmatch.fnmatchcase(c, g) for c in candidates for g in self.exclude)

    def is_test(self, relative: str) -> bool:
        return any(fnmatch.fnmatchcase(relative, g) for g in self.test_globs)


def python_files(root: Path, selection: TreeSelection) -> Iterator[PythonFile]:
    """Every ``.py`` file under the selected paths, once, in a stable order."""
    seen: set[str] = set()
    for start in selection.paths:
        base = (root / start).resolve()
        if base.is_file():
            entry_dir = base.parent
            package = _package_of(entry_dir, root)
            yield from _file(base, root, package, seen)
            continue
        if base.is_dir():
            yield from _walk(base, root, _package_of(base, root), selection, seen)


def _walk(
    directory: Path,
    root: Path,
    package: str | None,
    selection: TreeSelection,
    seen: set[str],
) -> Iterator[PythonFile]:
    try:
        with os.scandir(directory) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.is_symlink() and entry.is_dir():
            continue  # symlinked directories can loop; the real one is walked where it is
        path = Path(entry.path)
        relative = _relative(path, root)
        if entry.is_dir(follow_symlinks=False):
            if _skip_dir(entry, relative, selection):
                continue
            is_package = os.path.isfile(os.path.join(entry.path, "__init__.py"))
            sub = (f"{package}.{entry.name}" if package else entry.name) if is_package else None
            yield from _walk(path, root, sub, selection, seen)
        elif entry.name.endswith(".py") and not selection.excluded(relative, is_dir=False):
            yield from _file(path, root, package, seen, entry)


def _skip_dir(entry: os.DirEntry[str], relative: str, selection: TreeSelection) -> bool:
    if entry.name in DEFAULT_EXCLUDED_DIRS or entry.name.endswith(".egg-info"):
        return True
    if os.path.isfile(os.path.join(entry.path, "pyvenv.cfg")):
        return True  # a virtualenv, whatever its name
    return selection.excluded(relative, is_dir=True)


def _file(
    path: Path,
    root: Path,
    package: str | None,
    seen: set[str],
    entry: os.DirEntry[str] | None = None,
) -> Iterator[PythonFile]:
    relative = _relative(path, root)
    if relative in seen:
        return
    seen.add(relative)
    try:
        stat = entry.stat() if entry is not None else path.stat()
    except OSError:
        return
    stem = path.name[:-3]
    is_package = stem == "__init__"
    module = (
        (package or path.parent.name) if is_package else ".".join(filter(None, (package, stem)))
    )
    yield PythonFile(path, relative, module, is_package, stat.st_mtime_ns, stat.st_size)


def _package_of(directory: Path, root: Path) -> str | None:
    """The dotted package a directory is, climbing while ``__init__.py`` files say so."""
    parts: list[str] = []
    current = directory
    while (current / "__init__.py").is_file():
        parts.append(current.name)
        if current.parent == current:
            break
        current = current.parent
    return ".".join(reversed(parts)) or None


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def normalise_globs(globs: Sequence[str]) -> tuple[str, ...]:
    """``backups``, ``backups/`` and ``backups/**`` all mean the folder and everything in it."""
    result: list[str] = []
    for raw in globs:
        glob = raw.strip().removeprefix("./").rstrip("/")
        result.append(glob)
        if not glob.endswith("**"):
            result.append(glob + "/**")
    return tuple(result)
