"""mmau_mini: MMAU rows -> audio + question samples; the choices' own texts are scored (MMAU's answer is a text)."""

from __future__ import annotations

from pathlib import Path

from eval_anything.media import checked_part
from eval_anything.types import Message, Sample


def _base(task, ctx) -> Path:
    override = Path(ctx.data_dir) / task.name if ctx.data_dir is not None else None
    return override if override is not None and override.is_dir() else task.entry.directory


def doc_to_sample(task, row: dict, index: int, ctx) -> Sample:
    sid = str(row.get("id") or index)
    choices = [str(c) for c in row["choices"]]
    audio, error = checked_part(_base(task, ctx) / row["audio_id"], "audio", sid)
    prompt = f"{row['question']}\nSelect one option from the provided choices: {'; '.join(choices)}."
    metadata = {"task": row.get("task"), "sub-category": row.get("sub-category"), "difficulty": row.get("difficulty")}
    if error:
        metadata["error"] = error
    return Sample(id=sid, messages=(Message.user(audio, prompt),), target=choices.index(str(row["answer"])),
                  choices=tuple(choices), metadata=metadata)


def aggregate(task, samples, scores) -> dict[str, float]:
    """Accuracy per MMAU task (sound, music, speech), as MMAU reports it."""
    per: dict[str, list[float]] = {}
    for s, sc in zip(samples, scores):
        if sc.error is None and sc.metrics.get("acc") is not None:
            per.setdefault(str(s.metadata.get("task")), []).append(float(sc.metrics["acc"]))
    return {f"acc/{k}": sum(v) / len(v) for k, v in sorted(per.items())}
