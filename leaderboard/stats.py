"""Statistics the site shows: rank ranges from confidence intervals, group means, paired model comparisons."""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import numpy as np
from scipy import special

BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 20261125
ALPHA = 0.05


def rank_ranges(cis: Sequence[tuple[float, float] | None], higher_is_better: bool = True) -> list[list[int] | None]:
    """The set of ranks each entry could take given the CIs: [best, worst].

    Entry i is certainly behind j only when their 95% CIs do not overlap, so its best rank is 1 + the number of
    entries certainly ahead, and its worst rank is the number of entries not certainly behind it.
    """
    present = [i for i, ci in enumerate(cis) if ci is not None]
    out: list[list[int] | None] = [None] * len(cis)
    for i in present:
        lo_i, hi_i = cis[i]  # type: ignore[misc]
        ahead = behind = 0
        for j in present:
            if j == i:
                continue
            lo_j, hi_j = cis[j]  # type: ignore[misc]
            if higher_is_better:
                ahead += lo_j > hi_i
                behind += hi_j < lo_i
            else:
                ahead += hi_j < lo_i
                behind += lo_j > hi_i
        out[i] = [1 + ahead, len(present) - behind]
    return out


def group_mean(values: Sequence[float], stderrs: Sequence[float | None]) -> dict[str, float | list[float] | None]:
    """Macro mean of values on [0, 1] as docs/run-directory.md defines it: stderr sqrt(sum se^2)/k, CI value +/- 1.96
    stderr clipped to [0, 1] (eval_anything.scales.combine)."""
    from eval_anything.scales import combine

    g = combine(list(values), list(stderrs))
    return {"value": g["value"], "stderr": g["stderr"], "ci95": g["ci95"]}


def paired_test(a: np.ndarray, b: np.ndarray) -> dict[str, object]:
    """Compare two models on the same samples (a[i], b[i] are the primary metric on sample i).

    0/1 metrics: exact McNemar (binomial test on the discordant pairs). Graded metrics: paired bootstrap of the
    mean difference with a fixed seed, so the site is deterministic.
    """
    n = int(a.shape[0])
    if n == 0:
        return {"n": 0, "diff": None, "p": None, "test": None, "significant": False}
    d = a - b
    diff = float(d.mean())
    binary = bool(np.isin(a, (0.0, 1.0)).all() and np.isin(b, (0.0, 1.0)).all())
    if binary:
        a_only = int(((a == 1) & (b == 0)).sum())
        b_only = int(((a == 0) & (b == 1)).sum())
        # Two-sided exact binomial test at 1/2 (symmetric, so twice the smaller tail); bdtr is the binomial CDF.
        k, m = min(a_only, b_only), a_only + b_only
        p = 1.0 if m == 0 else float(min(1.0, 2.0 * special.bdtr(k, m, 0.5)))
        out = {"test": "mcnemar_exact", "a_only": a_only, "b_only": b_only}
    else:
        boot = _weights(n) @ d / n
        p = float(min(1.0, 2.0 * min((boot <= 0).mean(), (boot >= 0).mean())))
        lo, hi = np.percentile(boot, [2.5, 97.5])
        out = {"test": "paired_bootstrap", "resamples": BOOTSTRAP_RESAMPLES, "ci95": [float(lo), float(hi)]}
    return {**out, "n": n, "diff": diff, "p": p, "significant": p < ALPHA}


@lru_cache(maxsize=8)
def _weights(n: int) -> np.ndarray:
    """Bootstrap resampling counts (resamples x n), one fixed draw per sample size: a mat-vec per comparison."""
    rng = np.random.default_rng(BOOTSTRAP_SEED + n)
    idx = rng.integers(0, n, size=(BOOTSTRAP_RESAMPLES, n))
    flat = (np.arange(BOOTSTRAP_RESAMPLES)[:, None] * n + idx).ravel()
    return np.bincount(flat, minlength=BOOTSTRAP_RESAMPLES * n).reshape(BOOTSTRAP_RESAMPLES, n).astype(np.float64)
