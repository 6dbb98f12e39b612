"""The paper's all-modality generation arithmetic: modality selection and S_AMG (docs/all-modality.md).

A model answers in three sections (text response, image instruction, audio instruction), read by
`judges.parse.parse_structured_answer` (rules A1-A4 there). The chosen combination is a subset of t (text),
i (image), a (audio), written in the order t, i, a: one of t, i, a, ti, ta, ia, tia.

Vote data (the share of annotators preferring each combination) is checked before it is used: a missing
combination, a share outside [0, 1] or shares that do not sum to 1 raise VoteDataError, which a benchmark records
as that sample's error. A malformed row never scores 0 (or 1) silently.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from judges.parse import StructuredAnswer, parse_structured_answer  # noqa: F401  (re-exported)

COMBINATIONS = ("t", "i", "a", "ti", "ta", "ia", "tia")
PAIRS = ("ti", "ta", "ia")  # (text, image), (text, audio), (image, audio)
SECTION_KEYS = {"t": "response", "i": "image_instruction", "a": "audio_instruction"}
VOTE_SUM_TOLERANCE = 0.01  # shares are stored rounded (e.g. 4 decimals of k/24)


class VoteDataError(ValueError):
    """A row's vote shares cannot be used (named in the message)."""


def check_votes(selection: Any) -> dict[str, float]:
    """The vote shares as {combination: share}, or VoteDataError naming what is wrong."""
    if not isinstance(selection, Mapping):
        raise VoteDataError(f"malformed vote data: expected a mapping of combinations to shares, got "
                            f"{type(selection).__name__}")
    out: dict[str, float] = {}
    missing = [c for c in COMBINATIONS if selection.get(c) is None]
    if missing:
        raise VoteDataError(f"malformed vote data: no share for {', '.join(missing)}")
    for c in COMBINATIONS:
        v = selection[c]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not 0 <= v <= 1:
            raise VoteDataError(f"malformed vote data: share of {c!r} is {v!r}, not a number in [0, 1]")
        out[c] = float(v)
    extra = sorted(set(selection) - set(COMBINATIONS))
    if extra:
        raise VoteDataError(f"malformed vote data: unknown combination(s) {', '.join(map(str, extra))}")
    total = sum(out.values())
    if abs(total - 1.0) > VOTE_SUM_TOLERANCE:
        raise VoteDataError(f"malformed vote data: shares sum to {total:.4f}, not 1")
    return out


def selection_score(combination: str | None, selection: Mapping[str, Any]) -> float:
    """The share of annotators who preferred the chosen combination; 0 when the reply chose nothing (no annotator
    prefers an empty answer). Malformed vote data raises VoteDataError."""
    votes = check_votes(selection)
    if combination is None:
        return 0.0
    if combination not in votes:
        raise ValueError(f"unknown combination {combination!r}")
    return votes[combination]


def pair_alphas(combination: str | None, selection: Mapping[str, Any]) -> dict[str, float]:
    """alpha per produced pair: the pair's vote share; with all three modalities, each pair gets share(tia) / 3."""
    votes = check_votes(selection)
    if combination == "tia":
        return {p: votes["tia"] / 3 for p in PAIRS}
    if combination in PAIRS:
        return {combination: votes[combination]}
    return {}


def s_amg_item(combination: str | None, selection: Mapping[str, Any], modality_scores: Mapping[str, float],
               pair_scores: Mapping[str, float]) -> float:
    """S_AMG for one answer: sum over produced pairs (m1, m2) of 1/2 * alpha * (S_m1 + S_m2) * S_pair.

    modality_scores: instruction-following score per produced modality ("t", "i", "a") in [0, 1];
    pair_scores: synergy per produced pair ("ti", "ta", "ia") in [0, 1]. A single-modality answer has no pair: 0.
    """
    total = 0.0
    for pair, alpha in pair_alphas(combination, selection).items():
        m1, m2 = pair[0], pair[1]
        total += 0.5 * alpha * (modality_scores[m1] + modality_scores[m2]) * pair_scores[pair]
    return total
