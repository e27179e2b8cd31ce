"""The fake Cohere server as the benchmarks use it: its latency profile paces many concurrent
streams, and its command line serves in the foreground."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from langchain_cohere import ChatCohere

from tests.support import http

from .cohere_clients import EXPECTED, MESSAGES, MODEL
from .cohere_server import FakeCohere


async def raw_stream(port: int) -> bytes:
    """One streamed chat over a bare socket, read until the server closes it."""
    body = json.dumps(
        {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "stream": True}
    )
    head = (
        "POST /v2/chat HTTP/1.1\r\nHost: fake\r\nAuthorization: Bearer k\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(head.encode() + body.encode())
    answer = await reader.read()
    writer.close()
    return answer


async def test_latency_profile_paces_many_concurrent_streams() -> None:
    reply = "one two three four five"
    with FakeCohere(ttft=0.3, tokens_per_second=40, reply=reply) as server:
        llm = ChatCohere(cohere_api_key="k", base_url=server.url, model=MODEL)
        started = time.monotonic()
        stream = llm.astream("hi")
        first = await anext(stream)
        assert time.monotonic() - started >= 0.3
        assert first.content + "".join([chunk.content async for chunk in stream]) == reply

        # Bare sockets, because client-side parsing (cohere SDK ~4 ms of CPU per SSE event,
        # httpx ~15 ms per stream) would dominate; this measures the server alone.
        port = int(server.url.rsplit(":", 1)[1])
        started = time.monotonic()
        answers = await asyncio.gather(*(raw_stream(port) for _ in range(200)))
    assert all(answer.count(b"event: content-delta") == 5 for answer in answers)
    assert time.monotonic() - started < 4  # 200 x 0.4 s would take 80 s in series


def test_cli_serves_in_the_foreground() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    root = Path(__file__).resolve().parents[2]
    command = [
        sys.executable,
        "-m",
        "tests.fakes.cohere_server",
        "--port",
        str(port),
        "--ttft",
        "0.1",
    ]
    env = {**os.environ, "PYTHONPATH": str(root)}
    process = subprocess.Popen(command, cwd=root, env=env, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 10
        while True:
            try:
                http.get(f"{url}/_fake/requests")
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.05)
        llm = ChatCohere(cohere_api_key="k", base_url=url, model=MODEL)
        assert llm.invoke(MESSAGES).content == EXPECTED
    finally:
        process.terminate()
        assert process.wait(timeout=5) in (0, -signal.SIGTERM)
