"""What-if launcher (bench only, never deployed): `python server.py` with proposed fixes applied
first, so a benchmark can show the gain before anyone changes the app.

The three fixes below have landed in the app (server.py, clients/patches/cohere_stream_events.py,
clients/cohere_http.py), so run_all runs no what-if passes; the launcher stays for the next one.

BENCH_WHATIF_FIXES (comma-separated, default "blas,parse") picks them:

- parse: the Cohere SDK (5.x) parses every streamed chat event with `parse_obj_as`, which builds a
  new pydantic TypeAdapter and walks the type's annotations (typing.get_type_hints) looking for
  alias metadata, per event. Chat stream events carry no alias metadata, so for that one type the
  walk is a no-op: validate with one cached TypeAdapter instead.
- blas: numpy's OpenBLAS starts one worker thread per core, and embedded Qdrant's cosine search
  (a matrix-vector product per query) wakes it; on 2 vCPUs the spinning worker costs about as much
  CPU as it saves. OPENBLAS_NUM_THREADS=1 (set before numpy is imported) keeps BLAS on the
  calling thread.
- pool: the SDK's httpx client keeps httpx's default limits (100 connections, 20 kept alive), so
  the 101st concurrent answer waits inside the SDK for a connection. Give the chat model's async
  client a pool as large as the streams we want to hold.

Two more take a lever of issue 12 back out, to measure it in the same run as the app:

- sdkstream: langchain-cohere's own stream (SDK event parsing, one chunk per delta) instead of
  clients/cohere_chat.py's reader.
- nofreeze: no gc.freeze() after start-up (service/startup.py).
- aggregator: LangServe's event aggregator kept on the /chat runs (service/api/late_bound.py).
- fullanswer: every answer through the full answer runnable, never chains/answer.py's lean path.
- parser: the answer parser builds a ChatGeneration per chunk again (chains/parsers.py).
- ssewriter: /api/chat's events written through sse-starlette's ServerSentEvent and json.dumps.
- tokencallbacks: the answer's model run through langchain-core's `astream` (a message chunk, a
  generation chunk and a callback dispatch per token) even when every handler needs only the
  first token: clients/text_run.py not used.
- turntask: /api/chat's (and the WebSocket's) turn runs the whole chain in a task of its own and
  hands each token over through a queue, as before service/api/turn.py read the tokens itself.
- localsearch: the embedded store's search as qdrant-client ships it (no sparse index, cosine
  re-normalising every stored vector, payloads deep-copied): clients/patches/qdrant_local_search.py
  not installed. The baseline app runs local mode as shipped.
- httpcore: the Cohere calls on httpx's own transport (httpcore + h11, one pool) instead of
  httpx-aiohttp's (clients/cohere_http.py); one pool is what the baseline app has too.

    BENCH_WHATIF_FIXES=blas,parse,pool python -m bench.whatif_server   (env vars as server.py)
"""

from __future__ import annotations

import os
import sys
from typing import Any

DEFAULT = "blas,parse"
POOL_SIZE = 2000


def _fix_parse() -> None:
    from clients.patches.cohere_stream_events import cache_stream_event_parsing

    cache_stream_event_parsing()  # the fix as it landed in the app


def _fix_pool() -> None:
    import cohere
    import httpx

    from clients import factory

    make_chat = factory.make_cohere_chat

    def make_chat_with_pool(settings: Any, http: Any = None) -> Any:
        llm = make_chat(settings, http)
        if llm is not None:
            limits = httpx.Limits(max_connections=POOL_SIZE, max_keepalive_connections=POOL_SIZE)
            llm.async_client = cohere.AsyncClient(
                api_key=settings.cohere_api_key.get_secret_value(),
                base_url=settings.cohere_base_url,
                timeout=settings.cohere_timeout_seconds,
                httpx_client=httpx.AsyncClient(timeout=settings.cohere_timeout_seconds,
                                               limits=limits),
            )
        return llm

    factory.make_cohere_chat = make_chat_with_pool  # the lifespan calls it at start-up


def _fix_blas() -> None:
    if "numpy" in sys.modules:
        raise RuntimeError("the blas fix must run before numpy is imported")
    os.environ["OPENBLAS_NUM_THREADS"] = "1"


def _undo_stream_reader() -> None:
    from langchain_cohere import ChatCohere

    from clients.cohere_chat import StreamingChatCohere

    StreamingChatCohere._astream = ChatCohere._astream  # type: ignore[method-assign]


def _undo_freeze() -> None:
    from service import startup

    startup.settle_memory = lambda: None


def _undo_quiet_routes() -> None:
    from service.api.late_bound import LateBound

    LateBound._config = lambda self, config: config  # type: ignore[method-assign]


def _undo_parser() -> None:
    from langchain_core.messages import BaseMessage
    from langchain_core.outputs import ChatGeneration, Generation

    from chains.parsers import InlineStrOutputParser

    async def per_chunk_generation(self: Any, input: Any) -> Any:
        async for chunk in input:
            if isinstance(chunk, BaseMessage):
                yield self.parse_result([ChatGeneration(message=chunk)])
            else:
                yield self.parse_result([Generation(text=chunk)])

    InlineStrOutputParser._atransform = per_chunk_generation  # type: ignore[method-assign]


def _undo_sse_writer() -> None:
    import json

    from sse_starlette import ServerSentEvent

    from service.api.routes import chat_api

    def sse_event(name: str, data: Any) -> Any:
        return ServerSentEvent(event=name, data=json.dumps(data, ensure_ascii=False))

    chat_api.sse_event = sse_event


def _undo_local_search() -> None:
    from clients import factory

    factory.speed_up_local_search = lambda: False


def _undo_aiohttp() -> None:
    import httpx

    from clients import factory
    from clients.stale_retry import RetryDropped

    def httpcore_client(max_connections: int, timeout: float) -> httpx.AsyncClient:
        limits = httpx.Limits(max_connections=max_connections,
                              max_keepalive_connections=max_connections)
        transport = RetryDropped(httpx.AsyncHTTPTransport(limits=limits))
        return httpx.AsyncClient(timeout=timeout, transport=transport)

    factory.pooled_http_client = httpcore_client


def _undo_lean_answer() -> None:
    from chains import conversation

    conversation.events_streamed = lambda config: True


def _undo_text_run() -> None:
    from clients.cohere_chat import StreamingChatCohere

    StreamingChatCohere.text_stream = lambda self, messages, config=None: None


async def _chain_in_task(turn: Any, queue: Any, watch: Any) -> None:
    """turntask: the whole chain in a task, every token handed over through `queue`."""
    from contextlib import aclosing

    config = {"configurable": {"session_id": turn.session_id, "message_id": turn.message_id},
              "callbacks": [watch]}
    try:
        async with aclosing(turn.chain.astream(turn.inputs, config)) as stream:
            async for text in stream:
                if text:
                    queue.put_nowait(("token", text))
    except BaseException as exc:
        queue.put_nowait(("_failed", exc))
        if not isinstance(exc, Exception):
            raise
        return
    turn.completed = True
    queue.put_nowait(("_end", None))


def _undo_turn_reader() -> None:
    import asyncio

    from service.api import turn as turn_module
    from service.api.turn_watch import TurnWatch

    async def events(self: Any) -> Any:  # the turn as it was before (one task, a queue)
        yield "session", {"session_id": self.session_id}
        queue: asyncio.Queue = asyncio.Queue()
        watch = TurnWatch(queue.put_nowait)
        sources: list = []
        parts: list[str] = []
        task = asyncio.create_task(_chain_in_task(self, queue, watch))
        try:
            while (event := await queue.get())[0] != "_end":
                name, data = event
                if name == "_failed":
                    code, message = turn_module._failure(data, watch.stage)
                    yield "error", turn_module.error_data(code, message)
                    return
                sources = data if name == "sources" else sources
                parts += [data] if name == "token" else []
                yield name, {"text": data} if name == "token" else data
        finally:
            if not task.done():
                task.cancel()
                await asyncio.wait([task])
        yield "done", self._done("".join(parts), sources, watch)

    turn_module.Turn.events = events


FIXES = {"blas": _fix_blas, "parse": _fix_parse, "pool": _fix_pool,
         "sdkstream": _undo_stream_reader, "nofreeze": _undo_freeze,
         "aggregator": _undo_quiet_routes, "fullanswer": _undo_lean_answer, "parser": _undo_parser,
         "ssewriter": _undo_sse_writer, "localsearch": _undo_local_search,
         "tokencallbacks": _undo_text_run, "turntask": _undo_turn_reader,
         "httpcore": _undo_aiohttp}


def apply(names: str) -> list[str]:
    wanted = {n.strip() for n in names.split(",") if n.strip()}
    unknown = wanted - FIXES.keys()
    if unknown:
        raise ValueError(f"unknown fixes {sorted(unknown)}; known: {sorted(FIXES)}")
    applied = [name for name in FIXES if name in wanted]  # blas first, before any numpy import
    for name in applied:
        FIXES[name]()
    return applied


if __name__ == "__main__":
    # As server.py does, before a lever's undo imports numpy (through qdrant-client, say).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    print(f"what-if fixes: {apply(os.environ.get('BENCH_WHATIF_FIXES', DEFAULT))}",
          file=sys.stderr)
    import server

    sys.exit(server.main())
