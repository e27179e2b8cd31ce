"""Administrative routes, mounted only when ADMIN_TOKEN is set; each needs it as a bearer token.

POST /api/admin/ingest re-indexes DOCS_DIR into the live collection while the server keeps
answering: it reuses the server's own Qdrant client (embedded Qdrant allows one client per folder)
and runs in a worker thread. The ingest is incremental, so readers never see an empty collection.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, FastAPI, HTTPException, Request, Response
from pydantic import BaseModel

from service.api.deps import AdminDep, ResourcesDep
from service.api.logs import redact, secrets_of
from service.api.routes.conversation import forget
from service.resources import Resources
from service.startup import ingest_docs

log = logging.getLogger("bookchat")
router = APIRouter(prefix="/api/admin", tags=["admin"], dependencies=[AdminDep])


class IngestJob(BaseModel):
    """One re-index of DOCS_DIR: its state, then its counts or its error."""

    id: str
    status: Literal["running", "done", "failed"]
    started_at: datetime
    finished_at: datetime | None = None
    report: dict[str, Any] | None = None
    error: str | None = None


def _last_job(app: FastAPI) -> IngestJob | None:
    return getattr(app.state, "ingest_job", None)


async def _run_ingest(job: IngestJob, res: Resources) -> None:
    try:
        report = await ingest_docs(res)
    except Exception as exc:
        job.status, job.error = "failed", redact(
            f"{type(exc).__name__}: {exc}", secrets_of(res.settings)
        )
        log.error("admin ingest %s failed: %s", job.id, type(exc).__name__)
    else:
        job.status, job.report = "done", report.as_dict()
        log.info("admin ingest %s done: %s", job.id, report)
    finally:
        job.finished_at = datetime.now(UTC)


@router.post(
    "/ingest",
    status_code=202,
    response_model=IngestJob,
    summary="Re-index DOCS_DIR into the live collection, in the background",
    responses={
        401: {"description": "Missing or wrong bearer token"},
        409: {"description": "An ingest is already running"},
    },
)
async def start_ingest(request: Request, response: Response, res: ResourcesDep) -> IngestJob:
    if res.phase == "starting":
        raise HTTPException(409, "the service is still starting; try again shortly")
    running = _last_job(request.app)
    if running is not None and running.status == "running":
        raise HTTPException(409, "an ingest is already running; see GET /api/admin/ingest")
    job = IngestJob(id=uuid.uuid4().hex, status="running", started_at=datetime.now(UTC))
    request.app.state.ingest_job = job
    res.tasks.append(asyncio.create_task(_run_ingest(job, res)))  # cancelled at shutdown
    log.info("admin ingest %s started for %s", job.id, res.settings.docs_dir)
    response.headers["Location"] = "/api/admin/ingest"
    return job


@router.get(
    "/ingest",
    response_model=IngestJob,
    summary="The last ingest started here",
    responses={404: {"description": "No ingest was started since the server started"}},
)
async def ingest_status(request: Request) -> IngestJob:
    job = _last_job(request.app)
    if job is None:
        raise HTTPException(404, "no ingest was started since the server started")
    return job


@router.delete(
    "/conversation/{session_id}",
    status_code=204,
    response_class=Response,
    summary="Delete any conversation",
    responses={400: {"description": "Not a UUID"}, 404: {"description": "No such conversation"}},
)
async def delete_conversation(session_id: str, res: ResourcesDep) -> Response:
    await forget(res, session_id)
    log.info("admin deleted a conversation")
    return Response(status_code=204)
