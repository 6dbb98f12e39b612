"""Modality selection: parse the structured answer, score the chosen combination's human vote share."""

from __future__ import annotations

from eval_anything.types import Message, Sample, Score
from judges.allmodality import parse_structured_answer, selection_score
from judges.benchmark import response_error


def doc_to_sample(task, row, index, ctx):
    sid = str(row.get("instruction_uid", index))
    selection = {k: v for k, v in dict(row["selection"]).items() if v is not None}
    return Sample(id=sid, messages=(Message.user(task.render_question(row)),), target=selection,
                  metadata={"row": row, "index": index})


def score(task, sample, responses):
    err = response_error(responses)
    if err:
        return Score(metrics={"selection_score": None}, error=err)
    combination = parse_structured_answer(responses[0].text).combination
    return Score(metrics={"selection_score": selection_score(combination, sample.target)}, extracted=combination)


def aggregate(task, samples, scores):
    """How often each combination was chosen (share of scored samples)."""
    chosen = [s.extracted for s in scores if s.error is None]
    n = len(chosen) or 1
    return {f"chose_{c}": sum(1 for x in chosen if x == c) / n for c in ("t", "i", "a", "ti", "ta", "ia", "tia")}
