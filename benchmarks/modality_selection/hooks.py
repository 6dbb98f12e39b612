"""Modality selection: parse the structured answer, score the chosen combination's human vote share.

Parsing rules: judges/parse.py (A1-A4); formula and vote-data checks: judges/allmodality.py, docs/all-modality.md.
"""

from __future__ import annotations

from eval_anything.types import Message, Sample, Score
from judges.allmodality import COMBINATIONS, VoteDataError, parse_structured_answer, selection_score
from judges.benchmark import response_error


def doc_to_sample(task, row, index, ctx):
    sid = str(row.get("instruction_uid", index))
    selection = row.get("selection")
    return Sample(id=sid, messages=(Message.user(task.render_question(row)),),
                  target=dict(selection) if isinstance(selection, dict) else selection,
                  metadata={"row": row, "index": index})


def score(task, sample, responses):
    err = response_error(responses)
    if err:
        return Score(metrics={"selection_score": None}, error=err)
    combination = parse_structured_answer(responses[0].text).combination
    try:
        value = selection_score(combination, sample.target)
    except VoteDataError as e:
        return Score(metrics={"selection_score": None}, extracted=combination, error=f"sample {sample.id}: {e}")
    return Score(metrics={"selection_score": value}, extracted=combination)


def aggregate(task, samples, scores):
    """How often each combination was chosen (share of scored samples; chose_none: nothing chosen)."""
    chosen = [s.extracted for s in scores if s.error is None]
    n = len(chosen)
    out = {f"chose_{c}": (sum(1 for x in chosen if x == c) / n if n else None) for c in COMBINATIONS}
    out["chose_none"] = sum(1 for x in chosen if x is None) / n if n else None
    return out
