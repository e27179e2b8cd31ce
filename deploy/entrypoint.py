"""The image's entrypoint: choose DATA_DIR, then become the command (`python server.py`).

A Space with persistent storage has `/data` mounted and writable; keeping DATA_DIR there lets the
embedded history and the embedded index survive restarts. Without it (or when `/data` is not
writable by the container's user) the ephemeral folder next to the app is used. A DATA_DIR set
by the operator (a Space variable) always wins. Standard library only: it runs before anything
else at every start.

    ENTRYPOINT ["python", "-m", "deploy.entrypoint"]
    CMD ["python", "server.py"]
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

PERSISTENT = Path("/data")
EPHEMERAL = Path("/home/user/app/data")


def choose_data_dir(
    env: Mapping[str, str], persistent: Path = PERSISTENT, ephemeral: Path = EPHEMERAL
) -> str:
    """DATA_DIR as set, else the persistent mount when usable, else the ephemeral folder."""
    given = env.get("DATA_DIR", "").strip()
    if given:
        return given
    if persistent.is_dir() and os.access(persistent, os.W_OK | os.X_OK):
        return str(persistent)
    return str(ephemeral)


def describe(data_dir: str, persistent: Path = PERSISTENT) -> str:
    """One log line saying why, so a Space's logs show whether its data survives a restart."""
    if data_dir == str(persistent):
        return f"DATA_DIR={data_dir}: persistent storage"
    if persistent.is_dir():
        return f"DATA_DIR={data_dir}: {persistent} exists but is not writable by this user"
    return f"DATA_DIR={data_dir}: no persistent storage, kept until the next restart"


def main(argv: list[str]) -> None:
    """Export DATA_DIR and exec argv, so the server stays PID 1 and receives SIGTERM itself."""
    if not argv:
        sys.exit("usage: python -m deploy.entrypoint COMMAND [ARGS...]")
    explicit = bool(os.environ.get("DATA_DIR", "").strip())
    data_dir = choose_data_dir(os.environ)
    os.environ["DATA_DIR"] = data_dir
    if not explicit:
        print(describe(data_dir), file=sys.stderr, flush=True)
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main(sys.argv[1:])
