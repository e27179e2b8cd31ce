"""Readers' feedback on answers: POST a vote, and an admin export for review."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field, field_validator

from service.api.deps import AdminDep, ReadyDep
from stores.feedback import MAX_EXPORT, Feedback, with_texts

router = APIRouter(prefix="/api/feedback", tags=["feedback"])


class FeedbackIn(BaseModel):
    """A thumbs up (1) or down (-1) on the answer whose id the `done` event gave."""

    model_config = ConfigDict(str_strip_whitespace=True)

    message_id: uuid.UUID
    score: Literal[1, -1]
    comment: str | None = Field(None, max_length=2000)

    @field_validator("score", mode="before")
    @classmethod
    def _not_a_bool(cls, value: object) -> object:
        # Strictly an integer: True == 1 and 1.0 == 1 to Python, but a vote is neither.
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("score must be the integer 1 or -1")
        return value


class FeedbackOut(BaseModel):
    message_id: str
    score: int
    comment: str | None


class FeedbackRecord(BaseModel):
    message_id: str
    score: int
    comment: str | None
    created_at: str
    updated_at: str
    session_id: str | None = Field(None, description="None once the conversation was deleted")
    question: str | None
    answer: str | None


class FeedbackExport(BaseModel):
    feedback: list[FeedbackRecord]


@router.post(
    "",
    status_code=201,
    response_model=FeedbackOut,
    summary="Rate an answer",
    responses={404: {"description": "No stored answer has this message_id"}},
)
async def add_feedback(body: FeedbackIn, res: ReadyDep) -> FeedbackOut:
    message_id = str(body.message_id)
    await res.feedback.setup()
    if not await res.history.answer_exists(message_id):
        raise HTTPException(404, "no stored answer with this message_id")
    comment = body.comment or None
    await res.feedback.add(Feedback(message_id, body.score, comment))
    return FeedbackOut(message_id=message_id, score=body.score, comment=comment)


@router.get(
    "",
    response_model=FeedbackExport,
    dependencies=[AdminDep],
    summary="Export feedback for review (needs ADMIN_TOKEN as a bearer token)",
)
async def export_feedback(
    res: ReadyDep, limit: int = Query(MAX_EXPORT, ge=1, le=MAX_EXPORT)
) -> dict[str, Any]:
    await res.feedback.setup()
    return {"feedback": await with_texts(await res.feedback.export(limit), res.history)}
