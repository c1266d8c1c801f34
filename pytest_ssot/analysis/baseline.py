"""The committed list of known import sites, so a migration can only move forward.

Entries count sites per file and per *what* they reach (``from-import pkg.old.Engine``), not
per line: moving code up or down, reformatting or renaming a local alias leaves the file
unchanged, and a diff of the baseline reads as "one fewer site in api.py".
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import cast

from pytest_ssot.domain.model import BaselineDiff, ImportSite, Stale
from pytest_ssot.source.files import write_atomically

FORMAT_VERSION = 1

#: contract -> file -> site key -> count
Counts = dict[str, dict[str, dict[str, int]]]


class BaselineError(Exception):
    """The baseline file cannot be used; the message names it and says how to recover."""


def load_baseline(path: Path) -> Counts:
    """Read a baseline; a missing file is an empty baseline (every site is new)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise BaselineError(f"{path}: cannot read the baseline ({error.strerror})") from None
    try:
        data = json.loads(text)
    except ValueError as error:
        raise BaselineError(
            f"{path}: the baseline is not valid JSON ({error}); restore it from version "
            "control, or rewrite it with --ssot-update-baseline"
        ) from None
    if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
        raise BaselineError(
            f"{path}: not a pytest-ssot baseline of format version {FORMAT_VERSION}; "
            "rewrite it with --ssot-update-baseline"
        )
    contracts = data.get("contracts")
    if not _is_counts(contracts):
        raise BaselineError(
            f"{path}: 'contracts' must map contract -> file -> site -> count; "
            "rewrite it with --ssot-update-baseline"
        )
    return cast(Counts, contracts)


def _is_counts(value: object) -> bool:
    return isinstance(value, dict) and all(
        isinstance(files, dict)
        and all(
            isinstance(keys, dict)
            and all(isinstance(k, str) and type(n) is int and n > 0 for k, n in keys.items())
            for keys in files.values()
        )
        for files in value.values()
    )


def count_sites(sites: Iterable[ImportSite]) -> dict[str, dict[str, int]]:
    counts: dict[str, Counter[str]] = {}
    for site in sites:
        counts.setdefault(site.path, Counter())[site.key] += 1
    return {path: dict(sorted(keys.items())) for path, keys in sorted(counts.items())}


def write_baseline(
    path: Path,
    sites_by_contract: Mapping[str, Sequence[ImportSite]],
    *,
    declared: Collection[str] | None = None,
) -> None:
    """Write the baseline for these contracts, keeping other contracts' entries as they are.

    With ``declared`` (every contract of the configuration), entries of contracts that are
    not declared any more are dropped.
    """
    try:
        existing = load_baseline(path)
    except BaselineError:
        existing = {}  # a damaged file is exactly what an update replaces
    if declared is not None:
        existing = {name: counts for name, counts in existing.items() if name in declared}
    existing.update({name: count_sites(sites) for name, sites in sites_by_contract.items()})
    document = {
        "version": FORMAT_VERSION,
        "generated-by": "pytest-ssot; update with --ssot-update-baseline",
        "contracts": {name: existing[name] for name in sorted(existing)},
    }
    try:
        write_atomically(path, json.dumps(document, indent=2, sort_keys=False) + "\n")
    except OSError as error:
        raise BaselineError(
            f"{path}: cannot write the baseline ({error.strerror or error}); the file is "
            "unchanged. Check [tool.ssot.audit] baseline and the folder's permissions"
        ) from None


def compare(recorded: Mapping[str, Mapping[str, int]], sites: Sequence[ImportSite]) -> BaselineDiff:
    """New sites fail; fewer sites are progress; entries matching nothing must be removed."""
    found = count_sites(sites)
    new: list[ImportSite] = []
    by_group: dict[tuple[str, str], list[ImportSite]] = {}
    for site in sites:
        by_group.setdefault((site.path, site.key), []).append(site)
    for (path, key), group in sorted(by_group.items()):
        allowed = recorded.get(path, {}).get(key, 0)
        if len(group) > allowed:
            new.extend(sorted(group)[allowed:])
    fixed: list[Stale] = []
    stale: list[Stale] = []
    for path, keys in sorted(recorded.items()):
        for key, count in sorted(keys.items()):
            now = found.get(path, {}).get(key, 0)
            if now == 0:
                stale.append(Stale(path, key, count, 0))
            elif now < count:
                fixed.append(Stale(path, key, count, now))
    return BaselineDiff(tuple(new), tuple(fixed), tuple(stale))
