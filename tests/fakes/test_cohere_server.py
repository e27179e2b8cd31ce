"""The fake Cohere server, driven by the real langchain-cohere classes over real HTTP."""

from __future__ import annotations

import asyncio
import json
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import cohere
import httpx
import pytest
from langchain_cohere import ChatCohere, CohereEmbeddings, CohereRerank
from langchain_core.documents import Document
from langchain_core.messages import HumanMessage, SystemMessage

from tests.support import http

from .cohere_server import FakeCohere
from .cohere_text import NO_SOURCE_REPLY

MODEL = "command-a-03-2025"
EMBED_MODEL = "embed-english-v3.0"
SYSTEM = (
    "Answer from the numbered sources.\n<sources>\n"
    '<source id="1" title="Vectors" section="Basics" url="/docs/vectors">\n'
    "Vectors are lists of numbers. They encode meaning.\n</source>\n"
    '<source id="2" title="Search" section="Basics" url="/docs/search">\n'
    "Search ranks passages.\n</source>\n</sources>"
)
MESSAGES = [SystemMessage(SYSTEM), HumanMessage("What are vectors?")]
EXPECTED = "According to the book [1], Vectors are lists of numbers."


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeCohere]:
    with FakeCohere(dim=256) as server:
        yield server


@pytest.fixture(autouse=True)
def clean(fake: FakeCohere) -> Iterator[None]:
    yield
    fake.reset()


def chat(fake: FakeCohere, **options: object) -> ChatCohere:
    return ChatCohere(cohere_api_key="k", base_url=fake.url, model=MODEL, **options)


def embeddings(fake: FakeCohere) -> CohereEmbeddings:
    return CohereEmbeddings(model=EMBED_MODEL, base_url=fake.url, cohere_api_key="k")


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_invoke_cites_first_source_and_records_request(fake: FakeCohere) -> None:
    answer = chat(fake).invoke(MESSAGES)
    assert answer.content == EXPECTED
    assert answer.usage_metadata["output_tokens"] == len(EXPECTED.split())
    (sent,) = fake.requests_to("/v2/chat")
    assert sent.body["model"] == MODEL
    assert '<source id="1"' in sent.body["messages"][0]["content"]
    assert "authorization" not in sent.headers


def test_reply_without_sources_and_overrides(fake: FakeCohere) -> None:
    assert chat(fake).invoke("Hello?").content == NO_SOURCE_REPLY
    fake.reply = "Fixed."
    assert chat(fake).invoke(MESSAGES).content == "Fixed."
    fake.reply = lambda body: f"{len(body['messages'])} messages"
    assert chat(fake).invoke(MESSAGES).content == "2 messages"
    fake.reset()
    assert chat(fake).invoke(MESSAGES).content == EXPECTED


def test_stream_joins_to_invoke_text(fake: FakeCohere) -> None:
    pieces = [chunk.content for chunk in chat(fake).stream(MESSAGES)]
    assert len([p for p in pieces if p]) == len(EXPECTED.split())
    assert "".join(pieces) == EXPECTED
    assert fake.requests_to("chat")[0].body["stream"] is True


def test_model_defaults_to_models_endpoint(fake: FakeCohere) -> None:
    llm = ChatCohere(cohere_api_key="k", base_url=fake.url)
    assert llm.model == fake.chat_model
    (listed,) = fake.requests_to("/v1/models")
    assert listed.method == "GET"
    assert listed.query == {"endpoint": "chat", "default_only": "true"}


def test_base_url_with_v1_suffix_is_a_clear_404(fake: FakeCohere) -> None:
    llm = ChatCohere(cohere_api_key="k", base_url=f"{fake.url}/v1", model=MODEL)
    with pytest.raises(cohere.NotFoundError, match="bare host"):
        llm.invoke("hi")


def test_embeddings_are_deterministic_unit_vectors_that_share_words(fake: FakeCohere) -> None:
    emb = embeddings(fake)
    docs = ["Qdrant stores vectors for search.", "Bread needs flour and yeast."]
    vectors = emb.embed_documents(docs)
    query = emb.embed_query("How does Qdrant store vectors?")
    assert [len(v) for v in vectors] == [256, 256]
    assert math.isclose(cosine(query, query), 1.0)
    assert emb.embed_documents(docs) == vectors
    assert cosine(query, vectors[0]) > 0.5 > cosine(query, vectors[1])
    sent = [r.body for r in fake.requests_to("/v1/embed")]
    assert [b["input_type"] for b in sent] == ["search_document", "search_query", "search_document"]
    assert sent[0]["embedding_types"] == ["float"]


def test_embed_checks_input_type_like_the_real_api(fake: FakeCohere) -> None:
    body = {"model": EMBED_MODEL, "texts": ["x"]}
    response = http.post(f"{fake.url}/v1/embed", json=body, headers={"Authorization": "Bearer k"})
    assert response.status_code == 400


def test_rerank_orders_by_word_overlap_and_honours_top_n(fake: FakeCohere) -> None:
    reranker = CohereRerank(model="rerank-v3.5", base_url=fake.url, cohere_api_key="k", top_n=2)
    docs = [
        Document("Bread and yeast."),
        Document("Vector search."),
        Document("Vector search ranks."),
    ]
    ranked = reranker.compress_documents(docs, "How does vector search rank?")
    assert [d.page_content for d in ranked] == ["Vector search ranks.", "Vector search."]
    assert ranked[0].metadata["relevance_score"] > ranked[1].metadata["relevance_score"]
    assert fake.requests_to("/v2/rerank")[0].body["top_n"] == 2


async def test_async_variants(fake: FakeCohere) -> None:
    llm = chat(fake)
    assert (await llm.ainvoke(MESSAGES)).content == EXPECTED
    chunks = [chunk async for chunk in llm.astream(MESSAGES)]
    assert "".join(c.content for c in chunks) == EXPECTED
    assert chunks[-1].usage_metadata["output_tokens"] == len(EXPECTED.split())
    assert len(await embeddings(fake).aembed_query("vectors")) == 256


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


async def raw_stream(port: int) -> bytes:
    """One streamed chat over a bare socket, read until the server closes it."""
    body = json.dumps(
        {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "stream": True}
    )
    head = (
        "POST /v2/chat HTTP/1.1\r\nHost: fake\r\nAuthorization: Bearer k\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(head.encode() + body.encode())
    answer = await reader.read()
    writer.close()
    return answer


async def test_latency_profile_paces_many_concurrent_streams() -> None:
    reply = "one two three four five"
    with FakeCohere(ttft=0.3, tokens_per_second=40, reply=reply) as server:
        llm = ChatCohere(cohere_api_key="k", base_url=server.url, model=MODEL)
        started = time.monotonic()
        stream = llm.astream("hi")
        first = await anext(stream)
        assert time.monotonic() - started >= 0.3
        assert first.content + "".join([chunk.content async for chunk in stream]) == reply

        # Bare sockets, because client-side parsing (cohere SDK ~4 ms of CPU per SSE event,
        # httpx ~15 ms per stream) would dominate; this measures the server alone.
        port = int(server.url.rsplit(":", 1)[1])
        started = time.monotonic()
        answers = await asyncio.gather(*(raw_stream(port) for _ in range(200)))
    assert all(answer.count(b"event: content-delta") == 5 for answer in answers)
    assert time.monotonic() - started < 4  # 200 x 0.4 s would take 80 s in series


def test_cli_serves_in_the_foreground() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    root = Path(__file__).resolve().parents[2]
    command = [
        sys.executable,
        "-m",
        "tests.fakes.cohere_server",
        "--port",
        str(port),
        "--ttft",
        "0.1",
    ]
    env = {**os.environ, "PYTHONPATH": str(root)}
    process = subprocess.Popen(command, cwd=root, env=env, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 10
        while True:
            try:
                http.get(f"{url}/_fake/requests")
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.05)
        llm = ChatCohere(cohere_api_key="k", base_url=url, model=MODEL)
        assert llm.invoke(MESSAGES).content == EXPECTED
    finally:
        process.terminate()
        assert process.wait(timeout=5) in (0, -signal.SIGTERM)
