"""Test helpers: a real uvicorn server in a thread, a raw HTTP/1.1 server on the test's loop,
and free ports."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import httpx
import uvicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RawHTTPServer:
    """An asyncio TCP server on 127.0.0.1 for transport tests; `async with` gives its base URL.
    Subclasses answer in `serve(reader, writer)`, once per connection (counted)."""

    @staticmethod
    async def read_request(reader: asyncio.StreamReader) -> bytes:
        """The next request on the connection, read to the end of its body: the body."""
        head = await reader.readuntil(b"\r\n\r\n")
        length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        return await reader.readexactly(length)

    def __init__(self) -> None:
        self.connections = 0
        self._server: asyncio.Server | None = None

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            await self.serve(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def __aenter__(self) -> str:
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()


class ServerThread:
    """Serves an ASGI app with uvicorn on 127.0.0.1 in a daemon thread (lifespan included)."""

    def __init__(self, app, port: int | None = None, **options) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # proxy_headers off as in server.uvicorn_options: the app reads X-Forwarded-For itself
        config = uvicorn.Config(app, **{
            "host": "127.0.0.1", "port": self.port, "log_level": "warning", "lifespan": "on",
            "timeout_graceful_shutdown": 5, "proxy_headers": False, **options})
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self, timeout: float = 60.0) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("server thread died during start-up")
            if time.monotonic() > deadline:
                raise TimeoutError("server did not start")
            time.sleep(0.02)
        return self

    def wait_healthy(self, timeout: float = 120.0) -> dict:
        deadline = time.monotonic() + timeout
        body: dict = {}
        while time.monotonic() < deadline:
            r = httpx.get(self.url + "/api/health", timeout=10)
            body = r.json()
            if body.get("status") not in {"starting"}:
                return body
            time.sleep(0.1)
        raise TimeoutError(f"still starting: {body}")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


class http:  # noqa: N801 - used like the httpx module it stands in for
    """httpx's one-shot calls with a timeout that holds on a busy machine (httpx's default of
    5 s failed a test on a fresh clone under load); an explicit timeout still wins."""

    TIMEOUT = 60.0

    @staticmethod
    def request(method: str, url: str, **kwargs) -> httpx.Response:
        kwargs.setdefault("timeout", http.TIMEOUT)
        return httpx.request(method, url, **kwargs)

    @staticmethod
    def get(url: str, **kwargs) -> httpx.Response:
        return http.request("GET", url, **kwargs)

    @staticmethod
    def post(url: str, **kwargs) -> httpx.Response:
        return http.request("POST", url, **kwargs)

    @staticmethod
    def put(url: str, **kwargs) -> httpx.Response:
        return http.request("PUT", url, **kwargs)

    @staticmethod
    def delete(url: str, **kwargs) -> httpx.Response:
        return http.request("DELETE", url, **kwargs)
