"""The client behind exactly FORWARDED_TRUSTED_HOPS proxies: the resolver alone, then the real
server (uvicorn as server.py configures it) under RATE_LIMIT=5/minute, where the proxy's
appending is played by the test: the app sees "<what the client wrote>, <what the proxy saw>"."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from starlette.requests import HTTPConnection
from websockets.sync.client import connect

from server import create_app, uvicorn_options
from service.api.client_address import client_address
from tests.conftest import offline_settings
from tests.support import ServerThread

PEER = "192.0.2.10"


def _conn(*forwarded: str) -> HTTPConnection:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return HTTPConnection({"type": "http", "headers": headers, "client": (PEER, 50000)})


@pytest.mark.parametrize(
    ("hops", "headers", "client"),
    [
        (1, [], PEER),  # no proxy header: the socket peer
        (1, ["198.51.100.7"], "198.51.100.7"),
        (1, ["10.7.7.1, 198.51.100.7"], "198.51.100.7"),  # the client's entry is ignored
        (1, ["10.7.7.1", "198.51.100.7"], "198.51.100.7"),  # several headers, in order
        (1, ["10.7.7.1, not-an-ip"], PEER),  # garbage where the proxy writes: the peer
        (1, ["10.7.7.1, 198.51.100.7:4711"], "198.51.100.7"),  # a port is dropped
        (1, ["[2001:db8:0::7]:443"], "2001:db8::7"),  # canonical IPv6
        (1, [" , "], PEER),  # empty entries are not entries
        (0, ["198.51.100.7"], PEER),  # no trusted proxy: the header means nothing
        (2, ["10.7.7.1, 198.51.100.7, 10.0.0.2"], "198.51.100.7"),
        (2, ["198.51.100.7, 10.0.0.2"], "198.51.100.7"),
        (2, ["198.51.100.7"], PEER),  # shorter than the hops: not through our proxies
    ],
)
def test_the_client_is_the_entry_our_proxies_wrote(hops, headers, client):
    assert client_address(_conn(*headers), hops) == client


def test_no_client_at_all_is_one_key():
    conn = HTTPConnection({"type": "http", "headers": [(b"x-forwarded-for", b"a")]})
    assert client_address(conn, 1) == "unknown"


# -- over real HTTP and WebSocket ------------------------------------------------------------

LIMIT = 5


def _serve(data_dir, hops: int) -> ServerThread:
    settings = offline_settings(data_dir, rate_limit=f"{LIMIT}/minute",
                                forwarded_trusted_hops=hops)
    options = {k: v for k, v in uvicorn_options(settings).items()
               if k in {"proxy_headers", "forwarded_allow_ips"}}  # as deployed
    srv = ServerThread(create_app(settings), **options).start()
    srv.wait_healthy()
    return srv


@pytest.fixture(scope="module")
def one_hop(tmp_path_factory):
    srv = _serve(tmp_path_factory.mktemp("one-hop"), 1)
    yield srv
    srv.stop()


def _searches(srv: ServerThread, headers_for) -> list[int]:
    """Eight searches, the i-th with headers_for(i): their statuses."""
    statuses = []
    with httpx.Client(base_url=srv.url, timeout=30) as client:
        for i in range(8):
            r = client.post("/search/invoke", json={"input": "lidar"}, headers=headers_for(i))
            statuses.append(r.status_code)
    return statuses


ALLOWED = [200] * LIMIT + [429] * (8 - LIMIT)


def test_a_fresh_forged_entry_per_request_gets_nothing_extra(one_hop):
    assert _searches(one_hop, lambda i: {"X-Forwarded-For": f"10.7.7.{i}, 198.51.100.1"}) == (
        ALLOWED)


def test_a_forged_header_before_the_proxys_own_gets_nothing_extra(one_hop):
    statuses = _searches(
        one_hop, lambda i: [("X-Forwarded-For", f"10.7.7.{i}"),
                            ("X-Forwarded-For", "198.51.100.2")])
    assert statuses == ALLOWED


def test_without_the_header_the_peer_is_the_client(one_hop):
    assert _searches(one_hop, lambda i: {}) == ALLOWED


def test_distinct_readers_behind_the_proxy_are_still_distinct(one_hop):
    statuses = _searches(one_hop, lambda i: {"X-Forwarded-For": f"198.51.100.{100 + i}"})
    assert statuses == [200] * 8


def test_the_websocket_counts_the_same_client(one_hop):
    """One connection per question, each with a new forged entry: still one client."""
    codes = []
    for i in range(8):
        head = {"X-Forwarded-For": f"10.7.7.{i}, 198.51.100.3"}
        url = one_hop.url.replace("http://", "ws://") + "/api/ws"
        with connect(url, additional_headers=head, open_timeout=30) as ws:
            ws.send(json.dumps({"message": "What does an IMU measure?",
                                "session_id": str(uuid.uuid4())}))
            while True:
                message = json.loads(ws.recv(timeout=60))
                if message["type"] in {"done", "error"}:
                    break
        codes.append("done" if message["type"] == "done" else message["data"]["code"])
    assert codes == ["done"] * LIMIT + ["rate_limited"] * (8 - LIMIT)


def test_zero_hops_ignores_the_header(tmp_path):
    srv = _serve(tmp_path, 0)
    try:
        assert _searches(srv, lambda i: {"X-Forwarded-For": f"198.51.100.{i}"}) == ALLOWED
    finally:
        srv.stop()


def test_two_hops_take_the_second_entry_from_the_right(tmp_path):
    srv = _serve(tmp_path, 2)
    try:
        forged = _searches(srv, lambda i: {"X-Forwarded-For": f"10.7.7.{i}, 198.51.100.4, 10.0.0.9"})
        assert forged == ALLOWED
        # one entry only: not through both proxies, so the peer (127.0.0.1) is the client
        short = _searches(srv, lambda i: {"X-Forwarded-For": f"198.51.100.{50 + i}"})
        assert short == ALLOWED
    finally:
        srv.stop()
