"""A conversation's stored turns, as a reader's widget restores them after a page load."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException, Response
from langchain_core.messages import BaseMessage
from pydantic import BaseModel, Field

from chains.sources import cited_sources
from service.api.deps import ResourcesDep, valid_session_id
from service.resources import Resources
from stores.history import TurnExtras

router = APIRouter(prefix="/api/conversation", tags=["conversations"])


class Source(BaseModel):
    n: int
    title: str = ""
    section: str = ""
    url: str = ""
    path: str = ""
    score: float | None = None


class Citation(BaseModel):
    n: int
    url: str


class StoredMessage(BaseModel):
    id: str | None
    role: Literal["human", "ai", "system", "other"]
    content: str
    selected_text: str | None = Field(None, description="human: the passage the reader selected")
    page_url: str | None = Field(None, description="human: the page the reader asked from")
    sources: list[Source] | None = Field(None, description="ai: the numbered sources it was given")
    citations: list[Citation] | None = Field(None, description="ai: the sources it cites, in order")


class Conversation(BaseModel):
    session_id: str
    messages: list[StoredMessage]


def _stored(message: BaseMessage, extras: dict[str, TurnExtras], asked: dict[str, TurnExtras]):
    role = message.type if message.type in {"human", "ai", "system"} else "other"
    out = StoredMessage(id=message.id, role=role, content=str(message.content))
    if role == "ai":
        turn = extras.get(str(message.id))
        sources = turn.sources if turn else []
        out.sources = [Source(**s) for s in sources]
        out.citations = [Citation(**c) for c in cited_sources(out.content, sources)]
    elif role == "human" and (turn := asked.get(str(message.id))):
        out.selected_text, out.page_url = turn.selected_text, turn.page_url
    return out


@router.get("/{session_id}", response_model=Conversation, summary="A conversation's turns")
async def get_conversation(session_id: str, res: ResourcesDep) -> Conversation:
    sid = valid_session_id(session_id)
    messages = await res.history.get_messages(sid)
    if not messages:
        raise HTTPException(404, "no conversation with this session id")
    extras = await res.history.get_extras(sid)
    asked = {turn.question_id: turn for turn in extras.values()}
    return Conversation(
        session_id=sid, messages=[_stored(m, extras, asked) for m in messages]
    )


@router.delete(
    "/{session_id}",
    status_code=204,
    response_class=Response,
    summary="Forget a conversation",
    responses={400: {"description": "Not a UUID"}, 404: {"description": "No such conversation"}},
)
async def delete_conversation(session_id: str, res: ResourcesDep) -> Response:
    await forget(res, session_id)
    return Response(status_code=204)


async def forget(res: Resources, session_id: str) -> None:
    """Delete a conversation's turns: 400 unless a UUID, 404 when there are none."""
    if not await res.history.clear(valid_session_id(session_id)):
        raise HTTPException(404, "no conversation with this session id")
