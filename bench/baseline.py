"""Our rows beside the hand-written baseline's (bench/baseline_app.py), as ratios.

Rows are matched by concurrency and route: "app /chat/invoke" against "baseline /chat/invoke"
at the same level, in the same run, against the same fake and collection."""

from __future__ import annotations

from typing import Any

RATIO_COLUMNS = [
    ("level", "conc."), ("route", "route"), ("cpu", "CPU ms/answer ours / baseline"),
    ("cpu_ratio", "CPU ratio"), ("over", "overhead p50 ms ours / baseline"),
    ("ttft", "TTFT added p50 ms ours / baseline"), ("rps", "answers/s ours / baseline"),
]


def _pair(ours: Any, theirs: Any) -> str:
    return f"{ours} / {theirs}" if ours is not None or theirs is not None else "–"


def ratio_rows(rows: list[dict[str, Any]], ours: str = "app", theirs: str = "baseline"
               ) -> list[dict[str, Any]]:
    """One row per (level, route) that both servers ran, first turns only."""
    by_key = {(r["level"], r["target"]): r for r in rows if not r.get("followup")}
    out = []
    for (level, target), app in by_key.items():
        if not target.startswith(ours + " /"):
            continue
        route = target[len(ours) + 1:]
        base = by_key.get((level, f"{theirs} {route}"))
        if base is None:
            continue
        cpu_ratio = (round(app["cpu_ms"] / base["cpu_ms"], 2)
                     if app.get("cpu_ms") and base.get("cpu_ms") else None)
        out.append({
            "level": level, "route": route, "cpu": _pair(app["cpu_ms"], base["cpu_ms"]),
            "cpu_ratio": cpu_ratio,
            "over": _pair(app.get("over_p50"), base.get("over_p50")),
            "ttft": _pair(app.get("ttft_add_p50"), base.get("ttft_add_p50")),
            "rps": _pair(app.get("rps"), base.get("rps")),
            "errors": app["errors"] + base["errors"],
        })
    return out
