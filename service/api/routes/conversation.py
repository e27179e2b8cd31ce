"""The stored turns of a conversation."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException, Response
from pydantic import BaseModel

from service.api.deps import ResourcesDep, valid_session_id
from service.resources import Resources

router = APIRouter(prefix="/api/conversation", tags=["conversations"])


class StoredMessage(BaseModel):
    id: str | None
    role: Literal["human", "ai", "system", "other"]
    content: str


class Conversation(BaseModel):
    session_id: str
    messages: list[StoredMessage]


@router.get("/{session_id}", response_model=Conversation, summary="A conversation's turns")
async def get_conversation(session_id: str, res: ResourcesDep) -> Conversation:
    sid = valid_session_id(session_id)
    messages = await res.history.get_messages(sid)
    if not messages:
        raise HTTPException(404, "no conversation with this session id")
    return Conversation(
        session_id=sid,
        messages=[
            StoredMessage(
                id=m.id,
                role=m.type if m.type in {"human", "ai", "system"} else "other",
                content=str(m.content),
            )
            for m in messages
        ],
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
