"""The offline answerer: a real chat model that quotes the book instead of generating text.

With no Cohere key there is no language model good enough to run here, so this model takes the
retrieved `Document`s themselves (`documents=`, numbered 1..n as the prompt numbers them), ranks
their sentences against the question (embedding similarity plus word overlap) and replies with
the best ones and their citations. It says plainly that it is the offline mode, and streams word
by word like a real model. Its message is the reader's question; chains/answer.py calls it.

Given the reader's selection (`selected_text=`), the sentences of the passage that answer the
question are quoted first, labelled as coming from the selection; when none does, the model says
so and answers from the book alone.
"""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict

from chains.prompts import load_prompt
from chains.sources import source_text

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9`\"(])")
_WORD = re.compile(r"[a-z0-9][a-z0-9_+.-]*")
_STOP = frozenset(
    (
        "a an and are as at be by can do does for from how i in is it of on or the this to what "
        "when where which who why with you your my me we our"
    ).split()
)
# Words of a question that only points at the selected passage ("explain this in plain terms").
_DEICTIC = frozenset(
    (
        "explain explains mean means meaning meant summarize summarise summary passage selection "
        "selected paragraph text sentence sentences simpler simple simply plain terms words "
        "clarify elaborate say says said part tell more detail details example describe here "
        "that there these those them please"
    ).split()
)
NOT_FOUND = "I could not find anything about this in the book."
MAX_QUOTES = 2
SELECTION_MIN_SCORE = 0.35


def _words(text: str) -> set[str]:
    return {w.strip(".") for w in _WORD.findall(text.lower())} - _STOP


def _candidates(sources: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Sentences and short lines of each source, tagged with the source number."""
    out: list[tuple[int, str]] = []
    for n, text in sources:
        for block in re.split(r"\n\s*\n", text):
            block = " ".join(line.strip() for line in block.splitlines() if line.strip())
            for sentence in _SENTENCE_END.split(block):
                sentence = sentence.strip(" -*#>")
                if 20 <= len(sentence) <= 600 and len(_words(sentence)) >= 3:
                    out.append((n, sentence))
    return out


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


class ExtractiveChatModel(BaseChatModel):
    """Answers from the documents it is given, quoting the most relevant sentences."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    embeddings: Embeddings | None = None
    max_sentences: int = 4
    model_name: str = "offline-extractive"

    @property
    def _llm_type(self) -> str:
        return "bookchat-offline-extractive"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name, "max_sentences": self.max_sentences}

    def _ranked(
        self, query: str, candidates: list[tuple[int, str]]
    ) -> list[tuple[tuple[int, str], float, float]]:
        """Candidates with (similarity, word overlap) to the query, best first."""
        q_words = _words(query)
        if not candidates or not q_words:
            return []
        overlap = [len(q_words & _words(s)) / len(q_words) for _, s in candidates]
        if self.embeddings is not None:
            vectors = self.embeddings.embed_documents([query] + [s for _, s in candidates])
            similarity = [_cosine(vectors[0], v) for v in vectors[1:]]
        else:
            similarity = [0.0] * len(candidates)
        return sorted(
            zip(candidates, similarity, overlap, strict=True),
            key=lambda item: item[1] + 0.5 * item[2],
            reverse=True,
        )

    def _book_lines(self, query: str, sources: list[tuple[int, str]]) -> list[str]:
        """The best sentences of the numbered sources, each with its citation."""
        scored = self._ranked(query, _candidates(sources))
        best = [c for c, s, o in scored if s >= 0.2 or o > 0][: self.max_sentences]
        return [f"- {sentence} [{n}]" for n, sentence in best]

    def _selection_quotes(self, question: str, selection: str) -> list[str]:
        """The selected sentences that answer the question, in passage order; [] if none does.

        A question that only points at the passage ("what does this mean?") is answered by the
        passage itself, so its first sentences are quoted.
        """
        flat = " ".join(selection.split())
        sentences = _candidates([(0, selection)]) or ([(0, flat[:300])] if flat else [])
        if not _words(question) - _DEICTIC:
            return [s for _, s in sentences[:MAX_QUOTES]]
        scored = [(c, s + 0.5 * o) for c, s, o in self._ranked(question, sentences)]
        best = scored[0][1] if scored else 0.0
        cutoff = max(SELECTION_MIN_SCORE, 0.75 * best)  # the answering sentences, not neighbours
        good = {c for c, score in scored if score >= cutoff}
        return [text for n, text in sentences if (n, text) in good][:MAX_QUOTES]

    def compose(
        self, question: str, documents: Sequence[Document], selected_text: str = ""
    ) -> str:
        """The whole answer: quotes of the numbered documents (and of the selection)."""
        sources = [(n, source_text(doc)) for n, doc in enumerate(documents, start=1)]
        notice = load_prompt("offline_notice")
        if not selected_text.strip():
            lines = self._book_lines(question, sources)
            return notice + "\n\n" + ("\n".join(lines) if lines else NOT_FOUND)
        quotes = self._selection_quotes(question, selected_text)
        pointing = not _words(question) - _DEICTIC
        book = self._book_lines(selected_text if pointing else question, sources)
        parts = [notice]
        if quotes:
            parts.append("From the passage you selected:\n" + "\n".join(f"> {q}" for q in quotes))
        else:
            parts.append("The passage you selected does not seem to answer this question.")
        if book:
            heading = "From the book:" if quotes else "Here is what the book says:"
            parts.append(heading + "\n" + "\n".join(book))
        elif not quotes:
            parts.append(NOT_FOUND)
        return "\n\n".join(parts)

    def _answer(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> str:
        question = next(
            (str(m.content) for m in reversed(messages) if isinstance(m, HumanMessage)), ""
        )
        documents = kwargs.get("documents") or []
        return self.compose(question, documents, kwargs.get("selected_text") or "")

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = self._answer(messages, kwargs)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for token in re.findall(r"\S+\s*|\s+", self._answer(messages, kwargs)):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=token))
            if run_manager:
                run_manager.on_llm_new_token(token, chunk=chunk)
            yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        text = await asyncio.to_thread(self._answer, messages, kwargs)
        for token in re.findall(r"\S+\s*|\s+", text):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=token))
            if run_manager:
                await run_manager.on_llm_new_token(token, chunk=chunk)
            yield chunk

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = await asyncio.to_thread(self._answer, messages, kwargs)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])
