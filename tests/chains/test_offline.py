"""The offline extractive answerer quotes the most relevant sentences of the documents it is
given, with their citation numbers."""

from __future__ import annotations

from langchain_core.documents import Document
from langchain_core.messages import HumanMessage

from chains.offline import ExtractiveChatModel
from chains.prompts import load_prompt

DOCS = [
    Document(
        "Sensors > IMU\nAn IMU reports linear acceleration and angular velocity of the torso. "
        "It is mounted in the chest.",
        metadata={"heading_path": ["Sensors", "IMU"], "url": "/docs/sensors#imu"},
    ),
    Document(
        "A topic is a named channel that carries messages from publishers to subscribers. "
        "Topics are\nasynchronous and many-to-many.",
        metadata={"url": "/docs/ros#topics"},
    ),
]


def _ask(model: ExtractiveChatModel, question: str, docs=DOCS) -> str:
    return str(model.invoke([HumanMessage(question)], documents=docs).content)


def test_answer_quotes_the_matching_document_with_its_number(offline_embeddings):
    model = ExtractiveChatModel(embeddings=offline_embeddings)
    content = _ask(model, "What does a topic carry between publishers and subscribers?")
    assert content.startswith(load_prompt("offline_notice"))
    first = content.split("\n- ", 1)[1]
    assert "named channel" in first and first.rstrip().endswith("[2]")


def test_lexical_mode_without_embeddings_still_finds_the_sentence():
    content = _ask(ExtractiveChatModel(), "What does an IMU report?")
    assert "angular velocity" in content and "[1]" in content


def test_the_heading_breadcrumb_is_not_quoted_as_a_sentence():
    content = _ask(ExtractiveChatModel(), "What does an IMU report?")
    assert "Sensors > IMU" not in content


def test_no_documents_says_so():
    assert "could not find" in _ask(ExtractiveChatModel(), "why?", docs=[])
    assert "could not find" in str(ExtractiveChatModel().invoke("why?").content)


async def test_streams_token_by_token_and_joins_to_the_invoke_text():
    model = ExtractiveChatModel()
    msgs = [HumanMessage("What does an IMU report?")]
    chunks = [c.content async for c in model.astream(msgs, documents=DOCS)]
    assert len(chunks) > 5
    assert "".join(chunks) == (await model.ainvoke(msgs, documents=DOCS)).content
