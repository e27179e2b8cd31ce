"""The fake Cohere server's faults as the real SDK meets them: missing keys, 429 and 500 with the
SDK's retries, cut streams, hangs (released on stop), and the control endpoints that arm them."""

from __future__ import annotations

import threading
import time

import cohere
import httpx
import pytest
from langchain_cohere import CohereRerank

from tests.support import http

from .cohere_clients import EXPECTED, MESSAGES, chat
from .cohere_server import FakeCohere


@pytest.mark.parametrize("auth", [None, "Bearer", "Basic k"])
def test_missing_key_is_401(fake: FakeCohere, auth: str | None) -> None:
    headers = {"Authorization": auth} if auth else {}
    response = http.post(f"{fake.url}/v2/chat", json={}, headers=headers)
    assert response.status_code == 401
    assert response.json()["message"]


def test_sdk_retries_429_twice_honouring_retry_after(fake: FakeCohere) -> None:
    # cohere's HTTP client retries 429, 408, 409 and >= 500 up to 2 times (non-streaming only).
    fake.set_fault("chat", 429, count=None)
    with pytest.raises(cohere.TooManyRequestsError) as caught:
        chat(fake).invoke(MESSAGES)
    assert caught.value.headers["retry-after"] == "1"
    assert len(fake.requests_to("chat")) == 3


def test_one_500_is_absorbed_by_the_sdk_retry(fake: FakeCohere) -> None:
    fake.set_fault("chat", 500, count=1)
    assert chat(fake).invoke(MESSAGES).content == EXPECTED
    assert len(fake.requests_to("chat")) == 2


async def test_errors_surface_at_once_without_retries(fake: FakeCohere) -> None:
    fake.set_fault("chat", 500, count=None)
    with pytest.raises(cohere.InternalServerError):
        await chat(fake).ainvoke(MESSAGES, request_options={"max_retries": 0})
    with pytest.raises(cohere.InternalServerError):  # streams are never retried by the SDK
        [chunk async for chunk in chat(fake).astream(MESSAGES)]
    assert len(fake.requests_to("chat")) == 2


async def test_cut_stream_raises_after_some_deltas(fake: FakeCohere) -> None:
    fake.set_fault("chat", "cut", cut_after=2)
    seen: list[str] = []
    with pytest.raises(httpx.RemoteProtocolError):
        async for chunk in chat(fake).astream(MESSAGES):
            seen.append(chunk.content)
    assert "".join(seen) == "According to "
    fake.set_fault("chat", "cut")
    with pytest.raises(httpx.RemoteProtocolError):  # a plain JSON answer is cut mid-body
        chat(fake).invoke(MESSAGES)


def test_hang_trips_a_short_client_timeout(fake: FakeCohere) -> None:
    fake.set_fault("chat", "hang")
    with pytest.raises(httpx.ReadTimeout):
        chat(fake, timeout_seconds=0.3).invoke(MESSAGES)
    assert chat(fake).invoke(MESSAGES).content == EXPECTED


def test_stop_releases_hung_requests() -> None:
    server = FakeCohere()
    url = server.start()
    server.set_fault("*", "hang")
    statuses: list[int] = []
    headers = {"Authorization": "Bearer k"}
    waiter = threading.Thread(
        target=lambda: statuses.append(http.get(f"{url}/v1/models", headers=headers).status_code)
    )
    waiter.start()
    while not server.requests:
        time.sleep(0.01)
    started = time.monotonic()
    server.stop()
    waiter.join(timeout=5)
    assert time.monotonic() - started < 2
    assert statuses == [503]


def test_control_endpoints_drive_faults(fake: FakeCohere) -> None:
    control = f"{fake.url}/_fake"
    assert http.post(f"{control}/faults", json={"route": "nope", "kind": "500"}).status_code == 400
    armed = http.post(f"{control}/faults", json={"route": "/v2/rerank", "kind": 500, "count": 1})
    assert armed.json()["faults"]["rerank"]["remaining"] == 1
    reranker = CohereRerank(model="rerank-v3.5", base_url=fake.url, cohere_api_key="k")
    with pytest.raises(cohere.InternalServerError):
        reranker.client.rerank(
            model="m", query="q", documents=["d"], request_options={"max_retries": 0}
        )
    assert reranker.rerank(["d"], "q") == [{"index": 0, "relevance_score": 0.0}]
    paths = [r["path"] for r in http.get(f"{control}/requests").json()["requests"]]
    assert paths == ["/v2/rerank"] * 2
    assert http.post(f"{control}/reset").json() == {"ok": True}
    assert fake.requests == []
