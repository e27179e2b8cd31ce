"""End to end: a shared corpus ingested into embedded Qdrant at start-up, then /search and /chat.

Embeddings come from the fake Cohere server (fast, lexical), so the whole 44-page book is
ingested in seconds; the question set is the retrieval eval's (bench/questions/)."""

from __future__ import annotations

import json
import uuid

import pytest
from langserve import RemoteRunnable

from config.settings import load_settings
from server import create_app
from tests.conftest import MODEL_DIR, PROJECT
from tests.support import ServerThread, http

QUESTIONS = PROJECT / "bench" / "questions" / "mohsin-raza.jsonl"


@pytest.fixture(scope="module")
def server(tmp_path_factory, fake_cohere, corpus_dir):
    settings = load_settings(
        data_dir=tmp_path_factory.mktemp("corpus"), embed_model_dir=MODEL_DIR,
        cohere_api_key="co-test", cohere_base_url=fake_cohere.url, database_url=None,
        qdrant_url=None, docs_dir=corpus_dir / "mohsin-raza" / "docs",
        docs_base_url="https://example.github.io/book", rate_limit="off",
    )
    srv = ServerThread(create_app(settings)).start()
    assert srv.wait_healthy(timeout=300)["status"] == "healthy"
    yield srv
    srv.stop()


def test_every_chunk_links_to_a_page_section_of_the_book(server):
    health = http.get(server.url + "/api/health").json()
    assert health["services"]["qdrant"]["vectors"] > 500


def test_search_finds_the_right_page_for_most_reader_questions(server):
    search = RemoteRunnable(server.url + "/search/")
    cases = [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()]
    hits = 0
    for case in cases:
        docs = search.invoke(case["q"])
        assert docs and all(d.metadata["url"].startswith("https://example.github.io/book/docs/")
                            for d in docs)
        wanted = {case["path"], *(a.split("#")[0] for a in case.get("also", []))}
        hits += any(d.metadata["path"] in wanted for d in docs)
    # the fake embedder is lexical; the offline eval's numbers are in bench/RESULTS.md
    assert hits / len(cases) >= 0.8, f"only {hits}/{len(cases)} questions found their page"


def test_chat_cites_sections_with_anchors(server):
    chat = RemoteRunnable(server.url + "/chat/")
    cfg = {"configurable": {"session_id": str(uuid.uuid4())}}
    answer = chat.invoke({"question": "bash: ros2: command not found"}, config=cfg)
    assert answer.startswith("According to the book [1]")
    docs = RemoteRunnable(server.url + "/search/").invoke("bash: ros2: command not found")
    assert "#" in docs[0].metadata["url"] and docs[0].metadata["section"]
