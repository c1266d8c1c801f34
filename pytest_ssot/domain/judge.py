"""The judge of identity verdicts: what a check observed at a deprecated path, as a verdict.

The runtime check (``analysis/identity.py``) imports the path and looks at the object; the
static check (``analysis/static.py``) replays the imports on the source. They observe the
same facts in different ways, and this module alone decides what those facts mean: which
verdict, which words, which overridden members. A new verdict is a new observation here (and
a row in the rule registry), never a branch in each check.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Union

from pytest_ssot.domain.model import IdentityResult, Location, ObjectPath, RedirectContract
from pytest_ssot.domain.rules import Verdict


@dataclass(frozen=True)
class SameObject:
    """The deprecated path is the canonical object (or module) itself."""


@dataclass(frozen=True)
class Subclass:
    """A class that subclasses the canonical class; ``members`` are the names its own
    namespace binds, in definition order (:func:`overridden_members` picks the overrides)."""

    qualified: str
    members: tuple[str, ...]
    location: Location | None = None


@dataclass(frozen=True)
class OwnDefinition:
    """A class, function or value defined on its own, not the canonical.

    ``canonical_file`` is the file the canonical comes from: the same file reached under
    another module name is a second import of one file, which the detail says.
    """

    kind: str  # "class", "function" or (static only) "value"
    qualified: str
    location: Location | None = None
    canonical_file: str | None = None


@dataclass(frozen=True)
class OtherObject:
    """Some other object the runtime found (a number, an instance...), shown by type and repr."""

    type_name: str
    text: str


@dataclass(frozen=True)
class MissingAttribute:
    """The module imports but has no such attribute; ``names`` are those it has (the
    detail suggests the closest one)."""

    names: tuple[str, ...] = ()
    location: Location | None = None


@dataclass(frozen=True)
class ImportFailed:
    """Importing the deprecated module, or resolving the attribute, fails as ``detail`` says."""

    detail: str
    location: Location | None = None


@dataclass(frozen=True)
class CanonicalFailed:
    """The canonical itself cannot be imported or resolved."""

    detail: str
    location: Location | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class CannotFollow:
    """The static check cannot tell what the path is; ``detail`` says why."""

    detail: str


@dataclass(frozen=True)
class ModuleNames:
    """A whole-module redirect compared name by name with the canonical's public names:
    those it lacks and those bound to other objects (the first one described)."""

    missing: Sequence[str] = ()
    different: Sequence[str] = ()
    first_difference: str = ""
    location: Location | None = None
    module_location: Location | None = None


Observation = Union[
    SameObject,
    Subclass,
    OwnDefinition,
    OtherObject,
    MissingAttribute,
    ImportFailed,
    CanonicalFailed,
    CannotFollow,
    ModuleNames,
]

#: What Python, ``abc`` and ``typing`` write into every class namespace themselves: a class
#: statement binding only these overrides nothing the caller would run.
NAMESPACE_BOOKKEEPING = frozenset(
    {
        "__module__",
        "__qualname__",
        "__doc__",
        "__dict__",
        "__weakref__",
        "__annotations__",
        "__annotate__",
        "__annotate_func__",
        "__annotations_cache__",
        "__firstlineno__",
        "__static_attributes__",
        "__classcell__",
        "__orig_bases__",
        "__parameters__",
        "__type_params__",
        "__abstractmethods__",
        "_abc_impl",
        "_is_protocol",
        "__protocol_attrs__",
        "__non_callable_proto_members__",
        "__subclasshook__",
    }
)


def overridden_members(members: Iterable[str]) -> tuple[str, ...]:
    """The members of a subclass shim that run instead of the canonical's code.

    Every name the class binds counts (methods, dunders such as ``__init__``, ``__repr__``
    or ``__class_getitem__``, class attributes), except the bookkeeping Python writes into
    every class namespace itself: the runtime check sees those in ``vars(cls)``, the static
    check never, and neither is an override a caller would notice.
    """
    return tuple(name for name in dict.fromkeys(members) if name not in NAMESPACE_BOOKKEEPING)


def judge(contract: RedirectContract, redirect: ObjectPath, seen: Observation) -> IdentityResult:
    """The verdict, detail and location for ``redirect`` of ``contract`` from what was seen."""
    if isinstance(seen, ModuleNames):
        return _module_names(contract, redirect, seen)
    if isinstance(seen, Subclass):
        overridden = overridden_members(seen.members)
        overrides = f"; it overrides {', '.join(overridden)}" if overridden else ""
        return IdentityResult(
            contract=contract.name,
            redirect=redirect,
            canonical=contract.canonical,
            verdict=Verdict.SUBCLASS_SHIM,
            detail=f"is class {seen.qualified}, a subclass of {contract.canonical}, not the "
            f"canonical itself{overrides}",
            location=seen.location,
            overridden=overridden,
        )
    verdict, detail, location = _simple(contract, redirect, seen)
    warnings = seen.warnings if isinstance(seen, CanonicalFailed) else ()
    return IdentityResult.of(contract, redirect, verdict, detail, location, warnings)


def _simple(
    contract: RedirectContract, redirect: ObjectPath, seen: Observation
) -> tuple[Verdict, str, Location | None]:
    if isinstance(seen, SameObject):
        what = "the module " if redirect.is_module else ""
        return Verdict.IDENTITY, f"is {what}{contract.canonical}", None
    if isinstance(seen, (OwnDefinition, OtherObject)):
        location = seen.location if isinstance(seen, OwnDefinition) else None
        return Verdict.SEPARATE_DEFINITION, separate_definition_detail(seen), location
    if isinstance(seen, MissingAttribute):
        detail = f"module {redirect.module} has no attribute {redirect.attribute!r}"
        return Verdict.MISSING, detail + close_name(redirect.attribute, seen.names), seen.location
    if isinstance(seen, ImportFailed):
        return Verdict.IMPORT_ERROR, seen.detail, seen.location
    if isinstance(seen, CanonicalFailed):
        detail = f"the canonical {contract.canonical} cannot be used: {seen.detail}"
        return Verdict.CANONICAL_IMPORT_ERROR, detail, seen.location
    assert isinstance(seen, CannotFollow), seen
    return Verdict.UNRESOLVED, seen.detail, None


def close_name(attribute: str | None, names: Iterable[str]) -> str:
    """`` (did you mean 'Engine'?)`` for a typo; dunders are never what was meant."""
    candidates = [n for n in names if not n.startswith("__")]
    close = difflib.get_close_matches(attribute or "", candidates, 1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def separate_definition_detail(seen: OwnDefinition | OtherObject) -> str:
    """``is its own class app.old.Engine at app/old.py:3 (12 lines), not the canonical``;
    also the first difference a whole-module redirect reports."""
    if isinstance(seen, OtherObject):
        return f"is a {seen.type_name} object ({seen.text}), not the canonical"
    location = seen.location
    where = f" at {location}" if location else ""
    size = f" ({location.length} lines)" if location and location.length else ""
    detail = f"is its own {seen.kind} {seen.qualified}{where}{size}, not the canonical"
    if (
        seen.kind in ("class", "function")
        and location is not None
        and seen.canonical_file is not None
        and location.path == seen.canonical_file
    ):
        detail += (
            "; it comes from the canonical's own file imported a second time under another "
            "module name (two sys.path entries reach the same file)"
        )
    return detail


def _module_names(
    contract: RedirectContract, redirect: ObjectPath, seen: ModuleNames
) -> IdentityResult:
    if seen.different:
        detail = f"{len(seen.different)} name(s) differ from {contract.canonical}: "
        detail += ", ".join(seen.different)
        if seen.first_difference:
            detail += f"; {seen.first_difference}"
        return IdentityResult.of(
            contract, redirect, Verdict.SEPARATE_DEFINITION, detail, seen.location
        )
    if seen.missing:
        return IdentityResult.of(
            contract,
            redirect,
            Verdict.MISSING,
            f"module {redirect.module} lacks {len(seen.missing)} name(s) of "
            f"{contract.canonical}: {', '.join(seen.missing)}",
            seen.module_location,
        )
    return IdentityResult.of(
        contract,
        redirect,
        Verdict.IDENTITY,
        f"re-exports every public name of {contract.canonical}",
    )
