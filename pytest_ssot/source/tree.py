"""The Python files of a project, as the import audit sees them.

Walking is the part of a warm audit that cannot be cached, so it uses ``os.scandir`` (one
system call per directory, file types included) and prunes excluded directories before
descending into them: virtualenvs, build output and VCS folders never cost anything.
"""

from __future__ import annotations

import errno
import fnmatch
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISREG

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

    path: str  # as the operating system takes it
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


def python_files(
    root: Path, selection: TreeSelection, problems: list[str] | None = None
) -> Iterator[PythonFile]:
    """Every ``.py`` file under the selected paths, once, in a stable order.

    Only regular files count: a FIFO named ``x.py`` would block a read forever, a symlink to
    a directory is not a module. Dangling symlinks and symlink loops (editors' lock files such
    as Emacs' ``.#x.py`` are dangling symlinks) are skipped: Python cannot import them either.
    A directory that cannot be listed is added to ``problems``, so a scan never claims a tree
    is clean when it could not see all of it.
    """
    seen: set[str] = set()
    walker = _Walker(os.path.abspath(root), selection, seen, problems)
    for start in selection.paths:
        base = os.path.abspath(os.path.join(root, start))
        package = _package_of(Path(base if os.path.isdir(base) else os.path.dirname(base)))
        if os.path.isfile(base):
            yield from walker.file(base, package, None)
        elif os.path.isdir(base):
            yield from walker.walk(base, package)


@dataclass
class _Walker:
    """Strings, not ``Path`` objects: the walk is the part of a warm audit that always runs."""

    root: str
    selection: TreeSelection
    seen: set[str]
    problems: list[str] | None = None

    def relative(self, path: str) -> str:
        if path.startswith(self.root + os.sep):
            path = path[len(self.root) + 1 :]
        return path.replace(os.sep, "/") if os.sep != "/" else path

    def walk(self, directory: str, package: str | None) -> Iterator[PythonFile]:
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as error:
            if self.problems is not None:
                reason = error.strerror or type(error).__name__
                self.problems.append(f"{self.relative(directory)}/: cannot list: {reason}")
            return
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                relative = self.relative(entry.path)
                if self.skip_dir(entry, relative):
                    continue
                is_package = os.path.isfile(os.path.join(entry.path, "__init__.py"))
                sub = (f"{package}.{entry.name}" if package else entry.name) if is_package else None
                yield from self.walk(entry.path, sub)
            elif entry.name.endswith(".py"):
                if self.selection.exclude and self.selection.excluded(
                    self.relative(entry.path), is_dir=False
                ):
                    continue
                yield from self.file(entry.path, package, entry)

    def skip_dir(self, entry: os.DirEntry[str], relative: str) -> bool:
        if entry.name in DEFAULT_EXCLUDED_DIRS or entry.name.endswith(".egg-info"):
            return True
        if os.path.isfile(os.path.join(entry.path, "pyvenv.cfg")):
            return True  # a virtualenv, whatever its name
        return bool(self.selection.exclude) and self.selection.excluded(relative, is_dir=True)

    def file(
        self, path: str, package: str | None, entry: os.DirEntry[str] | None
    ) -> Iterator[PythonFile]:
        relative = self.relative(path)
        if relative in self.seen:
            return
        self.seen.add(relative)
        try:
            stat = entry.stat() if entry is not None else os.stat(path)
        except OSError as error:
            if error.errno not in (errno.ENOENT, errno.ELOOP) and self.problems is not None:
                reason = error.strerror or type(error).__name__
                self.problems.append(f"{relative}: cannot read: {reason}")
            return  # dangling symlinks and loops: not importable either
        if not S_ISREG(stat.st_mode):
            return
        stem = os.path.basename(path)[:-3]
        is_package = stem == "__init__"
        if is_package:
            module = package or os.path.basename(os.path.dirname(path))
        else:
            module = f"{package}.{stem}" if package else stem
        yield PythonFile(path, relative, module, is_package, stat.st_mtime_ns, stat.st_size)


def _package_of(directory: Path) -> str | None:
    """The dotted package a directory is, climbing while ``__init__.py`` files say so."""
    parts: list[str] = []
    current = directory
    while (current / "__init__.py").is_file():
        parts.append(current.name)
        if current.parent == current:
            break
        current = current.parent
    return ".".join(reversed(parts)) or None


def normalise_globs(globs: Sequence[str]) -> tuple[str, ...]:
    """``backups``, ``backups/`` and ``backups/**`` all mean the folder and everything in it."""
    result: list[str] = []
    for raw in globs:
        glob = raw.strip().removeprefix("./").rstrip("/")
        result.append(glob)
        if not glob.endswith("**"):
            result.append(glob + "/**")
    return tuple(result)
