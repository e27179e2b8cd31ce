"""How much of a conversation goes back into the prompt: the latest turns, within a message count
and a character budget, starting on a reader's message.

The other parts of the prompt are bounded where they enter (question, selection and page URL by
ChatInput, sources by RETRIEVAL_K), so with this the whole prompt has a ceiling.
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import BaseMessage, trim_messages


def _chars(messages: Sequence[BaseMessage]) -> int:
    return sum(len(str(m.content)) for m in messages)


def trim_history(
    messages: Sequence[BaseMessage], *, max_messages: int, max_chars: int
) -> list[BaseMessage]:
    """The newest whole messages that fit both bounds; none when either bound is 0."""
    if max_messages <= 0 or max_chars <= 0:
        return []
    return trim_messages(
        list(messages[-max_messages:]),
        max_tokens=max_chars,
        token_counter=_chars,
        strategy="last",
        start_on="human",
    )
