"""The answer's output parser: StrOutputParser, without a thread hop per streamed token.

langchain-core's BaseTransformOutputParser._atransform runs `parse_result` in the default
executor for every chunk, so a 40-token answer made 40 round trips through the thread pool
(bench/RESULTS.md). Taking the text out of a message chunk is a few attribute reads: done inline,
without building a ChatGeneration (a pydantic model) per chunk as `parse_result` would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from langchain_core.messages import BaseMessage
from langchain_core.output_parsers import StrOutputParser


def message_text(message: BaseMessage) -> str:
    """A message chunk's text: its content, or the text of its content blocks (what
    StrOutputParser's ChatGeneration would give)."""
    content = message.content
    return content if isinstance(content, str) else str(message.text)


class InlineStrOutputParser(StrOutputParser):
    """StrOutputParser whose async stream parses each chunk on the event loop."""

    async def _atransform(self, input: AsyncIterator[str | BaseMessage]) -> AsyncIterator[str]:
        async for chunk in input:
            yield message_text(chunk) if isinstance(chunk, BaseMessage) else chunk
