"""Pairwise judge: is answer A or B better (or a tie)? Every pair is judged in both orders.

Order 1 shows (A=first, B=second); order 2 shows (A=second, B=first). Each order gives the first answer 1 (win),
0.5 (tie) or 0 (loss); the verdict value is the mean of the two. A judge that always names position A therefore
gives every answer 0.5, not 1: position bias cancels instead of deciding. `detail["consistent"]` says whether the
two orders agreed (the position-bias rate is the share of inconsistent pairs).
"""

from __future__ import annotations

from typing import Sequence

from judges.base import NEEDS_JUDGE, JudgeEnv, JudgeItem, Verdict
from judges.engine import Call, run_calls
from judges.parse import parse_verdict
from judges.templates import load_template

_FIRST_WINS = {"A": 1.0, "tie": 0.5, "B": 0.0}  # order 1: the first answer sits in position A
_FIRST_WINS_SWAPPED = {"A": 0.0, "tie": 0.5, "B": 1.0}  # order 2: the first answer sits in position B


class PairwiseJudge:
    name = "pairwise"

    def __init__(self, template: str | None = None, rubric: str = "") -> None:
        self.template = load_template(template or "pairwise.jinja")
        self.rubric = rubric

    def _call(self, item: JudgeItem, a: str, b: str) -> Call:
        text = self.template.render(prompt=item.prompt, response_a=a, response_b=b, rubric=self.rubric,
                                    **dict(item.variables))
        return Call(text, parse_verdict, 'a final line "Verdict: [[A]]", "Verdict: [[B]]" or "Verdict: [[tie]]"',
                    tuple(item.parts))

    def judge(self, items: Sequence[JudgeItem], env: JudgeEnv | None) -> list[Verdict]:
        """Value = share won by `item.response` against `item.other` (1 win, 0.5 tie, 0 loss), both orders."""
        if env is None:
            return [Verdict(None, error=NEEDS_JUDGE) for _ in items]
        calls = []
        for it in items:
            calls += [self._call(it, it.response or "", it.other or ""), self._call(it, it.other or "", it.response or "")]
        outcomes = run_calls(env, self.template, calls, f"judge {self.template.name}")
        verdicts = []
        for k in range(len(items)):
            o1, o2 = outcomes[2 * k], outcomes[2 * k + 1]
            records = (o1.record, o2.record)
            errors = [o.error for o in (o1, o2) if o.error]
            if errors:
                # One order alone cannot cancel position bias: report the pair as not scored.
                verdicts.append(Verdict(None, records, errors[0], {"orders": [o1.value, o2.value]}))
                continue
            s1, s2 = _FIRST_WINS[o1.value], _FIRST_WINS_SWAPPED[o2.value]
            verdicts.append(Verdict((s1 + s2) / 2, records, None,
                                    {"orders": [o1.value, o2.value], "consistent": s1 == s2}))
        return verdicts
