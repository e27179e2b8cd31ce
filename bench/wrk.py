"""wrk on one URL: requests/s, latency percentiles and errors of a plain route under load
(`apt-get install wrk`; skipped with a note when it is missing)."""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any


def run(url: str, duration: float, connections: int = 32) -> dict[str, Any]:
    """wrk with one thread (the machine has two cores to share); req/s and latency."""
    if shutil.which("wrk") is None:
        return {"url": url, "skipped": "wrk not installed (apt-get install wrk)"}
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{int(duration)}s", "--latency", url],
        capture_output=True, text=True, timeout=duration + 60,
    ).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    dist = dict(re.findall(r"^\s+(50|90|99)%\s+([\d.]+\w+)", out, re.M))
    return {"url": url, "connections": connections, "rps": float(rps[1]) if rps else None,
            "p50": dist.get("50"), "p90": dist.get("90"), "p99": dist.get("99"),
            "non_2xx": int(non2xx[1]) if non2xx else 0,
            "socket_errors": errors[0] if errors else None}
