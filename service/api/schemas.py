"""The reader's message as POST /api/chat and WS /api/ws take it."""

from __future__ import annotations

import uuid

from langchain_core.runnables import Runnable
from pydantic import BaseModel, ConfigDict, Field

from chains.inputs import MAX_PAGE_URL_CHARS, MAX_QUESTION_CHARS, MAX_SELECTION_CHARS
from service.api.turn import Turn
from stores.history import parse_session_id


class ChatRequest(BaseModel):
    """A reader's message, as POST /api/chat and WS /api/ws take it."""

    model_config = ConfigDict(str_strip_whitespace=True)

    # White space around it is stripped, and NUL at the edge: something else must be left.
    message: str = Field(
        ..., min_length=1, max_length=MAX_QUESTION_CHARS,
        json_schema_extra={"pattern": r"[^\s\x00]"},
    )
    session_id: str | None = Field(
        None, description="UUID of the conversation; null or absent starts a new one."
    )
    selected_text: str | None = Field(
        None,
        max_length=MAX_SELECTION_CHARS,
        description="A passage the reader selected; the answer is grounded in it first.",
    )
    page_url: str | None = Field(
        None,
        max_length=MAX_PAGE_URL_CHARS,
        description="The page the reader is on (location.href); its sections are searched first.",
    )

    def turn(self, chain: Runnable) -> Turn:
        """The turn this message asks for; ValueError when session_id is not a UUID."""
        session_id = parse_session_id(self.session_id) if self.session_id else str(uuid.uuid4())
        inputs = {
            "question": self.message,
            "selected_text": self.selected_text,
            "page_url": self.page_url,
        }
        return Turn(chain, inputs, session_id)
