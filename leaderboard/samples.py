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
from leaderboard.siteio import write_site_text

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


def _media_part(p: dict[str, Any], run_dir: Path, store: MediaStore, prefix: str) -> dict[str, Any]:
    """A media part as the page needs it: `src` (a site path) when the file was copied, else `missing`."""
    path = p.get("path")
    rel = store.add(run_dir / path, p["type"]) if isinstance(path, str) and path and "\x00" not in path else None
    if rel:
        return {"type": p["type"], "src": prefix + rel}
    return {"type": p["type"], "missing": _text(path or p.get("sha256") or "")}


def _parts(parts: Any, run_dir: Path, store: MediaStore, prefix: str) -> list[Any]:
    out: list[Any] = []
    for p in parts if isinstance(parts, list) else ():
        if isinstance(p, dict) and p.get("type") in MEDIA_TYPES:
            out.append(_media_part(p, run_dir, store, prefix))
        elif isinstance(p, dict):
            out.append({"type": p.get("type"), "text": _value(p.get("text"))})
    return out


def slim(rec: dict[str, Any], run_dir: Path, store: MediaStore, prefix: str) -> dict[str, Any]:
    """The sample in the contract's shape, cut down to what the page shows: long texts cut, media copied into the
    site and referred to by `src`. Used only for lines that name media or are long; others pass through as read."""
    judges = rec.get("judge")
    msgs = rec.get("messages")
    return {
        "id": _value(rec.get("id")),
        "prompt": _value(rec.get("prompt")),
        "messages": [{"role": _value(m.get("role")), "parts": _parts(m.get("parts"), run_dir, store, prefix)}
                     for m in (msgs if isinstance(msgs, list) else ()) if isinstance(m, dict)],
        "choices": _value(rec.get("choices")),
        "target": _value(rec.get("target")),
        "response": _value(rec.get("response")),
        "extracted": _value(rec.get("extracted")),
        "metrics": {str(k): v if v is None or type(v) in (int, float) else _text(v)
                    for k, v in (rec.get("metrics") if isinstance(rec.get("metrics"), dict) else {}).items()},
        "correct": rec.get("correct") if isinstance(rec.get("correct"), bool) else None,
        "error": _value(rec.get("error")),
        "judge": [{k: _value(j.get(k)) for k in ("judge_model", "parsed", "raw_output", "parse_error")}
                  for j in (judges if isinstance(judges, list) else ()) if isinstance(j, dict)],
        "output_parts": _parts(rec.get("output_parts"), run_dir, store, prefix),
    }


def _status(rec: dict[str, Any]) -> str:
    if rec.get("error"):
        return ERROR
    c = rec.get("correct")
    return CORRECT if c is True else INCORRECT if c is False else OTHER


def _needs_slim(line: str) -> bool:
    # Lines that may reference media files, or that could hold an over-long text. Anything else is copied as read:
    # a line json.loads accepted is a JSON object, and JSON is valid JavaScript, so it cannot break out of the call.
    return len(line) > MAX_TEXT or '"path"' in line or '"sha256"' in line


def process_task(src: Path, run_dir: Path, run_key: str, task: str, primary: str | None, data_dir: Path,
                 file_stem: str, store: MediaStore, media_prefix: str) -> TaskSamples:
    """Read one samples file and write its chunks to `data_dir/<file_stem>.<k>.js`."""
    out = TaskSamples()
    status: list[str] = []
    chunk: list[str] = []
    data_dir.mkdir(parents=True, exist_ok=True)
    task_json = json.dumps(task, ensure_ascii=False)

    def flush() -> None:
        k = len(out.chunks)
        name = f"{file_stem}.{k}.js"
        # Keys in sorted order (chunk, run, samples, task), written around the sample texts without re-encoding.
        head = json.dumps({"chunk": k, "run": run_key}, ensure_ascii=False, separators=(",", ":"))[:-1]
        text = f"EA.chunk({head},\"samples\":[{','.join(chunk)}],\"task\":{task_json}}});\n"
        write_site_text(data_dir / name, text)
        out.chunks.append(name)

    with open(src, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
                if not isinstance(rec, dict):
                    raise ValueError("not an object")
            except ValueError:
                out.bad_lines += 1
                continue
            status.append(_status(rec))
            if _needs_slim(line):
                line = json.dumps(slim(rec, run_dir, store, media_prefix), sort_keys=True, ensure_ascii=False,
                                  separators=(",", ":"))
            chunk.append(line)
            metrics = rec.get("metrics")
            v = metrics.get(primary) if primary and isinstance(metrics, dict) else None
            if type(v) in (int, float) and rec.get("id") is not None:
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
