#!/usr/bin/env python3
"""Check a tree made by ``generate_tree.py`` against its manifest, independently of the generator.

Why: the benchmark scores the import audit (and ruff) against the manifest, so a wrong line
number or an unlisted site in the generator would be charged to the tool under test. This
script re-derives the truth from the files alone, with a deliberately slow and simple ``ast``
reference audit:

* every non-excluded ``.py`` file must parse (bytes go straight to ``ast.parse``, so PEP 263
  coding cookies and BOMs are honoured exactly as CPython does);
* the reference audit's sites and the manifest's ``sites`` must match one to one, by path,
  line and deprecated module, with the same form, ``type_only`` and ``test`` flags;
* no decoy line may hold a site, and each decoy line must contain its look-alike text;
* every ``excluded`` entry must lie in an excluded folder and be a real site there;
* ``stats.files`` and ``stats.bytes`` must equal what was scanned.

Reference rules: ``import M`` and ``from M import ...`` are sites when M (relative imports
resolved against the file's package) is a deprecated module or inside one; ``from P import n``
is a site when ``P.n`` is; a string constant is a site when it is exactly a deprecated module,
optionally followed by ``.attr.path`` or ``:Name``. Imports under ``if TYPE_CHECKING:`` are
``type_only``.

Usage::

    python benchmarks/check_manifest.py OUT_DIR [--jobs N]
"""

from __future__ import annotations

import argparse
import ast
import fnmatch
import json
import os
import re
import sys
import time
import tokenize
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

MANIFEST_NAME = ".ssot-bench-manifest.json"
# Folders nobody wants audited; the audit under test is expected to skip these by default.
DEFAULT_EXCLUDED_DIRS = frozenset(
    {".venv", "venv", ".git", "build", "dist", "__pycache__", "site-packages", ".tox"}
)
MAX_REPORTED = 25

Site = tuple[str, int, str]  # (path, line, deprecated)


# --------------------------------------------------------------------------------------------
# Configuration: the deprecated modules and the exclude globs, read from pyproject.toml.
# --------------------------------------------------------------------------------------------


def load_config(root: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Deprecated modules (all contracts' redirects) and ``[tool.ssot.audit]`` excludes."""
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    try:
        import tomllib  # Python 3.11+
    except ImportError:  # pragma: no cover - Python 3.9/3.10 without a TOML parser
        return _scrape_config(text)
    data = tomllib.loads(text)
    ssot = data.get("tool", {}).get("ssot", {})
    redirects = [r for c in ssot.get("contracts", {}).values() for r in c.get("redirects", [])]
    excludes = ssot.get("audit", {}).get("exclude", [])
    return _modules(redirects), tuple(excludes)


def _scrape_config(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Enough TOML for the generated pyproject: string lists after ``redirects``/``exclude``."""
    redirects: list[str] = []
    excludes: list[str] = []
    for key, body in re.findall(
        r"^(redirects|exclude)\s*=\s*\[(.*?)\]", text, re.MULTILINE | re.DOTALL
    ):
        (redirects if key == "redirects" else excludes).extend(re.findall(r'"([^"]*)"', body))
    return _modules(redirects), tuple(excludes)


def _modules(redirects: list[str]) -> tuple[str, ...]:
    """``pkg.mod:Name`` -> ``pkg.mod``, deduplicated, longest first."""
    modules = {spec.split(":", 1)[0] for spec in redirects}
    return tuple(sorted(modules, key=lambda m: (-len(m), m)))


# --------------------------------------------------------------------------------------------
# Walking the tree.
# --------------------------------------------------------------------------------------------


def is_excluded(rel: str, excludes: tuple[str, ...]) -> bool:
    """Whether a posix path relative to the root is in an excluded folder or matches a glob."""
    parts = rel.split("/")
    if any(part in DEFAULT_EXCLUDED_DIRS for part in parts[:-1]):
        return True
    return any(fnmatch.fnmatchcase(rel, pattern) for pattern in excludes)


def scanned_files(root: Path, excludes: tuple[str, ...]) -> list[str]:
    """Every ``.py`` file the audit should read, pruning excluded folders while walking."""
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        prefix = "" if rel_dir == "." else rel_dir + "/"
        dirnames[:] = sorted(
            name for name in dirnames if not is_excluded(f"{prefix}{name}/x", excludes)
        )
        found += [f"{prefix}{name}" for name in sorted(filenames) if name.endswith(".py")]
    return [rel for rel in found if not is_excluded(rel, excludes)]


# --------------------------------------------------------------------------------------------
# The reference audit.
# --------------------------------------------------------------------------------------------


class SiteFinder(ast.NodeVisitor):
    """Collects ``(line, deprecated, form, type_only)`` for one module's AST."""

    def __init__(self, package: list[str], deprecated: tuple[str, ...]) -> None:
        self.package = package
        self.deprecated = deprecated
        alternatives = "|".join(re.escape(module) for module in deprecated)
        self.string_re = re.compile(rf"({alternatives})(?:[.:][A-Za-z_][\w.]*)?")
        self.type_checking = 0
        self.sites: list[tuple[int, str, str, bool]] = []

    def add(self, line: int, deprecated: str, form: str) -> None:
        """Record one site."""
        self.sites.append((line, deprecated, form, self.type_checking > 0))

    def match(self, module: str) -> str | None:
        """The deprecated module that ``module`` is, or lives in."""
        for dep in self.deprecated:
            if module == dep or module.startswith(dep + "."):
                return dep
        return None

    def visit_If(self, node: ast.If) -> None:
        """Track ``if TYPE_CHECKING:`` bodies (not their ``else``)."""
        if not _is_type_checking(node.test):
            self.generic_visit(node)
            return
        self.type_checking += 1
        for child in node.body:
            self.visit(child)
        self.type_checking -= 1
        for child in node.orelse:
            self.visit(child)

    def visit_Import(self, node: ast.Import) -> None:
        """``import a.b.c [as x], ...``."""
        for alias in node.names:
            dep = self.match(alias.name)
            if dep:
                self.add(node.lineno, dep, "import")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        """``from M import n`` with M absolute or relative."""
        module = self.resolve(node)
        if module is None:
            return
        form = "relative-import" if node.level else "from-import"
        dep = self.match(module)
        if dep:
            self.add(node.lineno, dep, form)
            return
        seen: set[str] = set()
        for alias in node.names:
            dep = self.match(f"{module}.{alias.name}")
            if dep and dep not in seen:
                seen.add(dep)
                self.add(node.lineno, dep, form)

    def visit_Constant(self, node: ast.Constant) -> None:
        """String constants naming a deprecated module (mock targets, lazy tables...)."""
        if isinstance(node.value, str):
            found = self.string_re.fullmatch(node.value)
            if found:
                self.add(node.lineno, found.group(1), "string")

    def resolve(self, node: ast.ImportFrom) -> str | None:
        """Absolute module name of an import-from; None if it climbs above the top."""
        if not node.level:
            return node.module or ""
        if node.level - 1 > len(self.package):
            return None
        base = self.package[: len(self.package) - (node.level - 1)]
        parts = [*base, *(node.module.split(".") if node.module else [])]
        return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def audit_file(
    job: tuple[str, str, tuple[str, ...]],
) -> tuple[str, int, str, list[tuple[int, str, str, bool]]]:
    """Parse one file; return ``(rel, size, error, sites)``. Runs in a worker process."""
    root, rel, deprecated = job
    data = Path(root, rel).read_bytes()
    try:
        tree = ast.parse(data, filename=rel)
    except (SyntaxError, ValueError) as exc:
        return rel, len(data), f"{type(exc).__name__}: {exc}", []
    # Every site's text contains the deprecated module's last component, so files without
    # any of those words need no walk (the parse above still proves they are valid Python).
    if not any(dep.rsplit(".", 1)[-1].encode() in data for dep in deprecated):
        return rel, len(data), "", []
    finder = SiteFinder(rel.split("/")[:-1], deprecated)
    finder.visit(tree)
    return rel, len(data), "", finder.sites


def run_audit(
    root: Path, rels: list[str], deprecated: tuple[str, ...], jobs: int
) -> tuple[dict[Site, tuple[str, bool]], dict[str, int], list[str]]:
    """Audit ``rels`` in parallel: sites -> (form, type_only), sizes by path, and errors."""
    work = [(str(root), rel, deprecated) for rel in rels]
    sites: dict[Site, tuple[str, bool]] = {}
    sizes: dict[str, int] = {}
    errors: list[str] = []
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for rel, size, error, found in pool.map(audit_file, work, chunksize=32):
            sizes[rel] = size
            if error:
                errors.append(f"{rel}: does not parse: {error}")
            for line, dep, form, type_only in found:
                sites[(rel, line, dep)] = (form, type_only)
    return sites, sizes, errors


# --------------------------------------------------------------------------------------------
# Comparing with the manifest.
# --------------------------------------------------------------------------------------------


def check_sites(
    manifest_sites: list[dict[str, object]], found: dict[Site, tuple[str, bool]]
) -> list[str]:
    """Manifest sites and reference sites must match one to one, flags included."""
    errors: list[str] = []
    listed: dict[Site, dict[str, object]] = {}
    for entry in manifest_sites:
        key = (str(entry["path"]), int(str(entry["line"])), str(entry["deprecated"]))
        if key in listed:
            errors.append(f"{_where(key)}: listed twice in the manifest")
        listed[key] = entry
        if key not in found:
            errors.append(f"{_where(key)}: manifest site not found ({entry.get('variant')})")
            continue
        form, type_only = found[key]
        expected = (entry["form"], entry["type_only"], entry["test"])
        actual = (form, type_only, key[0].startswith("tests/"))
        if expected != actual:
            errors.append(f"{_where(key)}: manifest says {expected}, reference finds {actual}")
    errors += [
        f"{_where(key)}: site not in the manifest" for key in sorted(set(found) - set(listed))
    ]
    return errors


def check_decoys(
    root: Path, decoys: list[dict[str, object]], found: dict[Site, tuple[str, bool]]
) -> list[str]:
    """No decoy line is a site, and each decoy line really contains its look-alike text."""
    errors: list[str] = []
    site_lines = {(path, line) for path, line, _ in found}
    lines_of: dict[str, list[str]] = {}
    for entry in decoys:
        path, line = str(entry["path"]), int(str(entry["line"]))
        if path not in lines_of:
            lines_of[path] = read_lines(root / path)
        text = lines_of[path][line - 1] if line <= len(lines_of[path]) else ""
        if str(entry["needle"]) not in text:
            errors.append(f"{path}:{line}: decoy {entry['kind']} text not on that line: {text!r}")
        if (path, line) in site_lines:
            errors.append(f"{path}:{line}: decoy {entry['kind']} is a site")
    return errors


def check_excluded(
    root: Path,
    excluded: list[dict[str, object]],
    deprecated: tuple[str, ...],
    excludes: tuple[str, ...],
) -> list[str]:
    """Each excluded entry is in an excluded folder and is a real site there."""
    errors: list[str] = []
    cache: dict[str, set[tuple[int, str]]] = {}
    for entry in excluded:
        path, line, dep = str(entry["path"]), int(str(entry["line"])), str(entry["deprecated"])
        if not is_excluded(path, excludes):
            errors.append(f"{path}:{line}: listed as excluded but the folder is scanned")
        if path not in cache:
            _, _, error, found = audit_file((str(root), path, deprecated))
            if error:
                errors.append(f"{path}: does not parse: {error}")
            cache[path] = {(site[0], site[1]) for site in found}
        if (line, dep) not in cache[path]:
            errors.append(f"{path}:{line}: excluded entry is not a site of {dep}")
    return errors


def read_lines(path: Path) -> list[str]:
    """Decode like the tokenizer does (cookie, BOM) and split on the newlines it recognises."""
    data = path.read_bytes()
    encoding, _ = tokenize.detect_encoding(iter(data.splitlines(keepends=True)).__next__)
    text = data.decode(encoding)
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _where(key: Site) -> str:
    return f"{key[0]}:{key[1]} [{key[2]}]"


def features(root: Path, sizes: dict[str, int]) -> dict[str, int]:
    """Counts of the awkward files the generator promises (reported, not enforced)."""
    counts = {"bom": 0, "crlf": 0, "non_utf8": 0, "over_2mb": 0}
    for rel, size in sizes.items():
        counts["over_2mb"] += size > 2_000_000
        if size > 200_000:
            continue
        data = (root / rel).read_bytes()
        counts["bom"] += data.startswith(b"\xef\xbb\xbf")
        counts["crlf"] += b"\r\n" in data
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            counts["non_utf8"] += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    """Entry point: exit 0 when the manifest and the tree agree, 1 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    root: Path = args.out_dir
    started = time.perf_counter()
    manifest = json.loads((root / MANIFEST_NAME).read_text(encoding="utf-8"))
    deprecated, excludes = load_config(root)
    rels = scanned_files(root, excludes)
    found, sizes, errors = run_audit(root, rels, deprecated, args.jobs)
    errors += check_sites(manifest["sites"], found)
    errors += check_decoys(root, manifest["decoys"], found)
    errors += check_excluded(root, manifest["excluded"], deprecated, excludes)
    stats = manifest["stats"]
    if (stats["files"], stats["bytes"]) != (len(sizes), sum(sizes.values())):
        errors.append(
            f"stats say {stats['files']} files / {stats['bytes']} bytes; "
            f"scanned {len(sizes)} / {sum(sizes.values())}"
        )
    print(report(manifest, found, sizes, features(root, sizes), time.perf_counter() - started))
    for error in errors[:MAX_REPORTED]:
        print(f"ERROR {error}")
    if len(errors) > MAX_REPORTED:
        print(f"... and {len(errors) - MAX_REPORTED} more errors")
    print("FAIL" if errors else "OK: manifest matches the tree")
    return 1 if errors else 0


def report(
    manifest: dict[str, list[dict[str, object]]],
    found: dict[Site, tuple[str, bool]],
    sizes: dict[str, int],
    feature_counts: dict[str, int],
    elapsed: float,
) -> str:
    """The summary printed before any errors."""
    by_form: dict[str, int] = {}
    for form, _ in found.values():
        by_form[form] = by_form.get(form, 0) + 1
    by_variant: dict[str, int] = {}
    for entry in manifest["sites"]:
        by_variant[str(entry["variant"])] = by_variant.get(str(entry["variant"]), 0) + 1
    type_only = sum(1 for _, flag in found.values() if flag)
    in_tests = sum(1 for path, _, _ in found if path.startswith("tests/"))
    return "\n".join(
        [
            f"parsed {len(sizes)} files, {sum(sizes.values()) / 1e6:.1f} MB in {elapsed:.1f}s",
            (
                f"reference sites: {len(found)} in {len({key[0] for key in found})} files "
                f"({in_tests} in tests, {type_only} type-only); "
                f"manifest sites: {len(manifest['sites'])}"
            ),
            "by form: " + ", ".join(f"{k}={v}" for k, v in sorted(by_form.items())),
            "by variant: " + ", ".join(f"{k}={v}" for k, v in sorted(by_variant.items())),
            f"decoys: {len(manifest['decoys'])}; excluded sites: {len(manifest['excluded'])}",
            "features: " + ", ".join(f"{k}={v}" for k, v in feature_counts.items()),
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
