"""What the chat chain takes: the reader's message, its bounds, and the session it belongs to."""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import ConfigurableFieldSpec
from pydantic import BaseModel, Field, field_validator

MAX_QUESTION_CHARS = 4000
MAX_SELECTION_CHARS = 8000
MAX_PAGE_URL_CHARS = 2000

SESSION_ID_SPEC = ConfigurableFieldSpec(
    id="session_id",
    annotation=str,
    name="Session ID",
    description="UUID of the conversation; its turns are kept in the history store.",
    default="",
    is_shared=True,
)


class ChatInput(BaseModel):
    """A reader's message, optionally about a passage they selected on a page of the book."""

    question: str = Field(
        ..., min_length=1, max_length=MAX_QUESTION_CHARS, description="The reader's question."
    )
    # Plain strings, "" when absent: the playground's form generator cannot draw nullable fields.
    selected_text: str = Field(
        "",
        max_length=MAX_SELECTION_CHARS,
        description="A passage the reader selected; the answer is grounded in it first.",
    )
    page_url: str = Field(
        "",
        max_length=MAX_PAGE_URL_CHARS,
        description="URL of the page the reader is on; its sections are searched first.",
    )

    @field_validator("selected_text", "page_url", mode="before")
    @classmethod
    def _none_is_empty(cls, value: object) -> object:
        if value is None:
            return ""
        return value.strip() if isinstance(value, str) else value

    @classmethod
    def of(cls, value: Any) -> ChatInput:
        """The input as a ChatInput, whether it came as a model or a dict."""
        if isinstance(value, cls):
            return value
        if isinstance(value, BaseModel):
            value = value.model_dump()
        return cls.model_validate(value)

    def focus(self) -> dict[str, str]:
        """The retriever's `passage=` / `page_url=` keywords, only those given."""
        focus = {"passage": self.selected_text, "page_url": self.page_url}
        return {key: value for key, value in focus.items() if value}
