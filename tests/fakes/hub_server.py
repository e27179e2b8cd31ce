"""A fake Hugging Face Hub over real HTTP, so the unmodified `HfApi` can deploy a Space offline.

Point the client at it with `HF_ENDPOINT=fake.url` (or `HfApi(endpoint=fake.url)`). It answers
the calls `./dev deploy` makes, as huggingface_hub 1.x sends them: whoami-v2, repos/create, the
Space's info, secrets, variables, runtime and logs, and `upload_folder`'s flow (tree listing for
deletions, preupload, NDJSON commit). Every request is recorded (without its Authorization
header) so tests can assert what was sent, and that a dry run sent no write.

Simplifications, each visible in a test if they mattered: every file is answered "regular"
(the Xet/LFS storage protocol is not implemented; a commit carrying an LFS pointer is refused),
and a Space's build is a scripted sequence of runtime stages, one per poll: the previous stage
x stale_polls -> BUILDING x build_polls -> APP_STARTING -> RUNNING (or BUILD_ERROR with
`build_failure` lines), NO_APP_FILE when no Dockerfile was uploaded. `report_sha` says whether
the runtime names the commit its stage is about.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.fakes import hub_state as state
from tests.fakes.hub_state import HubUser, Recorded, SpaceState, ThreadedServer

TOKEN = "hf_fakeWRITEtoken0123456789abcdef"
SPACE = "/api/spaces/{owner}/{name}"


@dataclass(kw_only=True, eq=False)
class FakeHub(ThreadedServer):
    """The Hub endpoints HfApi calls for a Space deploy, with scripted builds."""

    users: dict[str, HubUser] = field(
        default_factory=lambda: {TOKEN: HubUser("you", orgs=["book-club"])}
    )
    build_polls: int = 2
    stale_polls: int = 1
    report_sha: bool = True
    build_failure: list[str] | None = None
    on_running: Callable[[SpaceState], None] | None = None

    def __post_init__(self) -> None:
        self.spaces: dict[str, SpaceState] = {}
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        self.app = Starlette(routes=[
            Route("/api/whoami-v2", self._whoami),
            Route("/api/agent-harnesses", self._harnesses),
            Route("/api/repos/create", self._create, methods=["POST"]),
            Route("/api/validate-yaml", self._validate_yaml, methods=["POST"]),
            Route(SPACE, self._info),
            Route(SPACE + "/revision/{rev}", self._info),
            Route(SPACE + "/secrets", self._secret, methods=["POST"]),
            Route(SPACE + "/variables", self._variable, methods=["POST"]),
            Route(SPACE + "/runtime", self._runtime),
            Route(SPACE + "/logs/{kind}", self._logs),
            Route(SPACE + "/tree/{rev}", self._tree),
            Route(SPACE + "/preupload/{rev}", self._preupload, methods=["POST"]),
            Route(SPACE + "/commit/{rev}", self._commit, methods=["POST"]),
        ])

    # -- for tests ---------------------------------------------------------------------------

    def writes(self) -> list[Recorded]:
        """Requests that change something on the Hub."""
        return [r for r in self.requests if r.method not in {"GET", "HEAD"}]

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]

    # -- shared ------------------------------------------------------------------------------

    async def _record(self, request: Request) -> Any:
        body = state.parse_body(await request.body(), request.headers.get("content-type", ""))
        headers = {k: v for k, v in request.headers.items() if k != "authorization"}
        self.requests.append(Recorded(request.method, request.url.path,
                                      dict(request.query_params), headers, body))
        return body

    def _user(self, request: Request) -> HubUser | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return self.users.get(token.strip()) if scheme.lower() == "bearer" else None

    def _space(self, request: Request, user: HubUser | None, *, write: bool) -> SpaceState | Response:
        """The Space, or the error the Hub gives: 401, 404 RepoNotFound or 403."""
        if user is None:
            return state.hub_error(401, "Invalid credentials in Authorization header")
        space = self.spaces.get(f"{request.path_params['owner']}/{request.path_params['name']}")
        if space is None or (space.private and not user.may_use(space.owner)):
            return state.hub_error(404, "Repository not found", code="RepoNotFound")
        if write and (user.role == "read" or not user.may_use(space.owner)):
            return state.hub_error(403, "You don't have the rights to write to this Space")
        return space

    # -- endpoints ---------------------------------------------------------------------------

    async def _whoami(self, request: Request) -> Response:
        await self._record(request)
        user = self._user(request)
        if user is None:
            return state.hub_error(401, "Invalid credentials in Authorization header")
        return JSONResponse({
            "type": "user", "name": user.name,
            "orgs": [{"type": "org", "name": org} for org in user.orgs],
            "auth": {"type": "access_token",
                     "accessToken": {"displayName": "deploy", "role": user.role}},
        })

    async def _harnesses(self, request: Request) -> Response:
        """The registry the client reads once a day to name an agent in its user agent."""
        await self._record(request)
        return JSONResponse({"standardEnvVars": [], "harnesses": {}})

    async def _create(self, request: Request) -> Response:
        body = await self._record(request)
        user = self._user(request)
        if user is None:
            return state.hub_error(401, "Invalid credentials in Authorization header")
        owner = body.get("organization") or user.name
        space_id = f"{owner}/{body['name']}"
        if body.get("type") != "space" or body.get("sdk") not in {"docker", "gradio", "static"}:
            return state.hub_error(400, "a Space needs type=space and an sdk")
        if user.role == "read" or not user.may_use(owner):
            return state.hub_error(403, f"You don't have the rights to create a space under {owner}")
        url = f"{self.url}/spaces/{space_id}"
        with self._lock:
            if space_id in self.spaces:
                return JSONResponse({"error": "You already created this space repo", "url": url},
                                    status_code=409)
            self.spaces[space_id] = SpaceState.created(
                space_id, sdk=body["sdk"], private=body.get("visibility") == "private"
            )
        return JSONResponse({"url": url, "name": space_id})

    async def _validate_yaml(self, request: Request) -> Response:
        body = await self._record(request)
        errors = state.front_matter_errors(body.get("content", ""), body.get("repoType"))
        return JSONResponse({"errors": errors, "warnings": []}, status_code=400 if errors else 200)

    async def _info(self, request: Request) -> Response:
        await self._record(request)
        space = self._space(request, self._user(request), write=False)
        if isinstance(space, Response):
            return space
        return JSONResponse({
            "id": space.id, "author": space.owner, "sha": space.head, "private": space.private,
            "sdk": space.sdk, "siblings": [{"rfilename": p} for p in sorted(space.files)],
        })

    async def _secret(self, request: Request) -> Response:
        body = await self._record(request)
        space = self._space(request, self._user(request), write=True)
        if isinstance(space, Response):
            return space
        space.secrets[body["key"]] = body["value"]
        return Response(status_code=200)

    async def _variable(self, request: Request) -> Response:
        body = await self._record(request)
        space = self._space(request, self._user(request), write=True)
        if isinstance(space, Response):
            return space
        space.variables[body["key"]] = body["value"]
        return JSONResponse({k: {"value": v, "updatedAt": "2026-01-01T00:00:00.000Z"}
                             for k, v in space.variables.items()})

    async def _runtime(self, request: Request) -> Response:
        await self._record(request)
        space = self._space(request, self._user(request), write=False)
        if isinstance(space, Response):
            return space
        stage, sha, first_run = space.next_stage()
        if first_run and self.on_running is not None:
            self.on_running(space)
        body: dict[str, Any] = {
            "stage": stage, "hardware": {"current": "cpu-basic", "requested": "cpu-basic"},
            "storage": None, "gcTimeout": 172800, "devMode": False,
            "domains": [{"domain": space.host, "stage": "READY"}],
        }
        if stage == "BUILD_ERROR":
            body["errorMessage"] = "Build failed with exit code: 1"
        if self.report_sha:
            body["sha"] = sha
        return JSONResponse(body)

    async def _logs(self, request: Request) -> Response:
        await self._record(request)
        space = self._space(request, self._user(request), write=False)
        if isinstance(space, Response):
            return space
        lines = space.build_log if request.path_params["kind"] == "build" else space.run_log
        events = (
            "data: " + json.dumps({"data": line + "\n", "timestamp": "2026-01-01T00:00:00Z"})
            + "\n\n" for line in lines
        )
        return StreamingResponse(events, media_type="text/event-stream")

    async def _tree(self, request: Request) -> Response:
        await self._record(request)
        space = self._space(request, self._user(request), write=False)
        if isinstance(space, Response):
            return space
        return JSONResponse([
            {"type": "file", "path": path, "size": len(data), "oid": state.git_blob_oid(data)}
            for path, data in sorted(space.files.items())
        ])

    async def _preupload(self, request: Request) -> Response:
        body = await self._record(request)
        space = self._space(request, self._user(request), write=True)
        if isinstance(space, Response):
            return space
        files = []
        for item in body["files"]:
            known = space.files.get(item["path"])
            files.append({"path": item["path"], "uploadMode": "regular", "shouldIgnore": False,
                          "oid": state.git_blob_oid(known) if known is not None else None})
        return JSONResponse({"files": files, "commitOid": space.head})

    async def _commit(self, request: Request) -> Response:
        lines = await self._record(request)
        space = self._space(request, self._user(request), write=True)
        if isinstance(space, Response):
            return space
        if not lines or lines[0].get("key") != "header":
            return state.hub_error(400, "the commit must start with its header")
        changes: dict[str, bytes | None] = {}
        for line in lines[1:]:
            key, value = line["key"], line["value"]
            if key == "file":
                changes[value["path"]] = base64.b64decode(value["content"])
            elif key == "deletedFile":
                changes[value["path"]] = None
            else:
                return state.hub_error(400, f"the fake Hub does not take {key!r} operations")
        oid = space.commit(changes, build_polls=self.build_polls, stale_polls=self.stale_polls,
                           failure=self.build_failure)
        return JSONResponse({"success": True, "commitOid": oid,
                             "commitUrl": f"{self.url}/spaces/{space.id}/commit/{oid}"})
