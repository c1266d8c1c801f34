"""Runtime identity: does each deprecated path hand callers the canonical object itself?

``deprecated.Name is canonical.Name`` is the only property that makes an import line
irrelevant. Anything else gets a verdict that says what a caller actually receives, so that no
deprecated path ever passes silently.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import os
import sys
import sysconfig
import traceback
import types
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pytest_ssot
from pytest_ssot.analysis.purity import find_attribute_assignment
from pytest_ssot.domain.judge import (
    CanonicalFailed,
    ImportFailed,
    MissingAttribute,
    ModuleNames,
    Observation,
    OtherObject,
    OwnDefinition,
    SameObject,
    Subclass,
    close_name,
    judge,
    separate_definition_detail,
)
from pytest_ssot.domain.model import (
    IdentityResult,
    Location,
    Mutation,
    ObjectPath,
    RedirectContract,
)
from pytest_ssot.source.modules import find_module_source

Importer = Callable[[str], types.ModuleType]

_MISSING = object()
#: Frames in the whole ``pytest_ssot`` package, every layer, are never "the user's".
_PACKAGE_DIR = os.path.normcase(os.path.dirname(os.path.abspath(pytest_ssot.__file__))) + os.sep
_LIBRARY_DIRS = tuple(
    os.path.normcase(os.path.abspath(path))
    for key in ("stdlib", "platstdlib", "purelib", "platlib")
    if (path := sysconfig.get_paths().get(key))
)


@dataclass(frozen=True)
class _Failure:
    detail: str
    location: Location | None


def check_identity(
    contract: RedirectContract, importer: Importer = importlib.import_module
) -> tuple[IdentityResult, ...]:
    """One verdict per redirect of ``contract``, in configuration order.

    The interpreter is left as it was found: modules of the project that the check imported
    are forgotten again and the canonical object is restored, so the user's own tests see the
    same import order, and the same import-time side effects, as without the plugin.
    """
    with _project_imports_undone():
        return _check_contract(contract, importer)


def _check_contract(contract: RedirectContract, importer: Importer) -> tuple[IdentityResult, ...]:
    with _recorded_warnings() as canonical_warnings:
        canonical, failure = _resolve(contract.canonical, importer)
    if failure is not None:
        seen = CanonicalFailed(failure.detail, failure.location, tuple(canonical_warnings))
        return tuple(judge(contract, redirect, seen) for redirect in contract.redirects)
    watch = _MutationWatch(canonical) if not isinstance(canonical, types.ModuleType) else None
    results = []
    for redirect in contract.redirects:
        with _recorded_warnings() as caught:
            result = judge(contract, redirect, _observe(redirect, canonical, importer))
        mutations = watch.changes(redirect.module) if watch else ()
        results.append(replace(result, warnings=tuple(caught), mutations=mutations))
    if watch:
        watch.restore()
    return tuple(results)


def _observe(redirect: ObjectPath, canonical: object, importer: Importer) -> Observation:
    """What ``redirect`` hands a caller, compared with ``canonical``."""
    try:
        module = importer(redirect.module)
    except (Exception, SystemExit) as error:
        failure = describe_import_failure(error, redirect.module)
        return ImportFailed(failure.detail + _colon_hint(error, redirect), failure.location)
    if redirect.is_module:
        return _observe_module(module, canonical)
    assert redirect.attribute is not None
    try:
        obj = getattr(module, redirect.attribute, _MISSING)
    except Exception as error:  # a PEP 562 __getattr__ that raises something else
        failure = describe_import_failure(error, redirect.module)
        return ImportFailed(
            f"resolving {redirect.attribute!r} raised {failure.detail}", failure.location
        )
    if obj is _MISSING:
        return MissingAttribute(tuple(dir(module)), _module_location(module))
    return _observe_object(obj, canonical)


def _observe_object(obj: object, canonical: object) -> Observation:
    if obj is canonical:
        return SameObject()
    location = object_location(obj)
    if isinstance(obj, type) and isinstance(canonical, type) and issubclass(obj, canonical):
        return Subclass(_qualified(obj), tuple(vars(obj)), location)
    return _separate(obj, canonical, location)


def _separate(
    obj: object, canonical: object, location: Location | None
) -> OwnDefinition | OtherObject:
    if isinstance(obj, (type, types.FunctionType)):
        kind = "class" if isinstance(obj, type) else "function"
        return OwnDefinition(kind, _qualified(obj), location, _source_path(canonical))
    return OtherObject(type(obj).__name__, _short_repr(obj))


def _observe_module(module: types.ModuleType, canonical: object) -> Observation:
    if module is canonical:
        return SameObject()
    assert isinstance(canonical, types.ModuleType)
    missing: list[str] = []
    different: list[tuple[str, object]] = []
    for name in public_names(canonical):
        obj = getattr(module, name, _MISSING)
        if obj is _MISSING:
            missing.append(name)
        elif obj is not getattr(canonical, name):
            different.append((name, obj))
    first, where = "", _module_location(module)
    if different:
        name, obj = different[0]
        seen = _separate(obj, getattr(canonical, name), None)
        first = f"{name} {separate_definition_detail(seen)}"
        where = object_location(obj) or where
    return ModuleNames(
        missing,
        [n for n, _ in different],
        first_difference=first,
        location=where,
        module_location=_module_location(module),
    )


def public_names(module: types.ModuleType) -> list[str]:
    """``__all__`` if the module declares it, else its public, non-module attributes."""
    declared = getattr(module, "__all__", None)
    if declared is not None:
        return [str(name) for name in declared]
    return sorted(
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    )


def describe_import_failure(error: BaseException, module: str) -> _Failure:
    """The exception type, message and the first frame inside the user's code."""
    kind = type(error).__name__
    if isinstance(error, SystemExit):
        message = f"SystemExit({error.code!r}): the module calls sys.exit() on import"
    else:
        message = f"{kind}: {error}" if str(error) else kind
    if isinstance(error, SyntaxError) and error.filename and error.lineno:
        return _Failure(message, Location(error.filename, error.lineno, error.lineno))
    if isinstance(error, ModuleNotFoundError) and error.name == module:
        return _Failure(f"{message} (while importing {module})", None)  # no file to look at
    frame = _first_user_frame(error)
    if frame is None:
        return _Failure(f"{message} (while importing {module})", None)
    line = frame.lineno or 0
    return _Failure(
        f"{message} (at {frame.filename}:{line}: {(frame.line or '').strip()})",
        Location(frame.filename, line, line),
    )


def _first_user_frame(error: BaseException) -> traceback.FrameSummary | None:
    return first_user_frame(traceback.extract_tb(error.__traceback__))


def first_user_frame(
    frames: Iterable[traceback.FrameSummary],
) -> traceback.FrameSummary | None:
    """The outermost frame of the user's project; failing that, the innermost real file.

    ``frames`` go from the outermost call to the innermost. Frames of the import machinery and
    of this plugin are never where a fix goes; installed libraries are skipped too unless the
    whole failure happens inside them.
    """
    frames = [
        frame
        for frame in frames
        if not frame.filename.startswith("<")
        and not os.path.normcase(os.path.abspath(frame.filename)).startswith(_PACKAGE_DIR)
    ]
    for frame in frames:
        if not _is_library(os.path.normcase(os.path.abspath(frame.filename))):
            return frame
    return frames[-1] if frames else None


def _is_library(filename: str) -> bool:
    """Installed packages and the standard library are not where a user's fix goes."""
    return "site-packages" in filename or any(
        filename.startswith(directory + os.sep) for directory in _LIBRARY_DIRS
    )


class _MutationWatch:
    """Notices attributes added to, replaced on or removed from the canonical object."""

    def __init__(self, canonical: object) -> None:
        self._target = canonical
        self._state = self._initial = self._snapshot()

    def restore(self) -> None:
        """Put back what the imports changed, so the check itself changes nothing."""
        now = self._snapshot()
        for name in now.keys() - self._initial.keys():
            _try(delattr, self._target, name)
        for name, value in self._initial.items():
            if now.get(name, _MISSING) is not value:
                _try(setattr, self._target, name, value)

    def _snapshot(self) -> dict[str, object]:
        try:
            return dict(vars(self._target))
        except TypeError:  # no __dict__: nothing can be patched onto it
            return {}

    def changes(self, imported: str) -> tuple[Mutation, ...]:
        now = self._snapshot()
        before, self._state = self._state, now
        found = []
        for name in sorted(before.keys() | now.keys()):
            old, new = before.get(name, _MISSING), now.get(name, _MISSING)
            if old is new:
                continue
            change = "added" if old is _MISSING else "removed" if new is _MISSING else "replaced"
            found.append(Mutation(name, change, imported, _mutation_location(imported, name, new)))
        return tuple(found)


def _try(action: Callable[..., None], *args: object) -> None:
    # Read-only attributes cannot have changed either.
    with contextlib.suppress(AttributeError, TypeError):
        action(*args)


@contextmanager
def _project_imports_undone() -> Iterator[None]:
    """Forget the project modules imported inside the block (libraries stay imported).

    Libraries are kept because some cannot be imported twice in one process (extension
    modules); a project module is dropped from ``sys.modules`` and from its parent package,
    so the next ``import`` runs it afresh, exactly as it would have without the check.
    Entries that were there before are left (or put back) exactly as they were.
    """
    before = dict(sys.modules)
    try:
        yield
    finally:
        _forget(_imported_project_modules(before))
        for name, module in before.items():
            if sys.modules.get(name) is not module:
                sys.modules[name] = module


def _imported_project_modules(before: dict[str, types.ModuleType]) -> list[str]:
    """The entries added since ``before`` that go, children before their parents.

    Decided in full before anything is removed: a namespace package's path is read through
    its parent in ``sys.modules``. A module whose parent package goes goes too, whatever it
    is: left alone it would be found by the next ``import`` while its parent is not (a
    namespace package then fails every later import below it with ``KeyError``), and an
    entry placed under a project package's name (``sys.modules[__name__] = ...``) is the
    project's, whatever module it holds.
    """
    added = {name: module for name, module in sys.modules.items() if name not in before}
    forgotten: set[str] = set()
    for name in sorted(added):  # parents before their children
        parent = name.rpartition(".")[0]
        if (
            parent in forgotten
            or _is_project_module(added[name])
            or (parent in before and _is_project_module(before[parent]))
        ):
            forgotten.add(name)
    return sorted(forgotten, reverse=True)


def _forget(names: Iterable[str]) -> None:
    for name in names:
        module = sys.modules.pop(name, None)
        parent, _, child = name.rpartition(".")
        holder = sys.modules.get(parent)
        # vars(), not getattr(): a PEP 562 __getattr__ of the parent must not run here.
        if holder is not None and vars(holder).get(child, _MISSING) is module:
            _try(delattr, holder, child)


def _is_project_module(module: object) -> bool:
    """Loaded from a ``.py`` file of the project, or a namespace package whose directories
    are all the project's (one that spans installed libraries stays, like them)."""
    path = getattr(module, "__file__", None)
    if path:
        return str(path).endswith(".py") and not _is_library(_normalised(str(path)))
    portions = _namespace_portions(module)
    return bool(portions) and not any(_is_library(_normalised(p) + os.sep) for p in portions)


def _namespace_portions(module: object) -> list[str]:
    spec = getattr(module, "__spec__", None)
    if spec is None or spec.origin not in (None, "namespace") or getattr(module, "__file__", None):
        return []
    try:
        return [str(p) for p in spec.submodule_search_locations or ()]
    except (KeyError, AttributeError, TypeError):  # its parent is gone already: not ours to judge
        return []


def _normalised(path: str) -> str:
    return os.path.normcase(os.path.abspath(path))


def _mutation_location(imported: str, attribute: str, value: object) -> Location | None:
    module = sys.modules.get(imported)
    path = getattr(module, "__file__", None)
    if path:
        try:
            line = find_attribute_assignment(Path(path).read_bytes(), attribute)
        except OSError:
            line = None
        if line:
            return Location(path, line, line)
    return object_location(value) if value is not _MISSING else None


def object_location(obj: object) -> Location | None:
    """Where a class or function is defined, with its length in lines."""
    path = _source_path(obj)
    if path is None:
        return None
    try:
        lines, start = inspect.getsourcelines(obj)  # type: ignore[arg-type]
    except (OSError, TypeError):
        return Location(path)
    start = max(start, 1)
    return Location(path, start, start + len(lines) - 1)


def _source_path(obj: object) -> str | None:
    if not isinstance(obj, (type, types.FunctionType, types.ModuleType)):
        return None
    try:
        return inspect.getsourcefile(obj)
    except TypeError:
        return None


def _module_location(module: types.ModuleType) -> Location | None:
    path = getattr(module, "__file__", None)
    return Location(path) if path else None


def _resolve(path: ObjectPath, importer: Importer) -> tuple[object, _Failure | None]:
    try:
        module = importer(path.module)
    except (Exception, SystemExit) as error:
        failure = describe_import_failure(error, path.module)
        return None, replace(failure, detail=failure.detail + _colon_hint(error, path))
    if path.attribute is None:
        return module, None
    obj = getattr(module, path.attribute, _MISSING)
    if obj is _MISSING:
        return None, _Failure(
            f"module {path.module} has no attribute {path.attribute!r}"
            f"{close_name(path.attribute, dir(module))}",
            _module_location(module),
        )
    return obj, None


@contextmanager
def _recorded_warnings() -> Iterator[list[str]]:
    """Deprecation warnings from a shim are expected: keep them for the report, never raise."""
    messages: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield messages
    messages.extend(
        f"{w.category.__name__}: {w.message} ({os.path.basename(w.filename)}:{w.lineno})"
        for w in caught
    )


def _colon_hint(error: BaseException, path: ObjectPath) -> str:
    """``pkg.mod.Name`` written for ``pkg.mod:Name``: the module part names an object.

    Decided without importing anything more: the parent module exists, the path does not.
    """
    if not isinstance(error, ModuleNotFoundError) or error.name != path.module:
        return ""
    parent, _, leaf = path.module.rpartition(".")
    if path.attribute not in (None, leaf):  # 'pkg.gone:Name': the colon is there already
        return ""
    if not parent or (parent not in sys.modules and find_module_source(parent) is None):
        return ""
    return (
        f"; if {leaf} is an object in {parent}, write '{parent}:{leaf}' in [tool.ssot] "
        "(a colon before the object's name)"
    )


def _qualified(obj: object) -> str:
    module = getattr(obj, "__module__", "?")
    return f"{module}.{getattr(obj, '__qualname__', type(obj).__name__)}"


def _short_repr(obj: object) -> str:
    text = repr(obj)
    return text if len(text) <= 60 else text[:57] + "..."
