"""Our ceiling: requests/s of /chat/invoke (and the streams) with an instant model, the same chain
in-process, wrk on the plain routes, and a py-spy profile of the server under load.

    python -m bench.throughput [--duration 10] [--levels 1,8,32] [--tokens 40] [--no-profile]
                               [--no-baseline]

The hand-written baseline (bench/baseline_app.py) gets the same cells as the app, in the same run.

py-spy is a bench-only tool: `pip install py-spy` into the venv (see bench/README.md).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from bench import flame, pyspy, wrk
from bench.api_chat import api_chat_route
from bench.baseline import RATIO_COLUMNS, ratio_rows
from bench.harness import Bench
from bench.model_profile import ModelProfile
from bench.procs import (
    BASELINE_ARGV,
    CORPORA,
    OUT_DIR,
    WHATIF_ARGV,
    clone_data_dir,
    free_port,
    raise_nofile,
    reset_fake,
    server_env,
    shown,
    start_server,
)
from bench.stats import Meter, main_thread_share, table
from bench.workers import Worker

INSTANT = ModelProfile(ttft=0.0, tps=0.0, tokens=40, embed_latency=0.0)
COLUMNS = [("target", "target"), ("level", "conc."), ("n", "n"), ("errors", "err"),
           ("rps", "req/s"), ("p50", "p50 ms"), ("p99", "p99 ms"), ("cpu_ms", "CPU ms/req"),
           ("main_ms", "event-loop thread ms/req"), ("other_ms", "other threads ms/req"),
           ("cores", "cores srv/fake/client")]


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--duration", type=float, default=6.0, help="seconds per cell")
    p.add_argument("--levels", default="1,8,32")
    p.add_argument("--no-profile", action="store_true")
    p.add_argument("--no-whatif", action="store_true", help="skip the what-if server")
    p.add_argument("--no-baseline", action="store_true", help="skip the hand-written baseline")
    p.add_argument("--tokens", type=int, default=INSTANT.tokens, help="answer length")
    return p.parse_args()


class Run:
    """The processes of this benchmark and the rows measured against them."""

    def __init__(self, args: argparse.Namespace, fake_url: str, pids: dict[str, int]) -> None:
        self.args, self.fake_url, self.pids = args, fake_url, pids
        self.profile = ModelProfile(ttft=0.0, tps=0.0, tokens=args.tokens, embed_latency=0.0)
        self.rows: list[dict[str, Any]] = []

    def cell(self, target: str, level: int, worker: Worker, process: str, **call: Any
             ) -> dict[str, Any]:
        """A closed loop of `level` callers for --duration seconds."""
        main0 = main_thread_share(self.pids[process])
        with Meter(self.pids) as meter:
            r = worker.call(op="load", concurrency=level, duration=self.args.duration,
                            warmup=level, expect=self.profile.reply, **call)
        main_cpu = main_thread_share(self.pids[process], main0)
        reset_fake(self.fake_url)
        row = {"target": target, "level": level, "n": r["n"], "errors": r["errors"],
               "followup": False,
               "error_kinds": r["error_kinds"], "rps": r["rps"],
               "p50": r["latency"]["p50"], "p99": r["latency"]["p99"],
               "cpu_ms": round(meter.cpu[process] * 1000 / (r["n"] + level), 2),
               "main_ms": round(main_cpu * 1000 / (r["n"] + level), 2),
               "other_ms": round((meter.cpu[process] - main_cpu) * 1000 / (r["n"] + level), 2),
               "cores": "/".join(str(meter.cpu_share().get(k, "–"))
                                 for k in (process, "fake", "loadgen")),
               "peak_rss_mb": {k: round(v, 1) for k, v in meter.peak_rss.items()}}
        self.rows.append(row)
        print(table([row], COLUMNS).splitlines()[-1], flush=True)
        return row

    def profile(self, name: str, loadgen: Worker, **call: Any) -> dict[str, Any]:
        """py-spy on the server while the load generator drives `call` for --duration s."""
        out = OUT_DIR / f"profile-{name}.txt"
        out.unlink(missing_ok=True)
        spy = pyspy.record(self.pids["server"], self.args.duration, out)
        if spy is None:
            return {"skipped": "py-spy not installed (pip install py-spy)"}
        time.sleep(0.5)
        loadgen.call(op="load", duration=self.args.duration, expect=self.profile.reply, **call)
        _, err = spy.communicate(timeout=self.args.duration + 60)
        reset_fake(self.fake_url)
        if not out.exists():
            return {"error": err.strip()[-500:]}
        result = {"file": shown(out), **flame.analyze(out)}
        print(f"\n### profile: {name} ({out.name})\n\n{flame.render(result)}", flush=True)
        return result


def _baseline_cells(bench: Bench, run: Run, env: dict[str, str], template: Path,
                    loadgen: Worker, api_chat: dict | None, levels: list[int]) -> None:
    """The app's cells again on the hand-written baseline, beside them in the same run."""
    env = {**env, "PORT": str(free_port()),
           "DATA_DIR": str(clone_data_dir(template, bench.tmp / "baseline"))}
    baseline = start_server(env, bench.log_dir, name="baseline", argv=BASELINE_ARGV)
    bench.child(baseline.child)
    run.pids["baseline"] = baseline.child.pid
    top = max(levels)
    for level in levels:
        run.cell("baseline /chat/invoke", level, loadgen, "baseline", base=baseline.url,
                 kind="invoke")
    run.cell("baseline /chat/stream", top, loadgen, "baseline", base=baseline.url, kind="stream")
    if api_chat is not None and "unusable" not in api_chat:
        run.cell("baseline /api/chat", top, loadgen, "baseline", base=baseline.url,
                 kind="api_chat", api_chat=api_chat)
    baseline.child.stop()
    del run.pids["baseline"]


def _profiles(run: Run, loadgen: Worker, url: str, api_chat: dict | None, top: int
              ) -> dict[str, Any]:
    """py-spy profiles of the app under /chat/invoke and /api/chat load."""
    profiles = {"invoke": run.profile("invoke", loadgen, base=url, concurrency=top,
                                      kind="invoke")}
    if api_chat is not None and "unusable" not in api_chat:
        profiles["api-chat"] = run.profile("api-chat", loadgen, base=url, concurrency=top,
                                           kind="api_chat", api_chat=api_chat)
    return profiles


def _whatif_pass(bench: Bench, run: Run, env: dict[str, str], template: Path, loadgen: Worker,
                 api_chat: dict | None, top: int) -> dict[str, Any]:
    """The cells again on the what-if server (bench/whatif_server.py); its profile."""
    args = run.args
    usable_api_chat = api_chat is not None and "unusable" not in api_chat
    profiles: dict[str, Any] = {}
    print("\n## what-if: the server with fixes blas,parse applied "
          "(bench/whatif_server.py)\n", flush=True)
    env = {**env, "PORT": str(free_port()),
           "DATA_DIR": str(clone_data_dir(template, bench.tmp / "whatif"))}
    whatif = start_server(env, bench.log_dir, name="server-whatif", argv=WHATIF_ARGV)
    bench.child(whatif.child)
    run.pids["server"] = whatif.child.pid
    print("\n".join(table([], COLUMNS).splitlines()[:2]), flush=True)
    for level in sorted({1, top}):
        run.cell("what-if /chat/invoke", level, loadgen, "server", base=whatif.url,
                 kind="invoke")
    run.cell("what-if /chat/stream", top, loadgen, "server", base=whatif.url, kind="stream")
    if usable_api_chat:
        run.cell("what-if /api/chat", top, loadgen, "server", base=whatif.url,
                 kind="api_chat", api_chat=api_chat)
    if not args.no_profile:
        profiles["invoke-whatif"] = run.profile("invoke-whatif", loadgen, base=whatif.url,
                                                concurrency=top, kind="invoke")
    return profiles


def main() -> None:
    args = _args()
    raise_nofile()
    levels = [int(x) for x in args.levels.split(",")]
    top = max(levels)
    profile = ModelProfile(ttft=0.0, tps=0.0, tokens=args.tokens, embed_latency=0.0)
    with Bench(profile.result_name("throughput", INSTANT.tokens), module="throughput") as bench:
        fake, fake_url, template = bench.fake_and_book(profile)
        env = server_env(port=free_port(), data_dir=clone_data_dir(template, bench.tmp / "srv"),
                         fake_url=fake_url, docs_dir=CORPORA["mohsin-raza"])
        server = start_server(env, bench.log_dir)
        bench.child(server.child)
        inproc = bench.worker("bench.inproc", "inproc", {
            **env, "PORT": "1", "DATA_DIR": str(clone_data_dir(template, bench.tmp / "inproc"))})
        inproc.call(op="open")
        loadgen = bench.worker("bench.loadgen", "loadgen")
        api_chat = api_chat_route(server.url)
        usable_api_chat = api_chat is not None and "unusable" not in api_chat
        run = Run(args, fake_url, {"server": server.child.pid, "fake": fake.pid,
                                   "loadgen": loadgen.pid, "inproc": inproc.pid})

        print("\n".join(table([], COLUMNS).splitlines()[:2]), flush=True)
        for level in levels:
            run.cell("app /chat/invoke", level, loadgen, "server", base=server.url, kind="invoke")
        run.cell("app /chat/stream", top, loadgen, "server", base=server.url, kind="stream")
        if usable_api_chat:
            run.cell("app /api/chat", top, loadgen, "server", base=server.url, kind="api_chat",
                     api_chat=api_chat)
        for level in sorted({1, top}):
            run.cell("in-process ainvoke", level, inproc, "inproc", kind="invoke")
        run.cell("model alone (fake, direct)", top, loadgen, "fake", base=fake_url, kind="fake")
        if not args.no_baseline:
            _baseline_cells(bench, run, env, template, loadgen, api_chat, levels)
        ratios = ratio_rows(run.rows)
        print("\n## ours / the hand-written baseline (same run)\n")
        print(table(ratios, RATIO_COLUMNS))

        plain = [wrk.run(server.url + path, args.duration) for path in ("/api/health", "/")]
        print("\n" + table(plain, [("url", "wrk"), ("connections", "conn."), ("rps", "req/s"),
                                   ("p50", "p50"), ("p99", "p99"), ("non_2xx", "non-2xx")]))

        profiles = {} if args.no_profile else _profiles(run, loadgen, server.url, api_chat, top)
        if not args.no_whatif:
            inproc.close()
            server.child.stop()
            profiles |= _whatif_pass(bench, run, env, template, loadgen, api_chat, top)
        bench.save({"model_profile": profile.as_dict(), "rows": run.rows, "wrk": plain,
                    "ratios": ratios,
                    "whatif_fixes": "blas,parse (bench/whatif_server.py default)",
                    "api_chat": api_chat, "profiles": profiles})


if __name__ == "__main__":
    main()
