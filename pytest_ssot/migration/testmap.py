"""Step 1 of an SSOT migration: which tests guard the canonical, which still run deprecated code.

Before a deprecated module becomes a redirect, a migration needs to know two things about the
test suite: which tests exercise the canonical object (they must stay green, and the
``golden_path`` ones among them are the user journey), and which still reach a deprecated
path (after the redirect they will run the canonical instead, so they are the ones that may
change behaviour). Both answers are read from the test files statically: the project's
dependencies may not even be installed when this runs, and importing a test module runs its
module-level code.

What counts as a reference follows the import audit: ``import``/``from`` statements (relative
ones resolved), dotted-path strings (``mock.patch("pkg.old.Name")``) and attribute chains
(``pkg.old.Name``). Where the reference sits decides which tests it applies to: module level
applies to every test in the file, a test class body to the tests of the class, a test
function to that test, and a fixture or helper function to the tests that request the fixture
(from the same file or a ``conftest.py`` above it) or call the helper.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from pytest_ssot.domain.model import RedirectContract
from pytest_ssot.settings.pyproject import SsotConfig
from pytest_ssot.source.bindings import import_bindings, package_of, statement_bindings
from pytest_ssot.source.modules import dotted_name, is_string_statement, parse_source
from pytest_ssot.source.tree import PythonFile, python_files

#: Where a reference sits, most direct first; a test reached several ways reports the first.
SCOPES = ("test", "class", "fixture", "helper", "module")


@dataclass(frozen=True)
class TestRef:
    """One test and what it references of a contract."""

    __test__ = False  # a class named Test* in a test module: not a test class

    nodeid: str  # tests/test_x.py::TestClass::test_name, without parametrization ids
    path: str
    line: int
    markers: list[str]
    golden_path: bool
    via: str  # the dotted paths referenced, comma separated
    scope: str = "test"  # where the reference sits, one of SCOPES


@dataclass(frozen=True)
class ContractTests:
    """The tests of one contract: those that reach the canonical and those that reach a
    deprecated path (a test can be in both)."""

    contract: str
    canonical: str
    redirects: list[str]
    golden_path: bool  # the contract's own golden-path flag
    guarding: list[TestRef]
    deprecated: list[TestRef]

    @property
    def golden_path_guarded(self) -> bool:
        return any(test.golden_path for test in self.guarding)


@dataclass(frozen=True)
class TestMap:
    """Per contract name, the tests that guard it and those that exercise deprecated code."""

    __test__ = False

    root: str
    files: int  # test files read (conftest.py included)
    contracts: dict[str, ContractTests]
    unreadable: list[str] = field(default_factory=list)
    #: The test modules whose tests were read (relative paths): a test elsewhere is unknown.
    test_modules: list[str] = field(default_factory=list)


def map_tests(config: SsotConfig) -> TestMap:
    """Read the test files of ``config``'s project and sort their tests by contract.

    Test files are the files of the audit selection that ``selection.is_test`` accepts; tests
    are collected from those named like pytest's defaults (``test_*.py``, ``*_test.py``):
    ``test*`` functions and ``test*`` methods of ``Test*`` classes.
    """
    root = config.root
    selection = config.audit.selection
    matcher = _Matcher(config.contracts)
    files: dict[str, _File] = {}
    unreadable: list[str] = []
    read = 0
    for file in python_files(root, selection):
        if not selection.is_test(file.relative):
            continue
        read += 1
        parsed = _read(file, matcher)
        if isinstance(parsed, str):
            unreadable.append(parsed)
        else:
            files[file.relative] = parsed
    conftests = {
        str(PurePosixPath(relative).parent): parsed
        for relative, parsed in files.items()
        if PurePosixPath(relative).name == "conftest.py"
    }
    found: dict[tuple[str, str], list[TestRef]] = {}
    for relative, parsed in files.items():
        if not _is_test_module(relative):
            continue
        chain = [parsed.scope, *_conftest_scopes(relative, conftests)]
        for test in parsed.tests:
            for (contract, category), ref in _test_refs(test, chain).items():
                found.setdefault((contract, category), []).append(ref)
    contracts = {
        contract.name: ContractTests(
            contract=contract.name,
            canonical=str(contract.canonical),
            redirects=[str(r) for r in contract.redirects],
            golden_path=contract.golden_path,
            guarding=_ordered(found.get((contract.name, "guarding"), [])),
            deprecated=_ordered(found.get((contract.name, "deprecated"), [])),
        )
        for contract in config.contracts
    }
    modules = sorted(relative for relative in files if _is_test_module(relative))
    return TestMap(str(root), read, contracts, unreadable, modules)


def _ordered(refs: Iterable[TestRef]) -> list[TestRef]:
    return sorted(refs, key=lambda r: (r.path, r.line, r.nodeid))


def _is_test_module(relative: str) -> bool:
    name = PurePosixPath(relative).name
    return name.startswith("test_") or name.endswith("_test.py")


def _conftest_scopes(relative: str, conftests: dict[str, _File]) -> Iterator[_Scope]:
    """The ``conftest.py`` files whose fixtures a test module sees, nearest first."""
    directory = PurePosixPath(relative).parent
    for parent in (directory, *directory.parents):
        conftest = conftests.get(str(parent))
        if conftest is not None:
            yield conftest.scope


# --- what a reference reaches ---------------------------------------------------------------


@dataclass(frozen=True)
class _Hit:
    """A reference to a contract's canonical ("guarding") or deprecated path ("deprecated")."""

    contract: str
    category: str
    via: str


class _Matcher:
    """Turns a dotted path into the contracts whose canonical or deprecated module it reaches."""

    def __init__(self, contracts: Sequence[RedirectContract]) -> None:
        #: module -> (category, contract, attribute) for every canonical and redirect path.
        paths: dict[str, list[tuple[str, str, str | None]]] = {}
        for contract in contracts:
            canonical = contract.canonical
            paths.setdefault(canonical.module, []).append(
                ("guarding", contract.name, canonical.attribute)
            )
            for redirect in contract.redirects:
                paths.setdefault(redirect.module, []).append(
                    ("deprecated", contract.name, redirect.attribute)
                )
        self.paths = paths

    def match(self, dotted: str) -> list[_Hit]:
        """The module ``dotted`` is or lies in (the longest one), and the contracts it serves:
        those naming the attribute reached when one does, else all of the module's."""
        parts = dotted.split(".")
        for end in range(len(parts), 0, -1):
            entries = self.paths.get(".".join(parts[:end]))
            if entries is None:
                continue
            name = parts[end] if end < len(parts) else None
            named = [e for e in entries if name is not None and e[2] == name]
            chosen = named or entries
            unique = dict.fromkeys((category, contract) for category, contract, _ in chosen)
            return [_Hit(contract, category, dotted) for category, contract in unique]
        return []


# --- reading a test file --------------------------------------------------------------------


@dataclass
class _Function:
    """A fixture or helper: what it references, and what it asks for."""

    name: str
    fixture: bool
    autouse: bool
    hits: list[_Hit]
    wants: list[str]  # fixture parameters, usefixtures, names it uses or calls


@dataclass
class _Scope:
    """A module (test module or conftest) or a test class, with what applies to its tests."""

    relative: str
    kind: str  # "module" or "class"
    hits: list[_Hit] = field(default_factory=list)
    markers: list[str] = field(default_factory=list)
    usefixtures: list[str] = field(default_factory=list)
    functions: dict[str, _Function] = field(default_factory=dict)


@dataclass
class _Test:
    nodeid: str
    path: str
    line: int
    markers: list[str]
    hits: list[_Hit]
    wants: list[str]
    scopes: list[_Scope]  # enclosing classes (innermost first), then the module


@dataclass
class _File:
    scope: _Scope
    tests: list[_Test]


def _read(file: PythonFile, matcher: _Matcher) -> _File | str:
    try:
        with open(file.path, "rb") as stream:
            tree = parse_source(stream.read(), file.relative)
    except OSError as error:
        return f"{file.relative}: cannot read: {error.strerror or type(error).__name__}"
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        line = getattr(error, "lineno", None)
        where = f"{file.relative}:{line}" if line else file.relative
        return f"{where}: cannot parse: {getattr(error, 'msg', None) or error}"
    package = package_of(file.module, is_package=file.is_package)
    reader = _FileReader(file.relative, matcher, package, _module_imports(tree, package))
    module = _Scope(file.relative, "module")
    reader.body(tree.body, module, [module], [])
    return _File(module, reader.tests)


@dataclass
class _FileReader:
    relative: str
    matcher: _Matcher
    package: str
    imported: dict[str, str]  # module-level name -> the dotted path its import binds
    tests: list[_Test] = field(default_factory=list)

    def references(self, nodes: Iterable[ast.AST]) -> _References:
        visitor = _References(self.matcher, self.package, self.imported)
        for node in nodes:
            visitor.visit(node)
        return visitor

    def body(
        self, body: Sequence[ast.stmt], scope: _Scope, scopes: list[_Scope], names: list[str]
    ) -> None:
        """One module or test-class body: tests, fixtures, helpers and scope-level code."""
        for index, node in enumerate(body):
            if index == 0 and is_string_statement(node):
                continue  # docstring
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.function(node, scope, scopes, names)
            elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                self.test_class(node, scopes, names)
            elif isinstance(node, ast.ClassDef):
                found = self.references([node])
                scope.functions[node.name] = _Function(
                    node.name, False, False, found.hits, sorted(found.names)
                )
            else:
                if _assigns(node, "pytestmark"):
                    value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
                    if value is not None:
                        elements = (
                            value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]
                        )
                        scope.markers.extend(_marks(elements))
                        scope.usefixtures.extend(_usefixtures(elements))
                scope.hits.extend(self.references([node]).hits)

    def function(
        self,
        node: ast.FunctionDef | ast.AsyncFunctionDef,
        scope: _Scope,
        scopes: list[_Scope],
        names: list[str],
    ) -> None:
        fixture = _fixture(node)
        found = self.references([*node.decorator_list, node.args, *node.body])
        parameters = [
            a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)
        ]
        usefixtures = _usefixtures(node.decorator_list)
        if fixture is None and node.name.startswith("test"):
            self.tests.append(
                _Test(
                    nodeid="::".join([self.relative, *names, node.name]),
                    path=self.relative,
                    line=node.lineno,
                    markers=_marks(node.decorator_list),
                    hits=found.hits,
                    wants=[*parameters, *usefixtures, *sorted(found.names)],
                    scopes=list(reversed(scopes)),
                )
            )
            return
        name, autouse = fixture if fixture is not None else (node.name, False)
        scope.functions[name] = _Function(
            name,
            fixture is not None,
            autouse,
            found.hits,
            [*parameters, *usefixtures, *sorted(found.names)],
        )

    def test_class(self, node: ast.ClassDef, scopes: list[_Scope], names: list[str]) -> None:
        scope = _Scope(self.relative, "class")
        scope.hits.extend(self.references([*node.decorator_list, *node.bases]).hits)
        self.body(node.body, scope, [*scopes, scope], [*names, node.name])
        # Decorators apply after the body ran: pytest lists the body's pytestmark first.
        scope.markers.extend(_marks(node.decorator_list))
        scope.usefixtures.extend(_usefixtures(node.decorator_list))


class _References(ast.NodeVisitor):
    """The contract paths a piece of code reaches, and the names it uses.

    A name bound by a module-level import counts where it is used: the import itself already
    applies to every test of the module, the use says which tests really need it (and, for a
    conftest, which fixtures).
    """

    def __init__(self, matcher: _Matcher, package: str, imported: dict[str, str]) -> None:
        self.matcher = matcher
        self.package = package
        self.imported = imported
        self.hits: list[_Hit] = []
        self.names: set[str] = set()

    def _visit_import(self, node: ast.Import | ast.ImportFrom) -> None:
        for binding in statement_bindings(node, self.package):
            if binding.imported_path is not None:
                self.hits.extend(self.matcher.match(binding.imported_path))

    visit_Import = visit_ImportFrom = _visit_import

    def visit_Attribute(self, node: ast.Attribute) -> None:
        dotted = dotted_name(node)
        if dotted is None:
            self.generic_visit(node)
            return
        head, _, rest = dotted.partition(".")
        self.names.add(head)
        if head in ("self", "cls"):
            self.names.add(rest.partition(".")[0])  # self.helper(): a method of the class
        elif head in self.imported:
            self.hits.extend(self.matcher.match(f"{self.imported[head]}.{rest}"))
        else:
            self.hits.extend(self.matcher.match(dotted))

    def visit_Name(self, node: ast.Name) -> None:
        self.names.add(node.id)
        if isinstance(node.ctx, ast.Load) and node.id in self.imported:
            self.hits.extend(self.matcher.match(self.imported[node.id]))

    def visit_Expr(self, node: ast.Expr) -> None:
        if not is_string_statement(node):  # a bare string is a docstring or a comment, not a path
            self.generic_visit(node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        return  # an f-string builds a message

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, str) and value and all(p.isidentifier() for p in _path_parts(value)):
            self.hits.extend(self.matcher.match(value.replace(":", ".")))


def _module_imports(tree: ast.Module, package: str) -> dict[str, str]:
    """Names bound by module-level imports (in ``if``/``try``/``with`` blocks too) to the
    path each refers to; a plain ``import a.b`` binds ``a``, which names itself."""
    return {
        binding.name: binding.target
        for binding in import_bindings(tree, package)
        if binding.place.module_level
        and binding.target is not None
        and (binding.is_from or binding.alias)
    }


def _path_parts(text: str) -> list[str]:
    module, _, attribute = text.partition(":")
    return [*module.split("."), *(attribute.split(".") if attribute else [])]


def _assigns(node: ast.stmt, name: str) -> bool:
    if isinstance(node, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
    return (
        isinstance(node, ast.AnnAssign)
        and isinstance(node.target, ast.Name)
        and (node.target.id == name)
    )


def _mark_name(node: ast.expr) -> str | None:
    """``pytest.mark.X``, ``pytest.mark.X(...)`` or ``mark.X``: ``X``."""
    dotted = dotted_name(node.func if isinstance(node, ast.Call) else node) or ""
    parts = dotted.split(".")
    if len(parts) >= 2 and parts[-2] == "mark" and parts[0] in ("pytest", "mark", "_pytest"):
        return parts[-1]
    return None


def _marks(nodes: Iterable[ast.expr]) -> list[str]:
    return [name for name in map(_mark_name, nodes) if name is not None]


def _usefixtures(nodes: Iterable[ast.expr]) -> list[str]:
    names: list[str] = []
    for node in nodes:
        if isinstance(node, ast.Call) and _mark_name(node) == "usefixtures":
            names.extend(
                a.value
                for a in node.args
                if isinstance(a, ast.Constant) and isinstance(a.value, str)
            )
    return names


def _fixture(node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, bool] | None:
    """The fixture's name and autouse flag, if ``node`` is a fixture."""
    for decorator in node.decorator_list:
        call = decorator if isinstance(decorator, ast.Call) else None
        dotted = dotted_name(call.func if call else decorator) or ""
        if dotted.rpartition(".")[2] != "fixture":
            continue
        name, autouse = node.name, False
        for keyword in call.keywords if call else ():
            value = keyword.value
            if keyword.arg == "name" and isinstance(value, ast.Constant):
                name = str(value.value)
            elif keyword.arg == "autouse" and isinstance(value, ast.Constant):
                autouse = bool(value.value)
        return name, autouse
    return None


# --- from a test to its references ----------------------------------------------------------


def _test_refs(test: _Test, conftests: Sequence[_Scope]) -> dict[tuple[str, str], TestRef]:
    """Every contract and category the test reaches, with the most direct way it does."""
    # test.scopes: the enclosing classes (innermost first), then the module.
    file_scopes = test.scopes
    module = file_scopes[-1]
    reached: list[tuple[_Hit, str, str]] = [(hit, "test", "") for hit in test.hits]
    for scope in file_scopes[:-1]:
        reached.extend((hit, "class", "") for hit in scope.hits)
    resolver = _Resolver(file_scopes, conftests)
    wants = [*test.wants]
    for scope in file_scopes:
        wants.extend(scope.usefixtures)
    reached.extend(resolver.reach(wants))
    reached.extend((hit, "module", "") for hit in module.hits)
    markers = list(
        dict.fromkeys([*test.markers, *(m for scope in file_scopes for m in scope.markers)])
    )
    grouped: dict[tuple[str, str], list[tuple[_Hit, str, str]]] = {}
    for item in reached:
        grouped.setdefault((item[0].contract, item[0].category), []).append(item)
    refs: dict[tuple[str, str], TestRef] = {}
    for key, items in grouped.items():
        items.sort(key=lambda item: SCOPES.index(item[1]))
        vias = dict.fromkeys(
            hit.via + (f" ({scope} {name!r})" if name else "") for hit, scope, name in items
        )
        refs[key] = TestRef(
            nodeid=test.nodeid,
            path=test.path,
            line=test.line,
            markers=markers,
            golden_path="golden_path" in markers,
            via=", ".join(vias),
            scope=items[0][1],
        )
    return refs


@dataclass
class _Resolver:
    """Finds the fixtures and helpers a test uses, transitively, the way pytest looks fixtures
    up: the test's classes, its module, then the ``conftest.py`` files above it."""

    file_scopes: Sequence[_Scope]
    conftests: Sequence[_Scope]

    def reach(self, wants: Iterable[str]) -> list[tuple[_Hit, str, str]]:
        found: list[tuple[_Hit, str, str]] = []
        seen: set[int] = set()
        todo = [(name, 0) for name in wants]
        # Autouse fixtures apply without being asked for.
        for position, scope in enumerate([*self.file_scopes, *self.conftests]):
            todo.extend(
                (f.name, position) for f in scope.functions.values() if f.fixture and f.autouse
            )
        while todo:
            name, start = todo.pop()
            located = self.lookup(name, start)
            if located is None:
                continue
            function, position = located
            if id(function) in seen:
                continue
            seen.add(id(function))
            kind = "fixture" if function.fixture else "helper"
            found.extend((hit, kind, function.name) for hit in function.hits)
            todo.extend((wanted, position) for wanted in function.wants)
        return found

    @property
    def scopes(self) -> list[_Scope]:
        return [*self.file_scopes, *self.conftests]

    def lookup(self, name: str, start: int) -> tuple[_Function, int] | None:
        """The fixture (or, in the test's own file, the helper) ``name`` from ``start`` on."""
        scopes = self.scopes
        for position in range(start, len(scopes)):
            function = scopes[position].functions.get(name)
            if function is None:
                continue
            in_own_file = position < len(self.file_scopes)
            if function.fixture or in_own_file:
                return function, position
        return None


# --- output ---------------------------------------------------------------------------------


def render_text(test_map: TestMap) -> list[str]:
    """Per contract: the tests that guard the SSOT (golden-path ones first), the tests that
    still exercise deprecated code, and a warning when a golden-path contract has no
    golden-path test guarding it."""
    lines = [f"Read {test_map.files} test file(s) under {test_map.root}."]
    lines.extend(f"  unreadable: {message}" for message in test_map.unreadable)
    for tests in test_map.contracts.values():
        lines.append("")
        flag = "  [golden-path contract]" if tests.golden_path else ""
        lines.append(f"{tests.contract}: {tests.canonical}{flag}")
        guarding = sorted(tests.guarding, key=lambda t: not t.golden_path)
        lines.append(f"  guards the SSOT ({_count(guarding)}):")
        lines.extend(_test_line(test) for test in guarding)
        if not guarding:
            lines.append("    (no test references the canonical)")
        deprecated = sorted(tests.deprecated, key=lambda t: not t.golden_path)
        lines.append(f"  exercises deprecated code ({_count(deprecated)}):")
        lines.extend(_test_line(test) for test in deprecated)
        if not deprecated:
            lines.append("    (none)")
        if tests.golden_path and not tests.golden_path_guarded:
            lines.append(
                "  warning: no @pytest.mark.golden_path test guards this golden-path contract; "
                "mark the test of the user journey that uses the canonical"
            )
    return lines


def _count(tests: Sequence[TestRef]) -> str:
    return f"{len(tests)} test" + ("" if len(tests) == 1 else "s")


def _test_line(test: TestRef) -> str:
    tag = " [golden_path]" if test.golden_path else ""
    where = "module-level reference" if test.scope == "module" else f"in the {test.scope}"
    return f"    {test.nodeid}{tag}  ({where}: {test.via})"
