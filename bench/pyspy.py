"""py-spy record on a running process, in the background (a bench-only tool: `pip install
py-spy`; None when it is missing). bench/flame.py reads what it writes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def record(pid: int, seconds: float, out: Path) -> subprocess.Popen | None:
    """py-spy record in the background: collapsed stacks of whichever thread holds the GIL,
    i.e. the Python work that limits one process (native threads such as BLAS are not seen)."""
    if shutil.which("py-spy") is None:
        return None
    return subprocess.Popen(
        ["py-spy", "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "200",
         "--format", "raw", "--gil", "--output", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
