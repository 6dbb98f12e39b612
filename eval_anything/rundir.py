"""Writing and reading run directories (see docs/run-directory.md). Everything is written to temporary names and
renamed into place, so readers never see a half-written run."""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from eval_anything.scrub import scrub_text
from eval_anything.types import Part

if TYPE_CHECKING:
    from eval_anything.runner import TaskOutcome

TRACKED_PACKAGES = ("eval-anything", "torch", "transformers", "tokenizers", "datasets", "numpy", "scipy",
                    "openai", "trl", "vllm", "accelerate", "pillow", "soundfile", "av")


def model_slug(spec: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", spec.replace(":", "__")).strip("_.")
    return slug[-120:] or "model"


def environment_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in TRACKED_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out


def git_revision() -> str | None:
    here = Path(__file__).resolve().parent.parent
    try:
        rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if rev.returncode != 0:
        return None
    return rev.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def dumps(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def atomic_write(path: Path, text: str) -> None:
    """Every text file of a run directory is written here: secrets are scrubbed on the way (eval_anything/scrub.py)."""
    text = scrub_text(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class RunWriter:
    """Builds the run in `.<run-id>.tmp` next to its final place, then renames it."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.tmp = run_dir.with_name(f".{run_dir.name}.tmp")

    def write(self, run_info: dict, results: dict, outcomes: Iterable["TaskOutcome"]) -> Path:
        if self.tmp.exists():
            shutil.rmtree(self.tmp)
        self.tmp.mkdir(parents=True)
        for o in outcomes:
            if o.skipped:
                continue
            binary = _binary(o, o.task.spec.metric.primary)
            lines = [json.dumps(self.sample_record(o, i, binary), sort_keys=True, ensure_ascii=False)
                     for i in range(len(o.samples))]
            atomic_write(self.tmp / "samples" / f"{o.task.name}.jsonl", "".join(line + "\n" for line in lines))
        atomic_write(self.tmp / "results.json", dumps(results))
        atomic_write(self.tmp / "run.json", dumps(run_info))
        if self.run_dir.exists():  # same run id given again: replace, never append
            shutil.rmtree(self.run_dir)
        os.replace(self.tmp, self.run_dir)
        return self.run_dir

    def store_media(self, part: Part) -> dict:
        """Copy a produced media file into media/<sha256>.<ext>; return the part with a run-relative path."""
        d = part.to_dict()
        if part.path and part.sha256 and Path(part.path).exists():
            ext = Path(part.path).suffix or ".bin"
            dest = self.tmp / "media" / f"{part.sha256}{ext}"
            dest.parent.mkdir(exist_ok=True)
            if not dest.exists():
                shutil.copyfile(part.path, dest)
            d["path"] = f"media/{dest.name}"
        return d

    def sample_record(self, o: "TaskOutcome", i: int, binary: bool) -> dict:
        sample, responses, score = o.samples[i], o.responses[i], o.scores[i]
        primary = o.task.spec.metric.primary
        value = score.metrics.get(primary)
        generated = [r for r in responses if r.text is not None]
        return {
            "id": sample.id,
            "prompt": o.prompts[i] if i < len(o.prompts) else "",
            "messages": [m.to_dict() for m in sample.messages],
            "choices": list(sample.choices) if sample.choices is not None else None,
            "target": sample.target,
            "response": generated[0].text if generated else None,
            "logprobs": [r.logprob for r in responses] if sample.choices is not None else None,
            "output_parts": [self.store_media(p) for r in responses for p in r.parts],
            "extracted": score.extracted,
            "metrics": dict(score.metrics),
            "correct": (value >= 1.0) if (value is not None and score.error is None and binary) else None,
            "error": score.error or next((r.error for r in responses if r.error), None),
            "judge": [j.to_dict() for j in score.judge],
        }


def _binary(o: "TaskOutcome", metric: str) -> bool:
    vals = {s.metrics.get(metric) for s in o.scores if s.error is None}
    return vals <= {0.0, 1.0}


def load_run(run_dir: str | Path) -> dict[str, Any]:
    """Read a run directory: {"run": run.json, "results": results.json, "samples": {task: [records]}}."""
    run_dir = Path(run_dir)
    if not (run_dir / "results.json").exists():
        raise FileNotFoundError(f"{run_dir} is not a run directory (no results.json)")
    samples = {}
    for f in sorted((run_dir / "samples").glob("*.jsonl")):
        samples[f.stem] = [json.loads(line) for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {
        "run": json.loads((run_dir / "run.json").read_text(encoding="utf-8")),
        "results": json.loads((run_dir / "results.json").read_text(encoding="utf-8")),
        "samples": samples,
    }
