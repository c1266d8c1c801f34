#!/usr/bin/env python3
"""Generate a big, realistic Python source tree with planted deprecated-import sites.

Why this exists: pytest-ssot's import audit must find every place that reaches a deprecated
module path, fast, on trees the size of a real monorepo, without tripping over docstrings,
comments, look-alike module names or vendored code. A real repository can't ship with the
benchmark, so this script builds one: by default 7,600 Python files and about 146 MB of
ordinary-looking modules and tests, with about 300 planted sites in every syntactic form, a
few hundred decoys, excluded folders (``.venv``, ``build``, ``.git``, ``backups``), odd
encodings and a handful of multi-megabyte files. The manifest records the exact line of every
site; ``check_manifest.py`` re-derives the sites with ``ast`` so the generator stays honest.

Usage::

    python benchmarks/generate_tree.py OUT_DIR [--files N] [--seed S] [--size-mb M]

Standalone on purpose (stdlib only, Python 3.9+): the benchmark must not depend on the code
under test. Output is a pure function of the arguments.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ENGINE = "app.agents.supervisor.execution_engine"
CONSOLIDATED = "app.agents.execution_engine_consolidated"
NOTIFIER = "app.services.legacy_notifier"
CANONICAL = "app.agents.supervisor.user_execution_engine"
FACTORY = "app.agents.supervisor.execution_engine_factory"
MANIFEST_NAME = ".ssot-bench-manifest.json"
MB = 1_000_000
MAX_LINES = 1500
MIN_LINES = 50
DEFAULT_FILES = 7600
DEFAULT_SIZE_MB = 146.0
SITES_PER_7600 = 300
DECOYS_PER_7600 = 240
TEST_SHARE = 0.26
# Sizes of the three huge files at the default size; scaled down for smaller trees.
HUGE_SIZES = (4_600_000, 3_400_000, 2_300_000)

PYPROJECT = """\
[project]
name = "bench-app"
version = "0.0.0"
requires-python = ">=3.9"

[tool.ssot.audit]
paths = ["."]
exclude = ["backups/**"]

[tool.ssot.contracts.execution-engine]
canonical = "app.agents.supervisor.user_execution_engine:UserExecutionEngine"
redirects = [
  "app.agents.supervisor.execution_engine:ExecutionEngine",
  "app.agents.execution_engine_consolidated:ExecutionEngine",
]

[tool.ssot.contracts.notifier]
canonical = "app.websocket.notifier:WebSocketNotifier"
redirects = ["app.services.legacy_notifier:WebSocketNotifier"]

[tool.ruff]
# ruff skips .venv, build and .git by default; backups/ is excluded for ssot by config, so
# exclude it for ruff too and both tools scan the same files.
extend-exclude = ["backups"]

[tool.ruff.lint.flake8-tidy-imports.banned-api]
"""
BANNED = {
    ENGINE: "deprecated: use app.agents.supervisor.user_execution_engine",
    CONSOLIDATED: "deprecated",
    NOTIFIER: "deprecated",
}
PYPROJECT += "".join(f'"{module}".msg = "{msg}"\n' for module, msg in BANNED.items())

NOUNS = (
    "order", "user", "account", "invoice", "session", "token", "message", "payload", "record",
    "batch", "cache", "metric", "event", "report", "item", "task", "job", "queue", "channel",
    "config", "request", "response", "profile", "policy", "rule", "ledger", "shipment", "cart",
    "price", "discount", "tenant", "workspace", "document", "snapshot", "checkpoint", "schedule",
    "window", "quota", "limit", "signal", "alert", "trace", "span", "lease", "lock", "route",
    "endpoint", "schema", "column", "query", "result", "chunk", "segment", "vector", "prompt",
    "reply", "thread", "tool", "plan", "step", "budget", "refund", "coupon", "webhook",
)  # fmt: skip
VERBS = (
    "load", "save", "fetch", "build", "compute", "validate", "parse", "render", "resolve",
    "dispatch", "normalize", "merge", "filter", "apply", "update", "refresh", "sync", "emit",
    "publish", "collect", "prune", "rank", "score", "split", "encode", "decode", "serialize",
    "restore", "register", "lookup", "group", "flatten", "summarize", "reconcile", "enqueue",
    "drain", "hydrate", "archive", "expire", "throttle",
)  # fmt: skip
ADJS = (
    "cached", "pending", "active", "stale", "remote", "local", "primary", "secondary", "default",
    "batched", "partial", "final", "raw", "clean", "shared", "scoped", "tenant", "global",
    "nightly", "inbound",
)  # fmt: skip
ROLES = (
    "Service", "Manager", "Repository", "Handler", "Builder", "Resolver", "Client", "Adapter",
    "Registry", "Processor", "Validator", "Serializer", "Scheduler", "Controller", "Gateway",
    "Store", "Pipeline", "Planner",
)  # fmt: skip
SUFFIXES = ("count", "map", "items", "ids", "total", "key", "state", "data", "result", "rows")
EXCEPTIONS = ("ValueError", "KeyError", "TypeError", "RuntimeError", "LookupError", "OSError")
PARAM_TYPES = (
    "int", "str", "float", "bool", "bytes", "list[str]", "dict[str, Any]", "Sequence[int]",
    "Mapping[str, str]", "Optional[str]", "Any",
)  # fmt: skip
SENTENCES = (
    "{Verb} the {adj} {noun} before it reaches the {noun2} store.",
    "Callers rely on this to {verb} {noun} data without touching the {noun2} layer.",
    "The {noun} is {verbed} lazily because the {noun2} backend is slow to answer.",
    "Keep this in sync with the {adj} {noun2} schema.",
    "Returns early when the {noun} has already been {verbed}.",
    "This mirrors the behaviour of the {adj} {noun} path used by the nightly jobs.",
    "{Verb} every {noun} in order so that retries stay idempotent.",
    "The {noun2} limit is enforced upstream; this only guards against bad input.",
    "Used by the {noun} endpoints and by the {adj} {noun2} worker.",
    "Do not call this while holding the {noun} lock.",
)
STDLIB_EXTRAS = (
    "import json",
    "import os",
    "import re",
    "import time",
    "import itertools",
    "import hashlib",
    "import uuid",
    "from collections import defaultdict",
    "from datetime import datetime, timezone",
    "from pathlib import Path",
    "from contextlib import suppress",
)
STDLIB_BASE = (
    "import functools",
    "import logging",
    "from dataclasses import dataclass, field",
    "from enum import Enum",
    "from typing import Any, Mapping, Optional, Sequence",
)
LATIN1_BLOCK = (
    "# Libellés localisés : ce fichier est encodé en latin-1.\n"
    "_LOCALIZED_LABELS = {\n"
    '    "fr": "Réglages généraux",\n'
    '    "de": "Größe und Übersicht",\n'
    '    "es": "Año fiscal",\n'
    '    "da": "Ærøskøbing",\n'
    "}\n"
)
UNICODE_BLOCK = (
    "# Naïve timestamps are rejected upstream → see the ingestion notes.\n"
    '_DISPLAY_ARROW = "→"\n'
    '_CURRENCY_SYMBOLS = ("€", "£", "¥")\n'
)


def past_tense(verb: str) -> str:
    """``dispatch`` -> ``dispatched``; good enough for generated prose."""
    irregular = {"build": "built", "split": "split", "emit": "emitted"}
    if verb in irregular:
        return irregular[verb]
    if verb.endswith("e"):
        return verb + "d"
    if verb.endswith("y"):
        return verb[:-1] + "ied"
    return verb + "ed"


# --------------------------------------------------------------------------------------------
# Snippets and builders: every planted line is recorded while it is appended, so line numbers
# in the manifest are exact by construction.
# --------------------------------------------------------------------------------------------


@dataclass
class Mark:
    """A site or decoy at ``offset`` (0-based) among a snippet's lines."""

    role: str
    offset: int
    info: dict[str, object]


@dataclass
class Snippet:
    """Lines to splice into a file, plus the imports they need and where they may go.

    ``placement`` is one of ``header`` (import block), ``prelude`` (right after the imports),
    ``body`` (between top-level blocks) or ``docstring`` (inside the module docstring).
    """

    placement: str
    needs: tuple[str, ...] = ()
    lines: list[str] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)

    def add(self, *texts: str) -> Snippet:
        """Append plain lines."""
        self.lines.extend(texts)
        return self

    def site(
        self, text: str, deprecated: str, form: str, variant: str, *, type_only: bool = False
    ) -> Snippet:
        """Append a line that is a planted site (the statement's first line or the string's)."""
        info: dict[str, object] = {
            "deprecated": deprecated,
            "form": form,
            "type_only": type_only,
            "variant": variant,
        }
        self.marks.append(Mark("site", len(self.lines), info))
        self.lines.append(text)
        return self

    def decoy(self, text: str, kind: str, needle: str) -> Snippet:
        """Append a line that looks like a site but is not one; ``needle`` must occur in it."""
        if needle not in text:
            raise ValueError(f"decoy needle {needle!r} not in {text!r}")
        self.marks.append(Mark("decoy", len(self.lines), {"kind": kind, "needle": needle}))
        self.lines.append(text)
        return self


class Builder:
    """Accumulates one file's text and the exact lines of its sites and decoys."""

    def __init__(self, rel: str) -> None:
        self.rel = rel
        self.test = rel.startswith("tests/")
        self.chunks: list[str] = []
        self.lines = 0
        self.size = 0
        self.sites: list[dict[str, object]] = []
        self.decoys: list[dict[str, object]] = []

    def add(self, text: str) -> None:
        """Append text made of whole lines; a partial line would shift every later mark."""
        if not text.endswith("\n"):
            raise ValueError(f"{self.rel}: text must end with a newline: {text[-40:]!r}")
        self.chunks.append(text)
        self.lines += text.count("\n")
        self.size += len(text)

    def splice(self, snippet: Snippet) -> None:
        """Append a snippet and record its marks at their absolute 1-based lines."""
        first = self.lines + 1
        for mark in snippet.marks:
            entry: dict[str, object] = {"path": self.rel, "line": first + mark.offset}
            entry.update(mark.info)
            entry["test"] = self.test
            (self.sites if mark.role == "site" else self.decoys).append(entry)
        self.add("\n".join(snippet.lines) + "\n")

    def text(self) -> str:
        """The file's text so far."""
        return "".join(self.chunks)


# --------------------------------------------------------------------------------------------
# Templates: a few thousand pre-generated bodies whose names are substituted per use, so that
# building 146 MB is mostly str.replace and join.
# --------------------------------------------------------------------------------------------


@dataclass
class Templates:
    """Pre-generated code bodies; ``__F__``, ``__C__``, ``__P__``, ``__X__`` are placeholders."""

    functions: list[str]
    methods: list[str]
    class_heads: list[tuple[str, bool]]
    tests: list[str]
    fixtures: list[str]
    constants: list[str]
    function_names: list[str]
    method_names: list[str]
    class_names: list[str]


class TemplateFactory:
    """Builds :class:`Templates` from small statement grammars."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def build(self) -> Templates:
        """Generate every template pool once."""
        return Templates(
            functions=[self.function(method=False) for _ in range(700)],
            methods=[self.function(method=True) for _ in range(900)],
            class_heads=[self.class_head() for _ in range(300)],
            tests=[self.test_function() for _ in range(600)],
            fixtures=[self.fixture() for _ in range(120)],
            constants=[self.constants() for _ in range(250)],
            function_names=self._names(6000, private_share=0.3),
            method_names=self._names(3000, private_share=0.25),
            class_names=[self.class_name() for _ in range(3000)],
        )

    # -- words ---------------------------------------------------------------------------------

    def sentence(self) -> str:
        """A plausible documentation sentence."""
        r = self.rng
        verb = r.choice(VERBS)
        return r.choice(SENTENCES).format(
            Verb=verb.capitalize(),
            verb=verb,
            verbed=past_tense(verb),
            noun=r.choice(NOUNS),
            noun2=r.choice(NOUNS),
            adj=r.choice(ADJS),
        )

    def class_name(self) -> str:
        """``CachedOrderService``-style class names."""
        r = self.rng
        return f"{r.choice(ADJS).capitalize()}{r.choice(NOUNS).capitalize()}{r.choice(ROLES)}"

    def _names(self, count: int, private_share: float) -> list[str]:
        r = self.rng
        names = []
        for _ in range(count):
            name = f"{r.choice(VERBS)}_{r.choice(NOUNS)}"
            if r.random() < 0.4:
                name = f"{name}_{r.choice(SUFFIXES)}"
            names.append(f"_{name}" if r.random() < private_share else name)
        return names

    def local_name(self) -> str:
        """A local variable name."""
        return f"{self.rng.choice(NOUNS)}_{self.rng.choice(SUFFIXES)}"

    # -- expressions and statements ------------------------------------------------------------

    def expr(self, scope: list[str], method: bool) -> str:
        """An expression over names in ``scope``."""
        r = self.rng
        v = r.choice(scope)
        k = r.choice(NOUNS)
        n = r.randint(1, 500)
        options = (
            f"len({v})",
            f"{v} or {r.choice(('None', '0', '[]', '{}', repr('')))}",
            f"sorted({v}, key=str)",
            f'{{"{k}": {v}, "count": {n}}}',
            f"[item for item in {v} if item is not None]",
            f"{{str(key): value for key, value in enumerate({v})}}",
            f"{r.choice(VERBS)}_{k}({v})",
            f"self._{k}" if method else f"_{r.choice(VERBS)}_{k}({v}, limit={n})",
            f'f"{k}-{{{v}}}"',
            f"max(0, {n} - len({v}))",
            f"{v} is not None and {v} != {n}",
            f"str({v}).strip().lower()",
            f'{v}.get("{k}") if isinstance({v}, dict) else None',
            f"tuple({v})",
        )
        return r.choice(options)

    def cond(self, scope: list[str]) -> str:
        """A boolean condition."""
        r = self.rng
        v = r.choice(scope)
        return r.choice(
            (
                f"{v} is None",
                f"not {v}",
                f"len({v}) > {r.randint(1, 64)}",
                f"isinstance({v}, dict)",
                f"{v} and {r.choice(scope)}",
                f'{v} == "{r.choice(NOUNS)}"',
            )
        )

    def statements(
        self, ind: str, scope: list[str], count: int, depth: int, method: bool
    ) -> list[str]:
        """``count`` statements at indentation ``ind``."""
        out: list[str] = []
        for _ in range(count):
            out.extend(self.statement(ind, scope, depth, method))
        return out

    def statement(self, ind: str, scope: list[str], depth: int, method: bool) -> list[str]:
        """One (possibly compound) statement."""
        roll = self.rng.random()
        if depth < 2 and roll < 0.14:
            return self._if_block(ind, scope, depth, method)
        if depth < 2 and roll < 0.25:
            return self._for_block(ind, scope, depth, method)
        if depth < 1 and roll < 0.33:
            return self._try_block(ind, scope, depth, method)
        if depth < 1 and roll < 0.37:
            return self._with_block(ind, scope)
        if roll < 0.44:
            return self._guard(ind, scope)
        if roll < 0.52:
            return [f"{ind}# {self.sentence()}", *self._assign(ind, scope, method)]
        if roll < 0.60:
            return self._log(ind, scope)
        return self._assign(ind, scope, method)

    def _assign(self, ind: str, scope: list[str], method: bool) -> list[str]:
        name = self.local_name()
        line = f"{ind}{name} = {self.expr(scope, method)}"
        scope.append(name)
        return [line]

    def _log(self, ind: str, scope: list[str]) -> list[str]:
        r = self.rng
        v = r.choice(scope)
        return [f'{ind}logger.debug("{r.choice(VERBS)} %d {r.choice(NOUNS)} records", len({v}))']

    def _guard(self, ind: str, scope: list[str]) -> list[str]:
        v = self.rng.choice(scope)
        exc = self.rng.choice(EXCEPTIONS)
        return [f"{ind}if not {v}:", f'{ind}    raise {exc}(f"{v} must not be empty: {{{v}!r}}")']

    def _if_block(self, ind: str, scope: list[str], depth: int, method: bool) -> list[str]:
        r = self.rng
        inner = ind + "    "
        lines = [f"{ind}if {self.cond(scope)}:"]
        lines += self.statements(inner, list(scope), r.randint(1, 3), depth + 1, method)
        if r.random() < 0.4:
            lines.append(f"{ind}else:")
            lines += self.statements(inner, list(scope), r.randint(1, 2), depth + 1, method)
        return lines

    def _for_block(self, ind: str, scope: list[str], depth: int, method: bool) -> list[str]:
        r = self.rng
        acc = f"{r.choice(NOUNS)}_list"
        item = r.choice(NOUNS)
        inner = ind + "    "
        lines = [
            f"{ind}{acc}: list[Any] = []",
            f"{ind}for {item} in {r.choice(scope)}:",
            f"{inner}if {item} is None:",
            f"{inner}    continue",
        ]
        lines += self.statements(inner, [*scope, item], r.randint(1, 2), depth + 1, method)
        lines.append(f"{inner}{acc}.append({item})")
        scope.append(acc)
        return lines

    def _try_block(self, ind: str, scope: list[str], depth: int, method: bool) -> list[str]:
        r = self.rng
        inner = ind + "    "
        lines = [f"{ind}try:"]
        lines += self.statements(inner, list(scope), r.randint(1, 2), depth + 1, method)
        first, second = r.sample(EXCEPTIONS, 2)
        lines.append(f"{ind}except ({first}, {second}) as exc:")
        if r.random() < 0.5:
            lines.append(f'{inner}logger.warning("could not {r.choice(VERBS)} %s", exc)')
            lines.append(f"{inner}return None")
        else:
            lines.append(f'{inner}raise RuntimeError("{r.choice(NOUNS)} unavailable") from exc')
        return lines

    def _with_block(self, ind: str, scope: list[str]) -> list[str]:
        name = self.local_name()
        lines = [
            f'{ind}with open({self.rng.choice(scope)}, encoding="utf-8") as handle:',
            f"{ind}    {name} = handle.read()",
        ]
        scope.append(name)
        return lines

    # -- whole templates -----------------------------------------------------------------------

    def params(self, count: int) -> list[tuple[str, str]]:
        """Distinct ``(name, type)`` parameters."""
        names: list[str] = []
        while len(names) < count:
            name = self.local_name()
            if name not in names:
                names.append(name)
        return [(name, self.rng.choice(PARAM_TYPES)) for name in names]

    def docstring(self, ind: str, params: list[tuple[str, str]]) -> list[str]:
        """A Google-style docstring, or a one-liner, or nothing."""
        r = self.rng
        roll = r.random()
        if roll < 0.2:
            return []
        if roll < 0.5:
            return [f'{ind}"""{self.sentence()}"""']
        lines = [f'{ind}"""{self.sentence()}', "", f"{ind}{self.sentence()}"]
        lines += [f"{ind}{self.sentence()}" for _ in range(r.randint(0, 2))]
        if params:
            lines += ["", f"{ind}Args:"]
            lines += [f"{ind}    {name}: {self.sentence()}" for name, _ in params]
        if r.random() < 0.5:
            lines += ["", f"{ind}Returns:", f"{ind}    {self.sentence()}"]
        lines.append(f'{ind}"""')
        return lines

    def function(self, method: bool) -> str:
        """A function (or method, indented one level) named ``__F__``."""
        r = self.rng
        ind = "    " if method else ""
        body_ind = ind + "    "
        params = self.params(r.randint(0, 4))
        sig = ", ".join(f"{name}: {kind}" for name, kind in params)
        if method:
            sig = f"self, {sig}" if sig else "self"
        lines = []
        if method and not params and r.random() < 0.3:
            lines.append(f"{ind}@property")
        elif not method and r.random() < 0.05:
            lines.append(f"{ind}@functools.lru_cache(maxsize={r.choice((32, 128, 1024))})")
        returns = r.choice(("Any", "Optional[str]", "int"))
        # Wrap like a formatter would, assuming a typical 20-character name.
        if len(ind) + len(sig) + len(returns) + 30 > 100:
            lines += [f"{ind}def __F__(", f"{ind}    {sig}", f"{ind}) -> {returns}:"]
        else:
            lines.append(f"{ind}def __F__({sig}) -> {returns}:")
        lines += self.docstring(body_ind, params)
        scope = [name for name, _ in params]
        if not scope:
            seed = self.local_name()
            lines.append(f"{body_ind}{seed}: list[Any] = []")
            scope.append(seed)
        lines += self.statements(body_ind, scope, r.randint(2, 9), 0, method)
        lines.append(f"{body_ind}return {r.choice(scope)}")
        return "\n".join(lines) + "\n"

    def class_head(self) -> tuple[str, bool]:
        """A class named ``__C__`` up to its methods; the flag says whether methods may follow."""
        roll = self.rng.random()
        if roll < 0.15:
            return self._dataclass_head(), True
        if roll < 0.27:
            return self._enum_head(), False
        return self._plain_head(), True

    def _class_doc(self) -> list[str]:
        return [f'    """{self.sentence()}', "", f"    {self.sentence()}", '    """', ""]

    def _plain_head(self) -> str:
        r = self.rng
        params = self.params(r.randint(1, 4))
        sig = ", ".join(f"{name}: {kind}" for name, kind in params)
        lines = ["class __C__:", *self._class_doc()]
        lines.append(f"    default_{r.choice(NOUNS)}_limit: int = {r.randint(1, 1000)}")
        lines += ["", f"    def __init__(self, {sig}) -> None:"]
        lines += [f"        self._{name} = {name}" for name, _ in params]
        lines.append("        self._cache: dict[str, Any] = {}")
        return "\n".join(lines) + "\n"

    def _dataclass_head(self) -> str:
        lines = ["@dataclass", "class __C__:", *self._class_doc()]
        for name, kind in self.params(self.rng.randint(2, 6)):
            lines.append(f"    {name}: {kind}")
        lines.append("    tags: list[str] = field(default_factory=list)")
        return "\n".join(lines) + "\n"

    def _enum_head(self) -> str:
        members = self.rng.sample(ADJS, self.rng.randint(3, 8))
        lines = ["class __C__(str, Enum):", *self._class_doc()]
        lines += [f'    {name.upper()} = "{name}"' for name in members]
        return "\n".join(lines) + "\n"

    def test_function(self) -> str:
        """A test of fixture ``__X__`` (an instance of ``__P__``) named ``test___F__``."""
        r = self.rng
        lines = []
        params = "__X__: __P__"
        if r.random() < 0.3:
            cases = ", ".join(f"({r.randint(0, 99)}, {r.randint(0, 99)})" for _ in range(4))
            lines += ['@pytest.mark.parametrize(("value", "expected"), [' + cases + "])"]
            params += ", value: int, expected: int"
        lines.append(f"def test___F__({params}) -> None:")
        if r.random() < 0.5:
            lines.append(f'    """{self.sentence()}"""')
        scope = ["__X__"]
        lines += self.statements("    ", scope, r.randint(1, 6), 1, method=False)
        lines += self._asserts(scope)
        return "\n".join(lines) + "\n"

    def _asserts(self, scope: list[str]) -> list[str]:
        r = self.rng
        out = []
        for _ in range(r.randint(1, 3)):
            v = r.choice(scope)
            out.append(
                r.choice(
                    (
                        f"    assert {v} is not None",
                        f"    assert len({v}) >= 0",
                        f'    assert {v} != "{r.choice(NOUNS)}"',
                        f"    assert isinstance({v}, object)",
                    )
                )
            )
        if r.random() < 0.2:
            out += ["    with pytest.raises(ValueError):", f"        __X__.{r.choice(VERBS)}(None)"]
        return out

    def fixture(self) -> str:
        """A pytest fixture named ``__F__``."""
        r = self.rng
        lines = ["@pytest.fixture", "def __F__(tmp_path: Any) -> dict[str, Any]:"]
        lines.append(f'    """{self.sentence()}"""')
        scope = ["tmp_path"]
        lines += self.statements("    ", scope, r.randint(1, 4), 1, method=False)
        lines.append(f'    return {{"{r.choice(NOUNS)}": {r.choice(scope)}}}')
        return "\n".join(lines) + "\n"

    def constants(self) -> str:
        """A block of module-level constants."""
        r = self.rng
        noun = r.choice(NOUNS).upper()
        lines = [
            f"DEFAULT_{noun}_TIMEOUT = {r.choice((5, 10, 30, 60, 120))}",
            f"_MAX_{noun}_BATCH = {r.randint(10, 5000)}",
        ]
        fields = ", ".join(f'"{name}"' for name in r.sample(NOUNS, r.randint(2, 6)))
        lines.append(f"_{noun}_FIELDS = ({fields})")
        if r.random() < 0.5:
            lines.append(f"_{noun}_DEFAULTS: dict[str, Any] = {{")
            lines += [f'    "{name}": {r.randint(0, 99)},' for name in r.sample(NOUNS, 4)]
            lines.append("}")
        return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# The plan: which files exist, how big they are and what is planted where.
# --------------------------------------------------------------------------------------------


@dataclass
class FileSpec:
    """One file to generate. ``kind`` selects the builder; the rest steers its content."""

    rel: str
    kind: str
    target: int = 0
    primary: str = ""
    subject: str = ""
    subject_class: str = ""
    variants: list[str] = field(default_factory=list)
    decoys: list[str] = field(default_factory=list)
    encoding: str = "utf-8"
    bom: bool = False
    crlf: bool = False
    unicode: bool = False
    project_imports: bool = True
    max_lines: int = MAX_LINES
    late_fraction: float = 0.0

    @property
    def package(self) -> str:
        """Dotted name of the containing package (what ``.`` means in a relative import)."""
        return self.rel.rsplit("/", 1)[0].replace("/", ".")

    @property
    def module(self) -> str:
        """Dotted module name."""
        return self.rel[:-3].replace("/", ".").removesuffix(".__init__")


BlockMaker = Callable[[FileSpec, bool], str]


@dataclass
class Plan:
    """Every file of the scanned tree plus the pools sites are drawn from."""

    files: list[FileSpec] = field(default_factory=list)
    by_package: dict[str, list[FileSpec]] = field(default_factory=dict)
    app_modules: list[FileSpec] = field(default_factory=list)
    test_modules: list[FileSpec] = field(default_factory=list)
    pools: dict[str, list[FileSpec]] = field(default_factory=dict)

    def add(self, spec: FileSpec) -> FileSpec:
        """Register a file; generic modules also become import targets."""
        self.files.append(spec)
        if spec.kind == "module" and not spec.rel.endswith("__init__.py"):
            self.by_package.setdefault(spec.package, []).append(spec)
            if spec.rel.startswith("app/"):
                self.app_modules.append(spec)
        if spec.kind == "test":
            self.test_modules.append(spec)
        return spec


def add_package(plan: Plan, rel_dir: str) -> None:
    """Add ``rel_dir/__init__.py`` (a regular package)."""
    plan.add(FileSpec(f"{rel_dir}/__init__.py", "init"))


def plan_fixed(plan: Plan, rng: random.Random) -> None:
    """The hand-written part of ``app/``: agents, services, websocket, core, api, data."""
    fixed = {
        "app": "app_init",
        "app/agents": "init",
        "app/agents/supervisor": "init",
        "app/agents/supervisor/sub": "init",
        "app/services": "init",
        "app/websocket": "init",
        "app/core": "init",
        "app/api": "init",
        "app/api/generated": "init",
        "app/data": "init",
    }
    for rel_dir, kind in fixed.items():
        plan.add(FileSpec(f"{rel_dir}/__init__.py", kind))
    plan.add(FileSpec("app/agents/tools/__init__.py", "module", target=1800))
    for rel, kind in (
        ("app/agents/supervisor/user_execution_engine.py", "canonical"),
        ("app/agents/supervisor/execution_engine.py", "redirect_engine"),
        ("app/agents/supervisor/execution_engine_factory.py", "factory"),
        ("app/agents/execution_engine_consolidated.py", "redirect_consolidated"),
        ("app/websocket/notifier.py", "notifier"),
        ("app/services/legacy_notifier.py", "legacy_notifier"),
        ("app/data/lookup_tables.py", "huge_table"),
    ):
        plan.add(FileSpec(rel, kind))
    named = {
        "app/agents/supervisor": "planner router state_machine dispatcher context policies hooks"
        " telemetry",
        "app/agents/supervisor/sub": "delegation handoff retry scoring",
        "app/agents/tools": "search_tool calculator browser code_runner registry formatting",
        "app/agents": "base_agent triage_agent data_agent memory",
        "app/websocket": "manager protocol events",
        "app/core": "config database security cache_backend middleware",
        "app/api": "routes_users routes_orders routes_admin dependencies",
    }
    for rel_dir, modules in named.items():
        for module in modules.split():
            plan.add(FileSpec(f"{rel_dir}/{module}.py", "module", primary=class_for(rng)))
    huge = FileSpec("app/api/generated/openapi_models.py", "module", primary="OpenApiModel")
    huge.max_lines, huge.late_fraction = 10**9, 0.93
    plan.add(huge)


def class_for(rng: random.Random) -> str:
    """A primary class name for a module."""
    return f"{rng.choice(ADJS).capitalize()}{rng.choice(NOUNS).capitalize()}{rng.choice(ROLES)}"


def plan_domains(plan: Plan, rng: random.Random, budget: int) -> None:
    """Fill ``app/`` with generated packages until ``budget`` files exist."""
    packages = _domain_packages(rng, budget)
    for rel_dir in packages:
        add_package(plan, rel_dir)
    remaining = budget - len(packages)
    if remaining < len(packages):
        raise SystemExit("--files is too small for the generated package layout")
    weights = [0.25 if rel.count("/") == 1 else rng.uniform(0.5, 1.5) for rel in packages]
    counts = _apportion(rng, remaining, weights)
    serial = 0
    for rel_dir, count in zip(packages, counts):
        named = rel_dir.startswith("app/services/")
        for index in range(count):
            name = f"{rng.choice(NOUNS)}_{rng.choice(ROLES).lower()}_{index}" if named else ""
            name = name or f"module_{serial % 1000:03d}"
            serial += 1
            plan.add(FileSpec(f"{rel_dir}/{name}.py", "module", primary=class_for(rng)))


def _domain_packages(rng: random.Random, budget: int) -> list[str]:
    """Package directories: named services plus ``domain_NNN/feature_MMM[/sub_KK]``."""
    wanted = max(4, budget // 24)
    packages = [f"app/services/{name}" for name in ("billing", "auth", "search", "messaging")]
    domain = 0
    while len(packages) < wanted:
        root = f"app/domain_{domain:03d}"
        packages.append(root)
        for feature in range(rng.randint(3, 8)):
            packages.append(f"{root}/feature_{feature:03d}")
            if rng.random() < 0.3:
                packages.append(f"{root}/feature_{feature:03d}/sub_{rng.randint(0, 9):02d}")
        domain += 1
    return packages


def _apportion(rng: random.Random, total: int, weights: list[float]) -> list[int]:
    """Split ``total`` into integer shares proportional to ``weights`` (at least 1 each)."""
    spare = total - len(weights)
    scale = spare / sum(weights)
    counts = [1 + int(weight * scale) for weight in weights]
    for _ in range(total - sum(counts)):
        counts[rng.randrange(len(counts))] += 1
    return counts


def plan_tests(plan: Plan, rng: random.Random, budget: int) -> None:
    """``tests/`` mirrors a sample of app packages; ``budget`` is its file count."""
    made = ["tests", "tests/agents", "tests/agents/supervisor", "tests/websocket", "tests/golden"]
    for rel_dir in made:
        add_package(plan, rel_dir)
    plan.add(FileSpec("tests/conftest.py", "conftest", target=4000))
    plan.add(FileSpec("tests/golden/test_golden_cases.py", "huge_golden"))
    compat = "tests/agents/supervisor/test_execution_engine_compat.py"
    plan.add(_test_spec(compat, plan.by_package["app.agents.supervisor"][0]))
    plan.add(_test_spec("tests/websocket/test_notifier.py", plan.by_package["app.websocket"][0]))
    used = len(made) + 4
    packages = sorted(plan.by_package)
    rng.shuffle(packages)
    leaves: list[tuple[str, str]] = []
    for package in packages:
        if used >= budget * 0.12:
            break
        rel_dir = "tests/" + "/".join(package.split(".")[1:])
        for parent in _parents(rel_dir):
            if parent in made:
                continue
            made.append(parent)
            add_package(plan, parent)
            used += 1
            if rng.random() < 0.25:
                plan.add(FileSpec(f"{parent}/conftest.py", "conftest", target=3000))
                used += 1
        leaves.append((rel_dir, package))
    _plan_test_modules(plan, rng, leaves, budget - used)


def _parents(rel_dir: str) -> list[str]:
    """``tests/a/b`` -> ``["tests", "tests/a", "tests/a/b"]``."""
    parts = rel_dir.split("/")
    return ["/".join(parts[: index + 1]) for index in range(len(parts))]


def _plan_test_modules(
    plan: Plan, rng: random.Random, leaves: list[tuple[str, str]], count: int
) -> None:
    """Test modules named after the app modules they test, spread over the mirrored packages."""
    taken: set[str] = set()
    for index in range(count):
        rel_dir, package = leaves[index % len(leaves)]
        subject = rng.choice(plan.by_package[package])
        stem = subject.rel.rsplit("/", 1)[1][:-3]
        rel = f"{rel_dir}/test_{stem}.py"
        if rel in taken:
            rel = f"{rel_dir}/test_{stem}_{rng.choice(VERBS)}_{index}.py"
        taken.add(rel)
        plan.add(_test_spec(rel, subject))


def _test_spec(rel: str, subject: FileSpec) -> FileSpec:
    """A test module exercising ``subject``'s primary class."""
    return FileSpec(rel, "test", subject=subject.module, subject_class=subject.primary)


def assign_sizes(plan: Plan, rng: random.Random, total: int, huge: tuple[int, ...]) -> None:
    """Give generic files lognormal byte targets that add up to about ``total``."""
    huge_specs = [s for s in plan.files if s.max_lines > MAX_LINES or s.kind.startswith("huge_")]
    for spec, size in zip(huge_specs, huge):
        spec.target = size
    generic = [spec for spec in plan.files if spec.kind in ("module", "test") and not spec.target]
    small = sum(spec.target for spec in plan.files if spec.target)
    small += 250 * sum(1 for spec in plan.files if spec.kind == "init")
    # Generated files overshoot their targets by about 1.5% (headers, whole final blocks).
    budget = max(len(generic) * 2_000, int((total - small) / 1.015))
    raw = [rng.lognormvariate(0.0, 0.7) for _ in generic]
    for _ in range(4):
        scale = budget / sum(raw)
        raw = [min(max(value * scale, 2_200.0), 54_000.0) for value in raw]
    for spec, value in zip(generic, raw):
        spec.target = int(value)


def pick_special_formats(plan: Plan, rng: random.Random) -> dict[str, FileSpec]:
    """Choose the latin-1, BOM, CRLF and non-ASCII UTF-8 files."""
    modules = [spec for spec in plan.app_modules if spec.max_lines == MAX_LINES]
    chosen = rng.sample(modules, 4)
    roles = dict(zip(("latin1_host", "latin1_plain", "bom", "crlf"), chosen))
    roles["latin1_test"] = rng.choice(plan.test_modules)
    for key in ("latin1_host", "latin1_plain", "latin1_test"):
        roles[key].encoding = "latin-1"
    roles["bom"].bom = True
    roles["crlf"].crlf = True
    special = {id(spec) for spec in roles.values()}
    for spec in plan.app_modules + plan.test_modules:
        if id(spec) not in special and rng.random() < 0.03:
            spec.unicode = True
    return roles


def make_plan(rng: random.Random, n_files: int, total_bytes: int) -> Plan:
    """Lay out the scanned tree: exactly ``n_files`` Python files under app/ and tests/."""
    plan = Plan()
    plan_fixed(plan, rng)
    n_tests = round(n_files * TEST_SHARE)
    plan_domains(plan, rng, n_files - n_tests - len(plan.files))
    plan_tests(plan, rng, n_tests)
    scale = min(1.0, total_bytes / (DEFAULT_SIZE_MB * MB))
    assign_sizes(plan, rng, total_bytes, tuple(int(size * scale) for size in HUGE_SIZES))
    plan.pools = {
        "app": [s for s in plan.app_modules if s.max_lines == MAX_LINES],
        "test": plan.test_modules,
        "supervisor": plan.by_package["app.agents.supervisor"],
        "tools": [*plan.by_package["app.agents.tools"]],
        "sub": plan.by_package["app.agents.supervisor.sub"],
    }
    plan.pools["tools"].append(
        next(s for s in plan.files if s.rel.startswith("app/agents/tools/__"))
    )
    return plan


# --------------------------------------------------------------------------------------------
# Planted sites and decoys. Each method returns one snippet; the registries below say where a
# variant may go and how often it is drawn.
# --------------------------------------------------------------------------------------------

# variant -> (where, weight). ``where``: app, test, any (app or test) or a special pool.
VARIANTS: dict[str, tuple[str, float]] = {
    "import-plain": ("any", 3.0),
    "import-as": ("any", 2.0),
    "import-multi": ("any", 0.5),
    "from-import": ("any", 6.0),
    "from-import-as": ("any", 3.0),
    "from-import-backslash": ("app", 0.5),
    "from-package-module": ("any", 3.0),
    "from-package-parenthesized": ("any", 2.0),
    "function-local": ("any", 3.0),
    "method-local": ("app", 1.0),
    "try-import": ("any", 1.5),
    "try-except-fallback": ("any", 1.5),
    "type-checking": ("any", 2.0),
    "type-checking-import": ("any", 0.5),
    "importlib": ("app", 2.0),
    "dunder-import": ("app", 1.0),
    "lazy-table": ("app", 1.5),
    "object-ref-list": ("app", 1.0),
    "mock-patch-with": ("test", 3.0),
    "mock-patch-decorator": ("test", 3.0),
    "patch-with": ("test", 2.0),
    "patch-decorator": ("test", 2.0),
    "mocker-patch": ("test", 1.0),
    "importorskip": ("test", 1.5),
    "monkeypatch-setattr": ("test", 2.5),
    "notifier-from-import": ("any", 0.0),
}
# Relative forms only make sense inside particular packages: (variant, pool, count).
RELATIVE_SITES = (
    ("relative-dot-module", "supervisor", 4),
    ("relative-dot-package", "supervisor", 2),
    ("relative-parent-module", "tools", 2),
    ("relative-parent-package", "tools", 3),
    ("relative-sub-parent-module", "sub", 3),
)
DECOYS: dict[str, str] = {
    "module-docstring-mention": "any",
    "module-docstring-import-line": "any",
    "function-docstring-import-line": "any",
    "class-docstring-and-attribute": "any",
    "comment-mention": "any",
    "comment-import": "any",
    "log-message": "any",
    "f-string": "any",
    "prose-string": "any",
    "path-string": "any",
    "prefix-string": "any",
    "local-variable": "any",
    "canonical-string": "any",
    "prefix-import": "any",
    "prefix-from-package": "any",
    "prefix-from-module": "any",
    "prefix-name-from-factory": "any",
    "canonical-import": "any",
    "canonical-package-import": "any",
    "canonical-notifier-import": "any",
    "parent-package-import": "any",
    "relative-canonical": "supervisor",
    "relative-prefix": "supervisor",
    "canonical-patch": "test",
    "patch-object-attr": "test",
}
MOCK = "from unittest import mock"
PATCH = "from unittest.mock import patch"


class Planter:
    """Makes the snippets for planted sites (``v_*``) and decoys (``d_*``).

    Method names follow the registry keys (``from-import`` -> ``v_from_import``), so adding a
    form is one method plus one registry line. Each site line is marked while it is appended;
    for multi-line statements the mark sits on the statement's first line, which is the line
    ``ast`` reports (ruff reports the alias line of a parenthesized import instead).
    """

    def __init__(self, rng: random.Random, plan: Plan) -> None:
        self.rng = rng
        self.plan = plan
        self.serial = 0

    def site(self, variant: str) -> Snippet:
        """The snippet for one planted site."""
        snippet: Snippet = getattr(self, "v_" + variant.replace("-", "_"))()
        return snippet

    def decoy(self, kind: str) -> Snippet:
        """The snippet for one decoy."""
        snippet: Snippet = getattr(self, "d_" + kind.replace("-", "_"))()
        return snippet

    def uid(self) -> int:
        """A number that keeps generated helper names unique."""
        self.serial += 1
        return self.serial

    def engine(self) -> str:
        """Most sites use the supervisor path, the rest the consolidated one."""
        return ENGINE if self.rng.random() < 0.7 else CONSOLIDATED

    # -- import statements ---------------------------------------------------------------------

    def v_import_plain(self) -> Snippet:
        dep = self.engine()
        return Snippet("header").site(f"import {dep}", dep, "import", "import-plain")

    def v_import_as(self) -> Snippet:
        dep = self.engine()
        alias = self.rng.choice(("legacy", "legacy_engine", "old_engine"))
        return Snippet("header").site(f"import {dep} as {alias}", dep, "import", "import-as")

    def v_import_multi(self) -> Snippet:
        dep = self.engine()
        return Snippet("header").site(f"import json, {dep}", dep, "import", "import-multi")

    def v_from_import(self) -> Snippet:
        dep = self.engine()
        text = f"from {dep} import ExecutionEngine"
        return Snippet("header").site(text, dep, "from-import", "from-import")

    def v_from_import_as(self) -> Snippet:
        dep = self.engine()
        text = f"from {dep} import ExecutionEngine as Engine"
        return Snippet("header").site(text, dep, "from-import", "from-import-as")

    def v_from_import_backslash(self) -> Snippet:
        dep = self.engine()
        snippet = Snippet("header").site(
            f"from {dep} import \\", dep, "from-import", "from-import-backslash"
        )
        return snippet.add("    ExecutionEngine")

    def v_from_package_module(self) -> Snippet:
        if self.rng.random() < 0.7:
            text, dep = "from app.agents.supervisor import execution_engine", ENGINE
        else:
            text, dep = "from app.agents import execution_engine_consolidated", CONSOLIDATED
        return Snippet("header").site(text, dep, "from-import", "from-package-module")

    def v_from_package_parenthesized(self) -> Snippet:
        snippet = Snippet("header").site(
            "from app.agents.supervisor import (",
            ENGINE,
            "from-import",
            "from-package-parenthesized",
        )
        names = ["    user_execution_engine,", "    execution_engine,"]
        if self.rng.random() < 0.5:
            names.reverse()
        return snippet.add(*names, ")")

    def v_notifier_from_import(self) -> Snippet:
        text = f"from {NOTIFIER} import WebSocketNotifier"
        return Snippet("header").site(text, NOTIFIER, "from-import", "notifier-from-import")

    def _relative(self, text: str, dep: str, variant: str) -> Snippet:
        return Snippet("header").site(text, dep, "relative-import", variant)

    def v_relative_dot_module(self) -> Snippet:
        text = "from .execution_engine import ExecutionEngine"
        return self._relative(text, ENGINE, "relative-dot-module")

    def v_relative_dot_package(self) -> Snippet:
        return self._relative("from . import execution_engine", ENGINE, "relative-dot-package")

    def v_relative_parent_module(self) -> Snippet:
        text = "from ..execution_engine_consolidated import ExecutionEngine"
        return self._relative(text, CONSOLIDATED, "relative-parent-module")

    def v_relative_parent_package(self) -> Snippet:
        text = "from .. import execution_engine_consolidated"
        return self._relative(text, CONSOLIDATED, "relative-parent-package")

    def v_relative_sub_parent_module(self) -> Snippet:
        text = "from ..execution_engine import ExecutionEngine"
        return self._relative(text, ENGINE, "relative-sub-parent-module")

    # -- imports in nested scopes --------------------------------------------------------------

    def v_function_local(self) -> Snippet:
        dep = self.engine()
        snippet = Snippet("body").add(
            f"def _legacy_engine_class_{self.uid()}() -> type:",
            '    """Import late: the legacy module pulls in the whole agent stack."""',
        )
        snippet.site(f"    from {dep} import ExecutionEngine", dep, "from-import", "function-local")
        return snippet.add("", "    return ExecutionEngine")

    def v_method_local(self) -> Snippet:
        dep = self.engine()
        snippet = Snippet("body").add(
            f"class LegacyBridge{self.uid()}:",
            '    """Hands old callers the engine class during the migration window."""',
            "",
            "    def engine_class(self) -> type:",
        )
        snippet.site(f"        import {dep} as legacy_module", dep, "import", "method-local")
        return snippet.add("", "        return legacy_module.ExecutionEngine")

    def v_try_import(self) -> Snippet:
        dep = self.engine()
        snippet = Snippet("prelude").add("try:")
        snippet.site(f"    from {dep} import ExecutionEngine", dep, "from-import", "try-import")
        return snippet.add(
            "except ImportError:  # pragma: no cover - slim builds drop the legacy module",
            "    ExecutionEngine = None",
        )

    def v_try_except_fallback(self) -> Snippet:
        """The compat idiom: canonical first, deprecated path as the ImportError fallback."""
        dep = self.engine()
        snippet = Snippet("prelude").add("try:")
        snippet.decoy(
            f"    from {CANONICAL} import UserExecutionEngine as EngineImpl",
            "canonical-import",
            "user_execution_engine",
        )
        snippet.add("except ImportError:  # pragma: no cover - deployments before the move")
        text = f"    from {dep} import ExecutionEngine as EngineImpl"
        return snippet.site(text, dep, "from-import", "try-except-fallback")

    def v_type_checking(self) -> Snippet:
        dep = self.engine()
        snippet = Snippet("prelude", ("from typing import TYPE_CHECKING",)).add("if TYPE_CHECKING:")
        text = f"    from {dep} import ExecutionEngine"
        return snippet.site(text, dep, "from-import", "type-checking", type_only=True)

    def v_type_checking_import(self) -> Snippet:
        dep = self.engine()
        snippet = Snippet("prelude", ("from typing import TYPE_CHECKING",)).add("if TYPE_CHECKING:")
        return snippet.site(
            f"    import {dep}", dep, "import", "type-checking-import", type_only=True
        )

    # -- strings in production code ------------------------------------------------------------

    def v_importlib(self) -> Snippet:
        dep = self.engine()
        snippet = Snippet("body", ("import importlib",)).add(
            f"def _load_engine_module_{self.uid()}() -> Any:",
            '    """Resolve the engine module at call time so plugins can swap it."""',
        )
        text = f'    return importlib.import_module("{dep}")'
        return snippet.site(text, dep, "string", "importlib")

    def v_dunder_import(self) -> Snippet:
        dep = self.engine()
        snippet = Snippet("body").add(f"def _legacy_package_{self.uid()}() -> Any:")
        text = f'    return __import__("{dep}", fromlist=["ExecutionEngine"])'
        return snippet.site(text, dep, "string", "dunder-import")

    def v_lazy_table(self) -> Snippet:
        dep = self.engine()
        other = self.rng.choice(self.plan.app_modules).module
        n = self.uid()
        snippet = Snippet("body", ("import importlib",)).add(f"_LAZY_IMPORTS_{n} = {{")
        snippet.site(f'    "Engine": "{dep}",', dep, "string", "lazy-table")
        snippet.decoy(
            f'    "EngineFactory": "{FACTORY}",', "prefix-string", "execution_engine_factory"
        )
        return snippet.add(
            f'    "Other": "{other}",',
            "}",
            "",
            "",
            f"def _lazy_attribute_{n}(name: str) -> Any:",
            f"    return getattr(importlib.import_module(_LAZY_IMPORTS_{n}[name]), name)",
        )

    def v_object_ref_list(self) -> Snippet:
        dep = self.engine()
        snippet = Snippet("body").add(f"ENGINE_PLUGINS_{self.uid()}: list[str] = [")
        snippet.decoy(
            f'    "{CANONICAL}:UserExecutionEngine",', "canonical-string", "user_execution_engine"
        )
        snippet.site(f'    "{dep}:ExecutionEngine",', dep, "string", "object-ref-list")
        return snippet.add("]")

    # -- strings in tests ----------------------------------------------------------------------

    def _test_head(self, needs: tuple[str, ...], *lines: str) -> Snippet:
        return Snippet("body", needs).add(*lines)

    def v_mock_patch_with(self) -> Snippet:
        dep = self.engine()
        snippet = self._test_head(
            (MOCK,), f"def test_delegates_to_legacy_engine_{self.uid()}() -> None:"
        )
        text = f'    with mock.patch("{dep}.ExecutionEngine.execute") as fake_execute:'
        snippet.site(text, dep, "string", "mock-patch-with")
        return snippet.add(
            '        fake_execute.return_value = {"status": "ok"}',
            '        assert fake_execute() == {"status": "ok"}',
        )

    def v_mock_patch_decorator(self) -> Snippet:
        dep = self.engine()
        snippet = Snippet("body", (MOCK,))
        snippet.site(
            f'@mock.patch("{dep}.ExecutionEngine.run")', dep, "string", "mock-patch-decorator"
        )
        return snippet.add(
            f"def test_runs_through_patched_engine_{self.uid()}(fake_run: mock.MagicMock) -> None:",
            "    fake_run.return_value = None",
            "    assert fake_run() is None",
        )

    def v_patch_with(self) -> Snippet:
        dep = self.engine()
        snippet = self._test_head((PATCH,), f"def test_engine_is_patched_{self.uid()}() -> None:")
        snippet.site(
            f'    with patch("{dep}.ExecutionEngine") as engine_cls:', dep, "string", "patch-with"
        )
        return snippet.add("        assert engine_cls is not None")

    def v_patch_decorator(self) -> Snippet:
        dep = self.engine()
        snippet = Snippet("body", (PATCH, "from typing import Any"))
        snippet.site(f'@patch("{dep}.ExecutionEngine.execute")', dep, "string", "patch-decorator")
        return snippet.add(
            f"def test_execute_is_stubbed_{self.uid()}(fake_execute: Any) -> None:",
            "    assert fake_execute is not None",
        )

    def v_mocker_patch(self) -> Snippet:
        dep = self.engine()
        snippet = self._test_head(
            ("from typing import Any",), f"def test_mocker_stub_{self.uid()}(mocker: Any) -> None:"
        )
        text = f'    fake = mocker.patch("{dep}.ExecutionEngine.execute", return_value=3)'
        snippet.site(text, dep, "string", "mocker-patch")
        return snippet.add("    assert fake() == 3")

    def v_importorskip(self) -> Snippet:
        dep, name = (NOTIFIER, "WebSocketNotifier")
        if self.rng.random() < 0.4:
            dep, name = ENGINE, "ExecutionEngine"
        snippet = self._test_head((), f"def test_legacy_path_importable_{self.uid()}() -> None:")
        snippet.site(f'    legacy = pytest.importorskip("{dep}")', dep, "string", "importorskip")
        return snippet.add(f'    assert hasattr(legacy, "{name}")')

    def v_monkeypatch_setattr(self) -> Snippet:
        dep = self.engine()
        snippet = self._test_head(
            ("from typing import Any",),
            f"def test_engine_run_replaced_{self.uid()}(monkeypatch: pytest.MonkeyPatch) -> None:",
            "    def fake_run(*args: Any, **kwargs: Any) -> str:",
            '        return "done"',
            "",
        )
        text = f'    monkeypatch.setattr("{dep}.ExecutionEngine.run", fake_run)'
        snippet.site(text, dep, "string", "monkeypatch-setattr")
        return snippet.add('    assert fake_run() == "done"')

    def v_monkeypatch_fixture(self) -> Snippet:
        """A conftest fixture whose target string sits on its own line inside the call."""
        snippet = self._test_head(
            (),
            "@pytest.fixture",
            "def legacy_engine_stub(monkeypatch: pytest.MonkeyPatch) -> None:",
            '    """Neutralise the legacy engine for tests that still import old call sites."""',
            "    monkeypatch.setattr(",
        )
        text = f'        "{ENGINE}.ExecutionEngine.execute",'
        snippet.site(text, ENGINE, "string", "monkeypatch-fixture")
        return snippet.add("        lambda *args, **kwargs: None,", "    )")

    # -- decoys --------------------------------------------------------------------------------

    def d_module_docstring_mention(self) -> Snippet:
        return Snippet("docstring").decoy(
            f"Historically this code sat next to {ENGINE}; it no longer does.",
            "docstring-mention",
            ENGINE,
        )

    def d_module_docstring_import_line(self) -> Snippet:
        snippet = Snippet("docstring").add("Old call sites looked like this::", "")
        text = f"from {ENGINE} import ExecutionEngine"
        return snippet.decoy(text, "docstring-import-line", text).add("")

    def d_function_docstring_import_line(self) -> Snippet:
        snippet = Snippet("body").add(
            f"def describe_engine_migration_{self.uid()}() -> str:",
            '    """Return the migration hint shown by the CLI.',
            "",
            "    Before the move, callers wrote:",
            "",
        )
        text = f"        from {ENGINE} import ExecutionEngine"
        snippet.decoy(text, "docstring-import-line", text.strip())
        return snippet.add('    """', '    return "see docs/migration.md"')

    def d_class_docstring_and_attribute(self) -> Snippet:
        snippet = Snippet("body").add(f"class EngineHolder{self.uid()}:")
        snippet.decoy(
            f'    """Replaces the module-level singleton of {CONSOLIDATED}."""',
            "docstring-mention",
            CONSOLIDATED,
        )
        snippet.add("", "    def __init__(self, engine: object) -> None:")
        snippet.decoy("        self.execution_engine = engine", "attribute", "execution_engine")
        return snippet.add(
            "",
            "    def run(self) -> object:",
            "        return self.execution_engine",
        )

    def d_comment_mention(self) -> Snippet:
        snippet = Snippet("body")
        text = f"# TODO(platform): drop the shim once nothing imports {CONSOLIDATED}."
        snippet.decoy(text, "comment-mention", CONSOLIDATED)
        return snippet.add(f'_MIGRATION_TICKET_{self.uid()} = "PLAT-{self.rng.randint(100, 999)}"')

    def d_comment_import(self) -> Snippet:
        snippet = Snippet("body").add("# Kept for reference until the migration lands:")
        text = f"# from {ENGINE} import ExecutionEngine"
        snippet.decoy(text, "comment-import", ENGINE)
        snippet.decoy(f"#import {CONSOLIDATED}", "comment-import", CONSOLIDATED)
        return snippet.add(f"_MIGRATION_DONE_{self.uid()} = False")

    def d_log_message(self) -> Snippet:
        snippet = Snippet("body", ("import logging",)).add(
            f"def _log_engine_migration_{self.uid()}() -> None:"
        )
        text = f'    logging.getLogger(__name__).info("migrated from {ENGINE} last year")'
        return snippet.decoy(text, "log-message", ENGINE)

    def d_f_string(self) -> Snippet:
        snippet = Snippet("body").add(f"def _engine_origin_{self.uid()}(engine: object) -> str:")
        text = f'    return f"{{engine!r}} was built by {ENGINE} before the move"'
        return snippet.decoy(text, "f-string", ENGINE)

    def d_prose_string(self) -> Snippet:
        """Starts with the exact deprecated path, but is a sentence, not a reference."""
        text = f'_REMOVAL_NOTICE_{self.uid()} = "{ENGINE} is deprecated; use user_execution_engine"'
        return Snippet("body").decoy(text, "prose-string", ENGINE)

    def d_path_string(self) -> Snippet:
        text = f'_LEGACY_SOURCE_{self.uid()} = "app/agents/supervisor/execution_engine.py"'
        return Snippet("body").decoy(text, "path-string", "execution_engine.py")

    def d_prefix_string(self) -> Snippet:
        text = f'_NEXT_ENGINE_{self.uid()} = "{ENGINE}_v2"'
        return Snippet("body").decoy(text, "prefix-string", f"{ENGINE}_v2")

    def d_local_variable(self) -> Snippet:
        snippet = Snippet("body").add(f"def _current_engine_{self.uid()}() -> object:")
        snippet.decoy("    execution_engine = object()", "local-variable", "execution_engine")
        return snippet.add("    return execution_engine")

    def d_canonical_string(self) -> Snippet:
        text = f'_ENGINE_PATH_{self.uid()} = "{CANONICAL}:UserExecutionEngine"'
        return Snippet("body").decoy(text, "canonical-string", "user_execution_engine")

    def _header_decoy(self, text: str, kind: str, needle: str) -> Snippet:
        return Snippet("header").decoy(text, kind, needle)

    def d_prefix_import(self) -> Snippet:
        return self._header_decoy(f"import {FACTORY}", "prefix-import", FACTORY)

    def d_prefix_from_package(self) -> Snippet:
        text = "from app.agents.supervisor import execution_engine_factory"
        return self._header_decoy(text, "prefix-from-package", "execution_engine_factory")

    def d_prefix_from_module(self) -> Snippet:
        text = f"from {FACTORY} import build_engine"
        return self._header_decoy(text, "prefix-from-module", FACTORY)

    def d_prefix_name_from_factory(self) -> Snippet:
        """Binds a name ``execution_engine``, but from a module that is not deprecated."""
        text = f"from {FACTORY} import execution_engine"
        return self._header_decoy(text, "prefix-name-from-factory", FACTORY)

    def d_canonical_import(self) -> Snippet:
        text = f"from {CANONICAL} import UserExecutionEngine"
        return self._header_decoy(text, "canonical-import", CANONICAL)

    def d_canonical_package_import(self) -> Snippet:
        text = "from app.agents.supervisor import user_execution_engine"
        return self._header_decoy(text, "canonical-package-import", "user_execution_engine")

    def d_canonical_notifier_import(self) -> Snippet:
        text = "from app.websocket.notifier import WebSocketNotifier"
        return self._header_decoy(text, "canonical-notifier-import", "WebSocketNotifier")

    def d_parent_package_import(self) -> Snippet:
        return self._header_decoy(
            "import app.agents.supervisor", "parent-package-import", "app.agents.supervisor"
        )

    def d_relative_canonical(self) -> Snippet:
        text = "from .user_execution_engine import UserExecutionEngine"
        return self._header_decoy(text, "relative-canonical", "user_execution_engine")

    def d_relative_prefix(self) -> Snippet:
        text = "from .execution_engine_factory import build_engine"
        return self._header_decoy(text, "relative-prefix", "execution_engine_factory")

    def d_canonical_patch(self) -> Snippet:
        snippet = Snippet("body", (MOCK,)).add(f"def test_canonical_patch_{self.uid()}() -> None:")
        text = f'    with mock.patch("{CANONICAL}.UserExecutionEngine.execute") as fake:'
        snippet.decoy(text, "canonical-patch", "user_execution_engine")
        return snippet.add("        assert fake is not None")

    def d_patch_object_attr(self) -> Snippet:
        snippet = Snippet("body", (MOCK,)).add(
            f"def test_patch_engine_attribute_{self.uid()}() -> None:",
            "    holder = mock.Mock()",
        )
        text = '    with mock.patch.object(holder, "execution_engine") as engine:'
        snippet.decoy(text, "patch-object-attr", "execution_engine")
        return snippet.add("        assert engine is not None")


# --------------------------------------------------------------------------------------------
# Hand-written modules: the contract's canonical and deprecated modules.
# --------------------------------------------------------------------------------------------

CANONICAL_TEXT = '''\
"""The user-scoped execution engine: the single source of truth for running agents."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)


@dataclass
class ExecutionResult:
    """What one run of an agent produced."""

    status: str
    output: dict[str, Any] = field(default_factory=dict)


class UserExecutionEngine:
    """Runs an agent's plan for one user, isolated from every other user's runs."""

    def __init__(self, user_id: str, *, max_steps: int = 32) -> None:
        self.user_id = user_id
        self.max_steps = max_steps
        self._history: list[ExecutionResult] = []

    def execute(self, plan: list[dict[str, Any]]) -> ExecutionResult:
        """Run every step of ``plan`` and return the final result."""
        output: dict[str, Any] = {}
        for index, step in enumerate(plan[: self.max_steps]):
            logger.debug("user %s step %d: %s", self.user_id, index, step.get("tool"))
            output[str(index)] = step
        result = ExecutionResult("ok", output)
        self._history.append(result)
        return result

    def run(self, plan: list[dict[str, Any]]) -> ExecutionResult:
        """Alias kept for callers that used the old ``run`` name."""
        return self.execute(plan)
'''
REDIRECT_ENGINE_TEXT = '''\
"""Deprecated home of the execution engine: import UserExecutionEngine instead."""

from __future__ import annotations

import warnings

from app.agents.supervisor.user_execution_engine import UserExecutionEngine as ExecutionEngine

warnings.warn(
    "this module is deprecated; use user_execution_engine.UserExecutionEngine",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = ["ExecutionEngine"]
'''
REDIRECT_CONSOLIDATED_TEXT = '''\
"""Deprecated: the "consolidated" engine was folded into UserExecutionEngine."""

from __future__ import annotations

import warnings

from .supervisor.user_execution_engine import UserExecutionEngine as ExecutionEngine

warnings.warn(
    "the consolidated engine is deprecated; use UserExecutionEngine",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = ["ExecutionEngine"]
'''
FACTORY_TEXT = '''\
"""Builds execution engines. Not deprecated, despite sharing a prefix with the old module."""

from __future__ import annotations

from app.agents.supervisor.user_execution_engine import UserExecutionEngine

execution_engine: UserExecutionEngine | None = None


def build_engine(user_id: str) -> UserExecutionEngine:
    """Create the engine for ``user_id`` and remember it as the current one."""
    global execution_engine
    execution_engine = UserExecutionEngine(user_id)
    return execution_engine
'''
NOTIFIER_TEXT = '''\
"""Pushes agent progress to the user's browser over the websocket."""

from __future__ import annotations

import json
import logging
from typing import Any

logger = logging.getLogger(__name__)


class WebSocketNotifier:
    """Serialises events and sends them to every socket the user has open."""

    def __init__(self, sockets: list[Any]) -> None:
        self._sockets = sockets

    def notify(self, event: str, payload: dict[str, Any]) -> int:
        """Send ``event`` to every socket; return how many accepted it."""
        message = json.dumps({"event": event, "payload": payload})
        sent = 0
        for socket in self._sockets:
            try:
                socket.send(message)
            except OSError:
                logger.warning("dropping closed socket %r", socket)
                continue
            sent += 1
        return sent
'''
LEGACY_NOTIFIER_TEXT = '''\
"""Deprecated: the notifier moved to app.websocket.notifier."""

from __future__ import annotations

from app.websocket.notifier import WebSocketNotifier

__all__ = ["WebSocketNotifier"]
'''
FIXED_TEXTS = {
    "canonical": CANONICAL_TEXT,
    "redirect_engine": REDIRECT_ENGINE_TEXT,
    "redirect_consolidated": REDIRECT_CONSOLIDATED_TEXT,
    "factory": FACTORY_TEXT,
    "notifier": NOTIFIER_TEXT,
    "legacy_notifier": LEGACY_NOTIFIER_TEXT,
    "app_init": '"""The bench application."""\n\n__version__ = "2.14.0"\n',
}


# --------------------------------------------------------------------------------------------
# Composing files.
# --------------------------------------------------------------------------------------------


def import_block(lines: list[str]) -> str:
    """Merge and sort import lines the way isort lays out one section."""
    plain: set[str] = set()
    froms: dict[str, set[str]] = {}
    for line in lines:
        if line.startswith("from "):
            module, names = line[len("from ") :].split(" import ", 1)
            froms.setdefault(module, set()).update(name.strip() for name in names.split(","))
        else:
            plain.add(line)
    out = sorted(plain)
    out += [f"from {module} import {', '.join(sorted(froms[module]))}" for module in sorted(froms)]
    return "\n".join(out) + "\n"


def snake(name: str) -> str:
    """``CachedOrderService`` -> ``cached_order_service``."""
    return "".join(f"_{ch.lower()}" if ch.isupper() else ch for ch in name).lstrip("_")


class Composer:
    """Turns a :class:`FileSpec` into a :class:`Builder` holding the file's text and marks."""

    def __init__(
        self, rng: random.Random, templates: Templates, plan: Plan, planter: Planter
    ) -> None:
        self.rng = rng
        self.t = templates
        self.plan = plan
        self.planter = planter
        self.words = TemplateFactory(rng)
        self.children: dict[str, list[str]] = {}
        for package in sorted(plan.by_package):
            self.children.setdefault(package.rsplit(".", 1)[0], []).append(package)

    def build(self, spec: FileSpec) -> Builder:
        """Dispatch on ``spec.kind``."""
        if spec.kind in FIXED_TEXTS:
            builder = Builder(spec.rel)
            builder.add(FIXED_TEXTS[spec.kind])
            return builder
        method = getattr(self, "build_" + spec.kind)
        built: Builder = method(spec)
        return built

    # -- shared pieces -------------------------------------------------------------------------

    def parts(self, spec: FileSpec) -> tuple[dict[str, list[Snippet]], list[str]]:
        """The spec's site and decoy snippets grouped by placement, and the imports they need."""
        grouped: dict[str, list[Snippet]] = {
            "docstring": [],
            "header": [],
            "prelude": [],
            "body": [],
        }
        needs: list[str] = []
        snippets = [self.planter.site(variant) for variant in spec.variants]
        snippets += [self.planter.decoy(kind) for kind in spec.decoys]
        for snippet in snippets:
            grouped[snippet.placement].append(snippet)
            needs.extend(snippet.needs)
        return grouped, needs

    def docstring(self, builder: Builder, summary: str, snippets: list[Snippet]) -> None:
        """The module docstring, with any docstring decoys inside it."""
        if not snippets and self.rng.random() < 0.5:
            builder.add(f'"""{summary}"""\n')
            return
        builder.add(f'"""{summary}\n\n')
        for snippet in snippets:
            builder.splice(snippet)
        builder.add(f'{self.words.sentence()}\n{self.words.sentence()}\n"""\n')

    def project_section(self, builder: Builder, lines: list[str], snippets: list[Snippet]) -> None:
        """First-party imports with header sites and decoys shuffled among them."""
        items: list[str | Snippet] = [*lines, *snippets]
        if not items:
            return
        self.rng.shuffle(items)
        builder.add("\n")
        for item in items:
            if isinstance(item, Snippet):
                builder.splice(item)
            else:
                builder.add(item + "\n")

    def preamble(self, builder: Builder, spec: FileSpec, summary: str) -> list[Snippet]:
        """Coding cookie and docstring; returns the body snippets still to place."""
        grouped, needs = self.parts(spec)
        if spec.encoding != "utf-8":
            builder.add(f"# -*- coding: {spec.encoding} -*-\n")
        self.docstring(builder, summary, grouped["docstring"])
        builder.add("\nfrom __future__ import annotations\n\n")
        test = spec.kind in ("test", "conftest", "huge_golden")
        base = ["import logging", "from typing import Any"] if test else list(STDLIB_BASE)
        extras = self.rng.sample(STDLIB_EXTRAS, self.rng.randint(0, 2 if test else 4))
        builder.add(import_block(base + extras + needs))
        if test:
            builder.add("\nimport pytest\n")
        self.project_section(builder, self.project_lines(spec), grouped["header"])
        for snippet in grouped["prelude"]:
            builder.add("\n")
            builder.splice(snippet)
        builder.add("\nlogger = logging.getLogger(__name__)\n")
        if spec.encoding == "latin-1":
            builder.add("\n" + LATIN1_BLOCK)
        elif spec.unicode:
            builder.add("\n" + UNICODE_BLOCK)
        return grouped["body"]

    def project_lines(self, spec: FileSpec) -> list[str]:
        """First-party imports: absolute, ``from . import x`` and ``from ..pkg import x``."""
        if not spec.project_imports:
            return []
        lines = [f"from {spec.subject} import {spec.subject_class}"] if spec.subject else []
        for _ in range(self.rng.randint(0, 2 if spec.subject else 6)):
            line = self.project_line(spec)
            if line and line not in lines:
                lines.append(line)
        return lines

    def project_line(self, spec: FileSpec) -> str:
        """One first-party import of an existing generated module."""
        r = self.rng
        roll = r.random()
        if roll < 0.45 or spec.kind != "module":
            target = r.choice(self.plan.app_modules)
            if r.random() < 0.5:
                return f"from {target.package} import {stem(target)}"
            return f"from {target.module} import {target.primary}"
        if roll < 0.8:
            siblings = [s for s in self.plan.by_package.get(spec.package, []) if s is not spec]
            if not siblings:
                return ""
            target = r.choice(siblings)
            if r.random() < 0.5:
                return f"from . import {stem(target)}"
            return f"from .{stem(target)} import {target.primary}"
        cousins = [
            p for p in self.children.get(spec.package.rsplit(".", 1)[0], []) if p != spec.package
        ]
        if not cousins:
            return ""
        package = r.choice(cousins)
        target = r.choice(self.plan.by_package[package])
        return f"from ..{package.rsplit('.', 1)[1]} import {stem(target)}"

    def fill(
        self, builder: Builder, spec: FileSpec, body: list[Snippet], block: BlockMaker
    ) -> None:
        """Add generated blocks up to the byte target, splicing body snippets in along the way."""
        target = spec.target
        low = spec.late_fraction or 0.05
        pending = sorted(
            ((self.rng.uniform(low, max(low, 0.95)), index) for index in range(len(body))),
            reverse=True,
        )
        first = True
        while True:
            while pending and pending[-1][0] * target <= builder.size:
                builder.add("\n\n")
                builder.splice(body[pending.pop()[1]])
            short = builder.lines < MIN_LINES
            if (builder.size >= target and not short) or builder.lines >= spec.max_lines - 60:
                break
            text = block(spec, first)
            if not (first or short) and builder.size + len(text) // 2 > target:
                break
            builder.add("\n\n" + text)
            first = False
        for _, index in reversed(pending):
            builder.add("\n\n")
            builder.splice(body[index])

    # -- blocks --------------------------------------------------------------------------------

    def function_block(self) -> str:
        """A top-level function from the template pool."""
        r = self.rng
        return r.choice(self.t.functions).replace("__F__", r.choice(self.t.function_names))

    def class_block(self, name: str, allow_enum: bool = True) -> str:
        """A class from a head template plus method templates."""
        r = self.rng
        head, takes_methods = r.choice(self.t.class_heads)
        while not (takes_methods or allow_enum):
            head, takes_methods = r.choice(self.t.class_heads)
        parts = [head.replace("__C__", name)]
        if takes_methods:
            for _ in range(r.randint(1, 7)):
                method = r.choice(self.t.methods)
                parts.append(method.replace("__F__", r.choice(self.t.method_names)))
        return "\n".join(parts)

    def module_block(self, spec: FileSpec, first: bool) -> str:
        """The primary class first, then a mix of functions, classes and constants."""
        if first:
            return self.class_block(spec.primary or class_for(self.rng), allow_enum=False)
        roll = self.rng.random()
        if roll < 0.5:
            return self.function_block()
        if roll < 0.92:
            return self.class_block(self.rng.choice(self.t.class_names))
        return self.rng.choice(self.t.constants)

    def test_block(self, spec: FileSpec, first: bool) -> str:
        """The subject fixture first, then tests and the odd extra fixture."""
        r = self.rng
        cls = spec.subject_class
        fixture = snake(cls)
        if first:
            return f"@pytest.fixture\ndef {fixture}() -> {cls}:\n    return {cls}()\n"
        if r.random() < 0.88:
            name = r.choice(self.t.function_names).lstrip("_")
            text = r.choice(self.t.tests).replace("__F__", name)
            return text.replace("__P__", cls).replace("__X__", fixture)
        return r.choice(self.t.fixtures).replace("__F__", f"{r.choice(NOUNS)}_{r.choice(SUFFIXES)}")

    def fixture_block(self, spec: FileSpec, first: bool) -> str:
        """conftest.py content: fixtures only."""
        del spec, first
        name = f"{self.rng.choice(ADJS)}_{self.rng.choice(NOUNS)}"
        return self.rng.choice(self.t.fixtures).replace("__F__", name)

    # -- file kinds ----------------------------------------------------------------------------

    def build_module(self, spec: FileSpec) -> Builder:
        """An ordinary production module."""
        builder = Builder(spec.rel)
        summary = self.words.sentence()
        body = self.preamble(builder, spec, summary)
        self.fill(builder, spec, body, self.module_block)
        return builder

    def build_test(self, spec: FileSpec) -> Builder:
        """A test module for ``spec.subject``."""
        builder = Builder(spec.rel)
        body = self.preamble(builder, spec, f"Tests for {spec.subject}.")
        self.fill(builder, spec, body, self.test_block)
        return builder

    def build_conftest(self, spec: FileSpec) -> Builder:
        """Shared fixtures."""
        builder = Builder(spec.rel)
        body = self.preamble(builder, spec, f"Shared fixtures for {spec.package}.")
        self.fill(builder, spec, body, self.fixture_block)
        return builder

    def build_init(self, spec: FileSpec) -> Builder:
        """A package ``__init__``: often empty, sometimes re-exporting its modules."""
        builder = Builder(spec.rel)
        roll = self.rng.random()
        if roll < 0.55:
            return builder
        builder.add(f'"""The {spec.package} package."""\n')
        modules = self.plan.by_package.get(spec.package, [])
        if roll < 0.8 or not modules:
            return builder
        chosen = self.rng.sample(modules, min(len(modules), self.rng.randint(1, 3)))
        builder.add("\n" + import_block([f"from .{stem(m)} import {m.primary}" for m in chosen]))
        exported = ", ".join(f'"{name}"' for name in sorted({m.primary for m in chosen}))
        builder.add(f"\n__all__ = [{exported}]\n")
        return builder

    def build_huge_table(self, spec: FileSpec) -> Builder:
        """A multi-megabyte generated data module (one big list and one big dict)."""
        builder = Builder(spec.rel)
        builder.add(
            '"""Generated lookup tables; regenerate with scripts/export_tables.py."""\n'
            "\nfrom __future__ import annotations\n\nTABLE_VERSION = 17\n\n"
            "RATES: list[tuple[int, str, str, float, bool]] = [\n"
        )
        regions = ("EU", "US", "APAC", "LATAM", "MEA")
        start = 0
        while builder.size < spec.target * 0.75:
            builder.add(
                "".join(
                    f'    ({i}, "{NOUNS[i % len(NOUNS)]}-{i:07d}", "{regions[i % 5]}", '
                    f"{(i * 7919 % 10007) / 10007:.4f}, {i % 3 == 0}),\n"
                    for i in range(start, start + 1000)
                )
            )
            start += 1000
        builder.add("]\n\nRATE_INDEX: dict[str, int] = {\n")
        start = 0
        while builder.size < spec.target:
            builder.add(
                "".join(
                    f'    "{NOUNS[i % len(NOUNS)]}-{i:07d}": {i},\n'
                    for i in range(start, start + 1000)
                )
            )
            start += 1000
        builder.add("}\n")
        return builder

    def build_huge_golden(self, spec: FileSpec) -> Builder:
        """A multi-megabyte test module: a huge parametrize table, with sites after it."""
        builder = Builder(spec.rel)
        body = self.preamble(builder, spec, "Golden cases exported from production traffic.")
        builder.add("\n\nGOLDEN_CASES = [\n")
        start = 0
        while builder.size < spec.target:
            builder.add(
                "".join(
                    f'    ("case-{i:07d}", {{"{NOUNS[i % len(NOUNS)]}": {i % 97}, '
                    f'"limit": {i % 13}}}, {i % 97 + i % 13}),\n'
                    for i in range(start, start + 1000)
                )
            )
            start += 1000
        builder.add(
            "]\n\n\n"
            '@pytest.mark.parametrize(("case_id", "payload", "expected"), GOLDEN_CASES)\n'
            "def test_golden_case(case_id: str, payload: dict[str, int], expected: int) -> None:\n"
            "    assert sum(payload.values()) == expected, case_id\n"
        )
        for snippet in body:
            builder.add("\n\n")
            builder.splice(snippet)
        return builder


def stem(spec: FileSpec) -> str:
    """The module's own name (last dotted component)."""
    return spec.rel.rsplit("/", 1)[1][:-3]


# --------------------------------------------------------------------------------------------
# Placing sites and decoys.
# --------------------------------------------------------------------------------------------


def assign_sites(plan: Plan, rng: random.Random, roles: dict[str, FileSpec], scale: float) -> None:
    """Put about 300 sites (scaled) on about 150 files, covering every variant."""
    _force_sites(plan, rng, roles)
    forced = sum(len(spec.variants) for spec in plan.files)
    general = [name for name, (_, weight) in VARIANTS.items() if weight > 0]
    instances = [name for name in general for _ in range(2)]
    instances += ["notifier-from-import"] * max(2, round(6 * scale))
    wanted = max(round(SITES_PER_7600 * scale) - forced, len(instances))
    weights = [VARIANTS[name][1] for name in general]
    instances += rng.choices(general, weights, k=wanted - len(instances))
    rng.shuffle(instances)
    app: list[str] = []
    tests: list[str] = []
    for name in instances:
        where = VARIANTS[name][0]
        if where == "any":
            where = "app" if rng.random() < 0.6 else "test"
        (app if where == "app" else tests).append(name)
    _distribute(rng, app, plan.pools["app"])
    _distribute(rng, tests, plan.pools["test"])


def _force_sites(plan: Plan, rng: random.Random, roles: dict[str, FileSpec]) -> None:
    """Sites that need a particular package or file: relative forms and the odd encodings."""
    index = {spec.rel: spec for spec in plan.files}
    index["app/agents/tools/__init__.py"].variants.append("relative-parent-module")
    for variant, pool, count in RELATIVE_SITES:
        for _ in range(count):
            rng.choice(plan.pools[pool]).variants.append(variant)
    roles["latin1_host"].variants.append("from-import")
    roles["bom"].variants.append("import-plain")
    roles["crlf"].variants += ["from-import-as", "function-local"]
    index["app/api/generated/openapi_models.py"].variants.append("function-local")
    index["tests/golden/test_golden_cases.py"].variants.append("importorskip")
    index["tests/conftest.py"].variants.append("monkeypatch-fixture")
    compat = index["tests/agents/supervisor/test_execution_engine_compat.py"]
    compat.variants += ["from-import", "mock-patch-decorator", "monkeypatch-setattr", "patch-with"]
    index["tests/websocket/test_notifier.py"].variants += ["notifier-from-import", "importorskip"]


def _distribute(rng: random.Random, instances: list[str], pool: list[FileSpec]) -> None:
    """One instance per host first (about two per host overall), the rest at random."""
    if not instances:
        return
    hosts = rng.sample(pool, min(len(pool), max(1, round(len(instances) / 2))))
    for position, name in enumerate(instances):
        host = hosts[position] if position < len(hosts) else rng.choice(hosts)
        host.variants.append(name)


def assign_decoys(plan: Plan, rng: random.Random, scale: float) -> None:
    """Decoys go mostly into files that also hold sites, the rest anywhere."""
    kinds = [kind for kind in DECOYS for _ in range(2)]
    wanted = max(round(DECOYS_PER_7600 * scale), len(kinds))
    kinds += rng.choices(list(DECOYS), k=wanted - len(kinds))
    hosts = {name: [s for s in pool if s.variants] for name, pool in plan.pools.items()}
    for kind in kinds:
        where = DECOYS[kind]
        if where == "any":
            where = "app" if rng.random() < 0.6 else "test"
        pool = plan.pools[where]
        with_sites = hosts[where]
        spec = rng.choice(with_sites) if with_sites and rng.random() < 0.7 else rng.choice(pool)
        spec.decoys.append(kind)


def pick_build_copies(plan: Plan, rng: random.Random) -> set[str]:
    """App files copied into build/lib: some with (absolute-import) sites, some without."""
    # Relative imports would resolve differently under build/lib, so skip files that have them.
    pool = [
        s
        for s in plan.pools["app"]
        if s.encoding == "utf-8" and not (s.bom or s.crlf)
        if not any(v.startswith("relative-") for v in s.variants)
    ]
    with_sites = [s for s in pool if s.variants]
    chosen = rng.sample(with_sites, min(3, len(with_sites)))
    chosen += rng.sample(pool, max(2, round(len(plan.files) * 0.02)))
    return {spec.rel for spec in chosen}


# --------------------------------------------------------------------------------------------
# Writing.
# --------------------------------------------------------------------------------------------


def encode(spec: FileSpec, text: str) -> bytes:
    """Apply the spec's line endings, encoding and BOM."""
    if spec.crlf:
        text = text.replace("\n", "\r\n")
    data = text.encode(spec.encoding)
    return b"\xef\xbb\xbf" + data if spec.bom else data


class Writer:
    """Writes files under a root, creating each directory once; counts what it wrote."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.dirs: set[Path] = set()
        self.files = 0
        self.bytes = 0

    def write(self, rel: str, data: bytes) -> None:
        """Write ``data`` to ``root/rel``."""
        path = self.root / rel
        if path.parent not in self.dirs:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.dirs.add(path.parent)
        path.write_bytes(data)
        self.files += 1
        self.bytes += len(data)


def excluded_specs(rng: random.Random, n_files: int) -> list[FileSpec]:
    """Python files in folders the audit must skip: .venv, .git and backups/."""
    site_packages = ".venv/lib/python3.11/site-packages"
    specs = [
        FileSpec(f"{site_packages}/somepkg/__init__.py", "init"),
        _vendored(f"{site_packages}/somepkg/compat.py", ["from-import", "importlib"]),
        _vendored(".git/hooks/ssot_precommit.py", ["import-plain"]),
        _vendored(
            "backups/2024-11-03/app/agents/supervisor/old_router.py",
            ["from-import", "from-package-module", "lazy-table"],
        ),
    ]
    old_tests = FileSpec("backups/2024-11-03/tests/test_old_router.py", "test", target=5000)
    old_tests.subject, old_tests.subject_class = "app.agents.supervisor.router", "LegacyRouter"
    old_tests.variants = ["mock-patch-decorator", "importorskip"]
    specs.append(old_tests)
    for index in range(max(10, round(n_files * 0.05))):
        package = f"{site_packages}/vendorlib_{index // 20:02d}"
        if index % 20 == 0:
            specs.append(FileSpec(f"{package}/__init__.py", "init"))
        spec = _vendored(f"{package}/mod_{index % 20:02d}.py", [])
        spec.target = rng.randint(2_500, 12_000)
        specs.append(spec)
    return specs


def _vendored(rel: str, variants: list[str]) -> FileSpec:
    """A module outside the project: no first-party imports."""
    return FileSpec(rel, "module", target=6_000, primary="CompatShim", variants=variants,
                    project_imports=False)  # fmt: skip


EXTRA_FILES = {
    ".venv/pyvenv.cfg": "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.7\n",
    ".git/HEAD": "ref: refs/heads/main\n",
    ".git/description": "Unnamed repository; edit this file to name the repository.\n",
    ".gitignore": ".venv/\nbuild/\n__pycache__/\n",
    "README.md": "# bench-app\n\nGenerated by pytest-ssot's benchmarks/generate_tree.py.\n",
}


def write_excluded(
    writer: Writer,
    composer: Composer,
    rng: random.Random,
    n_files: int,
    copies: dict[str, tuple[bytes, list[dict[str, object]]]],
) -> list[dict[str, object]]:
    """Write excluded folders and return their sites (which must not be reported)."""
    entries: list[dict[str, object]] = []
    for spec in excluded_specs(rng, n_files):
        builder = composer.build(spec)
        writer.write(spec.rel, encode(spec, builder.text()))
        entries += [_excluded_entry(site, str(site["path"])) for site in builder.sites]
    for rel in sorted(copies):
        data, sites = copies[rel]
        writer.write(f"build/lib/{rel}", data)
        entries += [_excluded_entry(site, f"build/lib/{rel}") for site in sites]
    return entries


def _excluded_entry(site: dict[str, object], path: str) -> dict[str, object]:
    """A site moved to the ``excluded`` list, with the reason it is not reported."""
    entry = dict(site, path=path, test=False)
    entry["reason"] = path.split("/", 1)[0].lstrip(".") or path
    return entry


# --------------------------------------------------------------------------------------------
# Main.
# --------------------------------------------------------------------------------------------


def reset_dir(out: Path, force: bool) -> None:
    """Delete and recreate ``out``, refusing to wipe a directory this script did not make."""
    if out.exists():
        if not out.is_dir():
            raise SystemExit(f"{out} exists and is not a directory")
        ours = (out / MANIFEST_NAME).exists() or not any(out.iterdir())
        if not (ours or force):
            raise SystemExit(f"{out} is not empty and has no {MANIFEST_NAME}; pass --force")
        shutil.rmtree(out)
    out.mkdir(parents=True)


def generate(out: Path, n_files: int, seed: int, size_mb: float) -> dict[str, object]:
    """Generate the tree under ``out`` and return the manifest."""
    plan_rng = random.Random(f"plan-{seed}")
    templates = TemplateFactory(random.Random(f"templates-{seed}")).build()
    plan = make_plan(plan_rng, n_files, int(size_mb * MB))
    roles = pick_special_formats(plan, plan_rng)
    scale = n_files / DEFAULT_FILES
    assign_sites(plan, plan_rng, roles, scale)
    assign_decoys(plan, plan_rng, scale)
    copy_rels = pick_build_copies(plan, plan_rng)
    content_rng = random.Random(f"content-{seed}")
    composer = Composer(content_rng, templates, plan, Planter(content_rng, plan))
    writer = Writer(out)
    sites: list[dict[str, object]] = []
    decoys: list[dict[str, object]] = []
    copies: dict[str, tuple[bytes, list[dict[str, object]]]] = {}
    for spec in plan.files:
        builder = composer.build(spec)
        data = encode(spec, builder.text())
        writer.write(spec.rel, data)
        sites += builder.sites
        decoys += builder.decoys
        if spec.rel in copy_rels:
            copies[spec.rel] = (data, builder.sites)
    scanned_files, scanned_bytes = writer.files, writer.bytes
    writer.write("pyproject.toml", PYPROJECT.encode())
    for rel, text in EXTRA_FILES.items():
        writer.write(rel, text.encode())
    excluded = write_excluded(writer, composer, plan_rng, n_files, copies)
    stats = {
        **manifest_stats(writer, (scanned_files, scanned_bytes), sites, decoys, excluded, seed),
        "special_files": {
            **{role: spec.rel for role, spec in sorted(roles.items())},
            "huge": [s.rel for s in plan.files if s.target > 1_000_000],
        },
    }
    key = _sort_key
    return {
        "sites": sorted(sites, key=key),
        "decoys": sorted(decoys, key=key),
        "excluded": sorted(excluded, key=key),
        "stats": stats,
    }


def manifest_stats(
    writer: Writer,
    scanned: tuple[int, int],
    sites: list[dict[str, object]],
    decoys: list[dict[str, object]],
    excluded: list[dict[str, object]],
    seed: int,
) -> dict[str, object]:
    """The manifest's counts, which ``check_manifest.py`` re-derives from the tree."""
    return {
        "files": scanned[0],
        "bytes": scanned[1],
        "sites": len(sites),
        "site_files": len({site["path"] for site in sites}),
        "decoys": len(decoys),
        "excluded_sites": len(excluded),
        "all_files": writer.files,
        "all_bytes": writer.bytes,
        "seed": seed,
    }


def _sort_key(entry: dict[str, object]) -> tuple[str, int]:
    return str(entry["path"]), int(str(entry["line"]))


def summarize(manifest: dict[str, object], elapsed: float) -> str:
    """A short human-readable report."""
    stats = manifest["stats"]
    sites = manifest["sites"]
    if not isinstance(stats, dict) or not isinstance(sites, list):
        raise TypeError("malformed manifest")
    forms: dict[str, int] = {}
    for site in sites:
        forms[site["form"]] = forms.get(site["form"], 0) + 1
    lines = [
        (
            f"generated {stats['files']} scanned files, {stats['bytes'] / MB:.1f} MB "
            f"({stats['all_files']} files, {stats['all_bytes'] / MB:.1f} MB in all) "
            f"in {elapsed:.1f}s"
        ),
        (
            f"sites: {stats['sites']} in {stats['site_files']} files; "
            f"decoys: {stats['decoys']}; excluded sites: {stats['excluded_sites']}"
        ),
        "sites by form: " + ", ".join(f"{form}={count}" for form, count in sorted(forms.items())),
    ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path, help="directory to (re)create")
    parser.add_argument("--files", type=int, default=DEFAULT_FILES, help="Python files to scan")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--size-mb", type=float, default=DEFAULT_SIZE_MB, help="target MB")
    parser.add_argument("--force", action="store_true", help="wipe OUT_DIR even if not ours")
    args = parser.parse_args(argv)
    if args.files < 300:
        parser.error("--files must be at least 300")
    return args


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    args = parse_args(argv)
    started = time.perf_counter()
    reset_dir(args.out_dir, args.force)
    manifest = generate(args.out_dir, args.files, args.seed, args.size_mb)
    text = json.dumps(manifest, indent=1, sort_keys=False) + "\n"
    (args.out_dir / MANIFEST_NAME).write_text(text, encoding="utf-8")
    print(summarize(manifest, time.perf_counter() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
