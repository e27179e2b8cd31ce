"""The conversational RAG chain: condense → retrieve → prompt → model → parser, with history.

History is a small step of our own (RunnableWithMessageHistory is deprecated in langchain-core
≥ 1.3.3): it loads the session's turns, streams the answer through, and stores the turn only
when the answer completed, so a cut stream never leaves a half answer in the history.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from operator import itemgetter
from typing import Any

from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder
from langchain_core.runnables import (
    ConfigurableFieldSpec,
    Runnable,
    RunnableBranch,
    RunnableConfig,
    RunnableGenerator,
    RunnableLambda,
    RunnablePassthrough,
)
from pydantic import BaseModel, Field

from chains.history import HistoryStore, parse_session_id
from chains.prompts import load_prompt
from chains.sources import format_sources

MAX_QUESTION_CHARS = 4000

SESSION_ID_SPEC = ConfigurableFieldSpec(
    id="session_id",
    annotation=str,
    name="Session ID",
    description="UUID of the conversation; its turns are kept in the history store.",
    default="",
    is_shared=True,
)


class ChatInput(BaseModel):
    """A reader's message."""

    question: str = Field(
        ..., min_length=1, max_length=MAX_QUESTION_CHARS, description="The reader's question."
    )


def _question_of(value: Any) -> str:
    question = value.question if isinstance(value, BaseModel) else value["question"]
    return ChatInput(question=question).question


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
    return prompt | llm | StrOutputParser()


def build_answer_chain(
    *,
    retriever: Runnable[str, list[Document]],
    llm: BaseChatModel,
    condenser: Runnable[dict, str],
    book_title: str = "Physical AI & Humanoid Robotics",
) -> Runnable[dict, str]:
    """{question, history} → streamed answer text; every step named for traces and events."""
    condense = RunnableBranch(
        (lambda x: not x["history"], itemgetter("question")),
        condenser,
    ).with_config(run_name="CondenseQuestion")
    answer_prompt = ChatPromptTemplate.from_messages(
        [
            ("system", load_prompt("answer_system")),
            MessagesPlaceholder("history"),
            ("human", "{question}"),
        ]
    ).partial(book_title=book_title)
    return (
        RunnablePassthrough.assign(standalone_question=condense).with_config(
            run_name="WithStandaloneQuestion"
        )
        | RunnablePassthrough.assign(
            docs=itemgetter("standalone_question") | retriever.with_config(run_name="Retrieve")
        ).with_config(run_name="WithDocs")
        | RunnablePassthrough.assign(
            sources=RunnableLambda(lambda x: format_sources(x["docs"])).with_config(
                run_name="FormatSources"
            )
        ).with_config(run_name="WithSources")
        | answer_prompt.with_config(run_name="AnswerPrompt")
        | llm.with_config(run_name="ChatModel")
        | StrOutputParser().with_config(run_name="AnswerParser")
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
    book_title: str = "Physical AI & Humanoid Robotics",
) -> Runnable[ChatInput, str]:
    """The published chat chain: ChatInput → answer text, history keyed by session_id."""
    answer = build_answer_chain(
        retriever=retriever,
        llm=llm,
        condenser=condenser if condenser is not None else llm_condenser(llm),
        book_title=book_title,
    )

    async def converse(inputs: AsyncIterator[Any], config: RunnableConfig) -> AsyncIterator[str]:
        last = None
        async for item in inputs:
            last = item
        question = _question_of(last)
        configurable = config.get("configurable", {})
        session_id = parse_session_id(configurable.get("session_id"))
        message_id = str(configurable.get("message_id") or uuid.uuid4())
        past: list[BaseMessage] = await history.get_messages(session_id)
        past = past[-max_history_messages:] if max_history_messages else []
        parts: list[str] = []
        async for chunk in answer.astream({"question": question, "history": past}, config):
            parts.append(chunk)
            yield chunk
        await history.add_messages(
            session_id,
            [
                HumanMessage(content=question, id=str(uuid.uuid4())),
                AIMessage(content="".join(parts), id=message_id),
            ],
        )

    return (
        _ConversationRunnable(converse, name="BookChat")
        .with_types(input_type=ChatInput, output_type=str)
        .with_config(run_name="BookChat")
    )
