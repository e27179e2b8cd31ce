"""The fake Cohere server for its own tests: one per test module, its faults, overrides and
recorded requests reset after every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .cohere_server import FakeCohere


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeCohere]:
    with FakeCohere(dim=256) as server:
        yield server


@pytest.fixture(autouse=True)
def clean(fake: FakeCohere) -> Iterator[None]:
    yield
    fake.reset()
