"""The offline answerer: a real chat model that quotes the book instead of generating text.

With no Cohere key there is no language model good enough to run here, so this model reads the
numbered `<source>` blocks the answer prompt carries, ranks their sentences against the question
(embedding similarity plus word overlap) and replies with the best ones and their citations. It
says plainly that it is the offline mode, and streams word by word like a real model.
"""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict

from chains.prompts import load_prompt

_SOURCE = re.compile(r'<source id="(\d+)"[^>]*>(.*?)</source>', re.DOTALL)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9`\"(])")
_WORD = re.compile(r"[a-z0-9][a-z0-9_+.-]*")
_STOP = frozenset(
    (
        "a an and are as at be by can do does for from how i in is it of on or the this to what "
        "when where which who why with you your my me we our"
    ).split()
)


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
    """Answers from the sources in its prompt, quoting the most relevant sentences."""

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

    def _compose(self, messages: list[BaseMessage]) -> str:
        sources = [(int(n), t) for m in messages for n, t in _SOURCE.findall(str(m.content))]
        question = next(
            (str(m.content) for m in reversed(messages) if isinstance(m, HumanMessage)), ""
        )
        notice = load_prompt("offline_notice")
        candidates = _candidates(sources)
        q_words = _words(question)
        if not candidates or not q_words:
            return notice + "\n\nI could not find anything about this in the book."
        overlap = [len(q_words & _words(s)) / len(q_words) for _, s in candidates]
        if self.embeddings is not None:
            vectors = self.embeddings.embed_documents([question] + [s for _, s in candidates])
            similarity = [_cosine(vectors[0], v) for v in vectors[1:]]
        else:
            similarity = [0.0] * len(candidates)
        scored = sorted(
            zip(candidates, similarity, overlap, strict=True),
            key=lambda item: item[1] + 0.5 * item[2],
            reverse=True,
        )
        best = [(c, s, o) for c, s, o in scored if s >= 0.2 or o > 0][: self.max_sentences]
        if not best:
            return notice + "\n\nI could not find anything about this in the book."
        lines = [f"- {sentence} [{n}]" for (n, sentence), _, _ in best]
        return notice + "\n\n" + "\n".join(lines)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = self._compose(messages)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for token in re.findall(r"\S+\s*|\s+", self._compose(messages)):
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
        text = await asyncio.to_thread(self._compose, messages)
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
        text = await asyncio.to_thread(self._compose, messages)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])
