"""The real langchain-cohere classes pointed at the fake Cohere server, and the messages its
tests send (a system prompt with numbered sources) with the answer the fake gives them."""

from __future__ import annotations

from langchain_cohere import ChatCohere, CohereEmbeddings
from langchain_core.messages import HumanMessage, SystemMessage

from .cohere_server import FakeCohere

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


def chat(fake: FakeCohere, **options: object) -> ChatCohere:
    return ChatCohere(cohere_api_key="k", base_url=fake.url, model=MODEL, **options)


def embeddings(fake: FakeCohere) -> CohereEmbeddings:
    return CohereEmbeddings(model=EMBED_MODEL, base_url=fake.url, cohere_api_key="k")
