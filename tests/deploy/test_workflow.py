"""The GitHub Actions template for the book's repository (docs/deploy/ingest-on-push.yml)
runs the ingest command bookchat really has, with variables its settings really read."""

from __future__ import annotations

import re
import shlex
import tomllib

import yaml

from config.settings import Settings
from ingest.__main__ import _parser
from tests.conftest import PROJECT

WORKFLOW = PROJECT / "docs" / "deploy" / "ingest-on-push.yml"


def _workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def _ingest_step(workflow: dict) -> dict:
    steps = workflow["jobs"]["ingest"]["steps"]
    return next(s for s in steps if "python -m ingest" in s.get("run", ""))


def test_it_runs_on_pushes_to_the_docs_and_by_hand():
    triggers = _workflow().get("on") or _workflow()[True]  # YAML 1.1 reads a bare `on` as True
    assert triggers["push"]["paths"] == ["docs/**"]
    assert "workflow_dispatch" in triggers


def test_the_ingest_command_is_one_the_cli_accepts():
    command = shlex.split(_ingest_step(_workflow())["run"])
    assert command[:3] == ["python", "-m", "ingest"]
    args = _parser().parse_args(command[3:])
    assert str(args.docs_dir) == "../book/docs" and not args.full and not args.dry_run


def test_its_environment_is_bookchats_settings_from_secrets_and_variables():
    env = _ingest_step(_workflow())["env"]
    assert set(env) <= {name.upper() for name in Settings.model_fields}
    for secret in ["COHERE_API_KEY", "QDRANT_URL", "QDRANT_API_KEY", "DATABASE_URL"]:
        assert env[secret] == "${{ secrets." + secret + " }}"
    assert env["DOCS_BASE_URL"] == "${{ vars.DOCS_BASE_URL }}"


def test_every_expression_reads_only_secrets_or_variables():
    text = WORKFLOW.read_text()
    expressions = re.findall(r"\$\{\{\s*(.*?)\s*\}\}", text)
    assert expressions and all(re.fullmatch(r"(secrets|vars)\.[A-Z_]+", e) for e in expressions)


def test_it_uses_the_python_bookchat_supports():
    steps = _workflow()["jobs"]["ingest"]["steps"]
    python = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python"))
    requires = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert python["with"]["python-version"] == "3.11" and ">=3.11" in requires
