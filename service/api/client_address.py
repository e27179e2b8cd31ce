"""Who is asking: the client's address behind exactly the proxies we trust.

Every proxy appends the address it received the request from to X-Forwarded-For, so the list
ends with entries our proxies wrote and begins with whatever the client sent. With
FORWARDED_TRUSTED_HOPS = N proxies in front of us (Spaces: one), the client is the Nth entry
from the right; anything further left is the client's own writing and is never used. uvicorn's
`proxy_headers` is off (server.py) because it takes the leftmost entry when every proxy is
trusted, which lets a client pick its own rate-limit key.

- N = 0: the header is ignored; the client is the socket peer.
- Fewer than N entries: the request did not pass through all our proxies (e.g. it reached us
  directly), so the entries cannot be trusted: the socket peer.
- The chosen entry is not an IP address: the socket peer.
"""

from __future__ import annotations

import ipaddress

from starlette.requests import HTTPConnection

UNKNOWN = "unknown"


def forwarded_chain(conn: HTTPConnection) -> list[str]:
    """Every X-Forwarded-For entry, several headers joined in the order they came."""
    entries: list[str] = []
    for header in conn.headers.getlist("x-forwarded-for"):
        entries.extend(part.strip() for part in header.split(","))
    return [entry for entry in entries if entry]


def parse_ip(entry: str) -> str | None:
    """An address in canonical form (ports and IPv6 brackets dropped), or None for garbage."""
    host = entry
    if host.startswith("["):  # "[2001:db8::1]:443"
        host = host[1:].split("]", 1)[0]
    elif host.count(":") == 1:  # "203.0.113.7:5678"
        host = host.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


def client_address(conn: HTTPConnection, trusted_hops: int) -> str:
    """The client's address: the `trusted_hops`-th X-Forwarded-For entry from the right,
    else the socket peer (see the module docstring for when)."""
    peer = conn.client.host if conn.client else UNKNOWN
    if trusted_hops <= 0:
        return peer
    chain = forwarded_chain(conn)
    if len(chain) < trusted_hops:
        return peer
    return parse_ip(chain[-trusted_hops]) or peer
