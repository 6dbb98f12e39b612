"""mmmu_mini: MMMU rows -> interleaved image/text samples; options lettered A, B, ...; scored per option letter."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from eval_anything.media import checked_part
from eval_anything.types import Message, Sample

PLACEHOLDER = re.compile(r"<image (\d+)>")
INSTRUCTION = "Answer with the option's letter from the given choices directly."


def _base(task, ctx) -> Path:
    override = Path(ctx.data_dir) / task.name if ctx.data_dir is not None else None
    return override if override is not None and override.is_dir() else task.entry.directory


def _options(row: dict) -> list[str]:
    opts = row["options"]
    return list(ast.literal_eval(opts)) if isinstance(opts, str) else list(opts)  # MMMU stores a list's repr


def doc_to_sample(task, row: dict, index: int, ctx) -> Sample:
    base, sid = _base(task, ctx), str(row["id"])
    options = _options(row)
    letters = [chr(ord("A") + i) for i in range(len(options))]
    images, errors = {}, []
    for k in range(1, 8):
        if row.get(f"image_{k}"):
            images[k], err = checked_part(base / row[f"image_{k}"], "image", sid)
            if err:
                errors.append(err)
    # Each image goes where the question first names it; images the text never names go first.
    parts: list = [images[k] for k in sorted(images) if f"<image {k}>" not in row["question"]]
    used: set[int] = set()
    pos = 0
    for m in PLACEHOLDER.finditer(row["question"]):
        k = int(m.group(1))
        parts.append(row["question"][pos:m.start()])
        if k in images and k not in used:
            parts.append(images[k])
            used.add(k)
        else:
            parts.append(m.group(0))
        pos = m.end()
    tail = row["question"][pos:] + "\n" + "\n".join(f"{l}. {o}" for l, o in zip(letters, options))
    parts.append(tail + "\n" + INSTRUCTION)
    parts = [p for p in parts if not (isinstance(p, str) and not p)]
    metadata = {"subfield": row.get("subfield"), "topic_difficulty": row.get("topic_difficulty")}
    if errors:
        metadata["error"] = errors[0]
    return Sample(id=sid, messages=(Message.user(*parts),), target=letters.index(str(row["answer"]).strip()),
                  choices=tuple(letters), metadata=metadata)


def aggregate(task, samples, scores) -> dict[str, float]:
    """Accuracy per subject (the id's middle part, as MMMU reports it)."""
    per: dict[str, list[float]] = {}
    for s, sc in zip(samples, scores):
        if sc.error is None and sc.metrics.get("acc") is not None:
            subject = s.id.split("_", 1)[1].rsplit("_", 1)[0]
            per.setdefault(subject, []).append(float(sc.metrics["acc"]))
    return {f"acc/{k}": sum(v) / len(v) for k, v in sorted(per.items())}
