"""Identity without importing anything: follow the import chains through the source.

``ssot check --static`` must work where the project's dependencies are not installed, and
must never run its code. So this module replays what ``import`` would do, statement by
statement, on the syntax tree: modules are "imported" in order (parents first, a module in
the middle of its own import is only partially defined, so circular imports fail the way
they do at runtime), names are bound by ``import``, ``from … import``, star imports with
``__all__``, aliases, definitions and ``sys.modules[__name__] = …``; a name is then followed
to the definition it finally is. Modules outside the project (not found on its path, nor
under one of its packages) are opaque: their names are taken as they are.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from pytest_ssot.domain.judge import (
    CannotFollow,
    CanonicalFailed,
    ImportFailed,
    MissingAttribute,
    ModuleNames,
    Observation,
    OwnDefinition,
    SameObject,
    Subclass,
    judge,
)
from pytest_ssot.domain.model import IdentityResult, Location, ObjectPath, RedirectContract
from pytest_ssot.source.bindings import IMPORT_NODES, package_of, statement_bindings
from pytest_ssot.source.modules import (
    TYPE_CHECKING_GUARDS,
    dotted_name,
    executed_statements,
    find_module,
    parse_source,
    target_names,
)

_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


@dataclass(frozen=True)
class Definition:
    """What a name finally is: where it is defined, and as what."""

    kind: str  # "class", "function", "module", "value", "external"
    module: str
    name: str
    location: Location | None = None
    bases: tuple[str, ...] = ()
    members: tuple[str, ...] = ()

    @property
    def identity(self) -> tuple[str, str, str]:
        return (self.kind if self.kind == "module" else "object", self.module, self.name)


class StaticImportError(Exception):
    """The import would fail at runtime; ``location`` is the outermost statement involved."""

    def __init__(self, message: str, location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location


class MissingName(Exception):
    pass


class Unresolved(Exception):
    """The name is produced by code (a PEP 562 ``__getattr__``) this replay cannot follow."""


@dataclass
class _Module:
    name: str
    path: str | None
    is_package: bool = False
    external: bool = False
    bindings: dict[str, tuple[str, object]] = field(default_factory=dict)
    exports: list[str] | None = None
    replaced_by: str | None = None
    getattr_function: ast.FunctionDef | None = None
    done: bool = False

    @property
    def package(self) -> str:
        return package_of(self.name, is_package=self.is_package)

    def public_names(self) -> list[str]:
        if self.exports is not None:
            return list(self.exports)
        return [n for n in self.bindings if not n.startswith("_")]


class StaticProject:
    """One replay of the project's imports; make a fresh one per contract, as runtime does."""

    def __init__(
        self, search_path: Sequence[str], trees: dict[str, ast.Module] | None = None
    ) -> None:
        self.search_path = list(search_path)
        self.modules: dict[str, _Module] = {}
        self.trees = {} if trees is None else trees  # parsed files, shareable across replays

    # -- importing ---------------------------------------------------------------------------

    def import_module(self, name: str, at: Location | None = None) -> _Module:
        known = self.modules.get(name)
        if known is not None:
            return known
        parent = name.rpartition(".")[0]
        if parent:
            self.import_module(parent, at)
        found = find_module(name, self.search_path)
        if found is None and find_module(name.partition(".")[0], self.search_path) is not None:
            raise StaticImportError(f"ModuleNotFoundError: No module named {name!r}", at)
        if found is not None and found.is_namespace:
            # A namespace package (a directory without __init__.py) runs no code: it has no
            # names but the submodules imported from it.
            module = _Module(name, None, is_package=True, done=True)
            self.modules[name] = module
            return module
        source = found.source if found is not None else None
        if source is None:  # outside the project, or not Python source (an extension module)
            module = _Module(name, None, external=True, done=True)
            self.modules[name] = module
            return module
        module = _Module(name, str(source.path), is_package=source.is_package)
        self.modules[name] = module
        try:
            self._run(module, self._tree(module.path or ""))
        except StaticImportError:
            del self.modules[name]  # as at runtime: a failed import leaves nothing behind
            raise
        module.done = True
        return module

    def _tree(self, path: str) -> ast.Module:
        tree = self.trees.get(path)
        if tree is None:
            try:
                tree = parse_source(Path(path).read_bytes(), path)
            except SyntaxError as error:
                line = error.lineno or 0
                raise StaticImportError(
                    f"SyntaxError: {error.msg}", Location(path, line, line)
                ) from None
            except (OSError, ValueError) as error:
                raise StaticImportError(f"cannot read {path}: {error}", Location(path)) from None
            self.trees[path] = tree
        return tree

    def _run(self, module: _Module, tree: ast.Module) -> None:
        for statement in tree.body:
            try:
                self._statement(module, statement)
            except StaticImportError as error:
                # Report the outermost statement, as the runtime check reports the first
                # frame in the user's code; a syntax error keeps its own place.
                if not error.message.startswith("SyntaxError"):
                    error.location = self._where(module, statement)
                raise

    def _where(self, module: _Module, node: ast.stmt) -> Location:
        return Location(module.path or module.name, node.lineno, node.end_lineno or node.lineno)

    def _statement(self, module: _Module, node: ast.stmt) -> None:
        here = self._where(module, node)
        if isinstance(node, ast.Import):
            for binding in statement_bindings(node, module.package):
                self.import_module(cast(str, binding.module), here)  # never None for `import`
                module.bindings[binding.name] = ("module", binding.target)
        elif isinstance(node, ast.ImportFrom):
            self._import_from(module, node, here)
        elif isinstance(node, ast.ClassDef):
            members = _class_namespace(node.body)
            bases = tuple(ast.unparse(base) for base in node.bases)
            definition = Definition("class", module.name, node.name, here, bases, members)
            module.bindings[node.name] = ("def", definition)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if node.name == "__getattr__" and isinstance(node, ast.FunctionDef):
                module.getattr_function = node
            module.bindings[node.name] = (
                "def",
                Definition("function", module.name, node.name, here),
            )
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            self._assign(module, node, here)
        elif isinstance(node, ast.If):
            if dotted_name(node.test) not in TYPE_CHECKING_GUARDS:
                for statement in node.body:
                    self._statement(module, statement)
            for statement in node.orelse:
                self._statement(module, statement)
        elif isinstance(node, ast.Try):
            self._try(module, node)
        elif isinstance(node, ast.Raise):
            raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            what = ast.unparse(raised) if raised is not None else "an exception"
            raise StaticImportError(f"{what} raised at import (module level)", here)
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    module.bindings.pop(target.id, None)

    def _import_from(self, module: _Module, node: ast.ImportFrom, here: Location) -> None:
        bindings = statement_bindings(node, module.package)
        source = bindings[0].module
        if source is None:
            raise StaticImportError(
                "ImportError: attempted relative import beyond top-level package", here
            )
        imported = self.import_module(source, here)
        for binding in bindings:
            attribute, bound = cast(str, binding.attribute), binding.name
            if binding.is_star:
                for name in imported.public_names():
                    module.bindings[name] = ("ref", (source, name))
                continue
            if imported.external or attribute in imported.bindings:
                module.bindings[bound] = ("ref", (source, attribute))
                continue
            submodule = f"{source}.{attribute}"
            if find_module(submodule, self.search_path) is not None:
                self.import_module(submodule, here)
                module.bindings[bound] = ("module", submodule)
            elif imported.getattr_function is not None and imported.done:
                module.bindings[bound] = ("ref", (source, attribute))
            elif not imported.done:
                raise StaticImportError(
                    f"ImportError: cannot import name {attribute!r} from partially initialized "
                    f"module {source!r} (most likely due to a circular import)",
                    here,
                )
            else:
                raise StaticImportError(
                    f"ImportError: cannot import name {attribute!r} from {source!r}", here
                )

    def _assign(self, module: _Module, node: ast.Assign | ast.AnnAssign, here: Location) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        value = node.value
        if value is None:
            return
        if (
            len(targets) == 1
            and isinstance(targets[0], ast.Subscript)
            and dotted_name(targets[0].value) == "sys.modules"
        ):
            dotted = dotted_name(value)
            binding = module.bindings.get(dotted or "")
            if binding and binding[0] == "module":
                module.replaced_by = str(binding[1])
            return
        for target in targets:
            if not isinstance(target, ast.Name):
                continue
            if target.id == "__all__" and isinstance(value, (ast.List, ast.Tuple)):
                module.exports = [
                    e.value
                    for e in value.elts
                    if isinstance(e, ast.Constant) and isinstance(e.value, str)
                ]
                continue
            dotted = dotted_name(value)
            if dotted is not None:
                module.bindings[target.id] = ("alias", dotted)
            else:
                module.bindings[target.id] = (
                    "def",
                    Definition("value", module.name, target.id, here),
                )

    def _try(self, module: _Module, node: ast.Try) -> None:
        try:
            for statement in node.body:
                self._statement(module, statement)
        except StaticImportError:
            handled = any(
                handler.type is None or any(dotted_name(t) in _ERRORS for t in _types(handler.type))
                for handler in node.handlers
            )
            if not handled:
                raise
            for handler in node.handlers:
                for statement in handler.body:
                    self._statement(module, statement)
                break
        else:
            for statement in node.orelse:
                self._statement(module, statement)
        for statement in node.finalbody:
            self._statement(module, statement)

    # -- resolving -----------------------------------------------------------------------------

    def lookup(
        self, module_name: str, name: str, seen: frozenset[tuple[str, str]] = frozenset()
    ) -> Definition:
        if (module_name, name) in seen:
            raise Unresolved(f"{module_name}.{name} refers to itself")
        seen = seen | {(module_name, name)}
        module = self.import_module(module_name)
        if module.replaced_by:
            return self.lookup(module.replaced_by, name, seen)
        if module.external:
            return Definition("external", module_name, name)
        binding = module.bindings.get(name)
        if binding is None:
            submodule = f"{module_name}.{name}"
            if find_module(submodule, self.search_path) is not None:
                self.import_module(submodule)
                return Definition("module", submodule, "")
            if module.getattr_function is not None:
                return self._dynamic(module, name, seen)
            raise MissingName(name)
        return self._follow(module, binding, seen)

    def _follow(
        self, module: _Module, binding: tuple[str, object], seen: frozenset[tuple[str, str]]
    ) -> Definition:
        kind, value = binding
        if kind == "def":
            assert isinstance(value, Definition)
            return value
        if kind == "module":
            return self.module_definition(str(value))
        if kind == "ref":
            source, name = cast("tuple[str, str]", value)
            return self.lookup(source, name, seen)
        return self._attribute_chain(module, str(value), seen)

    def module_definition(self, name: str) -> Definition:
        module = self.import_module(name)
        if module.replaced_by:
            return self.module_definition(module.replaced_by)
        return Definition("module", name, "")

    def _attribute_chain(
        self, module: _Module, dotted: str, seen: frozenset[tuple[str, str]]
    ) -> Definition:
        first, *rest = dotted.split(".")
        current = self.lookup(module.name, first, seen)
        for part in rest:
            if current.kind == "module":
                current = self.lookup(current.module, part, seen)
            elif current.kind == "external":  # an attribute of an opaque object stays opaque
                current = Definition("external", current.module, f"{current.name}.{part}")
            else:
                current = Definition("value", current.module, f"{current.name}.{part}")
        return current

    def is_opaque(self, definition: Definition) -> bool:
        """Outside the project: an object or a module this replay does not read."""
        if definition.kind != "module":
            return definition.kind == "external"
        try:  # already imported in this replay, or in the one that resolved the canonical
            return self.import_module(definition.module).external
        except StaticImportError:
            return False

    def _dynamic(self, module: _Module, name: str, seen: frozenset[tuple[str, str]]) -> Definition:
        """Follow the simple shapes of a PEP 562 ``__getattr__``: a branch for ``name`` that
        imports and returns the object, or ``getattr(<imported module>, name)``."""
        function = module.getattr_function
        assert function is not None
        outer_returns = [n for n in function.body if isinstance(n, ast.Return)]
        for branch in _branches_for(function.body, name):
            imports: dict[str, tuple[str, str | None]] = {}
            returns: list[ast.Return] = []
            assigned: dict[str, ast.expr] = {}  # `ret = getattr(module, name, None)`
            for node in _walk_statements(function.body):
                if (
                    isinstance(node, ast.Assign)
                    and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name)
                ):
                    assigned[node.targets[0].id] = node.value
            for node in _walk_statements(branch):
                if isinstance(node, IMPORT_NODES):
                    for binding in statement_bindings(node, module.package):
                        if binding.module is not None:
                            imports[binding.name] = (binding.module, binding.attribute)
                elif isinstance(node, ast.Return):
                    returns.append(node)
            for node in [*returns, *outer_returns]:
                found = node.value and self._returned(
                    node.value, imports, name, module, seen, assigned
                )
                if found:
                    return found
        raise Unresolved(
            f"{module.name}.{name} comes from a __getattr__ this static check cannot follow"
        )

    def _returned(
        self,
        value: ast.expr,
        imports: dict[str, tuple[str, str | None]],
        name: str,
        module: _Module,
        seen: frozenset[tuple[str, str]],
        assigned: Mapping[str, ast.expr],
    ) -> Definition | None:
        if isinstance(value, ast.Name) and value.id not in imports and value.id in assigned:
            # A local bound once to what the function returns (numpy's ``ret``); dropped
            # from the table so that ``x = x`` cannot loop.
            rest = {k: v for k, v in assigned.items() if k != value.id}
            return self._returned(assigned[value.id], imports, name, module, seen, rest)
        if isinstance(value, ast.Name) and value.id in imports:
            source, attribute = imports[value.id]
            if attribute is None:
                return self.module_definition(source)
            return self.lookup(source, attribute, seen)
        if (
            isinstance(value, ast.Call)
            and dotted_name(value.func) == "getattr"
            and len(value.args) >= 2
            and isinstance(value.args[0], ast.Name)
        ):
            holder = value.args[0].id
            if holder in imports:
                source, attribute = imports[holder]
                target = source if attribute is None else f"{source}.{attribute}"
                return self.lookup(target, name, seen)
            if holder in module.bindings:
                definition = self._follow(module, module.bindings[holder], seen)
                if definition.kind == "module":
                    return self.lookup(definition.module, name, seen)
        return None


# -- verdicts --------------------------------------------------------------------------------


def check_identity_static(
    contract: RedirectContract,
    search_path: Sequence[str],
    trees: dict[str, ast.Module] | None = None,
) -> tuple[IdentityResult, ...]:
    """The same verdicts as :func:`~.identity.check_identity`, from source only."""
    trees = {} if trees is None else trees
    project = StaticProject(search_path, trees)
    try:
        canonical = _resolve_path(project, contract.canonical)
    except (StaticImportError, MissingName, Unresolved) as error:
        detail, location = _failure(error, contract.canonical)
        failed = CanonicalFailed(detail, location)
        return tuple(judge(contract, redirect, failed) for redirect in contract.redirects)
    results = []
    for redirect in contract.redirects:
        project = StaticProject(search_path, trees)
        results.append(judge(contract, redirect, _observe(project, redirect, canonical)))
    return tuple(results)


def _observe(project: StaticProject, redirect: ObjectPath, canonical: Definition) -> Observation:
    """What the replay finds at ``redirect``, compared with ``canonical``."""
    try:
        project.import_module(redirect.module)
    except StaticImportError as error:
        return ImportFailed(error.message, error.location)
    try:
        if redirect.is_module:
            return _observe_module(project, redirect, canonical)
        found = _resolve_path(project, redirect)
    except MissingName:
        module = project.modules[redirect.module]
        location = Location(module.path) if module.path else None
        return MissingAttribute(tuple(module.bindings), location)
    except Unresolved as error:
        return CannotFollow(str(error))
    except StaticImportError as error:
        return ImportFailed(error.message, error.location)
    if _same(project, found, canonical):
        return SameObject()
    opaque = _opaque_detail(project, found, canonical)
    if opaque:
        return CannotFollow(opaque)
    if found.kind == "class" and _subclasses(project, found, canonical):
        return Subclass(_dotted(found), found.members, found.location)
    canonical_file = canonical.location.path if canonical.location else None
    return OwnDefinition(found.kind, _dotted(found), found.location, canonical_file)


def _observe_module(
    project: StaticProject, redirect: ObjectPath, canonical: Definition
) -> Observation:
    found = project.module_definition(redirect.module)
    if _same(project, found, canonical):
        return SameObject()
    opaque = _opaque_detail(project, found, canonical) if project.is_opaque(canonical) else ""
    if opaque:  # the canonical's names are unknown: "every name is there" would be a guess
        return CannotFollow(opaque)
    names = project.import_module(canonical.module).public_names()
    missing: list[str] = []
    different: list[str] = []
    unknown: list[str] = []
    for name in names:
        try:
            mine = project.lookup(redirect.module, name)
            theirs = project.lookup(canonical.module, name)
        except MissingName:
            missing.append(name)
            continue
        if _same(project, mine, theirs):
            continue
        detail = _opaque_detail(project, mine, theirs)
        (unknown if detail else different).append(name)
        opaque = opaque or detail
    if unknown and not (missing or different):
        return CannotFollow(
            f"{len(unknown)} name(s) cannot be compared from source: {', '.join(unknown)}; "
            f"e.g. {opaque}"
        )
    return ModuleNames(missing, different)


def _same(project: StaticProject, found: Definition, canonical: Definition) -> bool:
    """One object: the same definition, or the same dotted path into a module outside the
    project (``vendor.core.Engine`` reached as ``vendor`` + ``core.Engine`` or as
    ``vendor.core`` + ``Engine``)."""
    if found.identity == canonical.identity:
        return True
    both_outside = project.is_opaque(found) and project.is_opaque(canonical)
    return both_outside and _dotted(found) == _dotted(canonical)


def _opaque_detail(project: StaticProject, found: Definition, canonical: Definition) -> str:
    """Why two different references may still be one object, or ``""`` if they cannot be.

    Modules outside the project are not read, so two references into them are the same
    object only when they are the same dotted path: ``numpy.core.multiarray.ndarray`` and
    ``numpy._core.multiarray.ndarray`` may well be one class. That is for the runtime check
    to decide, never a separate definition. A class or function the deprecated path defines
    in the project is its own object, whatever the canonical is: that stays a separate
    definition.
    """
    outside = [d for d in (found, canonical) if project.is_opaque(d)]
    if not outside or found.kind in ("class", "function"):
        return ""
    where = "both are" if len(outside) > 1 else f"{_dotted(outside[0])} is"
    return (
        f"resolves to {_dotted(found)}, the canonical to {_dotted(canonical)}: {where} outside "
        "the project, whose code the static check does not read; only the runtime check "
        "(ssot check) can tell whether they are one object"
    )


def _dotted(definition: Definition) -> str:
    return f"{definition.module}.{definition.name}" if definition.name else definition.module


def _subclasses(project: StaticProject, found: Definition, canonical: Definition) -> bool:
    for base in found.bases:
        try:
            module = project.import_module(found.module)
            resolved = project._attribute_chain(module, base, frozenset())
        except (StaticImportError, MissingName, Unresolved):
            continue
        if resolved.identity == canonical.identity:
            return True
        if (
            resolved.kind == "class"
            and resolved != found
            and _subclasses(project, resolved, canonical)
        ):
            return True
    return False


def _resolve_path(project: StaticProject, path: ObjectPath) -> Definition:
    if path.attribute is None:
        return project.module_definition(path.module)
    return project.lookup(path.module, path.attribute)


def _failure(error: Exception, path: ObjectPath) -> tuple[str, Location | None]:
    if isinstance(error, StaticImportError):
        return error.message, error.location
    if isinstance(error, MissingName):
        return f"module {path.module} has no attribute {path.attribute!r}", None
    return str(error), None


def _class_namespace(body: list[ast.stmt]) -> tuple[str, ...]:
    """The names the class statement binds, in the order ``vars(cls)`` lists them; with
    the ``__hash__ = None`` Python adds to a class that defines ``__eq__`` alone."""
    names = tuple(dict.fromkeys(_class_members(body)))
    if "__eq__" in names and "__hash__" not in names:
        names += ("__hash__",)
    return names


def _class_members(body: list[ast.stmt]) -> Iterator[str]:
    """The names a class body binds, in order, as ``vars(cls)`` lists them (both branches
    of an ``if``, as the module replay: conditions are not evaluated)."""
    for node in executed_statements(body):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node.name
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                yield from target_names(target)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            yield from target_names(node.target)


def _types(node: ast.expr) -> list[ast.expr]:
    return list(node.elts) if isinstance(node, ast.Tuple) else [node]


def _branches_for(body: list[ast.stmt], name: str) -> Iterator[list[ast.stmt]]:
    """The ``if`` branches whose test names ``name``, then the whole body as a last resort."""
    for node in ast.walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(node, ast.If) and any(
            isinstance(c, ast.Constant) and c.value == name for c in ast.walk(node.test)
        ):
            yield node.body
    yield body


def _walk_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    for statement in body:
        yield statement
        for child in ast.iter_child_nodes(statement):
            if isinstance(child, ast.stmt):
                yield from _walk_statements([child])
