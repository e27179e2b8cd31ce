"""Fixtures of the client tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def renamed_sdk_argument(monkeypatch):
    """As if a cohere release renamed one of the arguments our patches pass to the SDK's HTTP
    wrapper: the wrapper no longer takes them, so each call should go the SDK's own way."""
    from clients.patches import cohere_embed_decoding as decoding

    monkeypatch.setattr(decoding, "_warned", [])
    monkeypatch.setattr(decoding, "_REQUEST_ARGUMENTS", {"method", "json_body", "headers"})
    decoding._takes_our_arguments.cache_clear()
    yield
    decoding._takes_our_arguments.cache_clear()
