"""A fake Cohere API over real HTTP, so the unmodified langchain-cohere clients can run offline.

Tests start it in a background thread (`with FakeCohere() as fake: ... base_url=fake.url`);
benchmarks run it as a process with a latency profile:

    python -m tests.fakes.cohere_server --port 8123 --ttft 0.2 --tps 60

Pass the bare host as `base_url`: the SDK appends "v2/chat", "v1/embed" etc. itself.
"""

from __future__ import annotations

import argparse
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import cohere_handlers as handlers
from . import cohere_payloads as payloads
from .cohere_faults import Fault, FaultBook, check_kind, error_response, hang, truncated_json
from .cohere_handlers import Answer, Profile, bad_request

Handler = Callable[[Profile, dict[str, Any], Fault | None], Awaitable[Answer]]
API: list[tuple[str, str, str, Handler]] = [
    ("POST", "/v2/chat", "chat", handlers.chat),
    ("POST", "/v1/embed", "embed", handlers.embed),
    ("POST", "/v1/rerank", "rerank", handlers.rerank),
    ("POST", "/v2/rerank", "rerank", handlers.rerank),
    ("GET", "/v1/models", "models", handlers.models),
]


@dataclass
class RecordedRequest:
    """What a client sent, minus its credentials."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    at: float = field(default_factory=time.monotonic)  # when it arrived (monotonic clock)


@dataclass(kw_only=True, eq=False)
class FakeCohere(Profile):
    """Chat, embed, rerank and models endpoints with deterministic answers and injectable faults.

    The constructor takes the Profile fields (dim, ttft, tokens_per_second, embed_latency,
    rerank_latency, reply, chat_model); they stay writable while the server runs, and reset()
    restores them.
    """

    def __post_init__(self) -> None:
        self._profile = {f.name: getattr(self, f.name) for f in fields(Profile)}
        self.requests: list[RecordedRequest] = []
        self.faults = FaultBook()
        self.url: str | None = None
        self._stopping = threading.Event()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.app = self._build_app()

    # -- control -----------------------------------------------------------------------------

    def set_fault(
        self,
        route: str,
        kind: str | int,
        count: int | None = 1,
        *,
        retry_after: int = 1,
        cut_after: int = 3,
    ) -> None:
        """Make the next `count` requests to `route` fail (None: all until reset)."""
        self.faults.arm(route, Fault(check_kind(kind), count, retry_after, cut_after))

    def reset(self) -> None:
        """Forget requests, disarm faults and restore the constructor's profile (reply, latency).

        A shared session fake is reset between tests, so one test's override cannot leak.
        """
        self.requests.clear()
        self.faults.clear()
        for name, value in self._profile.items():
            setattr(self, name, value)

    def requests_to(self, route: str) -> list[RecordedRequest]:
        """Recorded requests whose path ends with `route`, e.g. "chat" or "/v1/embed"."""
        return [r for r in self.requests if r.path.endswith(route)]

    def start(self) -> str:
        """Serve on a free port of 127.0.0.1 in a daemon thread; return the base URL."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._stopping.clear()
        self._server = uvicorn.Server(_config(self.app, log_level="warning"))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="fake-cohere", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("fake Cohere server did not start")
            time.sleep(0.01)
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        return self.url

    def stop(self) -> None:
        """Stop serving; hung requests are released so this returns promptly."""
        self._stopping.set()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None

    def __enter__(self) -> FakeCohere:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- app ---------------------------------------------------------------------------------

    def _build_app(self) -> Starlette:
        routes = [
            Route(path, self._endpoint(name, handler), methods=[method])
            for method, path, name, handler in API
        ]
        routes += [
            Route("/_fake/faults", self._control_faults, methods=["GET", "POST"]),
            Route("/_fake/requests", self._control_requests, methods=["GET"]),
            Route("/_fake/reset", self._control_reset, methods=["POST"]),
        ]
        return Starlette(routes=routes, exception_handlers={404: _not_found})

    def _endpoint(self, route: str, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        """Wrap a handler with what every API call shares: recording, auth and faults."""

        async def endpoint(request: Request) -> Response:
            raw = await request.body()
            try:
                body = await request.json() if raw else None
            except ValueError:
                return bad_request("request body is not valid JSON")
            headers = {k: v for k, v in request.headers.items() if k != "authorization"}
            self.requests.append(
                RecordedRequest(
                    request.method, request.url.path, dict(request.query_params), headers, body
                )
            )
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                return JSONResponse(payloads.error_body("no api key supplied"), status_code=401)
            fault = self.faults.take(route)
            if fault is not None and fault.kind == "hang":
                return await hang(request, self._stopping)
            if fault is not None and fault.status is not None:
                return error_response(fault)
            if request.method == "POST" and not isinstance(body, dict):
                return bad_request("request body must be a JSON object")
            result = await handler(self, body or dict(request.query_params), fault)
            if isinstance(result, Response):
                return result
            if fault is not None:  # a cut on a plain JSON route: half a body, then a dropped line
                return truncated_json(JSONResponse(result).body)
            return JSONResponse(result)

        return endpoint

    async def _control_faults(self, request: Request) -> Response:
        if request.method == "POST":
            try:
                spec = await request.json()
                self.set_fault(
                    spec["route"],
                    spec["kind"],
                    spec.get("count", 1),
                    retry_after=int(spec.get("retry_after", 1)),
                    cut_after=int(spec.get("cut_after", 3)),
                )
            except (ValueError, KeyError, TypeError) as exc:
                return bad_request(f"bad fault spec: {exc}")
        return JSONResponse({"faults": self.faults.snapshot()})

    async def _control_requests(self, request: Request) -> Response:
        return JSONResponse({"requests": [asdict(r) for r in self.requests]})

    async def _control_reset(self, request: Request) -> Response:
        self.reset()
        return JSONResponse({"ok": True})


async def _not_found(request: Request, exc: Exception) -> Response:
    # The classic mistake is a base_url ending in /v1, which yields /v1/v2/chat.
    message = f"no route {request.url.path}; base_url must be the bare host, e.g. http://host:port"
    return JSONResponse(payloads.error_body(message), status_code=404)


def _config(app: Starlette, **options: Any) -> uvicorn.Config:
    # A short graceful-shutdown timeout cancels slow streams left running at stop or Ctrl-C.
    return uvicorn.Config(app, access_log=False, timeout_graceful_shutdown=1, **options)


def main(argv: list[str] | None = None) -> None:
    """Run the fake in the foreground, for benchmarks and manual poking."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8123)
    parser.add_argument("--ttft", type=float, default=0.0, help="seconds before the first token")
    parser.add_argument("--tps", type=float, default=0.0, help="streamed tokens/s (0: instant)")
    parser.add_argument("--embed-latency", type=float, default=0.0)
    parser.add_argument("--rerank-latency", type=float, default=0.0)
    parser.add_argument("--dim", type=int, default=1024, help="embedding dimension")
    parser.add_argument("--reply", default=None, help="fixed chat reply instead of citing")
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    fake = FakeCohere(
        dim=args.dim,
        ttft=args.ttft,
        tokens_per_second=args.tps,
        embed_latency=args.embed_latency,
        rerank_latency=args.rerank_latency,
        reply=args.reply,
    )
    config = _config(fake.app, host=args.host, port=args.port, log_level=args.log_level)
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
