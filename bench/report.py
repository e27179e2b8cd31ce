"""Renders the latest bench/out/*.json as Markdown tables (bench/out/report.md), the raw material
for bench/RESULTS.md.

    python -m bench.report
"""

from __future__ import annotations

import json
from typing import Any

from bench.procs import OUT_DIR
from bench.stats import table

OVERHEAD_COLUMNS = [
    ("level", "conc."), ("target", "target"), ("n", "n"), ("errors", "err"), ("rps", "req/s"),
    ("p50", "e2e p50"), ("p99", "e2e p99"), ("over_p50", "over p50 (meas.)"),
    ("over_p99", "over p99 (meas.)"), ("over_cfg_p50", "over p50 (cfg)"),
    ("over_cfg_p99", "over p99 (cfg)"), ("ttft_p50", "TTFT p50"),
    ("ttft_add_p50", "TTFT added p50 (meas.)"), ("ttft_add_cfg_p50", "TTFT added p50 (cfg)"),
    ("cpu_ms", "CPU ms/req"), ("cores", "cores proc/fake/client"),
]


def _load(name: str) -> dict[str, Any] | None:
    path = OUT_DIR / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def _head(doc: dict[str, Any]) -> str:
    m = doc["machine"]
    return (f"`{doc['command']}` — {m['date']}, commit {m['commit']}, {doc['seconds']} s, "
            f"load average {m['loadavg_at_start'][0]} at start / {doc['loadavg_at_end'][0]} "
            "at end")


def _profile(name: str, prof: dict[str, Any], top: int = 12) -> list[str]:
    if "samples" not in prof:
        return [f"profile {name}: {prof}"]
    lines = [f"**{name}** ({prof['samples']} busy samples, {prof.get('file')})", "",
             "| self time by package | % | inclusive time by function | % |", "|---|---:|---|---:|"]
    selfs, incl = prof["self_by_package_pct"][:top], prof["inclusive_by_function_pct"][:top]
    for i in range(max(len(selfs), len(incl))):
        a = selfs[i] if i < len(selfs) else ("", "")
        b = incl[i] if i < len(incl) else ("", "")
        lines.append(f"| {a[0]} | {a[1]} | `{b[0]}` | {b[1]} |")
    return [*lines, ""]


def _run_all() -> list[str]:
    run_all = _load("run_all")
    if not run_all:
        return []
    m = run_all["machine"]
    return [f"Machine: {m['nproc']} CPUs ({m['cpu_model']}), {m['mem_gib']} GiB RAM, "
            f"kernel {m['kernel']}, Python {m['python']}; full run {run_all['total_s']} s "
            f"(quick={run_all['quick']}).", "",
            table(run_all["runs"], [("benchmark", "benchmark"), ("command", "command"),
                                    ("exit_code", "exit"), ("seconds", "seconds")]), ""]


def _overhead(name: str, doc: dict[str, Any]) -> list[str]:
    from bench.baseline import RATIO_COLUMNS

    out = [f"## {name}", _head(doc), "", f"model profile: `{doc['model_profile']}`", "",
           table(doc["rows"], OVERHEAD_COLUMNS), "",
           table(doc["verdicts"], [("target", "target"), ("check", "check"),
                                   ("value", "value ms"), ("met", "verdict")]), ""]
    if doc.get("ratios"):
        out += ["ours / the hand-written baseline:", "", table(doc["ratios"], RATIO_COLUMNS), ""]
    return out


def _ttft(name: str, doc: dict[str, Any]) -> list[str]:
    return [f"## {name} (fixes: {', '.join(doc['fixes']) or 'none'})", _head(doc), "",
            table(doc["steps"], [("step", "step"), ("what", "what"), ("n", "n"),
                                 ("p50", "p50 ms"), ("p90", "p90 ms"), ("max", "max ms")]), ""]


def _throughput(name: str, doc: dict[str, Any]) -> list[str]:
    from bench.throughput import COLUMNS

    out = [f"## {name}", _head(doc), "", table(doc["rows"], COLUMNS), "",
           table(doc["wrk"], [("url", "wrk"), ("connections", "conn."), ("rps", "req/s"),
                              ("p50", "p50"), ("p99", "p99"), ("non_2xx", "non-2xx")]), ""]
    for prof_name, prof in doc.get("profiles", {}).items():
        out += _profile(prof_name, prof)
    return out


def _chain_cost(name: str, doc: dict[str, Any]) -> list[str]:
    return [f"## {name}", _head(doc), "",
            table(doc["rows"], [("fixes", "what-if fixes"), ("variant", "variant"),
                                ("cpu_ms", "CPU ms/answer"), ("wall_ms", "wall ms/answer")]), ""]


def _streams(name: str, doc: dict[str, Any]) -> list[str]:
    from bench.streams import COLUMNS

    return [f"## {name}", _head(doc), "", f"model profile: `{doc['model_profile']}`, ramp "
            f"{doc['ramp_s']} s, deadline {doc['deadline_s']} s", "",
            table(doc["rows"], COLUMNS), "", f"verdict: `{doc['verdict']}`", ""]


def _retrieval(name: str, doc: dict[str, Any]) -> list[str]:
    from bench.retrieval import COLUMNS

    extras = {k: v for k, v in doc.items() if k not in
              {"rows", "machine", "benchmark", "command", "seconds", "loadavg_at_end"}}
    return [f"## {name}", _head(doc), "", table(doc["rows"], COLUMNS), "", f"`{extras}`", ""]


def _ingestion(name: str, doc: dict[str, Any]) -> list[str]:
    from bench.ingestion import COLUMNS

    return [f"## {name}", _head(doc), "", table(doc["rows"], COLUMNS), ""]


def _startup(name: str, doc: dict[str, Any]) -> list[str]:
    from bench.startup import COLUMNS, LOAD_COLUMNS

    return [f"## {name}", _head(doc), "", table(doc["boots"], COLUMNS), "",
            table(doc["loads"], LOAD_COLUMNS), "",
            table(doc["import_ms"], [("package", "import self time by package"), ("ms", "ms")]),
            ""]


def _scaleout(name: str, doc: dict[str, Any]) -> list[str]:
    from bench.scaleout import COLUMNS

    return [f"## {name}", _head(doc), "", f"model profile: `{doc['model_profile']}`, "
            f"{doc['level']} callers, {doc['duration_s']} s a cell", "",
            table(doc["rows"], COLUMNS), "", f"summary: `{doc['summary']}`", ""]


# benchmark -> its section; a result saved under "<benchmark>-<tag>.json" (e.g. overhead-300t,
# another answer length) gets the same section, after the untagged one.
SECTIONS = {"overhead": _overhead, "ttft": _ttft, "throughput": _throughput,
            "chain_cost": _chain_cost, "streams": _streams, "retrieval": _retrieval,
            "ingestion": _ingestion, "startup": _startup, "scaleout": _scaleout}


def render() -> str:
    out = ["# bench report (generated by `python -m bench.report`)", "", *_run_all()]
    for benchmark, section in SECTIONS.items():
        tagged = sorted(p.stem for p in OUT_DIR.glob(f"{benchmark}-*.json"))
        for name in [benchmark, *tagged]:
            doc = _load(name)
            if doc:
                out += section(name, doc)
    return "\n".join(out)


def main() -> None:
    text = render()
    (OUT_DIR / "report.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
