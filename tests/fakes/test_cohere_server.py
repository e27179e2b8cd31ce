"""The fake Cohere server, driven by the real langchain-cohere classes over real HTTP: chat,
streams, embeddings and rerank as the SDK sees them. Faults: test_cohere_server_faults.py; pacing
under load and the command line: test_cohere_server_serving.py."""

from __future__ import annotations

import math

import cohere
import pytest
from langchain_cohere import ChatCohere, CohereRerank
from langchain_core.documents import Document

from tests.support import http

from .cohere_clients import EMBED_MODEL, EXPECTED, MESSAGES, MODEL, chat, embeddings
from .cohere_server import FakeCohere
from .cohere_text import NO_SOURCE_REPLY


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
