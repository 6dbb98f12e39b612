"""TIFA-style judge over generated media: an understanding model answers multiple-choice questions about the media.

Each question is one judge call showing the media parts; a correct letter scores `correct` (10), a wrong one 0,
and the item's value is the mean over its questions. Any model adapter that reads the media type can answer
(an audio model for generated audio, a video model for generated video, a VLM for images).
"""

from __future__ import annotations

from functools import partial
from typing import Any, Sequence

from judges.base import NEEDS_JUDGE, JudgeEnv, JudgeItem, Verdict
from judges.engine import Call, run_calls
from judges.parse import parse_option
from judges.templates import load_template

LETTERS = "ABCDEFGHIJ"


def split_choices(choices: Any) -> list[str]:
    """Options as a list: a list as given, or a string with one "A. ..." option per line."""
    if isinstance(choices, (list, tuple)):
        return [str(c) for c in choices]
    import re

    lines = [ln.strip() for ln in str(choices).splitlines() if ln.strip()]
    if len(lines) <= 1:  # "A. x B. y C. z" on one line
        lines = [s.strip() for s in re.split(r"(?=\b[A-J][\.\)]\s)", str(choices)) if s.strip()]
    return [re.sub(r"^[A-J][\.\):]\s*", "", ln) for ln in lines]


class TifaJudge:
    """`item.variables["questions"]`: a list of {"question": str, "choices": list|str, "answer": "B"}."""

    name = "tifa"

    def __init__(self, template: str | None = None, correct: float = 10.0) -> None:
        self.template = load_template(template or "tifa_qa.jinja")
        self.correct = correct

    def judge(self, items: Sequence[JudgeItem], env: JudgeEnv | None) -> list[Verdict]:
        if env is None:
            return [Verdict(None, error=NEEDS_JUDGE) for _ in items]
        calls, owners, answers = [], [], []
        verdicts: list[Verdict | None] = [None] * len(items)
        for k, it in enumerate(items):
            questions = list(it.variables.get("questions") or [])
            if not it.parts:
                verdicts[k] = Verdict(None, error="no generated media to question")
                continue
            if not questions:
                verdicts[k] = Verdict(None, error="item has no TIFA questions")
                continue
            for q in questions:
                options = split_choices(q["choices"])
                text = self.template.render(question=q["question"], options=list(zip(LETTERS, options)),
                                            modality=it.parts[0].type)
                calls.append(Call(text, partial(parse_option, n_options=len(options)),
                                  f'only the letter of the correct option ({", ".join(LETTERS[:len(options)])})',
                                  tuple(it.parts)))
                owners.append(k)
                answers.append(str(q["answer"]).strip().upper()[:1])
        outcomes = run_calls(env, self.template, calls, f"judge {self.template.name}") if calls else []
        per_item: dict[int, list] = {}
        for k, gold, o in zip(owners, answers, outcomes):
            per_item.setdefault(k, []).append((gold, o))
        for k, pairs in per_item.items():
            records = tuple(o.record for _, o in pairs)
            errors = [o.error for _, o in pairs if o.error]
            if errors:
                verdicts[k] = Verdict(None, records, errors[0])
                continue
            marks = [self.correct if o.value == gold else 0.0 for gold, o in pairs]
            verdicts[k] = Verdict(sum(marks) / len(marks), records, None, {"marks": marks})
        return verdicts  # type: ignore[return-value]
