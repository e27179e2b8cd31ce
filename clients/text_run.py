"""A chat model's run that streams plain text, with callbacks kept off the token path.

langchain-core's `BaseChatModel.astream` does, per streamed chunk: two pydantic objects (a message
chunk inside a generation chunk), its metadata merged into a new dict, and a callback dispatch to
every handler of the run. A served answer is 200–500 chunks, and at low concurrency each one
arrives alone, so this per-chunk work is most of what the chain adds to a token
(bench/RESULTS.md, issue 12).

`text_run` makes the same model run (start with the messages and invocation parameters, end with
the whole generation and its usage; error with what was generated so far) around a stream of
text pieces, and tells the handlers only of the first token. It is for runs whose handlers all
say they need no more than that: a handler opts in with `every_token = False` (the meter reads
the first token for the time to it, the rest from the run's end). Any other handler, a tracer
or a stream_events client for instance, gets the model's own `astream` and every chunk.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import aclosing

from langchain_core.callbacks import AsyncCallbackManager, BaseCallbackHandler
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, LLMResult
from langchain_core.outputs.chat_generation import merge_chat_generation_chunks
from langchain_core.runnables import RunnableConfig

# (text, closing chunk or None) as clients/cohere_chat.py's stream_pieces gives them
Pieces = AsyncIterator[tuple[str, ChatGenerationChunk | None]]
RUN_ID_PREFIX = "lc_run-"  # langchain-core's LC_ID_PREFIX: message ids are "lc_run--<run id>"
GATEWAY_KEY = "lc_gateway_metadata"  # generation info langchain-core keeps out of the metadata


def first_token_enough(handlers: Sequence[BaseCallbackHandler]) -> bool:
    """Whether every handler reads no more than a model run's first token."""
    return all(getattr(h, "every_token", True) is False for h in handlers)


def run_manager_for(model: BaseChatModel, config: RunnableConfig) -> AsyncCallbackManager:
    """The callback manager `BaseChatModel.astream` would configure for this call."""
    return AsyncCallbackManager.configure(
        config.get("callbacks"), model.callbacks, model.verbose, config.get("tags"),
        model.tags, config.get("metadata"), model.metadata,
    )


async def text_run(
    model: BaseChatModel,
    messages: list[BaseMessage],
    config: RunnableConfig,
    manager: AsyncCallbackManager,
    pieces: Callable[[], Pieces],
) -> AsyncIterator[str]:
    """The model's answer as text, one run around it; `pieces()` opens the model's stream.
    `manager` is `run_manager_for(model, config)`, whose handlers the caller found
    `first_token_enough`."""
    (run,) = await manager.on_chat_model_start(
        model._serialized, [messages], invocation_params=model._get_invocation_params(),
        options={"stop": None}, name=config.get("run_name"), run_id=config.pop("run_id", None),
        batch_size=1,
    )
    message_id = f"{RUN_ID_PREFIX}-{run.run_id}"
    parts: list[str] = []
    last = None
    try:
        async with aclosing(pieces()) as stream:
            async for text, closing in stream:
                if closing is not None:
                    last = closing
                if text:
                    if not parts:
                        await run.on_llm_new_token(text)
                    parts.append(text)
                    yield text
    except BaseException as exc:
        partial = _generation(parts, None, message_id)
        await run.on_llm_error(exc, response=LLMResult(generations=[[partial]] if parts else []))
        raise
    await run.on_llm_end(LLMResult(generations=[[_generation(parts, last, message_id)]]))


def _generation(
    parts: list[str], last: ChatGenerationChunk | None, message_id: str
) -> ChatGenerationChunk:
    """What `BaseChatModel.astream` ends its run with: the chunks merged, the message's id and
    its response metadata set from the closing chunk's generation info."""
    chunks = [ChatGenerationChunk(message=AIMessageChunk(content="".join(parts)))]
    if last is not None:
        chunks.append(last)
    for chunk in chunks:
        chunk.message.id = chunk.message.id or message_id
        info = {k: v for k, v in (chunk.generation_info or {}).items() if k != GATEWAY_KEY}
        chunk.message.response_metadata = {**info, **chunk.message.response_metadata}
    merged = merge_chat_generation_chunks(chunks)
    assert merged is not None
    return merged
