"""Training data: read rows through `datasets` (or an eval-anything task) and normalise them.

Accepted row shapes (detected per row):
- chosen/rejected: `prompt`, `chosen`, `rejected` (strings or chat messages), optional `image(s)` / `audio`.
- align-anything preference: `question`, `response_1`, `response_2`, `overall_response` (1 or 2), optional
  per-dimension ratings (`*_rate_1`/`*_rate_2`), critiques (`critique_1/2` or `text_critique_1/2`), refinements
  (`refinement_1/2`), `image` or `audio` paths.
- SFT: `prompt` + `completion`, or `question` + `response`/`answer`.
- feedback (LLF stage 1): `prompt`/`question`, `response`, `critique`, `refinement`.
- an eval-anything task split: its multiple-choice samples (gold choice = chosen, a seeded other choice = rejected).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from align.config import ConfigError, DataSpec

_BUILDERS = {".json": "json", ".jsonl": "json", ".parquet": "parquet", ".csv": "csv"}


@dataclass(frozen=True)
class Item:
    """One normalised training example. `prompt` is the user's text; media are paths or PIL images."""

    prompt: str
    chosen: str | None = None
    rejected: str | None = None
    completion: str | None = None
    images: tuple[Any, ...] = ()
    audios: tuple[Any, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def load_rows(spec: DataSpec) -> list[dict[str, Any]]:
    if spec.task:
        return _task_rows(spec)
    if not spec.path:
        raise ConfigError("data: set `path` (a data file or folder) or `task` (an eval-anything task name)")
    p = Path(spec.path).expanduser()
    from datasets import load_dataset

    if p.exists():
        files = sorted(str(f) for f in p.iterdir() if f.suffix in _BUILDERS) if p.is_dir() else [str(p)]
        if not files:
            raise ConfigError(f"data.path {p}: no .json/.jsonl/.parquet/.csv files inside")
        builder = spec.builder or _BUILDERS.get(Path(files[0]).suffix)
        if builder is None:
            raise ConfigError(f"data.path {p}: cannot tell the format; set data.builder (json, parquet, csv)")
        ds = load_dataset(builder, data_files={spec.split: files}, split=spec.split)
    else:
        ds = load_dataset(spec.path, split=spec.split)  # a hub data set (needs network)
    rows = [dict(r) for r in ds]
    return rows[: spec.limit] if spec.limit else rows


def _task_rows(spec: DataSpec) -> list[dict[str, Any]]:
    """Multiple-choice samples of an eval-anything task split, as rows with question/choices/target."""
    from eval_anything.registry import TaskRegistry
    from eval_anything.tasks import Task, TaskContext

    entry = TaskRegistry(spec.task_paths).resolve([spec.task])[0]
    task = Task(entry)
    ctx = TaskContext(seed=spec.seed, limit=spec.limit, options={"split": spec.split})
    rows = []
    for s in task.samples(ctx):
        if s.choices is None:
            raise ConfigError(f"data.task {spec.task}: only multiple-choice tasks can be turned into training pairs")
        images = [p.path for m in s.messages for p in m.parts if p.type == "image"]
        rows.append({"question": s.messages[-1].text, "choices": list(s.choices), "target": int(s.target),
                     "delimiter": task.spec.prompt.target_delimiter, "images": images, "id": s.id,
                     "_sample": s})
    return rows


def media_paths(row: dict, key: str, root: Path | None) -> tuple[Any, ...]:
    """`key` or `key`s (one value or a list); relative paths resolve against `root` (the data file's folder)."""
    vals = row.get(key + "s", row.get(key))
    if vals is None:
        return ()
    vals = vals if isinstance(vals, (list, tuple)) else [vals]
    out = []
    for v in vals:
        if isinstance(v, str) and root is not None and not Path(v).is_absolute():
            v = str(root / v)
        out.append(v)
    return tuple(out)


def _text(x: Any) -> str:
    """A string, or the text of the last message in a chat list."""
    if isinstance(x, str):
        return x
    if isinstance(x, list) and x and isinstance(x[-1], dict):
        c = x[-1].get("content")
        return c if isinstance(c, str) else "".join(b.get("text", "") for b in c if b.get("type") == "text")
    raise ConfigError(f"cannot read text from {type(x).__name__} value {str(x)[:60]!r}")


def normalise(row: dict[str, Any], spec: DataSpec, index: int) -> Item:
    root = Path(spec.media_root) if spec.media_root else (Path(spec.path).parent if spec.path else None)
    media = dict(images=media_paths(row, "image", root), audios=media_paths(row, "audio", root))
    if "choices" in row and "target" in row:  # eval-anything task rows
        rng = random.Random(f"{spec.seed}:{row.get('id', index)}")
        target = int(row["target"])
        wrong = rng.choice([i for i in range(len(row["choices"])) if i != target])
        d = row.get("delimiter", " ") if not spec.chat else ""
        gold = d + row["choices"][target]
        return Item(row["question"], chosen=gold, rejected=d + row["choices"][wrong], completion=gold,
                    extra={"sample": row.get("_sample")}, **media)
    if "chosen" in row and "rejected" in row:
        return Item(_text(row["prompt"]), chosen=_text(row["chosen"]), rejected=_text(row["rejected"]), **media)
    if "response_1" in row and "response_2" in row:
        if row.get("overall_response") is None:  # which response is preferred is unknown: never assume the first
            raise ConfigError(f"data row {index}: no overall_response (1 or 2) saying which response is preferred")
        try:
            best = int(row["overall_response"])
        except (TypeError, ValueError):
            best = -1
        if best not in (1, 2):
            raise ConfigError(f"data row {index}: overall_response must be 1 or 2, got {best}")
        other = 3 - best
        extra = {k: v for k, v in row.items() if k.endswith(("_rate_1", "_rate_2"))}
        for i in (1, 2):
            crit = row.get(f"critique_{i}", row.get(f"text_critique_{i}"))
            if crit is not None:
                extra[f"critique_{i}"] = crit
            if row.get(f"refinement_{i}") is not None:
                extra[f"refinement_{i}"] = row[f"refinement_{i}"]
        return Item(row["question"], chosen=row[f"response_{best}"], rejected=row[f"response_{other}"],
                    completion=row[f"response_{best}"], extra=extra, **media)
    if "critique" in row and "response" in row:
        prompt = row.get("prompt", row.get("question"))
        return Item(_text(prompt), completion=row["response"], extra={"critique": row["critique"],
                    "refinement": row.get("refinement", "")}, **media)
    prompt = row.get("prompt", row.get("question"))
    if prompt is None:
        raise ConfigError(f"data row {index}: no prompt/question field (keys: {', '.join(sorted(row))})")
    completion = row.get("completion", row.get("response", row.get("answer")))
    return Item(_text(prompt), completion=_text(completion) if completion is not None else None, **media)


def load_items(spec: DataSpec) -> list[Item]:
    return [normalise(r, spec, i) for i, r in enumerate(load_rows(spec))]


def open_image(x: Any):
    if isinstance(x, str):
        from PIL import Image

        return Image.open(x).convert("RGB")
    return x


def _prompt(item: Item, chat: bool) -> Any:
    return [{"role": "user", "content": item.prompt}] if chat else item.prompt


def _answer(text: str, chat: bool) -> Any:
    return [{"role": "assistant", "content": text}] if chat else text


def _with_media(row: dict, item: Item) -> dict:
    if item.images:
        row["images"] = [open_image(i) for i in item.images]
    return row


def preference_dataset(items: list[Item], chat: bool = True):
    """TRL's preference format: prompt / chosen / rejected (+ images)."""
    from datasets import Dataset

    rows = []
    for i, it in enumerate(items):
        if it.chosen is None or it.rejected is None:
            raise ConfigError(f"data row {i} has no chosen/rejected pair (needs chosen+rejected or response_1/2)")
        rows.append(_with_media({"prompt": _prompt(it, chat), "chosen": _answer(it.chosen, chat),
                                 "rejected": _answer(it.rejected, chat)}, it))
    return Dataset.from_list(rows)


def sft_dataset(items: list[Item], chat: bool = True):
    """TRL's prompt-completion format (+ images)."""
    from datasets import Dataset

    rows = []
    for i, it in enumerate(items):
        if it.completion is None:
            raise ConfigError(f"data row {i} has no completion/response to learn")
        rows.append(_with_media({"prompt": _prompt(it, chat), "completion": _answer(it.completion, chat)}, it))
    return Dataset.from_list(rows)
