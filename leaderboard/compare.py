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
    pairs: dict[str, dict[str, Any]] = {f"{i}|{j}": {} for i, j in combinations(range(len(rows)), 2)}
    for t in tasks:
        m = _matrix([values.get((r["cells"][f"t:{t}"]["run"], t)) if f"t:{t}" in r["cells"] else None for r in rows])
        if m is None:
            continue
        have = ~np.isnan(m)
        for i, j in combinations(range(len(rows)), 2):
            if not (have[i].any() and have[j].any()):
                continue
            both = have[i] & have[j]
            res = paired_test(m[i, both], m[j, both])
            pairs[f"{i}|{j}"][t] = {k: _round(v) for k, v in res.items()}
    return {"models": [{"key": r["key"], "label": r["label"], "model": r["model"]} for r in rows], "pairs": pairs}


def _matrix(per_row: list[dict[str, float] | None]) -> np.ndarray | None:
    """Rows x (union of sample ids) of primary metric values; NaN where a row has no score for that sample."""
    ids = sorted(set().union(*(d.keys() for d in per_row if d)))
    if not ids:
        return None
    pos = {k: n for n, k in enumerate(ids)}
    m = np.full((len(per_row), len(ids)), np.nan)
    for r, d in enumerate(per_row):
        if d:
            m[r, [pos[k] for k in d]] = list(d.values())
    return m
