"""Rule judges: exact match, numeric tolerance, and math equivalence (sympy). No model, so no JudgeEnv needed."""

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


def _math_expr(text: str) -> str:
    """The answer part of a reply: a \\boxed{...} if present, else the text after the last '=' or 'answer is'."""
    boxed = re.findall(r"\\boxed\{((?:[^{}]|\{[^{}]*\})*)\}", text)
    if boxed:
        return boxed[-1]
    m = re.split(r"(?i)answer\s*(?:is|:)", text)
    text = m[-1]
    return text.split("=")[-1].strip().strip("$").rstrip(".")


def _to_sympy(expr: str):
    import sympy
    from sympy.parsing.sympy_parser import (convert_xor, implicit_multiplication_application, parse_expr,
                                            standard_transformations)

    expr = expr.replace("\\frac{", "(").replace("}{", ")/(").replace("\\cdot", "*").replace("\\pi", "pi")
    expr = expr.replace("{", "(").replace("}", ")").replace("\\left", "").replace("\\right", "").replace("\\", "")
    transforms = standard_transformations + (implicit_multiplication_application, convert_xor)
    return sympy.simplify(parse_expr(expr, transformations=transforms, evaluate=True))


class MathEquivJudge(_Rule):
    """Symbolic equivalence: sympy simplifies `response - reference` to 0 (e.g. "1/2" == "0.5" == "\\frac{1}{2}")."""

    name = "math_equiv"

    def check(self, response: str, reference: str) -> bool:
        got, want = _math_expr(response), _math_expr(reference)
        if normalize_text(got) == normalize_text(want) and got.strip():
            return True
        try:
            import sympy

            diff = sympy.simplify(_to_sympy(got) - _to_sympy(want))
            return bool(diff == 0) or (diff.is_number and abs(float(diff)) < 1e-9)
        except Exception:  # unparsable math is simply not equivalent
            return False
