"""Robust parsing of judge replies. Each parser returns a value or raises ParseError (never guesses a zero)."""

from __future__ import annotations

import json
import re
from typing import Any


class ParseError(ValueError):
    pass


_NUM = r"(-?\d+(?:\.\d+)?)"


def _json_objects(text: str) -> list[dict]:
    """Every JSON object embedded in the text (code fences and prose around it are fine)."""
    out, dec = [], json.JSONDecoder()
    for m in re.finditer(r"\{", text):
        try:
            obj, _ = dec.raw_decode(text[m.start():])
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict):
            out.append(obj)
    return out


def _json_field(text: str, keys: tuple[str, ...]) -> Any:
    for obj in reversed(_json_objects(text)):
        lowered = {str(k).lower(): v for k, v in obj.items()}
        for k in keys:
            if k in lowered:
                return lowered[k]
    return None


def parse_score(text: str | None, lo: float = 1, hi: float = 10) -> float:
    """A rating in [lo, hi] from replies like `Score: 7`, `7/10`, `{"score": 7}`, `[[7]]`, `Rating: 7 out of 10`."""
    if not text or not text.strip():
        raise ParseError("empty reply")
    value = _json_field(text, ("score", "rating", "grade"))
    candidates: list[tuple[str, str | None]] = []
    if value is not None:
        candidates.append((str(value), None))
    for pattern in (
        r"\[\[\s*" + _NUM + r"\s*\]\]",  # [[7]]
        # "Score: 7", "Final rating - **7**/10", "score of 7"; not "a score from 1 to 10, I give 7"
        r"(?i)\b(?:score|rating|grade)\b\s*(?:is|of|=|:|-|：)?\s*[:=]?\s*\**\s*" + _NUM + r"\**(?:\s*(?:/|out of)\s*(\d+))?",
        _NUM + r"\s*(?:/|out of)\s*(\d+)\b",  # 7/10, 7 out of 10
    ):
        found = re.findall(pattern, text)
        for f in found[-1:]:  # a reasoning reply states its verdict last
            candidates.append((f, None) if isinstance(f, str) else (f[0], f[1] or None))
        if candidates:
            break
    if not candidates:
        bare = re.fullmatch(r"\s*\**\s*" + _NUM + r"\s*\**\s*\.?\s*", text)
        if bare:
            candidates.append((bare.group(1), None))
    if not candidates:
        raise ParseError(f"no score found in reply {text[:80]!r}")
    raw, denom = candidates[0]
    try:
        score = float(raw)
    except ValueError:
        raise ParseError(f"score {raw!r} is not a number") from None
    if denom is not None and float(denom) != float(hi):
        raise ParseError(f"score given out of {denom}, expected out of {hi:g}")
    if not lo <= score <= hi:
        raise ParseError(f"score {score:g} outside {lo:g}..{hi:g}")
    return score


_VERDICTS = {"a": "A", "b": "B", "tie": "tie", "c": "tie", "draw": "tie", "equal": "tie", "both": "tie"}


def parse_verdict(text: str | None) -> str:
    """A pairwise verdict "A", "B" or "tie" from `[[A]]`, `{"winner": "B"}`, `Winner: tie`, `Output (a)`, `B`."""
    if not text or not text.strip():
        raise ParseError("empty reply")
    value = _json_field(text, ("winner", "verdict", "better", "choice"))
    if isinstance(value, str) and value.strip().lower() in _VERDICTS:
        return _VERDICTS[value.strip().lower()]
    for pattern in (
        r"\[\[\s*(A|B|C|tie)\s*\]\]",
        r"(?i)\b(?:winner|verdict|better(?: response| answer)?|final answer)\b\s*(?:is)?\s*[:=\-]?\s*"
        r"(?:response|answer|output|assistant)?\s*\(?\s*(A|B|tie|draw)\b",
        r"(?i)\b(?:response|answer|output|assistant)\s*\(?(A|B)\)?\s+is\s+better",
    ):
        found = re.findall(pattern, text, flags=re.IGNORECASE)
        if found:
            return _VERDICTS[found[-1].lower()]
    bare = re.fullmatch(r"\s*\**\s*\(?(A|B|tie|draw)\)?\s*\**\s*\.?\s*", text, flags=re.IGNORECASE)
    if bare:
        return _VERDICTS[bare.group(1).lower()]
    raise ParseError(f"no verdict (A, B or tie) found in reply {text[:80]!r}")


def parse_option(text: str | None, n_options: int = 4) -> str:
    """A multiple-choice letter from `C`, `(C)`, `C. a dog`, `Answer: C`, `{"answer": "C"}`, `[[C]]`."""
    if not text or not text.strip():
        raise ParseError("empty reply")
    letters = "ABCDEFGHIJ"[:n_options]
    cls = f"[{letters}{letters.lower()}]"
    value = _json_field(text, ("answer", "option", "choice"))
    if isinstance(value, str) and len(value.strip()) >= 1 and value.strip()[0].upper() in letters:
        if len(value.strip()) == 1 or not value.strip()[1].isalpha():
            return value.strip()[0].upper()
    for pattern in (
        r"\[\[\s*(" + cls + r")\s*\]\]",
        r"\b(?i:answer|option|choice)\b\s*(?:is)?\s*[:=\-]?\s*(\((?i:[" + letters + r"])\)|[" + letters + r"]\b)",  # not "answer is a dog"
        r"^\s*\**\((" + cls + r")\)",  # "(b)"
        r"^\s*\**\(?([" + letters + r"])(?:[\)\.:]|\s*$)",  # "C", "(C)", "C. ..." but not "A dog ..."
    ):
        found = re.findall(pattern, text.strip())
        if found:
            return found[-1].strip("()").upper()
    raise ParseError(f"no option letter ({', '.join(letters)}) found in reply {text[:80]!r}")
