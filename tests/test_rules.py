"""The rule registry is the one list of rules: verdicts, outputs and docs all follow it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pytest_ssot.domain.rules import RULES, Rule, Verdict, markdown_table, rule_info

DOCS = Path(__file__).resolve().parent.parent / "docs" / "verdicts.md"


def test_every_rule_has_one_row() -> None:
    assert list(RULES) == list(Rule)
    assert [info.rule for info in RULES.values()] == list(Rule)
    for info in RULES.values():
        assert all((info.symbol, info.summary, info.fix, info.checks)), info


@pytest.mark.parametrize("verdict", [v for v in Verdict if not v.ok])
def test_every_failing_verdict_is_a_rule(verdict: Verdict) -> None:
    info = rule_info(verdict.rule)
    assert info.verdict is verdict
    assert info.symbol == verdict.value
    assert info.checks == ("identity",)


def test_identity_is_no_finding() -> None:
    assert Verdict.IDENTITY.rule == ""
    assert all(info.verdict is not Verdict.IDENTITY for info in RULES.values())


def test_docs_rule_table_is_the_registry() -> None:
    text = DOCS.read_text(encoding="utf-8")
    table = re.search(r"<!-- rules:start -->\n(.*?)<!-- rules:end -->", text, re.S)
    assert table is not None, "docs/verdicts.md lost its rules:start/rules:end markers"
    assert table.group(1) == markdown_table(), (
        "docs/verdicts.md's rule table differs from pytest_ssot/domain/rules.py; paste "
        "`python -c 'from pytest_ssot.domain.rules import markdown_table; print(markdown_table())'`"
    )


@pytest.mark.parametrize("code", [r.value for r in Rule])
def test_every_rule_has_a_doc_section_at_its_anchor(code: str) -> None:
    info = rule_info(code)
    headings = re.findall(r"^## (.+)$", DOCS.read_text(encoding="utf-8"), re.M)
    # The heading mkdocs turns into the anchor the outputs link to (helpUri).
    assert f"{info.code} `{info.symbol}`" in headings


@pytest.mark.parametrize("verdict", [v for v in Verdict if not v.ok])
def test_every_failing_verdict_says_what_breaks(verdict: Verdict) -> None:
    """The golden-path section's "breaks:" line; identity's text must never stand in."""
    from pytest_ssot.domain.model import IdentityResult, ObjectPath
    from pytest_ssot.rendering.text import consequence

    canonical, redirect = ObjectPath("app.core", "Engine"), ObjectPath("app.old", "Engine")
    result = IdentityResult("c", redirect, canonical, verdict, "detail")
    identity = IdentityResult("c", redirect, canonical, Verdict.IDENTITY, "detail")
    assert consequence(result) != consequence(identity)
