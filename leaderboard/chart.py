"""Geometry for the inline SVG bar charts with 95% CI error bars (the markup is in templates/_chart.html)."""

from __future__ import annotations

import math
from typing import Any

ROW_H = 22
LABEL_W = 220
PLOT_W = 420
PAD = 10


def _nice_ticks(lo: float, hi: float) -> list[float]:
    """At most ~6 round tick values (1, 2 or 5 times a power of ten apart) covering [lo, hi]."""
    span = hi - lo
    base = 10.0 ** math.floor(math.log10(span / 6))
    step = next(m * base for m in (1, 2, 5, 10) if span / (m * base) <= 6)
    first = math.ceil(lo / step - 1e-9)
    return [round(k * step, 10) for k in range(first, math.floor(hi / step + 1e-9) + 1)]


def bar_chart(rows: list[dict[str, Any]], key: str, hib: bool = True) -> dict[str, Any] | None:
    """Bars for column `key`, best first. Returns None when no row has a value."""
    items = [(r["label"], r["cells"][key]) for r in rows if key in r["cells"]]
    if not items:
        return None
    items.sort(key=lambda it: (-it[1]["v"] if hib else it[1]["v"], it[0]))
    lows = [min(c["v"], (c["ci"] or [c["v"]])[0]) for _, c in items]
    highs = [max(c["v"], (c["ci"] or [0, c["v"]])[1]) for _, c in items]
    lo, hi = min(0.0, min(lows)), max(highs)
    if 0 <= lo and hi <= 1 and hi > 0.2:
        hi = 1.0  # scores in [0, 1]: keep the full scale so charts compare at a glance
    hi = hi if hi > lo else lo + 1.0

    def x(v: float) -> float:
        return round(LABEL_W + (v - lo) / (hi - lo) * PLOT_W, 2)

    bars = []
    for n, (label, c) in enumerate(items):
        y = PAD + n * ROW_H
        ci = c["ci"]
        bars.append({"label": label, "y": y, "ymid": y + ROW_H / 2, "x0": x(min(0.0, c["v"]) if lo < 0 else lo),
                     "x1": x(c["v"]), "value": c["v"], "ci": ci,
                     "e0": x(ci[0]) if ci else None, "e1": x(ci[1]) if ci else None})
    for b in bars:
        b["w"] = round(abs(b["x1"] - b["x0"]), 2)
        b["xl"] = min(b["x0"], b["x1"])
    height = PAD * 2 + len(items) * ROW_H + 20
    return {"bars": bars, "width": LABEL_W + PLOT_W + 60, "height": height, "axis_y": height - 20,
            "ticks": [{"x": x(t), "label": f"{t:g}"} for t in _nice_ticks(lo, hi)], "row_h": ROW_H - 6,
            "label_w": LABEL_W, "value_x": LABEL_W + PLOT_W + 8}
