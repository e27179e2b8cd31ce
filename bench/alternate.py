"""CPU per answer at 1 concurrent, several servers measured in alternating rounds: the app, what-if
servers that take one lever back out (bench/whatif_server.py) and the hand-written baseline
(bench/baseline_app.py), all started before the first round and asked in turn.

    python -m bench.alternate [--targets ours,tokencallbacks,baseline] [--routes /api/chat]
                              [--rounds 4] [--answers 5] [--tokens 300] [--tps 200]

Why: on this machine the same server's CPU per answer moves by ±30% from one minute to the next
(another VM's load), and a bench that measures one server after the other reads that drift as a
difference between them. Here every round asks each server for `answers` first turns, one at a
time, in an order reversed every round, and each round gives a ratio against the last target; the
table shows every round's ratio and their median. CPU is the server process's user + system time
over its answers. A target is `ours`, `baseline`, or what-if fix names joined by `+`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import uuid
from typing import Any

import httpx

from bench.harness import Bench
from bench.model_profile import ModelProfile
from bench.procs import BASELINE_ARGV, SERVER_ARGV, WHATIF_ARGV, Started
from bench.stats import cpu_seconds, table
from bench.wire import QUESTIONS

COLUMNS = [("route", "route"), ("target", "target"), ("median", "CPU ms/answer (median)"),
           ("rounds", "ratio per round"), ("ratio", "median ratio")]


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--targets", default="ours,tokencallbacks,baseline",
                   help="comma-separated; the last one is the denominator")
    p.add_argument("--routes", default="/api/chat,/chat/invoke")
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--answers", type=int, default=5, help="answers per server per round")
    ModelProfile(ttft=0.05, tps=200.0, tokens=300, embed_latency=0.02).add_arguments(p)
    return p.parse_args()


def _body(route: str, question: str) -> dict[str, Any]:
    session = {"session_id": str(uuid.uuid4())}
    if route == "/api/chat":
        return {"message": question, **session}
    return {"input": {"question": question}, "config": {"configurable": session}}


def answer(client: httpx.Client, url: str, route: str, n: int, reply: str) -> None:
    """`n` first turns, one after the other, each read to its end; the reply must be there."""
    for i in range(n):
        body = _body(route, QUESTIONS[i % len(QUESTIONS)])
        with client.stream("POST", url + route, json=body) as r:
            r.raise_for_status()
            text = r.read().decode()
        last_word = reply.rsplit(" ", 1)[-1]
        if last_word not in text:
            raise RuntimeError(f"{url}{route}: the answer did not reach its end")


def _start(bench: Bench, target: str, i: int, fake_url: str, template: Any) -> Started:
    if target in ("ours", "baseline"):
        argv = SERVER_ARGV if target == "ours" else BASELINE_ARGV
        return bench.app(fake_url, f"{i}-{target}", template, argv=argv)
    return bench.app(fake_url, f"{i}-{target}", template, argv=WHATIF_ARGV,
                     fixes=target.replace("+", ","))


def main() -> None:
    args = _args()
    profile = ModelProfile.from_args(args)
    targets, routes = args.targets.split(","), args.routes.split(",")
    with Bench("alternate") as bench:
        _, fake_url, template = bench.fake_and_book(profile)
        servers = [(t, _start(bench, t, i, fake_url, template)) for i, t in enumerate(targets)]
        cpu: dict[tuple[str, str], list[float]] = {(r, t): [] for r in routes for t in targets}
        with httpx.Client(timeout=120) as client:
            for _, s in servers:  # warm every route of every server first
                for route in routes:
                    answer(client, s.url, route, 2, profile.reply)
            for rnd in range(args.rounds):
                for route in routes:
                    for target, s in servers if rnd % 2 == 0 else servers[::-1]:
                        before = cpu_seconds(s.child.pid)
                        answer(client, s.url, route, args.answers, profile.reply)
                        spent = cpu_seconds(s.child.pid) - before
                        cpu[(route, target)].append(1000 * spent / args.answers)
                print(f"round {rnd + 1}: " + ", ".join(
                    f"{t} {r} {v[-1]:.0f}" for (r, t), v in cpu.items()), flush=True)
        rows = []
        for route in routes:
            base = cpu[(route, targets[-1])]
            for target in targets:
                ratios = [a / b for a, b in zip(cpu[(route, target)], base, strict=True)]
                rows.append({"route": route, "target": target,
                             "median": round(statistics.median(cpu[(route, target)]), 1),
                             "rounds": ", ".join(f"{x:.2f}" for x in ratios),
                             "ratio": f"{statistics.median(ratios):.2f}"})
        print(f"\n{profile.tokens} tokens at {profile.tps:g}/s, {args.answers} answers per "
              f"server per round, {args.rounds} rounds; ratio to {targets[-1]}, load "
              f"{[round(x, 2) for x in os.getloadavg()]}\n")
        print(table(rows, COLUMNS))
        bench.save({"profile": profile.as_dict(), "rows": rows,
                    "cpu_ms": {f"{r} {t}": v for (r, t), v in cpu.items()}})


if __name__ == "__main__":
    main()
