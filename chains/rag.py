"""The conversational RAG chain: condense → retrieve → prompt → model → parser, with history.

History is a small step of our own (RunnableWithMessageHistory is deprecated in langchain-core
≥ 1.3.3): it loads the session's turns, streams the answer through, and stores the turn only
when the answer completed, so a cut or cancelled stream never leaves a half answer in the history.

A reader may send the passage they selected and the page they are on: the passage goes into the
prompt as a quoted <selection> block, and the retriever is called with `passage=` and `page_url=`
so the passage's own sections come first (see chains/focus_retriever.py).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder
from langchain_core.runnables import (
    ConfigurableFieldSpec,
    Runnable,
    RunnableConfig,
    RunnableGenerator,
    RunnableLambda,
)
from pydantic import BaseModel, Field, field_validator

from chains.parsers import InlineStrOutputParser
from chains.prompt_budget import trim_history
from chains.prompts import load_prompt
from chains.sources import format_selection, format_sources
from stores.history import HistoryStore, parse_session_id

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


def _input_of(value: Any) -> ChatInput:
    if isinstance(value, BaseModel):
        value = value.model_dump()
    return ChatInput.model_validate(value)


def _focus_of(request: ChatInput) -> dict[str, str]:
    """The retriever's `passage=` / `page_url=` keywords, only those given."""
    focus = {"passage": request.selected_text, "page_url": request.page_url}
    return {key: value for key, value in focus.items() if value}


def heuristic_condenser() -> Runnable[dict, str]:
    """Offline stand-in for an LLM rewrite: a short follow-up borrows the previous question."""

    def condense(inputs: dict) -> str:
        question: str = inputs["question"]
        previous = [m for m in inputs["history"] if isinstance(m, HumanMessage)]
        if previous and len(question.split()) <= 12:
            return f"{previous[-1].content} {question}"
        return question

    return RunnableLambda(condense).with_config(run_name="HeuristicCondense")


def llm_condenser(llm: BaseChatModel) -> Runnable[dict, str]:
    """Rewrite the follow-up as a standalone question with the chat model."""
    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", load_prompt("condense_question")),
            MessagesPlaceholder("history"),
            ("human", "{question}"),
        ]
    )
    return prompt | llm | InlineStrOutputParser()


def build_answer_chain(
    llm: BaseChatModel, book_title: str = "Physical AI & Humanoid Robotics"
) -> Runnable[dict, str]:
    """{question, history, sources, selection} → streamed answer text: prompt → model → parser."""
    answer_prompt = ChatPromptTemplate.from_messages(
        [
            ("system", load_prompt("answer_system")),
            MessagesPlaceholder("history"),
            ("human", "{question}"),
        ]
    ).partial(book_title=book_title)
    return (
        answer_prompt.with_config(run_name="AnswerPrompt")
        | llm.with_config(run_name="ChatModel")
        | InlineStrOutputParser().with_config(run_name="AnswerParser")
    ).with_config(run_name="Answer")


class _ConversationRunnable(RunnableGenerator):
    """A generator runnable that declares the session_id it reads from the config."""

    @property
    def config_specs(self) -> list[ConfigurableFieldSpec]:
        return [SESSION_ID_SPEC]


def build_rag_chain(
    *,
    retriever: Runnable[str, list[Document]],
    llm: BaseChatModel,
    history: HistoryStore,
    condenser: Runnable[dict, str] | None = None,
    max_history_messages: int = 12,
    max_history_chars: int = 8000,
    book_title: str = "Physical AI & Humanoid Robotics",
) -> Runnable[ChatInput, str]:
    """The published chat chain: ChatInput → answer text, history keyed by session_id."""
    answer = build_answer_chain(llm, book_title)
    condense = (condenser if condenser is not None else llm_condenser(llm)).with_config(
        run_name="CondenseQuestion"
    )
    retrieve = retriever.with_config(run_name="Retrieve")

    # The steps are awaited in order rather than composed with RunnablePassthrough.assign: each
    # assign layer is a RunnableParallel whose runs, callbacks and stream plumbing cost more CPU
    # per answer than the steps themselves (bench/RESULTS.md, "What the composition costs").
    async def converse(inputs: AsyncIterator[Any], config: RunnableConfig) -> AsyncIterator[str]:
        last = None
        async for item in inputs:
            last = item
        request = _input_of(last)
        configurable = config.get("configurable", {})
        session_id = parse_session_id(configurable.get("session_id"))
        message_id = str(configurable.get("message_id") or uuid.uuid4())
        past: list[BaseMessage] = await history.get_messages(session_id)
        past = trim_history(past, max_messages=max_history_messages, max_chars=max_history_chars)
        # A question about a selection is not condensed: the selection, not the earlier turns,
        # is what it refers to.
        question = request.question
        if past and not request.selected_text:
            question = await condense.ainvoke({"question": question, "history": past}, config)
        docs = await retrieve.ainvoke(question, config, **_focus_of(request))
        prompt_inputs = {
            "question": request.question,
            "history": past,
            "sources": format_sources(docs),
            "selection": format_selection(request.selected_text, request.page_url),
        }
        parts: list[str] = []
        async for chunk in answer.astream(prompt_inputs, config):
            parts.append(chunk)
            yield chunk
        await history.add_messages(
            session_id,
            [
                HumanMessage(content=request.question, id=str(uuid.uuid4())),
                AIMessage(content="".join(parts), id=message_id),
            ],
        )

    return (
        _ConversationRunnable(converse, name="BookChat")
        .with_types(input_type=ChatInput, output_type=str)
        .with_config(run_name="BookChat")
    )
