"""Settings of the guards: validated at start-up, errors name the variable."""

from __future__ import annotations

import pytest

from config.settings import SettingsError, load_settings


def test_defaults():
    s = load_settings()
    assert s.max_body_bytes == 32 * 1024 and s.rate_limit == "30/minute;300/day"
    assert s.daily_token_budget == 100_000 and s.log_format == "text"
    assert s.history_max_chars == 8000


@pytest.mark.parametrize("value", ["30/minute;300/day", "5 per second, 100 per hour", "off", "OFF"])
def test_rate_limit_accepts_the_limits_notation_and_off(value):
    assert load_settings(rate_limit=value).rate_limit in {value, "off"}


@pytest.mark.parametrize(("name", "value"), [
    ("RATE_LIMIT", "lots"), ("RATE_LIMIT", "0/minute"), ("RATE_LIMIT", "30/fortnight"),
    ("MAX_BODY_BYTES", "100"), ("DAILY_TOKEN_BUDGET", "-1"), ("LOG_FORMAT", "xml"),
    ("HISTORY_MAX_CHARS", "-5"),
])
def test_bad_values_fail_at_start_up_naming_the_variable(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert f"{name}:" in str(error.value)


def test_log_format_is_case_insensitive(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", " JSON ")
    assert load_settings().log_format == "json"
