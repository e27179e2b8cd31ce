"""ChatCohere whose text stream reads Cohere's /v2/chat events itself.

Why: per streamed token, the SDK decodes the SSE line, validates the event into pydantic models
(the union of twelve event types), and langchain-cohere builds a message chunk that then goes
through every runnable layer and callback of the chain. This subclass sends the request through
the SDK's own HTTP wrapper (same body, headers, timeout and HTTP errors; a body of text messages
is written as plain JSON, without the SDK's walk of each message model's type hints), then reads
the response body itself (clients/cohere_stream.py): one `orjson.loads` per event, no pydantic,
and every text delta already received in the same network read goes out as one chunk. Nothing
waits for more text to arrive, so no token is delayed; under load, when several deltas are
buffered by the time the event loop gets to the stream, the layers above run once for all of them
(bench/RESULTS.md, issue 12). `text_stream` gives the same answer as plain text in a run that
tells its handlers only of the first token, when they say that is enough (clients/text_run.py).

The chunks are langchain-cohere's: text chunks, then a last chunk with the finish reason and
token counts (`additional_kwargs`, `usage_metadata`, `generation_info`). Requests this path does
not cover — tools, documents, thinking, a structured response format — and an SDK whose response
wrapper no longer exposes its httpx response go to langchain-cohere's own stream;
tests/clients/test_cohere_chat.py compares both paths and fails when the SDK internals change.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import aclosing, asynccontextmanager
from typing import Any, TypeVar

import httpx
from cohere.core.http_response import BaseHttpResponse
from langchain_cohere import ChatCohere
from langchain_cohere.chat_models import get_cohere_chat_request_v2
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk
from langchain_core.runnables import RunnableConfig
from langchain_core.runnables.config import ensure_config

from clients.cohere_stream import stream_chunks, stream_pieces
from clients.patches.cohere_embed_decoding import api_error, response_body, sdk_http
from clients.text_run import Pieces, first_token_enough, run_manager_for, text_run

T = TypeVar("T")
# Request fields whose events this reader does not turn into chunks.
_SDK_ONLY = ("tools", "documents", "thinking", "response_format")
# The SDK's response wrapper keeps its httpx response here (cohere 5.x, core/http_response.py).
_RESPONSE_ATTR = "_response"


def fast_path_available() -> bool:
    """Whether the SDK's raw stream response still carries the httpx response we read."""
    return _RESPONSE_ATTR in getattr(BaseHttpResponse, "__annotations__", {})


class StreamingChatCohere(ChatCohere):
    """ChatCohere with the lean, coalescing stream reader described above."""

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        request = get_cohere_chat_request_v2(
            messages, stop_sequences=stop, **self._default_params, **kwargs
        )
        if not _reads_itself(request):
            async for chunk in super()._astream(messages, stop, run_manager, **kwargs):
                yield chunk
            return
        async with self._reading(request, stream_chunks) as chunks:
            async for chunk in chunks:
                if run_manager is not None:
                    await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk

    def text_stream(
        self, messages: list[BaseMessage], config: RunnableConfig | None = None
    ) -> AsyncIterator[str] | None:
        """The answer as plain text in one run whose handlers hear only of the first token
        (clients/text_run.py), when this reader takes the request and every handler of the
        call says it needs no more; None otherwise (then use `astream`)."""
        config = ensure_config(config)
        request = get_cohere_chat_request_v2(messages, **self._default_params)
        if (not _reads_itself(request) or self.rate_limiter is not None
                or getattr(self, "output_version", None) == "v1"):
            return None
        manager = run_manager_for(self, config)
        if not first_token_enough(manager.handlers):
            return None

        async def pieces() -> Pieces:
            async with self._reading(request, stream_pieces) as stream:
                async for piece in stream:
                    yield piece

        return text_run(self, messages, config, manager, pieces)

    @asynccontextmanager
    async def _reading(
        self, request: dict[str, Any], reader: Callable[[AsyncIterator[bytes]], AsyncIterator[T]]
    ) -> AsyncIterator[AsyncIterator[T]]:
        """`reader` over the /v2/chat response's body; leaving the block closes the reader (and
        its task) and then the response, however the stream ended."""
        async with (self._response(request) as response,
                    aclosing(reader(response.aiter_bytes())) as stream):
            yield stream

    @asynccontextmanager
    async def _response(self, request: dict[str, Any]) -> AsyncIterator[httpx.Response]:
        """The /v2/chat response, sent by the SDK's HTTP wrapper with a body of plain JSON when
        the request is text messages and plain values (the raw client otherwise walks the type
        hints of every message model twice per request), else by the SDK's raw client. An error
        status raises the SDK's ApiError with its status, headers and body, as the SDK does."""
        http = sdk_http(self.async_client, "chat", "stream")
        body = plain_body(request) if http is not None else None
        if body is None:
            async with self.async_client.v2.with_raw_response.chat_stream(**request) as raw:
                yield getattr(raw, _RESPONSE_ATTR)
            return
        async with http.stream(
            "v2/chat", method="POST", json=body, headers={"content-type": "application/json"},
        ) as response:
            if not 200 <= response.status_code < 300:
                await response.aread()
                raise api_error(response, response_body(response))
            yield response


def _reads_itself(request: dict[str, Any]) -> bool:
    """Whether this module reads the response to `request` (else langchain-cohere does)."""
    return not any(request.get(key) for key in _SDK_ONLY) and fast_path_available()


def plain_body(request: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON the SDK sends for `request` (langchain-cohere's), when its messages are text
    messages with only a role and content and its other values are plain; else None."""
    messages = []
    for message in request.get("messages") or ():
        fields = getattr(message, "model_fields_set", None)
        content = getattr(message, "content", None)
        if fields != {"role", "content"} or not isinstance(content, str):
            return None
        messages.append({"role": message.role, "content": content})
    body: dict[str, Any] = {"messages": messages}
    for key, value in request.items():
        if key == "messages" or value is None:
            continue
        if not isinstance(value, str | int | float | bool | list) or (
            isinstance(value, list) and not all(isinstance(v, str) for v in value)
        ):
            return None
        body[key] = value
    return {**body, "stream": True}
