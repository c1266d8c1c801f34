"""Static check that a deprecated module holds nothing but a redirect.

Identity at runtime proves that today's import returns the canonical object; purity proves the
module cannot drift again: a file that only imports and aliases has no code left to diverge.
The grammar accepts the shim patterns real projects use (numpy 2.x ``numpy/core``, scipy's
deprecated submodules, scikit-learn's generated shims, ``sys.modules`` replacement) and reports
everything else statement by statement. Nothing here imports or runs user code.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from pytest_ssot.domain.model import Allowance, Impurity, Location, PurityResult, RedirectContract
from pytest_ssot.source.bindings import package_of, statement_bindings
from pytest_ssot.source.modules import (
    TYPE_CHECKING_GUARDS,
    dotted_name,
    is_string_statement,
    parse_source,
    target_names,
)

#: Standard-library modules a shim needs for warnings, ``sys.modules`` and lazy imports.
SHIM_SUPPORT_MODULES = frozenset(
    {"__future__", "warnings", "sys", "typing", "typing_extensions", "importlib", "types"}
)

_WARN_CALLS = frozenset({"warnings.warn", "warn", "_warnings.warn"})
_RESOLVE_CALLS = frozenset(
    {"getattr", "hasattr", "import_module", "importlib.import_module", "__import__", "globals"}
)
#: Calls that return the module's own namespace: writing into them binds module names.
_NAMESPACE_CALLS = frozenset({"globals", "vars"})
_LISTING_CALLS = frozenset({"sorted", "list", "set", "tuple", "dir", "frozenset"})
_RAISABLE = frozenset({"AttributeError", "ImportError", "ModuleNotFoundError"})
_LITERALS = (ast.Constant,)


@dataclass(frozen=True)
class RedirectRules:
    """What a given deprecated module may import from and call.

    Built from every contract that redirects a name through the module, so one module can
    serve several canonical objects.
    """

    module: str
    is_package: bool
    allowed_sources: frozenset[str]
    #: The canonical modules: the only modules a star import may re-export.
    star_sources: frozenset[str]
    shim_helpers: frozenset[str]
    allowance: Allowance | None = None
    #: The other deprecated modules of the same contracts (a star chain between them is
    #: reported with its own message).
    deprecated_modules: frozenset[str] = frozenset()

    @classmethod
    def for_module(
        cls,
        module: str,
        contracts: Iterable[RedirectContract],
        shim_helpers: Iterable[str],
        *,
        is_package: bool = False,
        allowance: Allowance | None = None,
    ) -> RedirectRules:
        sources: set[str] = set(SHIM_SUPPORT_MODULES)
        stars: set[str] = set()
        deprecated: set[str] = set()
        for contract in contracts:
            canonical = contract.canonical.module
            sources |= contract.modules
            stars.add(canonical)
            deprecated.update(contract.redirect_modules())
            package = canonical.rpartition(".")[0]
            sources.add(package or canonical)
        return cls(
            module=module,
            is_package=is_package,
            allowed_sources=frozenset(sources),
            star_sources=frozenset(stars - {module}),
            shim_helpers=frozenset(shim_helpers),
            allowance=allowance,
            deprecated_modules=frozenset(deprecated - stars - {module}),
        )

    def source_allowed(self, source: str) -> bool:
        """A module is an allowed source if it is, or lies inside, an allowed package."""
        return any(source == s or source.startswith(s + ".") for s in self.allowed_sources)

    @property
    def package(self) -> str:
        """The package the module's relative imports are resolved in."""
        return package_of(self.module, is_package=self.is_package)


def check_module_purity(module: str, path: Path, rules: RedirectRules) -> PurityResult:
    """Read and check one deprecated module; unreadable or unparsable sources are reported."""
    try:
        source = path.read_bytes()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        return PurityResult(module, str(path), error=f"cannot read {path}: {reason}")
    return check_source_purity(source, str(path), rules)


#: A redirect is a few lines; a module this large is not one, whatever it holds, and parsing
#: it (tens of megabytes of AST) would cost more than every other check together.
MAX_REDIRECT_BYTES = 1_000_000


def check_source_purity(source: bytes | str, path: str, rules: RedirectRules) -> PurityResult:
    if len(source) > MAX_REDIRECT_BYTES:
        return PurityResult(
            rules.module,
            path,
            impurities=(
                Impurity(
                    Location(path, 1, 1),
                    "size",
                    f"the module is {len(source):,} bytes, far more than a redirect (a few "
                    f"lines of imports); not parsed past {MAX_REDIRECT_BYTES:,} bytes",
                ),
            ),
        )
    if isinstance(source, str) and source.startswith("\ufeff"):
        source = source[1:]  # a BOM kept by read_text(); compile() only strips it from bytes
    try:
        tree = parse_source(source, path)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        # RecursionError / MemoryError: absurdly deep nesting; still an answer, not a crash.
        line = getattr(error, "lineno", None)
        where = f"{path}:{line}" if line else path
        message = getattr(error, "msg", None) or str(error) or type(error).__name__
        return PurityResult(rules.module, path, error=f"{where}: cannot parse: {message}")
    checker = _ModuleChecker(rules, path, sentinels=_sentinels(tree, tree.body))
    checker.check_body(tree.body)
    return PurityResult(
        rules.module, path, impurities=tuple(checker.impurities), allowed=tuple(checker.allowed)
    )


def find_attribute_assignment(source: bytes | str, attribute: str) -> int | None:
    """The first line that assigns ``<something>.attribute`` or ``setattr(…, "attribute", …)``.

    Used to point at the line that mutates the canonical object on import.
    """
    if len(source) > MAX_REDIRECT_BYTES:
        return None
    try:
        tree = parse_source(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    lines: list[int] = []  # ast.walk is breadth-first: the first line is the smallest one
    for node in ast.walk(tree):
        targets: Sequence[ast.expr] = ()
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = (node.target,)
        elif (
            isinstance(node, ast.Call)
            and dotted_name(node.func) == "setattr"
            and len(node.args) > 1
        ):
            name = node.args[1]
            if isinstance(name, ast.Constant) and name.value == attribute:
                lines.append(node.lineno)
        if any(isinstance(t, ast.Attribute) and t.attr == attribute for t in targets):
            lines.append(targets[0].lineno)
    return min(lines, default=None)


@dataclass
class _ModuleChecker:
    rules: RedirectRules
    path: str
    impurities: list[Impurity] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)
    imported: set[str] = field(default_factory=set)
    warn_names: set[str] = field(default_factory=set)
    #: Module-level ``_MISSING = object()`` names used only as a ``getattr`` default.
    sentinels: frozenset[str] = frozenset()
    #: The same, local to the ``__getattr__`` / ``__dir__`` being checked.
    local_sentinels: frozenset[str] = frozenset()

    def report(self, node: ast.stmt, kind: str, message: str) -> None:
        end = getattr(node, "end_lineno", None) or node.lineno
        self.impurities.append(Impurity(Location(self.path, node.lineno, end), kind, message))

    def check_body(self, body: Sequence[ast.stmt]) -> None:
        for index, statement in enumerate(body):
            if index == 0 and is_string_statement(statement):
                continue
            if self._allowlisted(statement):
                continue
            self.check_statement(statement)

    def _allowlisted(self, statement: ast.stmt) -> bool:
        allowance = self.rules.allowance
        if allowance is None:
            return False
        written = _globals_loop_names(statement)
        if (
            written is not None
            and isinstance(statement, (ast.For, ast.AsyncFor))
            and self._globals_loop_extra(statement)
        ):
            return False  # it writes allowlisted names, but runs more than a copy at import
        names = _bound_names(statement) if written is None else frozenset(written)
        if names and names <= allowance.names:
            self.allowed.extend(sorted(names))
            return True
        return False

    def check_statement(self, node: ast.stmt) -> None:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            self.check_import(node)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            self.check_assignment(node)
        elif isinstance(node, ast.Expr):
            self.check_expression_statement(node)
        elif isinstance(node, ast.If) and dotted_name(node.test) in TYPE_CHECKING_GUARDS:
            self.check_type_checking_block(node)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.check_function(node)
        elif isinstance(node, ast.ClassDef):
            self.check_class(node)
        elif isinstance(node, ast.Delete) and any(
            isinstance(n, (ast.Attribute, ast.Subscript)) for t in node.targets for n in ast.walk(t)
        ):
            self.report(
                node,
                "attribute-assignment",
                f"{_describe(node)}: a redirect must not change the objects it re-exports "
                "(the canonical would differ by import order)",
            )
        elif isinstance(node, (ast.Delete, ast.Pass)):
            return
        elif isinstance(node, ast.For) and _globals_loop_names(node) is not None:
            self.report(node, "loop", self._globals_loop_problem(node))
        else:
            self.report(
                node, _kind_of(node), f"{_describe(node)}: a redirect module holds no logic"
            )

    def _globals_loop_problem(self, node: ast.For) -> str:
        written = _globals_loop_names(node) or ()
        if not written:
            return (
                f"{_describe(node)} writes names computed at import into the module through "
                "globals(): no allowlist entry can name them, and a redirect binds only "
                "names it imports; import them from the canonical module"
            )
        allowed = self.rules.allowance.names if self.rules.allowance else frozenset()
        missing = [name for name in written if name not in allowed]
        extra = self._globals_loop_extra(node)
        if extra and not missing:
            return (
                f"{_describe(node)} writes allowlisted names but also runs {extra} at import: "
                "an allowlisted loop only copies names, globals()[name] = getattr(module, name)"
            )
        quoted = ", ".join(f'"{name}"' for name in written)
        return (
            f"{_describe(node)} writes {', '.join(missing)} into the module through globals()"
            f"{' (not allowlisted)' if allowed else ''}: a redirect binds only names it "
            "imports; if they must stay (old pickles reference them), allowlist them: "
            f'[tool.ssot.allow."{self.rules.module}"] names = [{quoted}] and a reason'
        )

    def _globals_loop_extra(self, node: ast.For | ast.AsyncFor) -> str | None:
        """What a ``globals()`` loop does beyond ``globals()[name] = <a lookup>``."""
        if isinstance(node, ast.AsyncFor) or node.orelse:
            return _describe(node)
        for statement in node.body:
            if not (
                isinstance(statement, ast.Assign)
                and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Subscript)
                and isinstance(statement.targets[0].value, ast.Call)
                and dotted_name(statement.targets[0].value.func) in _NAMESPACE_CALLS
            ):
                return _describe(statement)
            problem = self._expression_problem(statement.value, _RESOLVE_CALLS)
            if problem:
                return problem
        return None

    def check_import(self, node: ast.Import | ast.ImportFrom) -> None:
        for binding in statement_bindings(node, self.rules.package):
            self.imported.add(binding.name)
            # Beyond the top-level package Python raises ImportError: keep the dots, so the
            # import is reported as it is written.
            source = binding.module or binding.written_source
            attribute = binding.attribute
            if attribute is None:  # import a.b
                if not self.rules.source_allowed(source):
                    self.report(node, "unrelated-import", _unrelated(source))
            elif binding.is_star:
                if source not in self.rules.star_sources:
                    self.report(node, "star-import", self._star_problem(source))
            else:
                if source == "warnings" and attribute == "warn":
                    self.warn_names.add(binding.name)
                if not (
                    self.rules.source_allowed(source)
                    or self.rules.source_allowed(f"{source}.{attribute}")
                    or attribute in self.rules.shim_helpers
                ):
                    self.report(node, "unrelated-import", _unrelated(source, attribute))

    def _star_problem(self, source: str) -> str:
        canonical = " or ".join(f"'from {m} import *'" for m in sorted(self.rules.star_sources))
        fix = f"; write {canonical} instead" if canonical else ""
        if source in self.rules.deprecated_modules:
            return (
                f"'from {source} import *' re-exports {source}, another deprecated module of "
                "the same contract: a star chain between deprecated modules serves whatever "
                f"{source} holds, so this module is a redirect only while that one is{fix}"
            )
        return (
            f"'from {source} import *' re-exports a module that is not the canonical, so "
            f"every name it holds becomes part of this module{fix}"
        )

    def check_assignment(self, node: ast.Assign | ast.AnnAssign | ast.AugAssign) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        value = node.value
        for target in targets:
            if isinstance(target, ast.Attribute):
                self.report(
                    node,
                    "attribute-assignment",
                    f"assigns {dotted_name(target) or target.attr!r}: a redirect must not change "
                    "the objects it re-exports (the canonical would differ by import order)",
                )
                return
        if value is None:  # a bare annotation: `x: int`
            return
        names = [n for t in targets for n in target_names(t)]
        if names == ["__all__"]:
            problem = self._expression_problem(value, _LISTING_CALLS)
            if problem:
                self.report(node, "assignment", f"__all__ is computed with {problem}")
            return
        if _is_sys_modules_self(targets) and self._is_imported_reference(value):
            return
        if _is_sentinel_assignment(node, self.sentinels):
            return  # `_MISSING = object()`, read only as a getattr default in __getattr__
        if names and all(isinstance(t, ast.Name) for t in targets):
            if not isinstance(node, ast.AugAssign) and self._is_imported_reference(value):
                self.imported.update(names)
                return
            if isinstance(value, _LITERALS) and isinstance(value.value, (str, bool, type(None))):
                return  # literal metadata, e.g. deprecated_path = "..."
        self.report(
            node,
            "assignment",
            f"assignment to {', '.join(names) or ast.unparse(targets[0])} is neither an alias of "
            "an imported name nor __all__",
        )

    def _is_imported_reference(self, value: ast.expr) -> bool:
        root = value
        while isinstance(root, ast.Attribute):
            root = root.value
        if isinstance(root, ast.Name):
            return root.id in self.imported
        return isinstance(value, ast.Call) and dotted_name(value.func) in {
            "importlib.import_module",
            "import_module",
        }

    def check_expression_statement(self, node: ast.Expr) -> None:
        value = node.value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return  # a stray string used as a comment
        if isinstance(value, ast.Call) and self._is_shim_call(value):
            return
        self.report(node, "call", f"{_describe(node)}: a redirect module runs no code on import")

    def _is_shim_call(self, call: ast.Call) -> bool:
        name = dotted_name(call.func) or ""
        return (
            name in _WARN_CALLS
            or name in self.warn_names
            or name.rpartition(".")[2] in self.rules.shim_helpers
        )

    def check_type_checking_block(self, node: ast.If) -> None:
        for statement in [*node.body, *node.orelse]:
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                self.check_import(statement)
            elif not isinstance(statement, ast.Pass):
                self.report(
                    statement,
                    _kind_of(statement),
                    f"{_describe(statement)} inside 'if TYPE_CHECKING:' "
                    "(only imports belong there)",
                )

    def check_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if isinstance(node, ast.FunctionDef) and not node.decorator_list:
            if node.name == "__getattr__":
                self._check_delegating_body(node, node.body, _RESOLVE_CALLS)
                return
            if node.name == "__dir__":
                self._check_delegating_body(node, node.body, _RESOLVE_CALLS | _LISTING_CALLS)
                return
        self.report(
            node,
            "function",
            f"function definition {node.name!r} ({_span(node)}): a redirect module defines no "
            "functions except a delegating __getattr__/__dir__",
        )

    def _check_delegating_body(
        self, function: ast.FunctionDef, body: Sequence[ast.stmt], calls: frozenset[str]
    ) -> None:
        assignments = [n for n in ast.walk(function) if isinstance(n, ast.Assign)]
        self.local_sentinels = _sentinels(function, assignments)
        for index, statement in enumerate(body):
            if index == 0 and is_string_statement(statement):
                continue
            problem = self._delegation_problem(statement, calls)
            if problem:
                self.report(
                    statement,
                    "getattr-logic",
                    f"{problem} in {function.name}(): a PEP 562 shim only imports, warns and "
                    "returns the canonical object",
                )

    def _delegation_problem(self, node: ast.stmt, calls: frozenset[str]) -> str | None:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            self.check_import(node)  # reports its own problems
            return None
        if isinstance(node, (ast.Pass, ast.Global, ast.Nonlocal)):
            return None
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            return None if self._is_shim_call(node.value) else _describe(node)
        if isinstance(node, ast.Return):
            return self._expression_problem(node.value, calls)
        if isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
            if _is_sentinel_assignment(node, self.local_sentinels | self.sentinels):
                return None
            return self._expression_problem(node.value, calls)
        if isinstance(node, ast.If):
            return self._expression_problem(node.test, calls) or self._first_problem(
                [*node.body, *node.orelse], calls
            )
        if isinstance(node, ast.Try):
            handlers = [s for h in node.handlers for s in h.body]
            return self._first_problem(
                [*node.body, *handlers, *node.orelse, *node.finalbody], calls
            )
        if isinstance(node, ast.Raise):
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if exc is None or dotted_name(exc) in _RAISABLE:
                return None
            return f"raise {ast.unparse(exc)}"
        return _describe(node)

    def _first_problem(self, body: Sequence[ast.stmt], calls: frozenset[str]) -> str | None:
        for statement in body:
            problem = self._delegation_problem(statement, calls)
            if problem:
                return problem
        return None

    def _expression_problem(self, node: ast.expr | None, calls: frozenset[str]) -> str | None:
        if node is None:
            return None
        for child in ast.walk(node):
            if isinstance(child, (ast.Lambda, ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)):
                return f"'{ast.unparse(child)}'"
            if isinstance(child, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
                return f"comprehension '{ast.unparse(child)}'"
            if isinstance(child, ast.Call) and not self._call_allowed(child, calls):
                return f"call '{ast.unparse(child.func)}(…)'"
        return None

    def _call_allowed(self, call: ast.Call, calls: frozenset[str]) -> bool:
        name = dotted_name(call.func)
        if name is None:
            # "…".format(name) / ", ".join(...) on a literal: message building only.
            return isinstance(call.func, ast.Attribute) and isinstance(
                call.func.value, ast.Constant
            )
        leaf = name.rpartition(".")[2]
        return (
            name in calls
            or name in _RAISABLE
            or leaf in {"keys", "format", "join"}
            or self._is_shim_call(call)
        )

    def check_class(self, node: ast.ClassDef) -> None:
        bases = [b for b in (dotted_name(base) for base in node.bases) if b]
        shim = [b for b in bases if b.split(".")[0] in self.imported]
        if shim:
            message = (
                f"class {node.name!r} ({_span(node)}) subclasses the imported {shim[0]}: a "
                "subclass shim is a different object; alias the canonical instead "
                f"({node.name} = {shim[0]})"
            )
        else:
            message = (
                f"class definition {node.name!r} ({_span(node)}): a redirect module defines no "
                "classes; import the canonical instead"
            )
        self.report(node, "class", message)


def _bound_names(node: ast.stmt) -> frozenset[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return frozenset({node.name})
    if isinstance(node, ast.Assign):
        return frozenset(n for t in node.targets for n in target_names(t))
    if isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        return frozenset(target_names(node.target))
    if isinstance(node, (ast.For, ast.AsyncFor)):
        return frozenset(target_names(node.target))
    return frozenset()


def _globals_loop_names(node: ast.stmt) -> tuple[str, ...] | None:
    """The names a ``for name in [...]: globals()[name] = ...`` loop writes into the module.

    numpy keeps ``_reconstruct`` and ``scalar`` in ``numpy/core/multiarray.py`` that way, for
    old pickles. ``None`` when the statement is no loop writing through ``globals()``; ``()``
    when the names are computed (a loop over ``dir(module)``), so no allowlist can name them.
    """
    if not isinstance(node, (ast.For, ast.AsyncFor)):
        return None
    keys = [
        target.slice
        for statement in node.body
        for child in ast.walk(statement)
        if isinstance(child, (ast.Assign, ast.AugAssign, ast.AnnAssign))
        for target in (child.targets if isinstance(child, ast.Assign) else [child.target])
        if isinstance(target, ast.Subscript)
        and isinstance(target.value, ast.Call)
        and dotted_name(target.value.func) in _NAMESPACE_CALLS
    ]
    if not keys:
        return None
    items = node.iter.elts if isinstance(node.iter, (ast.List, ast.Tuple, ast.Set)) else None
    variable = node.target.id if isinstance(node.target, ast.Name) else None
    if items is None or not all(
        isinstance(item, ast.Constant) and isinstance(item.value, str) for item in items
    ):
        return ()
    names: list[str] = []
    for key in keys:
        if isinstance(key, ast.Name) and key.id == variable:
            names.extend(str(cast(ast.Constant, item).value) for item in items)
        elif isinstance(key, ast.Constant) and isinstance(key.value, str):
            names.append(key.value)
        else:
            return ()
    return tuple(dict.fromkeys(names))


def _is_sentinel_assignment(node: ast.stmt, sentinels: frozenset[str]) -> bool:
    """``sentinel = object()`` for a name :func:`_sentinels` found harmless."""
    return (
        isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id in sentinels
        and _is_object_call(node.value)
    )


def _is_object_call(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "object"
        and not node.args
        and not node.keywords
    )


def _sentinels(scope: ast.AST, assignments: Iterable[ast.stmt]) -> frozenset[str]:
    """The names among ``assignments`` bound to a fresh ``object()`` that ``scope`` reads only
    as the default of ``getattr(holder, name, sentinel)`` and in ``is`` / ``is not`` tests.

    numpy's ``sentinel = object()`` tells an absent attribute from one that is ``None``: it
    holds no code and is never handed to a caller. A name bound to anything else as well, or
    read in any other way (returned, stored, passed to a call), is not such a sentinel.
    """
    candidates = {
        target.id
        for node in assignments
        if isinstance(node, ast.Assign) and _is_object_call(node.value)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    harmless: set[int] = set()  # id() of the Name nodes read as a default or in an `is` test
    defaults: set[str] = set()
    for node in ast.walk(scope):
        if isinstance(node, ast.Call) and dotted_name(node.func) == "getattr":
            if len(node.args) == 3 and isinstance(node.args[2], ast.Name):
                harmless.add(id(node.args[2]))
                defaults.add(node.args[2].id)
        elif isinstance(node, ast.Compare) and all(
            isinstance(op, (ast.Is, ast.IsNot)) for op in node.ops
        ):
            operands = (node.left, *node.comparators)
            harmless.update(id(n) for n in operands if isinstance(n, ast.Name))
    stores: dict[str, int] = {}
    for node in ast.walk(scope):
        if not isinstance(node, ast.Name) or node.id not in candidates:
            continue
        if isinstance(node.ctx, ast.Store):
            stores[node.id] = stores.get(node.id, 0) + 1
        elif isinstance(node.ctx, ast.Load) and id(node) not in harmless:
            candidates.discard(node.id)
    return frozenset(n for n in candidates if n in defaults and stores.get(n) == 1)


def _is_sys_modules_self(targets: Sequence[ast.expr]) -> bool:
    """``sys.modules[__name__] = …``: the whole module replaced by the canonical one."""
    return (
        len(targets) == 1
        and isinstance(targets[0], ast.Subscript)
        and dotted_name(targets[0].value) == "sys.modules"
        and isinstance(targets[0].slice, ast.Name)
        and targets[0].slice.id == "__name__"
    )


def _unrelated(source: str, name: str | None = None) -> str:
    what = f"'from {source} import {name}'" if name else f"'import {source}'"
    return (
        f"{what} imports from a module outside the contract: a redirect imports only from "
        "the canonical module or its package"
    )


def _span(node: ast.stmt) -> str:
    end = getattr(node, "end_lineno", None) or node.lineno
    count = end - node.lineno + 1
    return f"lines {node.lineno}-{end}, {count} lines" if count > 1 else f"line {node.lineno}"


_KINDS: dict[type[ast.stmt], str] = {
    ast.For: "loop",
    ast.AsyncFor: "loop",
    ast.While: "loop",
    ast.If: "logic",
    ast.Try: "logic",
    ast.With: "logic",
    ast.AsyncWith: "logic",
    ast.Raise: "logic",
    ast.Assert: "logic",
}


def _kind_of(node: ast.stmt) -> str:
    return _KINDS.get(type(node), "statement")


def _describe(node: ast.stmt) -> str:
    text = ast.unparse(node).splitlines()[0]
    if len(text) > 60:
        text = text[:57] + "..."
    return f"'{text}'"
