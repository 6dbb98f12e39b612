"""TIFA-style judge over generated media: an understanding model answers multiple-choice questions about the media.

Each question is one judge call showing the media parts; a correct letter scores `correct` (10), a wrong one 0.
The paper averages over questions: a benchmark gives each question its own sample (amg_instruction_following), so the
task's mean is the per-question mean; an item with several questions gets the mean of its marks (`detail["marks"]`
keeps each one). Any model adapter that reads the media type can answer (an audio model for generated audio, a video
model for generated video, a VLM for images).

Option letters: when every option carries its own letter ("A. Cat", "B) Dog"), those letters are shown and the gold
letter refers to them; otherwise options are lettered A, B, C, ... in the order given.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any, Sequence

from judges.base import NEEDS_JUDGE, JudgeEnv, JudgeItem, Verdict
from judges.engine import Call, run_calls
from judges.parse import parse_option
from judges.templates import load_template

LETTERS = "ABCDEFGHIJ"
_LABEL = re.compile(r"^\(?([A-J])[\.\):]\s*")


def lettered_choices(choices: Any) -> list[tuple[str, str]]:
    """Options as (letter, text): the data's own letters when every option has one, else A, B, C, ..."""
    if isinstance(choices, (list, tuple)):
        lines = [str(c).strip() for c in choices]
    else:
        lines = [ln.strip() for ln in str(choices).splitlines() if ln.strip()]
        if len(lines) <= 1:  # "A. x B. y C. z" on one line
            lines = [s.strip() for s in re.split(r"(?=\b[A-J][\.\)]\s)", str(choices)) if s.strip()]
    labels = [_LABEL.match(ln) for ln in lines]
    if lines and all(labels) and len({m.group(1) for m in labels if m}) == len(lines):
        return [(m.group(1), ln[m.end():].strip()) for m, ln in zip(labels, lines) if m]
    return list(zip(LETTERS, [_LABEL.sub("", ln) if isinstance(choices, str) else ln for ln in lines]))


def split_choices(choices: Any) -> list[str]:
    """The option texts, without their letters."""
    return [text for _, text in lettered_choices(choices)]


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
            pending = []
            for q in questions:
                options = lettered_choices(q["choices"])
                letters = "".join(letter for letter, _ in options)
                gold = str(q["answer"]).strip().upper()[:1]
                if gold not in letters:
                    verdicts[k] = Verdict(None, error=f"gold answer {q['answer']!r} is not one of the options "
                                                      f"{', '.join(letters)}")
                    break
                text = self.template.render(question=q["question"], options=options, modality=it.parts[0].type)
                pending.append((Call(text, partial(_parse_letter, letters=letters),
                                     f'only the letter of the correct option ({", ".join(letters)})',
                                     tuple(it.parts)), gold))
            else:
                for call, gold in pending:
                    calls.append(call)
                    owners.append(k)
                    answers.append(gold)
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


def _parse_letter(text: str, letters: str) -> str:
    """parse_option over the options' own letters (A-J in any subset, e.g. "ABD")."""
    n = max(LETTERS.index(c) for c in letters) + 1
    letter = parse_option(text, n)
    if letter not in letters:
        from judges.parse import ParseError

        raise ParseError(f"option {letter} is not one of {', '.join(letters)}")
    return letter
