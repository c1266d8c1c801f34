#!/usr/bin/env python3
"""Generate a source tree shaped like a real backend's, for the import-audit benchmark.

Why a second generator: ``generate_tree.py`` plants a few hundred sites in ordinary modules,
and on that tree the audit looked fast while on a real 8,880-file backend it was as slow as
ruff. What made the real tree expensive is reproduced here, on purpose:

* deprecated names that are substrings of the canonical's name and of many other
  identifiers (``execution_engine`` inside ``user_execution_engine``,
  ``execution_engine_factory``, ``get_execution_engine_config``), used all over the tree;
* the deprecated module's last name component as a whole word in code that is no site
  (``execution_engine = UserExecutionEngine()``, ``self.execution_engine.run()``), and
  canonicals whose last component equals the deprecated one (``app.order.clients.order_client``
  for ``app.order.legacy.order_client``);
* long test classes (2,000-4,500 lines) whose methods import the canonical and the deprecated
  paths locally, patch them with ``mock.patch`` strings and mention them in docstrings,
  comments and log messages: thousands of mentions, each inside a huge top-level statement;
* many contracts: 40 deprecated modules (4 heavily used, 36 lightly), object and whole-module
  contracts, relative imports, ``if TYPE_CHECKING:`` blocks (nested too), parenthesized and
  backslash-continued imports, namespace folders (no ``__init__.py``) inside regular packages.

The manifest has the same format as ``generate_tree.py``'s, so ``check_manifest.py`` checks
it and ``run_audit.py`` scores against it. Usage::

    python benchmarks/generate_real_tree.py OUT_DIR [--files N] [--seed S] [--size-mb M]

Stdlib only; output is a pure function of the arguments.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from generate_tree import (
    ADJS,
    MANIFEST_NAME,
    MB,
    NOUNS,
    STDLIB_EXTRAS,
    VERBS,
    Builder,
    Snippet,
    TemplateFactory,
    Templates,
    Writer,
    _sort_key,
    import_block,
    manifest_stats,
    reset_dir,
)

DEFAULT_FILES = 9000
DEFAULT_SIZE_MB = 160.0
#: Per 9,000 files.
LONG_CLASS_FILES = 160
HEAVY_SITE_FILES = 300
LIGHT_SITE_FILES = 6  # per light module
DECOY_FILES = 450
LOOKALIKE_SHARE = 0.3  # files that mention a deprecated name only inside longer identifiers
WORD_SHARE = 0.03  # files that use a deprecated module's last component as a plain name
TEST_SHARE = 0.3
ENGINE_CANONICAL = "app.agents.supervisor.user_execution_engine"
DOMAINS = tuple(n for n in NOUNS if n not in ("user", "config", "tool"))[:36]


@dataclass(frozen=True)
class Deprecated:
    """One deprecated module and what replaces it."""

    contract: str
    module: str
    #: The redirected attribute; empty for a whole-module contract.
    name: str
    canonical: str
    canonical_name: str
    heavy: bool

    @property
    def leaf(self) -> str:
        return self.module.rpartition(".")[2]

    @property
    def parent(self) -> str:
        return self.module.rpartition(".")[0]

    @property
    def attr(self) -> str:
        """A name to import from the deprecated module."""
        return self.name or self.canonical_name

    @property
    def string_target(self) -> str:
        """A string both references count as a site outside a call (a lazy-import table)."""
        return f"{self.module}:{self.name}" if self.name else self.module

    @property
    def canonical_spec(self) -> str:
        return f"{self.canonical}:{self.canonical_name}" if self.name else self.canonical

    @property
    def redirect_spec(self) -> str:
        return f"{self.module}:{self.name}" if self.name else self.module


def all_deprecated() -> list[Deprecated]:
    """The four heavily used modules first (the ones ruff is given), then 36 light ones."""
    engine = ("execution-engine", "ExecutionEngine", ENGINE_CANONICAL, "UserExecutionEngine")
    out = [
        Deprecated(engine[0], "app.agents.supervisor.execution_engine", *engine[1:], heavy=True),
        Deprecated(engine[0], "app.agents.execution_engine_consolidated", *engine[1:], heavy=True),
        Deprecated(engine[0], "app.core.execution_engine", *engine[1:], heavy=True),
        Deprecated(
            "notifier",
            "app.services.notifier",
            "WebSocketNotifier",
            "app.websocket.websocket_notifier",
            "WebSocketNotifier",
            heavy=True,
        ),
    ]
    for index, d in enumerate(DOMAINS):
        cap = d.capitalize()
        if index % 3 == 0:
            out.append(
                Deprecated(
                    f"{d}-repository",
                    f"app.{d}.services.{d}_repository",
                    f"{cap}Repository",
                    f"app.{d}.core.{d}_repository_v2",
                    f"{cap}Repository",
                    heavy=False,
                )
            )
        elif index % 3 == 1:
            out.append(
                Deprecated(
                    f"{d}-client",
                    f"app.{d}.legacy.{d}_client",
                    "",
                    f"app.{d}.clients.{d}_client",
                    f"{cap}Client",
                    heavy=False,
                )
            )
        else:
            out.append(
                Deprecated(
                    f"{d}-helpers",
                    f"app.{d}.utils.{d}_helpers",
                    f"format_{d}",
                    f"app.{d}.formatting",
                    f"format_{d}",
                    heavy=False,
                )
            )
    return out


def pyproject(deprecated: list[Deprecated]) -> str:
    """``[tool.ssot]`` with every contract, and ruff's banned-api with the same modules."""
    contracts: dict[str, list[Deprecated]] = {}
    for dep in deprecated:
        contracts.setdefault(dep.contract, []).append(dep)
    lines = [
        "[project]",
        'name = "bench-real-app"',
        'version = "0.0.0"',
        'requires-python = ">=3.9"',
        "",
        "[tool.ssot.audit]",
        'paths = ["."]',
        "",
    ]
    for name, deps in contracts.items():
        redirects = ", ".join(f'"{d.redirect_spec}"' for d in deps)
        lines += [
            f"[tool.ssot.contracts.{name}]",
            f'canonical = "{deps[0].canonical_spec}"',
            f"redirects = [{redirects}]",
            "",
        ]
    lines += ["[tool.ruff.lint.flake8-tidy-imports.banned-api]"]
    lines += [f'"{d.module}".msg = "deprecated: use {d.canonical}"' for d in deprecated]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# The plan.
# --------------------------------------------------------------------------------------------


@dataclass
class Spec:
    """One file: its kind, size, and what is planted in it."""

    rel: str
    kind: str  # init, fixed, module, test, long
    target: int = 0
    text: str = ""
    sites: list[tuple[str, Deprecated]] = field(default_factory=list)
    decoys: list[tuple[str, Deprecated]] = field(default_factory=list)
    lookalikes: list[Deprecated] = field(default_factory=list)
    words: list[Deprecated] = field(default_factory=list)
    namespace: bool = False  # inside a folder without __init__.py: no relative imports

    @property
    def package(self) -> str:
        return self.rel.rsplit("/", 1)[0].replace("/", ".")

    @property
    def test(self) -> bool:
        return self.rel.startswith("tests/")


@dataclass
class Plan:
    files: list[Spec] = field(default_factory=list)
    app_dirs: list[str] = field(default_factory=list)
    test_dirs: list[str] = field(default_factory=list)
    namespace_dirs: set[str] = field(default_factory=set)

    def add(self, spec: Spec) -> Spec:
        self.files.append(spec)
        return spec

    def package(self, rel_dir: str, *, app: bool = True) -> None:
        """A regular package: ``__init__.py`` and a place for generated modules."""
        self.add(Spec(f"{rel_dir}/__init__.py", "init"))
        (self.app_dirs if app else self.test_dirs).append(rel_dir)

    def namespace(self, rel_dir: str, *, app: bool = True) -> None:
        """A folder without ``__init__.py`` (a namespace package inside a regular one)."""
        self.namespace_dirs.add(rel_dir)
        (self.app_dirs if app else self.test_dirs).append(rel_dir)


def redirect_text(dep: Deprecated) -> str:
    if dep.name:
        body = f"from {dep.canonical} import {dep.canonical_name} as {dep.name}\n"
        return f'"""Deprecated: use {dep.canonical}."""\n\n{body}\n__all__ = ["{dep.name}"]\n'
    return (
        f'"""Deprecated: use {dep.canonical}."""\n\nfrom {dep.canonical} import *  # noqa: F403\n'
    )


def canonical_text(dep: Deprecated) -> str:
    name = dep.canonical_name
    if name[0].islower():
        return (
            f'"""The one {name}."""\n\n\ndef {name}(value: object) -> str:\n    return str(value)\n'
        )
    return (
        f'"""The one {name}."""\n\n\nclass {name}:\n'
        f"    def __init__(self, user_id: str = '') -> None:\n"
        f"        self.user_id = user_id\n\n"
        f"    def run(self) -> None:\n        return None\n\n"
        f"    def start(self) -> None:\n        return None\n\n"
        f"    def send(self, message: str) -> str:\n        return message\n"
    )


def lookalike_modules(dep: Deprecated) -> list[str]:
    """Modules whose names contain the deprecated last component: ``execution_engine_factory``."""
    return [f"{dep.parent}.{dep.leaf}_factory", f"{dep.parent}.{dep.leaf}_config"]


def make_plan(rng: random.Random, n_files: int, deprecated: list[Deprecated]) -> Plan:
    plan = Plan()
    # Hand-made packages: the deprecated modules, their canonicals and look-alikes.
    regular = [
        "app",
        "app/agents",
        "app/agents/supervisor",
        "app/agents/supervisor/tools",
        "app/core",
        "app/services",
        "app/websocket",
    ]
    for d in DOMAINS:
        regular += [f"app/{d}", f"app/{d}/services", f"app/{d}/services/internal"]
        regular += [f"app/{d}/core", f"app/{d}/legacy", f"app/{d}/clients", f"app/{d}/utils"]
        regular += [f"app/{d}/api", f"app/{d}/models"]
    for rel_dir in regular:
        plan.package(rel_dir)
    plan.namespace("app/agents/supervisor/tools/builtin")
    for d in DOMAINS[::2]:
        plan.namespace(f"app/{d}/contrib")
        plan.namespace(f"app/{d}/services/internal/plugins")
    written: set[str] = set()
    for dep in deprecated:
        for module, text in (
            (dep.module, redirect_text(dep)),
            (dep.canonical, canonical_text(dep)),
            *(
                (m, f'"""Builds things for {dep.leaf}."""\n\nLIMIT = 3\n')
                for m in lookalike_modules(dep)
            ),
        ):
            rel = module.replace(".", "/") + ".py"
            if rel not in written:
                written.add(rel)
                plan.add(Spec(rel, "fixed", text=text))
    # Tests: a regular package at the top, namespace folders further down (as pytest's
    # rootdir-relative imports allow).
    plan.package("tests", app=False)
    for rel_dir in ("tests/agents", "tests/agents/supervisor", "tests/services"):
        plan.package(rel_dir, app=False)
    for d in DOMAINS:
        plan.namespace(f"tests/{d}", app=False)
    plan.namespace("tests/integration", app=False)
    plan.namespace("tests/integration/engine", app=False)
    scale = n_files / DEFAULT_FILES
    long_count = max(4, round(LONG_CLASS_FILES * scale))
    budget = n_files - len(plan.files) - long_count
    if budget < 200:
        raise SystemExit("--files is too small for the package layout")
    long_dirs = ["tests/agents/supervisor", "tests/integration/engine", "tests/services"]
    for index in range(long_count):
        rel_dir = long_dirs[index % len(long_dirs)]
        plan.add(Spec(f"{rel_dir}/test_engine_scenarios_{index:03d}.py", "long"))
    tests = round(budget * TEST_SHARE)
    names: set[str] = set()
    for index in range(budget):
        test = index < tests
        rel_dir = rng.choice(plan.test_dirs if test else plan.app_dirs)
        while True:
            stem = f"{rng.choice(ADJS)}_{rng.choice(NOUNS)}_{rng.choice(VERBS)}"
            rel = f"{rel_dir}/{'test_' if test else ''}{stem}.py"
            if rel not in names:
                names.add(rel)
                break
        spec = plan.add(Spec(rel, "test" if test else "module"))
        spec.namespace = any(rel_dir.startswith(n) for n in plan.namespace_dirs)
    return plan


def assign(plan: Plan, rng: random.Random, deprecated: list[Deprecated], scale: float) -> None:
    """Sites, decoys, look-alike and whole-word mentions, spread over the generated files."""
    generic = [s for s in plan.files if s.kind in ("module", "test")]
    heavy = [d for d in deprecated if d.heavy]
    light = [d for d in deprecated if not d.heavy]
    for spec in rng.sample(generic, min(len(generic), round(HEAVY_SITE_FILES * scale))):
        for _ in range(rng.choice((1, 1, 2, 3))):
            dep = rng.choice(heavy)
            spec.sites.append((site_variant(rng, spec, dep), dep))
    for dep in light:
        for spec in rng.sample(generic, max(2, round(LIGHT_SITE_FILES * scale))):
            for _ in range(rng.choice((1, 2))):
                spec.sites.append((site_variant(rng, spec, dep), dep))
    # Relative imports need particular packages: siblings and children of the module.
    for dep in deprecated:
        siblings = [s for s in generic if s.package == dep.parent and not s.namespace]
        children = [
            s
            for s in generic
            if s.package.rpartition(".")[0] == dep.parent and not s.namespace and not s.test
        ]
        for spec in rng.sample(siblings, min(len(siblings), 3 if dep.heavy else 1)):
            spec.sites.append((rng.choice(("relative-module", "relative-package")), dep))
        for spec in rng.sample(children, min(len(children), 3 if dep.heavy else 1)):
            spec.sites.append((rng.choice(("relative-parent-module", "relative-parent")), dep))
    weights = [8 if d.heavy else 1 for d in deprecated]
    for spec in rng.sample(generic, round(DECOY_FILES * scale)):
        for _ in range(rng.randint(1, 3)):
            dep = rng.choices(deprecated, weights)[0]
            spec.decoys.append((rng.choice(DECOY_KINDS), dep))
    for spec in generic:
        if rng.random() < LOOKALIKE_SHARE:
            spec.lookalikes = rng.choices(deprecated, weights, k=rng.randint(1, 3))
        if rng.random() < WORD_SHARE:
            spec.words = rng.choices(deprecated, weights, k=rng.randint(1, 2))


#: Site variants of one line: the template and the form the audit reports.
ONE_LINE_SITES = {
    "from-import": ("from {m} import {attr}", "from-import"),
    "from-import-as": ("from {m} import {attr} as {alias}", "from-import"),
    "import": ("import {m}", "import"),
    "import-as": ("import {m} as {leaf}_module", "import"),
    "through-parent": ("from {parent} import {leaf}", "from-import"),
    "relative-module": ("from .{leaf} import {attr}", "relative-import"),
    "relative-package": ("from . import {leaf}", "relative-import"),
    "relative-parent-module": ("from ..{leaf} import {attr}", "relative-import"),
    "relative-parent": ("from .. import {leaf}", "relative-import"),
}
HEADER_VARIANTS = (
    "from-import",
    "from-import-as",
    "import",
    "import-as",
    "through-parent",
    "parenthesized",
    "backslash",
    "type-checking",
    "type-checking-else",
)
BODY_VARIANTS = ("function-local", "import-module", "lazy-table", "nested-type-checking")
TEST_VARIANTS = (
    "patch-with",
    "patch-multiline",
    "patch-decorator",
    "monkeypatch-setattr",
    "importorskip",
)
DECOY_KINDS = (
    "docstring-mention",
    "comment",
    "comment-import",
    "log-message",
    "f-string",
    "lookalike-import",
    "lookalike-from",
    "canonical-import",
    "canonical-parent-import",
    "prefix-string",
    "attribute",
)


def site_variant(rng: random.Random, spec: Spec, dep: Deprecated) -> str:
    del dep
    pool = HEADER_VARIANTS + BODY_VARIANTS + (TEST_VARIANTS if spec.test else ())
    return rng.choice(pool)


# --------------------------------------------------------------------------------------------
# Snippets.
# --------------------------------------------------------------------------------------------


class Planter:
    """The lines of sites, decoys and mentions, at a given indentation."""

    def __init__(self, rng: random.Random, templates: Templates) -> None:
        self.rng = rng
        self.t = templates
        self.serial = 0
        self.words = TemplateFactory(rng)

    def next(self) -> int:
        self.serial += 1
        return self.serial

    def header_site(self, s: Snippet, variant: str, dep: Deprecated, ind: str = "") -> None:
        """Import statements, as in an import block or at the top of a method."""
        m, attr, v = dep.module, dep.attr, f"header-{variant}"
        one_line = ONE_LINE_SITES.get(variant)
        if one_line is not None:
            template, form = one_line
            alias = f"Legacy{attr[0].upper()}{attr[1:]}"
            text = template.format(m=m, attr=attr, leaf=dep.leaf, parent=dep.parent, alias=alias)
            s.site(ind + text, m, form, v)
        elif variant == "parenthesized":
            s.site(f"{ind}from {dep.parent} import (  # migrate: see the tracking issue", m,
                   "from-import", v)  # fmt: skip
            s.add(f"{ind}    {dep.leaf}_factory,", f"{ind}    {dep.leaf},", f"{ind})")
        elif variant == "backslash":
            s.site(f"{ind}from {m} \\", m, "from-import", v)
            s.add(f"{ind}    import {attr}")
        elif variant == "type-checking":
            s.add(f"{ind}if TYPE_CHECKING:")
            s.site(f"{ind}    from {m} import {attr}", m, "from-import", v, type_only=True)
        elif variant == "type-checking-else":
            s.add(f"{ind}if TYPE_CHECKING:")
            s.add(f"{ind}    from {dep.canonical} import {dep.canonical_name}")
            s.add(f"{ind}else:")
            s.site(f"{ind}    from {m} import {attr} as {dep.canonical_name}", m, "from-import", v)
        else:
            raise ValueError(variant)

    def body_site(self, variant: str, dep: Deprecated) -> Snippet:
        """A top-level block holding one site."""
        n, m, v = self.next(), dep.module, f"body-{variant}"
        s = Snippet("body")
        if variant == "function-local":
            s.add(f"def _load_{dep.leaf}_{n}() -> Any:", f'    """{self.words.sentence()}"""')
            self.header_site(s, self.rng.choice(HEADER_VARIANTS[:7]), dep, "    ")
            s.add("    return None")
        elif variant == "import-module":
            s.needs = ("import importlib",)
            s.add(f"def _import_{dep.leaf}_{n}() -> Any:")
            s.site(f'    return importlib.import_module("{m}")', m, "string", v)
        elif variant == "lazy-table":
            s.add(f"_LAZY_{dep.leaf.upper()}_{n} = {{")
            s.site(f'    "{dep.attr}": "{dep.string_target}",', m, "string", v)
            s.add(f'    "{dep.canonical_name}Factory": "{dep.parent}.{dep.leaf}_factory",', "}")
        elif variant == "nested-type-checking":
            s.needs = ("from typing import TYPE_CHECKING",)
            s.add(f"def _typed_{dep.leaf}_{n}(value: Any) -> Any:", "    if value is None:")
            s.add("        if TYPE_CHECKING:")
            s.site(f"            from {m} import {dep.attr}", m, "from-import", v, type_only=True)
            s.add("        return None", "    return value")
        elif variant in TEST_VARIANTS:
            self.test_site(s, variant, dep, "", n)
        else:
            raise ValueError(variant)
        return s

    def test_site(self, s: Snippet, variant: str, dep: Deprecated, ind: str, n: int) -> None:
        """A test function (or method, with ``ind``) holding one string site."""
        m, target, v = dep.module, f"{dep.module}.{dep.attr}", f"test-{variant}"
        me = "self, " if ind else ""
        s.needs = ("from unittest.mock import patch",)
        if variant == "patch-decorator":
            s.site(f'{ind}@patch("{target}.run")', m, "string", v)
            s.add(f"{ind}def test_{dep.leaf}_{n}_patched({me}run: Any) -> None:")
            s.add(f"{ind}    assert run is not None")
            return
        s.add(f"{ind}def test_{dep.leaf}_{n}({me}monkeypatch: Any) -> None:")
        if variant == "patch-with":
            s.site(f'{ind}    with patch("{target}") as fake:', m, "string", v)
            s.add(f"{ind}        fake.return_value = None", f"{ind}        assert fake is not None")
        elif variant == "patch-multiline":
            s.add(f"{ind}    with patch(")
            s.site(f'{ind}        "{target}.start",', m, "string", v)
            s.add(f"{ind}        autospec=True,", f"{ind}    ) as start:")
            s.add(f"{ind}        assert start is not None")
        elif variant == "monkeypatch-setattr":
            s.site(f'{ind}    monkeypatch.setattr("{target}", object())', m, "string", v)
        elif variant == "importorskip":
            s.needs = ("import pytest",)
            s.site(f'{ind}    module = pytest.importorskip("{m}")', m, "string", v)
            s.add(f"{ind}    assert module is not None")
        else:
            raise ValueError(variant)

    def decoy(self, s: Snippet, kind: str, dep: Deprecated, ind: str) -> None:
        """A line that mentions a deprecated path or name and is no site."""
        m, leaf = dep.module, dep.leaf
        if kind == "docstring-mention":
            s.add(f'{ind}"""{self.words.sentence()}', "")
            s.decoy(f"{ind}Formerly {m}.{dep.attr}; see the migration notes.", kind, m)
            s.decoy(f"{ind}    from {m} import {dep.attr}", kind, m)
            s.add(f'{ind}"""')
        elif kind == "comment":
            s.decoy(f"{ind}# TODO(migration): stop going through {m}", kind, m)
        elif kind == "comment-import":
            s.decoy(f"{ind}# from {m} import {dep.attr}", kind, m)
        elif kind == "log-message":
            s.decoy(f'{ind}logger.info("moved off {m} for %s", {leaf!r})', kind, m)
        elif kind == "f-string":
            s.decoy(f'{ind}_note = f"{m} replaced by {{{leaf}_factory!r}}"', kind, m)
        elif kind == "lookalike-import":
            s.decoy(f"{ind}import {m}_factory", kind, f"{m}_factory")
        elif kind == "lookalike-from":
            s.decoy(f"{ind}from {dep.parent} import {leaf}_config", kind, f"{leaf}_config")
        elif kind == "canonical-import":
            s.decoy(f"{ind}from {dep.canonical} import {dep.canonical_name}", kind, dep.canonical)
        elif kind == "canonical-parent-import":
            parent, _, canon_leaf = dep.canonical.rpartition(".")
            s.decoy(f"{ind}from {parent} import {canon_leaf}", kind, canon_leaf)
        elif kind == "prefix-string":
            s.decoy(f'{ind}_MODULE = "{m}_v2"', kind, m)
        elif kind == "attribute":
            s.decoy(f"{ind}_{leaf} = getattr(object(), {leaf!r}, None)", kind, leaf)
        else:
            raise ValueError(kind)

    def lookalike_lines(self, dep: Deprecated, ind: str) -> list[str]:
        """Code naming things that contain the deprecated last component, never as a word."""
        leaf = dep.leaf
        return self.rng.choice(
            (
                [f"{ind}settings = get_{leaf}_config()", f"{ind}settings.update(limit=3)"],
                [f"{ind}factory = build_{leaf}_factory(user_id='u')", f"{ind}factory.reset()"],
                [f"{ind}self_{leaf}_state = {{'{leaf}_id': 1}}"],
                [f"{ind}assert {dep.canonical_name}Factory is not None"],
            )
        )

    def word_lines(self, dep: Deprecated, ind: str) -> list[str]:
        """Code using the deprecated last component as a plain name: no site either."""
        leaf, cls = dep.leaf, dep.canonical_name
        return self.rng.choice(
            (
                [f"{ind}{leaf} = {cls}()", f"{ind}{leaf}.run()"],
                [f"{ind}self.{leaf} = {leaf}_factory.create()"],
                [f"{ind}logger.debug('%s ready', {leaf})"],
                [f"{ind}result = handle({leaf}={leaf})"],
            )
        )

    def lookalike_imports(self, dep: Deprecated) -> list[str]:
        leaf = dep.leaf
        return [
            f"from {dep.parent}.{leaf}_factory import build_{leaf}_factory",
            f"from {dep.parent}.{leaf}_config import get_{leaf}_config",
            f"from {dep.canonical} import {dep.canonical_name}",
        ]


# --------------------------------------------------------------------------------------------
# Files.
# --------------------------------------------------------------------------------------------


class Composer:
    """Turns a :class:`Spec` into a :class:`Builder`."""

    def __init__(self, rng: random.Random, templates: Templates) -> None:
        self.rng = rng
        self.t = templates
        self.planter = Planter(rng, templates)
        self.words = TemplateFactory(rng)

    def build(self, spec: Spec, deprecated: list[Deprecated]) -> Builder:
        builder = Builder(spec.rel)
        if spec.kind == "init":
            if self.rng.random() < 0.4:
                builder.add(f'"""The {spec.package} package."""\n')
            return builder
        if spec.kind == "fixed":
            builder.add(spec.text)
            return builder
        if spec.kind == "long":
            return self.long_file(spec, builder, deprecated)
        return self.generic_file(spec, builder)

    def generic_file(self, spec: Spec, builder: Builder) -> Builder:
        header = Snippet("header")
        body: list[Snippet] = []
        needs: list[str] = ["import logging", "from typing import Any"]
        for variant, dep in spec.sites:
            if variant in HEADER_VARIANTS or variant.startswith("relative"):
                self.planter.header_site(header, variant, dep)
                if variant.startswith("type-checking"):
                    needs.append("from typing import TYPE_CHECKING")
            else:
                snippet = self.planter.body_site(variant, dep)
                needs.extend(snippet.needs)
                body.append(snippet)
        for kind, dep in spec.decoys:
            snippet = Snippet("body")
            if kind == "docstring-mention":
                snippet.add(f"def _documented_{dep.leaf}_{self.planter.next()}() -> None:")
                self.planter.decoy(snippet, kind, dep, "    ")
            elif kind in ("lookalike-import", "lookalike-from", "canonical-import",
                          "canonical-parent-import", "comment-import"):  # fmt: skip
                self.planter.decoy(header, kind, dep, "")
                continue
            else:
                self.planter.decoy(snippet, kind, dep, "")
            body.append(snippet)
        for dep in spec.lookalikes:
            needs.append(self.rng.choice(self.planter.lookalike_imports(dep)))
            body.append(self.usage(dep, self.planter.lookalike_lines(dep, "    ")))
        for dep in spec.words:
            body.append(self.usage(dep, self.planter.word_lines(dep, "    ")))
        builder.add(f'"""{self.words.sentence()}"""\n\nfrom __future__ import annotations\n\n')
        extras = self.rng.sample(STDLIB_EXTRAS, self.rng.randint(0, 3))
        builder.add(import_block(sorted(set(needs + extras))))
        if spec.test:
            builder.add("\nimport pytest\n")
        if header.lines:
            builder.add("\n")
            builder.splice(header)
        builder.add("\nlogger = logging.getLogger(__name__)\n")
        self.fill(builder, spec.target, body, test=spec.test)
        return builder

    def usage(self, dep: Deprecated, lines: list[str]) -> Snippet:
        s = Snippet("body")
        s.add(f"def {self.rng.choice(VERBS)}_{dep.leaf}_usage_{self.planter.next()}() -> Any:")
        s.add(*lines, "    return None")
        return s

    def fill(self, builder: Builder, target: int, body: list[Snippet], *, test: bool) -> None:
        """Template blocks up to ``target`` bytes, with ``body`` spliced in along the way."""
        marks = sorted(self.rng.uniform(0.05, 0.95) * target for _ in body)
        pending = list(body)
        self.rng.shuffle(pending)
        while builder.size < target or pending:
            while pending and (not marks or marks[0] <= builder.size or builder.size >= target):
                builder.add("\n\n")
                builder.splice(pending.pop())
                if marks:
                    marks.pop(0)
            if builder.size >= target:
                break
            builder.add("\n\n" + self.block(test))

    def block(self, test: bool) -> str:
        r = self.rng
        roll = r.random()
        if test and roll < 0.6:
            name = r.choice(self.t.function_names).lstrip("_")
            text = r.choice(self.t.tests).replace("__F__", name)
            return text.replace("__P__", "Any").replace("__X__", "subject")
        if roll < 0.55:
            return r.choice(self.t.functions).replace("__F__", r.choice(self.t.function_names))
        if roll < 0.93:
            head, takes_methods = r.choice(self.t.class_heads)
            parts = [head.replace("__C__", r.choice(self.t.class_names))]
            if takes_methods:
                for _ in range(r.randint(1, 6)):
                    method = r.choice(self.t.methods)
                    parts.append(method.replace("__F__", r.choice(self.t.method_names)))
            return "\n".join(parts)
        return r.choice(self.t.constants)

    # -- long test classes ---------------------------------------------------------------------

    def long_file(self, spec: Spec, builder: Builder, deprecated: list[Deprecated]) -> Builder:
        """A test module holding one or two classes of thousands of lines."""
        r = self.rng
        heavy = [d for d in deprecated if d.heavy]
        engine = heavy[0]
        builder.add(
            '"""Scenario tests for the user execution engine, grown over many releases."""\n\n'
            "from __future__ import annotations\n\n"
            + import_block(
                [
                    "import importlib",
                    "import logging",
                    "from typing import TYPE_CHECKING, Any",
                    "from unittest.mock import MagicMock, patch",
                ]
            )
            + "\nimport pytest\n\n"
            + import_block([*self.planter.lookalike_imports(engine)])
        )
        header = Snippet("header")
        if r.random() < 0.5:
            self.planter.header_site(header, r.choice(HEADER_VARIANTS), r.choice(heavy))
        if header.lines:
            builder.splice(header)
        builder.add("\nlogger = logging.getLogger(__name__)\n")
        for number in range(r.choice((1, 1, 2))):
            builder.add("\n\n")
            builder.splice(self.long_class(number, deprecated))
        return builder

    def long_class(self, number: int, deprecated: list[Deprecated]) -> Snippet:
        r = self.rng
        heavy = [d for d in deprecated if d.heavy]
        light = [d for d in deprecated if not d.heavy]
        s = Snippet("body")
        s.add(f"class TestEngineScenarios{number}:", f'    """{self.words.sentence()}"""', "")
        s.add("    engine_cls = UserExecutionEngine", "")
        s.add("    @pytest.fixture", "    def engine(self) -> UserExecutionEngine:")
        s.add('        return UserExecutionEngine(user_id="u-1")')
        if r.random() < 0.3:
            s.add("", "    if TYPE_CHECKING:")
            dep = r.choice(heavy)
            s.site(f"        from {dep.module} import {dep.attr}", dep.module, "from-import",
                   "class-type-checking", type_only=True)  # fmt: skip
        lines = r.randint(2000, 4500)
        while len(s.lines) < lines:
            s.add("")
            roll = r.random()
            if roll < 0.62:
                dep = r.choice(heavy) if r.random() < 0.9 else r.choice(light)
                self.engine_method(s, dep)
            else:
                method = r.choice(self.t.methods)
                s.add(
                    *method.replace("__F__", r.choice(self.t.method_names)).rstrip("\n").split("\n")
                )
        return s

    def engine_method(self, s: Snippet, dep: Deprecated) -> None:
        """A test method importing the canonical locally, often the deprecated path too."""
        r, p = self.rng, self.planter
        n = p.next()
        roll = r.random()
        if roll < 0.05:
            p.test_site(s, r.choice(TEST_VARIANTS), dep, "    ", n)
            return
        s.add(f"    def test_{r.choice(VERBS)}_{dep.leaf}_{n}(self, engine: Any) -> None:")
        if r.random() < 0.15:
            p.decoy(s, "docstring-mention", dep, "        ")
        else:
            s.add(f'        """{self.words.sentence()}"""')
        s.add(f"        from {dep.canonical} import {dep.canonical_name}")
        if roll < 0.15:
            p.header_site(s, r.choice(HEADER_VARIANTS), dep, "        ")
        if r.random() < 0.4:
            s.add(f"        {dep.leaf} = {dep.canonical_name}()")
        s.add(*p.lookalike_lines(dep, "        "))
        if r.random() < 0.2:
            p.decoy(s, r.choice(("comment", "log-message", "f-string", "comment-import")), dep,
                    "        ")  # fmt: skip
        if roll > 0.9:
            s.add("        with patch.object(engine, 'run') as run:")
            s.add("            engine.run()", "            assert run.called")
        if r.random() < 0.4:
            s.add(*p.word_lines(dep, "        "))
        scope = ["engine", f"{dep.leaf}_factory"]
        s.add(*self.words.statements("        ", scope, r.randint(1, 5), 1, method=True))
        s.add(f"        assert {dep.leaf}_factory is not None")


# --------------------------------------------------------------------------------------------
# Sizes, writing, main.
# --------------------------------------------------------------------------------------------


def assign_sizes(plan: Plan, rng: random.Random, total: int) -> None:
    """Generic files get log-normal sizes around the mean that reaches ``total`` with the
    long test files (~250 KB each)."""
    generic = [s for s in plan.files if s.kind in ("module", "test")]
    long_bytes = 250_000 * sum(s.kind == "long" for s in plan.files)
    mean = max(2_000, (total - long_bytes) / max(1, len(generic)))
    for spec in generic:
        spec.target = int(min(200_000, max(600, rng.lognormvariate(0, 0.9) * mean / 1.7)))


def generate(out: Path, n_files: int, seed: int, size_mb: float) -> dict[str, object]:
    rng = random.Random(f"real-plan-{seed}")
    deprecated = all_deprecated()
    plan = make_plan(rng, n_files, deprecated)
    assign(plan, rng, deprecated, n_files / DEFAULT_FILES)
    assign_sizes(plan, rng, int(size_mb * MB))
    templates = TemplateFactory(random.Random(f"real-templates-{seed}")).build()
    composer = Composer(random.Random(f"real-content-{seed}"), templates)
    writer = Writer(out)
    sites: list[dict[str, object]] = []
    decoys: list[dict[str, object]] = []
    excluded: list[dict[str, object]] = []
    for spec in plan.files:
        builder = composer.build(spec, deprecated)
        writer.write(spec.rel, builder.text().encode())
        sites += builder.sites
        decoys += builder.decoys
    scanned_files, scanned_bytes = writer.files, writer.bytes
    writer.write("pyproject.toml", pyproject(deprecated).encode())
    writer.write(".venv/pyvenv.cfg", b"home = /usr/bin\nversion = 3.11.7\n")
    vendored = Snippet("header")
    composer.planter.header_site(vendored, "from-import", deprecated[0])
    rel = ".venv/lib/python3.11/site-packages/legacy_shim.py"
    builder = Builder(rel)
    builder.splice(vendored)
    writer.write(rel, builder.text().encode())
    excluded += [dict(site, test=False, reason="venv") for site in builder.sites]
    key = _sort_key
    return {
        "sites": sorted(sites, key=key),
        "decoys": sorted(decoys, key=key),
        "excluded": sorted(excluded, key=key),
        "stats": {
            **manifest_stats(writer, (scanned_files, scanned_bytes), sites, decoys, excluded, seed),
            "deprecated_modules": [d.module for d in deprecated],
            "long_class_files": sum(s.kind == "long" for s in plan.files),
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path, help="directory to (re)create")
    parser.add_argument("--files", type=int, default=DEFAULT_FILES, help="Python files to scan")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--size-mb", type=float, default=DEFAULT_SIZE_MB, help="target MB")
    parser.add_argument("--force", action="store_true", help="wipe OUT_DIR even if not ours")
    args = parser.parse_args(argv)
    if args.files < 1000:
        parser.error("--files must be at least 1000")
    started = time.perf_counter()
    reset_dir(args.out_dir, args.force)
    manifest = generate(args.out_dir, args.files, args.seed, args.size_mb)
    text = json.dumps(manifest, indent=1) + "\n"
    (args.out_dir / MANIFEST_NAME).write_text(text, encoding="utf-8")
    stats = manifest["stats"]
    assert isinstance(stats, dict)
    print(
        f"generated {stats['files']} scanned files, {stats['bytes'] / MB:.1f} MB in "
        f"{time.perf_counter() - started:.1f}s; {stats['sites']} sites in "
        f"{stats['site_files']} files, {stats['decoys']} decoys, "
        f"{stats['long_class_files']} files of long test classes, "
        f"{len(stats['deprecated_modules'])} deprecated modules"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
