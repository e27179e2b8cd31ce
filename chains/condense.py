"""Turning a follow-up into a standalone question for retrieval."""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder
from langchain_core.runnables import Runnable, RunnableLambda

from chains import names
from chains.parsers import InlineStrOutputParser
from chains.prompts import load_prompt


def heuristic_condenser() -> Runnable[dict, str]:
    """Offline stand-in for an LLM rewrite: a short follow-up borrows the previous question."""

    def condense(inputs: dict) -> str:
        question: str = inputs["question"]
        previous = [m for m in inputs["history"] if isinstance(m, HumanMessage)]
        if previous and len(question.split()) <= 12:
            return f"{previous[-1].content} {question}"
        return question

    return RunnableLambda(condense).with_config(run_name=names.HEURISTIC_CONDENSE)


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
