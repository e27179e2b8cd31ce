"""The settings object: stripped values, empty means unset, errors name the variable only."""

from __future__ import annotations

import pytest

from config.settings import SettingsError, load_settings

SECRET = "sk-TEST-SECRET-9f8e7d"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ["COHERE_API_KEY", "DATABASE_URL", "QDRANT_URL", "ALLOWED_ORIGINS", "PORT",
                 "COHERE_BASE_URL", "LOG_LEVEL", "QDRANT_API_KEY", "DOCS_ROUTE_BASE", "REDIS_URL",
                 "WEB_CONCURRENCY", "FORWARDED_TRUSTED_HOPS"]:
        monkeypatch.delenv(name, raising=False)


def test_defaults_are_embedded():
    s = load_settings()
    assert s.offline_chat and s.qdrant_url is None and s.database_url is None
    assert s.port == 7860 and s.record_db_url.startswith("sqlite:///")


def test_values_are_stripped_and_empty_means_unset(monkeypatch):
    monkeypatch.setenv("COHERE_API_KEY", f"  {SECRET}\n")
    monkeypatch.setenv("QDRANT_URL", "   ")
    monkeypatch.setenv("LOG_LEVEL", " debug ")
    s = load_settings()
    assert s.cohere_api_key.get_secret_value() == SECRET
    assert s.qdrant_url is None and s.log_level == "DEBUG"
    assert SECRET not in repr(s) and SECRET not in str(s.model_dump())


def test_database_url_accepts_neon_and_sqlalchemy_forms(monkeypatch):
    monkeypatch.setenv(
        "DATABASE_URL", "postgresql+psycopg://u:pw@ep-x.neon.tech/db?sslmode=require "
    )
    s = load_settings()
    assert s.database_url.get_secret_value() == "postgresql://u:pw@ep-x.neon.tech/db?sslmode=require"
    assert s.record_db_url.startswith("postgresql+psycopg://u:pw@")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", f"mysql://u:{SECRET}@h/db"),
        ("PORT", "seventy"),
        ("PORT", "70000"),
        ("COHERE_BASE_URL", "https://api.cohere.com/v1"),
        ("QDRANT_URL", f"not a url {SECRET}"),
        ("ALLOWED_ORIGINS", "*"),
        ("ALLOWED_ORIGINS", "https://ok.org, example.org"),
        ("LOG_LEVEL", "LOUD"),
        ("DOCS_ROUTE_BASE", "https://x.org/docs"),
        ("REDIS_URL", f"http://u:{SECRET}@cache:6379"),
        ("FORWARDED_TRUSTED_HOPS", "-1"),
        ("WEB_CONCURRENCY", "0"),
        ("REDIS_KEY_PREFIX", "has space"),
    ],
)
def test_malformed_values_fail_naming_the_variable_without_the_value(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert name in str(err.value)
    assert SECRET not in str(err.value) and value not in str(err.value)


def test_origins_are_a_comma_list(monkeypatch):
    monkeypatch.setenv("ALLOWED_ORIGINS", " https://book.example.org/ , http://localhost:3000")
    assert load_settings().allowed_origins == ["https://book.example.org", "http://localhost:3000"]


def test_docs_route_base_is_a_path_and_unset_by_default(monkeypatch):
    assert load_settings().docs_route_base is None  # then read from the site's config
    for raw, expected in [("/", "/"), ("docs", "/docs"), (" /guide/ ", "/guide")]:
        monkeypatch.setenv("DOCS_ROUTE_BASE", raw)
        assert load_settings().docs_route_base == expected


def test_one_proxy_hop_one_process_and_no_redis_by_default(monkeypatch):
    s = load_settings()
    assert s.forwarded_trusted_hops == 1 and s.web_concurrency == 1 and s.redis_url is None
    monkeypatch.setenv("REDIS_URL", f" rediss://default:{SECRET}@cache.example.org:6380/0 ")
    s = load_settings()
    assert s.redis_url.get_secret_value().endswith("@cache.example.org:6380/0")
    assert SECRET not in repr(s) and SECRET not in str(s.model_dump())
