"""Rule judges: exact match, numeric tolerance, and math equivalence (a restricted grammar, judges/mathexpr.py, that
never evaluates text). No model, so no JudgeEnv needed."""

from __future__ import annotations

import re
import string
from typing import Sequence

from eval_anything.types import JudgeRecord, sha256_text
from judges.base import JudgeEnv, JudgeItem, Verdict


class _Rule:
    name = "rule"
    version = 1

    def check(self, response: str, reference: str) -> bool:
        raise NotImplementedError

    def judge(self, items: Sequence[JudgeItem], env: JudgeEnv | None = None) -> list[Verdict]:
        out = []
        tag = f"rule:{self.name}@{self.version}"
        for it in items:
            if it.reference is None:
                out.append(Verdict(None, error=f"{self.name}: item has no reference answer"))
                continue
            ok = self.check(it.response or "", str(it.reference))
            rec = JudgeRecord(judge_model=tag, template=self.name, template_hash=sha256_text(tag),
                              raw_output=it.response, parsed=ok)
            out.append(Verdict(1.0 if ok else 0.0, (rec,)))
        return out


def normalize_text(s: str) -> str:
    s = s.lower().strip()
    s = s.translate(str.maketrans("", "", string.punctuation))
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


class ExactMatchJudge(_Rule):
    """Equal after lower-casing and removing punctuation, articles and extra spaces (set `strict` to skip that)."""

    name = "exact_match"

    def __init__(self, strict: bool = False) -> None:
        self.strict = strict

    def check(self, response: str, reference: str) -> bool:
        if self.strict:
            return response.strip() == reference.strip()
        return normalize_text(response) == normalize_text(reference)


_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:[eE]-?\d+)?|-?\.\d+")


def last_number(text: str) -> float | None:
    found = _NUMBER.findall(text)
    if not found:
        return None
    try:
        return float(found[-1].replace(",", ""))
    except ValueError:
        return None


class NumericJudge(_Rule):
    """The last number in the response equals the reference within `rel_tol` (relative) or `abs_tol`."""

    name = "numeric"

    def __init__(self, rel_tol: float = 1e-6, abs_tol: float = 1e-9) -> None:
        self.rel_tol, self.abs_tol = rel_tol, abs_tol

    def check(self, response: str, reference: str) -> bool:
        got, want = last_number(response), last_number(reference)
        if got is None or want is None:
            return False
        return abs(got - want) <= max(self.abs_tol, self.rel_tol * abs(want))


def _boxed(text: str) -> str | None:
    """The contents of the last \\boxed{...} (braces matched, any depth), or None."""
    start = text.rfind("\\boxed{")
    if start < 0:
        return None
    depth, i = 0, start + len("\\boxed")
    for j in range(i, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return text[i + 1 : j]
    return None  # unbalanced: no answer rather than a guess


def _math_expr(text: str) -> str:
    """The answer part of a reply: a \\boxed{...} if present, else the text after the last '=' or 'answer is'."""
    boxed = _boxed(text)
    if boxed is not None:
        return boxed.strip()
    text = re.split(r"(?i)answer\s*(?:is|:)", text)[-1]
    return text.split("=")[-1].strip().strip("$").rstrip(".").strip()


def _plain(s: str) -> str:
    """Case-folded, spaces collapsed and dropped beside brackets and separators ("(1, 2)" == "(1,2)", "1 2" != "12")."""
    return re.sub(r"\s*([,;()\[\]{}])\s*", r"\1", " ".join(s.split())).casefold()


class MathEquivJudge(_Rule):
    """Symbolic equivalence (e.g. "1/2" == "0.5" == "\\frac{1}{2}", "2x+x" == "3x").

    Both answers are read with the restricted grammar of judges/mathexpr.py, which builds sympy objects and never
    evaluates text. They are equal when both parse and `equivalent` holds (identical after sympy's evaluation, or
    numerically equal within 1e-9 relative at fixed points), or when the texts are identical up to letter case and
    spacing (a tuple, a word, "No solution").
    """

    name = "math_equiv"
    version = 2

    def check(self, response: str, reference: str) -> bool:
        from judges.mathexpr import MathParseError, equivalent, parse_math

        got, want = _math_expr(response), _math_expr(reference)
        try:
            if equivalent(parse_math(got), parse_math(want)):
                return True
        except MathParseError:
            pass
        return bool(got.strip()) and _plain(got) == _plain(want)
