"""ADMIN_TOKEN: optional, a secret, and refused at start-up when too short to be one."""

from __future__ import annotations

import pytest

from config.settings import SettingsError, load_settings


def test_admin_token_is_off_by_default_and_a_stripped_secret(monkeypatch):
    monkeypatch.delenv("ADMIN_TOKEN", raising=False)
    assert load_settings().admin_token is None
    monkeypatch.setenv("ADMIN_TOKEN", "  0123456789abcdef0123  \n")
    token = load_settings().admin_token
    assert token.get_secret_value() == "0123456789abcdef0123"
    assert "0123456789abcdef" not in repr(token)


def test_a_short_admin_token_fails_naming_the_variable_not_the_value(monkeypatch):
    monkeypatch.setenv("ADMIN_TOKEN", "hunter2")
    with pytest.raises(SettingsError) as failed:
        load_settings()
    assert "ADMIN_TOKEN" in str(failed.value) and "hunter2" not in str(failed.value)
