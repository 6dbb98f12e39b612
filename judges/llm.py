"""Pointwise and reference-guided judges: a model rates one answer from lo to hi against a rubric."""

from __future__ import annotations

from functools import partial
from typing import Any, Sequence

from judges.base import NEEDS_JUDGE, JudgeEnv, JudgeItem, Verdict
from judges.engine import Call, run_calls
from judges.parse import parse_score
from judges.templates import load_template


class PointwiseJudge:
    """Rates each item's response on lo..hi. Template variables: prompt, response, rubric, lo, hi, reference,
    plus everything in `item.variables` (a benchmark's template can use its own fields)."""

    name = "pointwise"
    default_template = "pointwise.jinja"

    def __init__(self, template: str | None = None, rubric: str = "", lo: int = 1, hi: int = 10) -> None:
        self.template = load_template(template or self.default_template)
        self.rubric, self.lo, self.hi = rubric, lo, hi

    def variables(self, item: JudgeItem) -> dict[str, Any]:
        return {"prompt": item.prompt, "response": item.response or "", "rubric": self.rubric, "lo": self.lo,
                "hi": self.hi, "reference": item.reference, **dict(item.variables)}

    def judge(self, items: Sequence[JudgeItem], env: JudgeEnv | None) -> list[Verdict]:
        if env is None:
            return [Verdict(None, error=NEEDS_JUDGE) for _ in items]
        fmt = f'a final line "Score: N" where N is a whole number from {self.lo} to {self.hi}'
        calls = [Call(self.template.render(**self.variables(it)), partial(parse_score, lo=self.lo, hi=self.hi),
                      fmt, tuple(it.parts)) for it in items]
        outcomes = run_calls(env, self.template, calls, f"judge {self.template.name}")
        return [Verdict(o.value, (o.record,), o.error) for o in outcomes]


class ReferenceJudge(PointwiseJudge):
    """Pointwise with gold answers shown to the judge: `item.reference`, or `variables["references"]` (a list)."""

    name = "reference"
    default_template = "reference.jinja"

    def variables(self, item: JudgeItem) -> dict[str, Any]:
        v = super().variables(item)
        v.setdefault("references", [item.reference] if item.reference is not None else [])
        return v
