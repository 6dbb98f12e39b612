"""The synth suite's task hooks: generate items into the data cache on first use, build samples, score, aggregate.

Every `*.task.yaml` in this folder shares this file; each task's `options` choose the family
(image, audio, video, cross) and the variant: all media, the text-only control (`control: true`, media removed), or
a single-modality ablation (`keep_media: [image]`, used for the cross-modal items).

Item count: `count` items per item type, from (first found) `ctx.options["synth_count"]`, the environment variable
EVAL_ANYTHING_SYNTH_COUNT, or the task's `options.count`. Answers cycle through the choices (item i has answer
i mod k), so a multiple of 60 keeps every item type exactly balanced and a model that ignores the media scores
exactly chance. Items are seeded per (seed, family, type, index): raising the count keeps the earlier items.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import shutil
import sys
from pathlib import Path
from typing import Any

from eval_anything.media import encode_png_bytes, encode_wav_bytes, media_part, write_video
from eval_anything.types import Message, Score

HERE = Path(__file__).resolve().parent
GENERATOR_VERSION = 1  # bump when generated items change; it names the cache folder


def _generators():
    name = "eval_anything_synth_generators"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HERE / "generators.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def settings(task, ctx) -> dict[str, Any]:
    opts = task.spec.options
    count = ctx.options.get("synth_count") or os.environ.get("EVAL_ANYTHING_SYNTH_COUNT") or opts.get("count", 60)
    return {"family": opts["family"], "control": bool(opts.get("control", False)), "count": int(count),
            "seed": int(ctx.options.get("synth_seed", opts.get("seed", 0)))}


def _write_media(kind: str, value: Any, base: Path) -> str:
    g = _generators()
    if kind == "image":
        path = base.with_suffix(".png")
        path.write_bytes(encode_png_bytes(value))
    elif kind == "audio":
        path = base.with_suffix(".wav")
        path.write_bytes(encode_wav_bytes(value, g.SR))
    else:
        path = write_video(value, base.with_suffix(".mp4"), fps=8)
    return path.name


def generate(family: str, count: int, seed: int, out_dir: Path) -> Path:
    """Write `count` items per item type of `family` (media files + items.jsonl) into out_dir, atomically."""
    if (out_dir / "items.jsonl").exists():
        return out_dir
    g = _generators()
    tmp = out_dir.with_name(f".{out_dir.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "media").mkdir(parents=True)
    types = g.FAMILIES[family]
    rows = []
    for i in range(count):  # round robin over item types, so --limit still sees every type
        for item_type, make in types.items():
            rng = random.Random(f"{seed}:{family}:{item_type}:{i}")
            answer = i % g.N_CHOICES[item_type]
            question, choices, media = make(rng, answer)
            item_id = f"{item_type}-{i:05d}"
            files = [{"type": kind, "file": "media/" + _write_media(kind, value, tmp / "media" / f"{item_id}-{kind}")}
                     for kind, value in media.items()]
            rows.append({"id": item_id, "item_type": item_type, "question": question, "choices": list(choices),
                         "answer": answer, "media": files})
    with open(tmp / "items.jsonl", "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, sort_keys=True) + "\n")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    try:
        tmp.rename(out_dir)
    except OSError:  # another process finished first; its items are identical (same seed)
        shutil.rmtree(tmp, ignore_errors=True)
    return out_dir


def data_dir(task, ctx) -> Path:
    s = settings(task, ctx)
    name = f"{s['family']}-g{GENERATOR_VERSION}-s{s['seed']}-n{s['count']}"
    return Path(ctx.cache_dir) / "synth" / name


# ----- hooks ------------------------------------------------------------------------------------------------------
def load_rows(task, ctx) -> list[dict]:
    s = settings(task, ctx)
    root = generate(s["family"], s["count"], s["seed"], data_dir(task, ctx))
    rows = []
    with open(root / "items.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            for m in row["media"]:
                m["path"] = str(root / m["file"])
            rows.append(row)
    return rows


def doc_to_sample(task, row: dict, index: int, ctx):
    from eval_anything.types import Sample

    opts = task.spec.options
    # control: no media at all; keep_media: a single-modality ablation (e.g. the cross items' image only).
    keep = [] if opts.get("control") else opts.get("keep_media", ["image", "audio", "video"])
    parts: list = [media_part(m["path"], m["type"], row["id"], missing_ok=True)
                   for m in row["media"] if m["type"] in keep]
    variant = "control" if opts.get("control") else ("+".join(keep) + "_only" if "keep_media" in opts else "media")
    return Sample(id=row["id"], messages=(Message.user(*parts, row["question"]),), target=int(row["answer"]),
                  choices=tuple(row["choices"]),
                  metadata={"item_type": row["item_type"], "variant": variant, "family": opts["family"]})


def score(task, sample, responses) -> Score:
    errors = [r.error for r in responses if r.error]
    if errors:
        return Score(metrics={"acc": None}, error=errors[0])
    lps = [r.logprob for r in responses]
    pred = max(range(len(lps)), key=lambda i: (lps[i], -i))  # ties go to the first choice
    return Score(metrics={"acc": float(pred == sample.target)}, extracted=sample.choices[pred])


def aggregate(task, samples, scores) -> dict[str, float]:
    """Accuracy, item count and chance level per item type (errors excluded)."""
    per: dict[str, list[float]] = {}
    chance: dict[str, float] = {}
    for s, sc in zip(samples, scores):
        t = s.metadata["item_type"]
        chance[t] = 1.0 / len(s.choices)
        if sc.error is None and sc.metrics.get("acc") is not None:
            per.setdefault(t, []).append(float(sc.metrics["acc"]))
    out: dict[str, float] = {}
    for t in sorted(chance):
        vals = per.get(t, [])
        if vals:  # a type whose every sample failed has no accuracy (not NaN: results.json stays valid JSON)
            out[f"acc/{t}"] = sum(vals) / len(vals)
        out[f"n/{t}"] = float(len(vals))
        out[f"chance/{t}"] = chance[t]
    return out
