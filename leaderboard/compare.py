"""Paired comparisons between every two models of the "latest" view, per task, on the samples both scored."""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np

from leaderboard.stats import paired_test


def _round(x: Any) -> Any:
    if isinstance(x, float):
        return round(x, 6)
    if isinstance(x, list):
        return [_round(v) for v in x]
    return x


def compare_models(summary: dict[str, Any], values: dict[tuple[str, str], dict[str, float]]) -> dict[str, Any]:
    """{"models": [...], "pairs": {"i|j": {task: test result}}} with i < j; the page flips signs for j vs i.

    `values[(run_key, task)]` maps sample id -> primary metric value. Each model's task comes from the run the
    latest view took it from, so the comparison matches the numbers in the table.
    """
    rows = summary["views"]["latest"]
    tasks = [c["name"] for c in summary["columns"] if c["kind"] == "task"]
    pairs: dict[str, dict[str, Any]] = {}
    for (i, a), (j, b) in combinations(enumerate(rows), 2):
        per_task = {}
        for t in tasks:
            ca, cb = a["cells"].get(f"t:{t}"), b["cells"].get(f"t:{t}")
            if not ca or not cb:
                continue
            va, vb = values.get((ca["run"], t)), values.get((cb["run"], t))
            if not va or not vb:
                continue
            shared = sorted(va.keys() & vb.keys())
            res = paired_test(np.fromiter((va[k] for k in shared), float, len(shared)),
                              np.fromiter((vb[k] for k in shared), float, len(shared)))
            per_task[t] = {k: _round(v) for k, v in res.items()}
        pairs[f"{i}|{j}"] = per_task
    return {"models": [{"key": r["key"], "label": r["label"], "model": r["model"]} for r in rows], "pairs": pairs}
