"""The plan: the Space's URL, CORS origins from --frontend, secrets by name, variables, files."""

from __future__ import annotations

import pytest

from config.settings import load_settings
from deploy.plan import PlanError, build, site_origin, space_url
from tests.conftest import PROJECT

KEY = "co-PLAN-KEY-0a1b2c3d"


def _settings(**extra):
    base = dict(cohere_api_key=None, qdrant_url=None, qdrant_api_key=None, database_url=None,
                admin_token=None, allowed_origins="", docs_base_url="", cohere_base_url=None)
    return load_settings(**{**base, **extra})


def _plan(settings=None, **extra):
    args = dict(space="you/book-chat", frontend=None, private=False, url=None, root=PROJECT)
    return build(settings or _settings(), **{**args, **extra})


def test_the_space_url_follows_the_hubs_host_rule():
    assert space_url("you/book-chat") == "https://you-book-chat.hf.space"
    assert space_url("Some_Org/My.Book") == "https://some-org-my-book.hf.space"


@pytest.mark.parametrize(
    ("frontend", "origin", "dropped"),
    [
        ("https://you.github.io", "https://you.github.io", ""),
        ("https://you.github.io/", "https://you.github.io", ""),
        ("https://You.GitHub.io/book/intro?x=1", "https://you.github.io", "/book/intro?x=1"),
        ("http://localhost:3000/docs", "http://localhost:3000", "/docs"),
    ],
)
def test_frontend_gives_its_origin_only(frontend, origin, dropped):
    site = site_origin(frontend)
    assert (site.origin, site.problem, site.dropped) == (origin, None, dropped)


@pytest.mark.parametrize("frontend", ["*", "https://*.github.io", "you.github.io", "ftp://x.org"])
def test_frontend_that_is_no_origin_is_a_problem(frontend):
    site = site_origin(frontend)
    assert site.origin is None and site.problem.startswith("--frontend:")


def test_allowed_origins_are_the_site_the_configured_ones_and_the_space_itself():
    plan = _plan(_settings(allowed_origins="https://preview.example.org"),
                 frontend="https://you.github.io/book")
    assert plan.variables["ALLOWED_ORIGINS"] == (
        "https://you.github.io,https://preview.example.org,https://you-book-chat.hf.space"
    )
    assert "*" not in plan.variables["ALLOWED_ORIGINS"]


def test_secrets_are_the_configured_ones_trimmed_and_never_rendered():
    settings = _settings(cohere_api_key=f"  {KEY}\n", database_url="postgresql://u:pw-PLAN@h/db",
                         qdrant_url="https://c.cloud.qdrant.io", qdrant_api_key="qd-PLAN-KEY")
    plan = _plan(settings)
    assert plan.secrets == {"COHERE_API_KEY": KEY, "QDRANT_API_KEY": "qd-PLAN-KEY",
                            "DATABASE_URL": "postgresql://u:pw-PLAN@h/db"}
    text = "\n".join(plan.render())
    assert "COHERE_API_KEY, QDRANT_API_KEY, DATABASE_URL" in text
    for value in plan.secrets.values():
        assert value not in text and "pw-PLAN" not in text
    assert plan.variables["QDRANT_URL"] == "https://c.cloud.qdrant.io"


def test_variables_carry_the_settings_the_space_needs():
    plan = _plan(_settings(cohere_embed_model="embed-english-v3.0", docs_base_url="https://b.org/x",
                           log_level="warning"))
    assert plan.variables == {
        "QDRANT_COLLECTION": "bookchat", "COHERE_CHAT_MODEL": "command-a-03-2025",
        "COHERE_EMBED_MODEL": "embed-english-v3.0", "ALLOWED_ORIGINS": "https://you-book-chat.hf.space",
        "DOCS_BASE_URL": "https://b.org/x", "LOG_LEVEL": "WARNING",
    }
    assert "QDRANT_URL" not in plan.variables  # unset: the Space keeps its embedded store


def test_the_snippet_names_the_spaces_url():
    plan = _plan(url="https://chat.example.org/")
    assert plan.url == "https://chat.example.org"
    assert plan.snippet() == (
        "scripts: [\n"
        "  {src: 'https://chat.example.org/widget.js', async: true, "
        "'data-api': 'https://chat.example.org'},\n"
        "],"
    )


def test_the_plan_lists_the_files_by_folder():
    text = "\n".join(_plan().render())
    assert "Dockerfile" in text and "server.py" in text and "service/ (" in text
    assert "tests/" not in text


@pytest.mark.parametrize("space", ["book-chat", "you/", "you/book chat", "a/b/c", "you/bo--ok"])
def test_a_space_that_is_not_user_slash_name_is_refused(space):
    with pytest.raises(PlanError, match="--space: expected USER/NAME"):
        _plan(space=space)


@pytest.mark.parametrize("url", ["chat.example.org", "https://x.org/path"])
def test_a_space_url_must_be_an_origin(url):
    with pytest.raises(PlanError, match="--space-url"):
        _plan(url=url)
