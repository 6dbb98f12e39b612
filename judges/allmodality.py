"""The paper's all-modality generation arithmetic: structured answers, modality selection and S_AMG.

A model answers in three sections (text response, image instruction, audio instruction); a section that is missing,
empty or "None" was not chosen. The chosen combination is a subset of t (text), i (image), a (audio), written in
the order t, i, a: one of t, i, a, ti, ta, ia, tia.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

COMBINATIONS = ("t", "i", "a", "ti", "ta", "ia", "tia")
PAIRS = ("ti", "ta", "ia")  # (text, image), (text, audio), (image, audio)
SECTION_KEYS = {"t": "response", "i": "image_instruction", "a": "audio_instruction"}
_EMPTY = {"", "none", "null", "n/a", "na", "no", "-", "<none>", "(none)", "nothing"}
_HEADER = re.compile(r"(?im)^[ \t>*#-]*\[*\s*(response|text[ _]response|image[ _]instruction|audio[ _]instruction)"
                     r"\s*\]*\s*\**\s*[:：]")


@dataclass(frozen=True)
class StructuredAnswer:
    text: str | None
    image_instruction: str | None
    audio_instruction: str | None
    structured: bool  # False: no section header found (plain text answer)

    @property
    def combination(self) -> str | None:
        c = "".join(k for k, v in (("t", self.text), ("i", self.image_instruction), ("a", self.audio_instruction)) if v)
        return c or None


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    v = value.strip().strip("*").strip()
    return None if v.lower().strip(".") in _EMPTY else v


def parse_structured_answer(reply: str | None) -> StructuredAnswer:
    """Sections like `[[response]]: ...`, `Response: ...`, `**Image instruction:** ...` (any order, any case).

    A reply with no section header at all is a plain text answer: combination "t" (an empty reply: None).
    """
    reply = reply or ""
    heads = list(_HEADER.finditer(reply))
    if not heads:
        return StructuredAnswer(_clean(reply), None, None, structured=False)
    found: dict[str, str] = {}
    for h, nxt in zip(heads, heads[1:] + [None]):
        key = h.group(1).lower().replace(" ", "_")
        key = "response" if key in ("response", "text_response") else key
        body = reply[h.end(): nxt.start() if nxt else len(reply)]
        body = re.sub(r"(?is)\[/?output_format\].*$", "", body)  # a closing format tag is not content
        found.setdefault(key, body)
    return StructuredAnswer(_clean(found.get("response")), _clean(found.get("image_instruction")),
                            _clean(found.get("audio_instruction")), structured=True)


def selection_score(combination: str | None, selection: Mapping[str, float]) -> float:
    """The share of annotators who preferred the chosen combination (0 when nothing was chosen)."""
    if combination is None:
        return 0.0
    return float(selection.get(combination, 0.0) or 0.0)


def pair_alphas(combination: str | None, selection: Mapping[str, float]) -> dict[str, float]:
    """alpha per produced pair: the pair's vote share; with all three modalities, each pair gets share(tia) / 3."""
    if combination == "tia":
        share = float(selection.get("tia", 0.0) or 0.0) / 3
        return {p: share for p in PAIRS}
    if combination in PAIRS:
        return {combination: float(selection.get(combination, 0.0) or 0.0)}
    return {}


def s_amg_item(combination: str | None, selection: Mapping[str, float], modality_scores: Mapping[str, float],
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
