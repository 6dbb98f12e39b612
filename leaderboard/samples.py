"""samples/<task>.jsonl -> chunked `.js` data files for the sample browser, plus what the build needs from them.

Pages opened from file:// cannot fetch() local JSON, so each chunk is a script that hands its JSON to a callback the
page registered (`EA.chunk(...)`). A status string (one character per sample) travels with the page so that
filtering and paging know which chunks to load without loading them all.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from leaderboard.media import MediaStore

log = logging.getLogger("leaderboard")

CHUNK_SIZE = 500
MAX_TEXT = 20_000  # characters per text field; longer outputs are cut so one sample cannot bloat a chunk
MEDIA_TYPES = ("image", "audio", "video")
# Status characters: correct, incorrect, error, other (graded or unscored).
CORRECT, INCORRECT, ERROR, OTHER = "c", "i", "e", "o"


@dataclass
class TaskSamples:
    n: int = 0
    status: str = ""
    chunks: list[str] = field(default_factory=list)  # site-relative file names
    bad_lines: int = 0
    values: dict[str, float] = field(default_factory=dict)  # sample id -> primary metric, for paired tests


def _text(x: Any) -> str | None:
    if x is None:
        return None
    s = x if isinstance(x, str) else json.dumps(x, sort_keys=True, ensure_ascii=False)
    return s if len(s) <= MAX_TEXT else s[:MAX_TEXT] + f"\n… [cut: {len(s) - MAX_TEXT} more characters]"


def _value(x: Any) -> Any:
    """Strings are cut to MAX_TEXT; numbers and short lists stay JSON values (the page shows them as text)."""
    t = type(x)
    if t is str:
        return x if len(x) <= MAX_TEXT else _text(x)
    if x is None or t is int or t is float or t is bool:
        return x
    if t is list and len(x) <= 64 and all(type(v) is str and len(v) <= 2000 for v in x):
        return x
    return _text(x)


def _media(parts: Any, run_dir: Path, store: MediaStore, site_prefix: str) -> list[dict[str, Any]]:
    out = []
    for p in parts if isinstance(parts, list) else []:
        if not isinstance(p, dict) or p.get("type") not in MEDIA_TYPES:
            continue
        path = p.get("path")
        rel = store.add(run_dir / path) if isinstance(path, str) and path else None
        entry: dict[str, Any] = {"type": p["type"]}
        if rel:
            entry["src"] = site_prefix + rel
        else:
            entry["missing"] = _text(path or p.get("sha256") or "")
        out.append(entry)
    return out


def slim(rec: dict[str, Any], pos: int, run_dir: Path, store: MediaStore, prefix: str,
         has_media: bool = True) -> dict[str, Any]:
    """What the sample browser shows of one sample. Every string stays data; the page inserts it as text.

    `has_media=False` (the raw line names no path or hash) skips the search for media parts: the hot path.
    """
    get = rec.get
    messages = get("messages")
    messages = messages if type(messages) is list else []
    prompt = get("prompt")
    if prompt is None:
        prompt = "\n".join(str(p.get("text", "")) for m in messages if isinstance(m, dict)
                           for p in m.get("parts") or [] if isinstance(p, dict) and p.get("type") == "text")
    judges = []
    raw_judges = get("judge")
    for j in raw_judges if type(raw_judges) is list else ():
        if isinstance(j, dict):
            judges.append({"model": _text(j.get("judge_model")), "parsed": _value(j.get("parsed")),
                           "rationale": _value(j.get("raw_output")), "parse_error": _value(j.get("parse_error"))})
    metrics = get("metrics")
    metrics = metrics if type(metrics) is dict else {}
    correct = get("correct")
    out = {
        "i": pos,
        "id": _value(get("id")),
        "prompt": _value(prompt),
        "choices": _value(get("choices")),
        "response": _value(get("response")),
        "target": _value(get("target")),
        "extracted": _value(get("extracted")),
        "metrics": {str(k): v if v is None or type(v) in (int, float) else _text(v) for k, v in metrics.items()},
        "correct": correct if type(correct) is bool else None,
        "error": _value(get("error")),
        "judge": judges,
        "media_in": [],
        "media_out": [],
    }
    if has_media:
        out["media_in"] = [x for m in messages if isinstance(m, dict)
                           for x in _media(m.get("parts"), run_dir, store, prefix)]
        out["media_out"] = _media(get("output_parts"), run_dir, store, prefix)
    return out


def _status(rec: dict[str, Any]) -> str:
    if rec.get("error"):
        return ERROR
    c = rec.get("correct")
    return CORRECT if c is True else INCORRECT if c is False else OTHER


def _chunk_js(payload: dict[str, Any]) -> str:
    # ASCII-only JSON is valid JS in every engine and needs no charset guessing from file://.
    return "EA.chunk(" + json.dumps(payload, sort_keys=True, separators=(",", ":")) + ");\n"


def process_task(src: Path, run_dir: Path, run_key: str, task: str, primary: str | None, data_dir: Path,
                 file_stem: str, store: MediaStore, media_prefix: str) -> TaskSamples:
    """Read one samples file and write its chunks to `data_dir/<file_stem>.<k>.js`."""
    out = TaskSamples()
    status: list[str] = []
    chunk: list[dict[str, Any]] = []
    data_dir.mkdir(parents=True, exist_ok=True)

    def flush() -> None:
        name = f"{file_stem}.{len(out.chunks)}.js"
        payload = {"run": run_key, "task": task, "chunk": len(out.chunks), "samples": chunk}
        (data_dir / name).write_text(_chunk_js(payload), encoding="ascii")
        out.chunks.append(name)

    with open(src, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                if not isinstance(rec, dict):
                    raise ValueError("not an object")
            except ValueError:
                out.bad_lines += 1
                continue
            pos = len(status)
            status.append(_status(rec))
            chunk.append(slim(rec, pos, run_dir, store, media_prefix, '"path"' in line or '"sha256"' in line))
            v = (rec.get("metrics") or {}).get(primary) if primary and isinstance(rec.get("metrics"), dict) else None
            if isinstance(v, (int, float)) and not isinstance(v, bool) and rec.get("id") is not None:
                out.values[str(rec["id"])] = float(v)
            if len(chunk) == CHUNK_SIZE:
                flush()
                chunk = []
    if chunk:
        flush()
    if out.bad_lines:
        log.warning("%s: %d unreadable lines skipped", src, out.bad_lines)
    out.status = "".join(status)
    out.n = len(status)
    return out
