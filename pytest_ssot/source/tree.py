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
    #: Source roots besides the project root, relative to it (pytest's ``pythonpath``): the
    #: directories on ``sys.path``, where module names start.
    roots: tuple[str, ...] = ()

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
    roots = source_roots(root, selection.roots)
    walker = _Walker(os.path.abspath(root), selection, seen, problems, roots)
    for start in selection.paths:
        base = os.path.abspath(os.path.join(root, start))
        directory = base if os.path.isdir(base) else os.path.dirname(base)
        package = package_name(Path(directory), root, roots)
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
    roots: frozenset[str] = frozenset()

    def relative(self, path: str) -> str:
        if path.startswith(self.root + os.sep):
            path = path[len(self.root) + 1 :]
        return path.replace(os.sep, "/") if os.sep != "/" else path

    def walk(self, directory: str, package: Package) -> Iterator[PythonFile]:
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
                regular = os.path.isfile(os.path.join(entry.path, "__init__.py"))
                sub = ROOT if entry.path in self.roots else package.child(entry.name, regular)
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
        self, path: str, package: Package, entry: os.DirEntry[str] | None
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
        module, is_package = package.module(os.path.basename(path))
        yield PythonFile(path, relative, module, is_package, stat.st_mtime_ns, stat.st_size)


# -- module names ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Package:
    """The dotted name ``import`` gives a directory: what the names of its modules start with.

    ``dotted`` is empty for a source root (a ``sys.path`` entry); ``regular`` says the
    directory is, or is inside, a regular package (one with ``__init__.py``).
    """

    dotted: str
    regular: bool

    def child(self, name: str, regular: bool) -> Package:
        """The directory ``name`` inside this one, ``regular`` if it has an ``__init__.py``.

        Inside a regular package every directory is part of the name, namespace directories
        (no ``__init__.py``) too: ``app/admin/corpus`` is ``app.admin.corpus`` when ``app``
        and ``app/admin`` are packages. Outside one, the topmost regular package starts the
        name (the directory holding it is a source root, as ``src/`` is), and a namespace
        directory continues the name of the root it is in (a top-level namespace package). A
        directory whose name is not a Python identifier cannot be imported through: names
        below it start afresh, as they would with it on ``sys.path``.
        """
        if not name.isidentifier():
            return ROOT
        if regular and not self.regular:
            return Package(name, True)
        return Package(f"{self.dotted}.{name}" if self.dotted else name, self.regular or regular)

    def module(self, filename: str) -> tuple[str, bool]:
        """The name of the module file ``filename`` in this directory, and whether it is the
        package's ``__init__.py``."""
        stem = filename[:-3] if filename.endswith(".py") else filename
        if stem == "__init__":
            return self.dotted, True
        return (f"{self.dotted}.{stem}" if self.dotted else stem), False


#: A source root: the names of the modules directly in it are their file names.
ROOT = Package("", False)


def source_roots(root: Path | str, entries: Sequence[str] = ()) -> frozenset[str]:
    """The absolute source roots: ``entries`` (relative to ``root``), besides ``root`` itself."""
    return frozenset(os.path.abspath(os.path.join(root, entry)) for entry in entries)


def package_name(directory: Path, root: Path, roots: frozenset[str] = frozenset()) -> Package:
    """The :class:`Package` that ``directory`` is, seen from the project ``root``.

    ``root`` is a source root unless it is itself inside a regular package (a scan started
    at ``src/app``): then the name climbs above it while ``__init__.py`` files say so, as
    ``import`` needs the parents.
    """
    directory, root = Path(os.path.abspath(directory)), Path(os.path.abspath(root))
    try:
        parts = directory.relative_to(root).parts
    except ValueError:  # outside the project: as far as its own packages go
        root, parts = directory, ()
    package = _enclosing_package(root)
    current = root
    for part in parts:
        current = current / part
        if str(current) in roots:
            package = ROOT
        else:
            package = package.child(part, (current / "__init__.py").is_file())
    return package


def module_name(path: Path, root: Path, roots: frozenset[str] = frozenset()) -> tuple[str, bool]:
    """The dotted name ``import`` gives the file ``path`` of the project at ``root``, and
    whether it is a package's ``__init__.py``: the one function every tool names files with."""
    return package_name(path.parent, root, roots).module(path.name)


def _enclosing_package(directory: Path) -> Package:
    """``directory`` as a package, climbing while ``__init__.py`` files say so; else a root."""
    parts: list[str] = []
    current = directory
    while (current / "__init__.py").is_file():
        parts.append(current.name)
        if current.parent == current:
            break
        current = current.parent
    return Package(".".join(reversed(parts)), True) if parts else ROOT


def normalise_globs(globs: Sequence[str]) -> tuple[str, ...]:
    """``backups``, ``backups/`` and ``backups/**`` all mean the folder and everything in it."""
    result: list[str] = []
    for raw in globs:
        glob = raw.strip().removeprefix("./").rstrip("/")
        result.append(glob)
        if not glob.endswith("**"):
            result.append(glob + "/**")
    return tuple(result)
