"""One benchmark run: a temp dir, log files, its children and workers stopped at the end, and
one JSON result under bench/out/ with the command, the machine and the load."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.model_profile import ModelProfile
from bench.procs import (
    CORPORA,
    OUT_DIR,
    SERVER_ARGV,
    Child,
    Started,
    base_env,
    clone_data_dir,
    free_port,
    prepared_data_dir,
    server_env,
    shown,
    start_fake,
    start_server,
)
from bench.stats import machine
from bench.workers import Worker


class Bench:
    """One benchmark run: temp dir, log dir, children stopped at the end, one JSON result."""

    def __init__(self, name: str, argv: list[str] | None = None, module: str | None = None
                 ) -> None:
        self.name = name
        self.command = f"python -m bench.{module or name}" + "".join(
            " " + a for a in (sys.argv[1:] if argv is None else argv))
        self.tmp = Path(tempfile.mkdtemp(prefix=f"bookchat-bench-{name}-"))
        self.log_dir = OUT_DIR / "logs" / name
        self.machine = machine()
        self.t0 = time.perf_counter()
        self._workers: list[Worker] = []
        self._children: list[Child] = []

    def child(self, child: Child) -> Child:
        self._children.append(child)
        return child

    def fake_and_book(self, profile: ModelProfile) -> tuple[Child, str, Path]:
        """The fake Cohere with `profile` (stopped at the end) and a template DATA_DIR holding
        the bench corpus ingested with its embeddings: (fake, its URL, the template)."""
        fake, fake_url = start_fake(profile, self.log_dir)
        self.child(fake)
        template = prepared_data_dir(
            self.tmp, server_env(port=None, data_dir=self.tmp, fake_url=fake_url),
            CORPORA["mohsin-raza"])
        return fake, fake_url, template

    def app(self, fake_url: str, tag: str, template: Path, *, database_url: str | None = None,
            argv: list[str] = SERVER_ARGV, fixes: str | None = None) -> Started:
        """A server (the app, the baseline or a what-if launcher with `fixes`) on its own copy
        of the template DATA_DIR, talking to the fake; stopped at the end, returned healthy."""
        data_dir = clone_data_dir(template, self.tmp / f"server-{tag}")
        env = server_env(port=free_port(), data_dir=data_dir, fake_url=fake_url,
                         docs_dir=CORPORA["mohsin-raza"], database_url=database_url)
        if fixes is not None:
            env["BENCH_WHATIF_FIXES"] = fixes
        server = start_server(env, self.log_dir, name=f"server-{tag}", argv=argv)
        self.child(server.child)
        print(f"server-{tag} healthy in {server.healthy_s:.1f} s", flush=True)
        return server

    def worker(self, module: str, name: str, env: dict[str, str] | None = None) -> Worker:
        w = Worker(module, name=name, env=env or base_env(), log_dir=self.log_dir)
        self._workers.append(w)
        return w

    def __enter__(self) -> Bench:
        # a plain `kill` still stops the children and removes the temp dir
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        m = self.machine
        print(f"# {self.command}  ({m['date']}, load {m['loadavg_at_start']})", flush=True)
        return self

    def __exit__(self, *exc: object) -> None:
        for w in reversed(self._workers):
            w.close()
        for c in reversed(self._children):
            c.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def save(self, payload: dict[str, Any]) -> Path:
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        path = OUT_DIR / f"{self.name}.json"
        doc = {
            "benchmark": self.name,
            "command": self.command,
            "machine": self.machine,
            "loadavg_at_end": [round(x, 2) for x in os.getloadavg()],
            "seconds": round(time.perf_counter() - self.t0, 1),
            **payload,
        }
        path.write_text(json.dumps(doc, indent=1) + "\n")
        print(f"\nwrote {shown(path)} ({doc['seconds']} s)", flush=True)
        return path

