"""mmvu_mini: MMVU multiple-choice rows -> video + question samples; the option letters are scored.

Adapters decide how a video reaches the model: a processor that takes video gets sampled frames as a video, others
get the frames as images (see docs/multimodal.md).
"""

from __future__ import annotations

from pathlib import Path

from eval_anything.media import checked_part
from eval_anything.types import Message, Sample

INSTRUCTION = "Answer with the option's letter from the given choices directly."


def _base(task, ctx) -> Path:
    override = Path(ctx.data_dir) / task.name if ctx.data_dir is not None else None
    return override if override is not None and override.is_dir() else task.entry.directory


def load_rows(task, ctx) -> list[dict]:
    # MMVU mixes multiple-choice and open-ended questions; only the former can be scored by log-likelihood.
    rows = task.load_split(task.spec.dataset.split, ctx)
    rows = [r for r in rows if r.get("question_type") == "multiple-choice"]
    return rows[: ctx.limit] if ctx.limit else rows


def doc_to_sample(task, row: dict, index: int, ctx) -> Sample:
    sid = str(row["id"])
    letters = [k for k, v in sorted(row["choices"].items()) if v]  # MMVU pads unused letters with ""
    video, error = checked_part(_base(task, ctx) / row["video"], "video", sid)
    options = "\n".join(f"{k}. {row['choices'][k]}" for k in letters)
    metadata = {"subject": (row.get("metadata") or {}).get("subject")}
    if error:
        metadata["error"] = error
    return Sample(id=sid, messages=(Message.user(video, f"{row['question']}\n{options}\n{INSTRUCTION}"),),
                  target=letters.index(str(row["answer"]).strip()), choices=tuple(letters), metadata=metadata)


def aggregate(task, samples, scores) -> dict[str, float]:
    """Accuracy per subject."""
    per: dict[str, list[float]] = {}
    for s, sc in zip(samples, scores):
        if sc.error is None and sc.metrics.get("acc") is not None:
            per.setdefault(str(s.metadata.get("subject")), []).append(float(sc.metrics["acc"]))
    return {f"acc/{k}": sum(v) / len(v) for k, v in sorted(per.items())}
