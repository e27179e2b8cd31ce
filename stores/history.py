"""Conversation history keyed by session id (a UUID): what the chain and the routes need from a
backend, and the records it keeps.

A turn is the reader's question and the answer, stored together or not at all. The messages go
where LangChain keeps chat history (langchain-postgres' table on Postgres, the same shape in the
embedded SQLite file); what we add to a turn — the numbered sources the answer cites and the
passage the reader selected — lives in our own table, `chat_turns`, keyed by the answer's
message id. Other stores join through that column, never through another library's layout.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

MESSAGES_TABLE = "chat_history"
TURNS_TABLE = "chat_turns"


def parse_session_id(value: object) -> str:
    """The canonical form of a session id; ValueError unless it is a UUID."""
    if not isinstance(value, str | uuid.UUID):
        raise ValueError("session_id must be a UUID string")
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise ValueError("session_id must be a UUID string") from None


def answer_id(value: object) -> str:
    """The id an answer is stored under: `value` in canonical form when it is a UUID, else a
    new one."""
    try:
        return parse_session_id(value)
    except ValueError:
        return str(uuid.uuid4())


@dataclass(frozen=True)
class TurnExtras:
    """What a turn keeps besides its two messages."""

    question_id: str
    sources: list[dict[str, Any]] = field(default_factory=list)
    selected_text: str | None = None
    page_url: str | None = None


@dataclass(frozen=True)
class Turn:
    """One question and its answer; the answer's id is the turn's `message_id`."""

    session_id: str
    question: HumanMessage
    answer: AIMessage
    sources: list[dict[str, Any]] = field(default_factory=list)
    selected_text: str | None = None
    page_url: str | None = None

    @property
    def message_id(self) -> str:
        return str(self.answer.id)

    @property
    def extras(self) -> TurnExtras:
        return TurnExtras(str(self.question.id), self.sources, self.selected_text, self.page_url)


def new_turn(
    session_id: str,
    question: str,
    answer: str,
    *,
    message_id: str | None = None,
    sources: list[dict[str, Any]] | None = None,
    selected_text: str | None = None,
    page_url: str | None = None,
) -> Turn:
    """A turn with fresh message ids (the answer's is `message_id` when given)."""
    return Turn(
        session_id=parse_session_id(session_id),
        question=HumanMessage(content=question, id=str(uuid.uuid4())),
        answer=AIMessage(content=answer, id=message_id or str(uuid.uuid4())),
        sources=list(sources or []),
        selected_text=selected_text or None,
        page_url=page_url or None,
    )


class HistoryStore(Protocol):
    """What the chain and the routes need from a history backend."""

    kind: str

    async def setup(self) -> None:
        """Create the tables (idempotent)."""

    async def get_messages(self, session_id: str) -> list[BaseMessage]:
        """The session's messages, oldest first."""

    async def get_extras(self, session_id: str) -> dict[str, TurnExtras]:
        """The session's turn extras by answer message id."""

    async def add_turn(self, turn: Turn) -> None:
        """Store both messages and the extras in one transaction."""

    async def answer_exists(self, message_id: str) -> bool:
        """Whether a stored turn has this answer id."""

    async def clear(self, session_id: str) -> bool:
        """Forget the session; False when it had nothing stored."""

    async def ping(self) -> None:
        """Raise when the backend cannot be reached."""
