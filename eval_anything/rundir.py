"""Writing and reading run directories (see docs/run-directory.md). Everything is written to temporary names and
renamed into place, so readers never see a half-written run."""

from __future__ import annotations

import errno
import json
import os
import platform
import re
import secrets
import shutil
import socket
import subprocess
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from eval_anything.config import ConfigError
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
    """The one place run files are written: a private temp file (exclusive create), fsync, rename into place."""
    text = scrub_text(text)  # secrets never reach disk (eval_anything/scrub.py)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{owner_tag()}.tmp")
    with open(tmp, "x", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class RunDirError(ConfigError):
    """The output folder cannot take a run directory (not writable, not a folder)."""


def new_run_id(config_hash: str, now: datetime | None = None) -> str:
    """UTC second + config hash + 6 random hex digits (1 in 16.7 million for two identical runs started in the same
    second). Temp directories never collide whatever the id: each carries its writer's host, pid and random tag."""
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{config_hash[:8]}-{secrets.token_hex(3)}"


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", socket.gethostname())[:32] or "host"


def owner_tag() -> str:
    """host-pid-random: names a temp path as this process's own (random: two writers in one process differ)."""
    return f"{_host()}-{os.getpid()}-{secrets.token_hex(4)}"


# `.<run-id>.<host>-<pid>-<random>.tmp` (a run being written) or `.old` (a replaced run being deleted).
_PRIVATE = re.compile(r"^\.(?P<run>.+)\.(?P<host>[A-Za-z0-9_-]+)-(?P<pid>\d+)-(?P<rand>[0-9a-f]{8})\.(?:tmp|old)$")


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def clean_stale(parent: Path) -> list[Path]:
    """Delete temp directories left in `parent` by killed runs of this host (their pid is gone). Each is first
    renamed to a name of our own, so two cleaners never delete the same directory twice and a live writer's
    directory is never touched. Returns the directories removed."""
    removed: list[Path] = []
    try:
        entries = list(parent.iterdir())
    except OSError:
        return removed
    host = _host()
    for entry in entries:
        m = _PRIVATE.match(entry.name)
        if m is None or m["host"] != host or pid_alive(int(m["pid"])):
            continue
        mine = entry.with_name(f".{m['run']}.{owner_tag()}.old")
        try:
            os.rename(entry, mine)
        except OSError:  # another cleaner took it first
            continue
        shutil.rmtree(mine, ignore_errors=True)
        removed.append(entry)
    return removed


class RunWriter:
    """Builds a run in a temp directory of its own (`.<run-id>.<host>-<pid>-<random>.tmp`, created exclusively next
    to the final place) and publishes it by one rename. `open()` early: it also proves the output is writable."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.tmp: Path | None = None

    def open(self) -> "RunWriter":
        parent = self.run_dir.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
            clean_stale(parent)
            tmp = parent / f".{self.run_dir.name}.{owner_tag()}.tmp"
            os.mkdir(tmp)  # exclusive: fails if the name exists
            self.tmp = tmp
            probe = tmp / ".write-probe"
            with open(probe, "x", encoding="utf-8") as fh:
                fh.write("probe\n")
            probe.unlink()
        except OSError as e:
            self.discard()
            raise RunDirError(f"--output {_output_root(self.run_dir)} is not writable ({type(e).__name__}: "
                              f"{e.strerror or e}); choose another --output") from None
        return self

    def discard(self) -> None:
        """Remove this writer's own temp directory (a failed run leaves nothing behind)."""
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def write(self, run_info: dict, results: dict, outcomes: Iterable["TaskOutcome"]) -> Path:
        if self.tmp is None:
            self.open()
        assert self.tmp is not None
        for o in outcomes:
            if o.skipped:
                continue
            binary = _binary(o, o.task.spec.metric.primary)
            lines = [json.dumps(self.sample_record(o, i, binary), sort_keys=True, ensure_ascii=False)
                     for i in range(len(o.samples))]
            atomic_write(self.tmp / "samples" / f"{o.task.name}.jsonl", "".join(line + "\n" for line in lines))
        (self.tmp / "samples").mkdir(exist_ok=True)  # present even when every task was skipped
        atomic_write(self.tmp / "results.json", dumps(results))
        atomic_write(self.tmp / "run.json", dumps(run_info))
        self._publish()
        return self.run_dir

    def _publish(self) -> None:
        """Rename the temp directory to the run directory. A run directory of the same name (the same --run-id
        given again) is replaced, never merged: it is first renamed aside to a name of ours, then deleted."""
        assert self.tmp is not None
        for _ in range(50):
            try:
                os.rename(self.tmp, self.run_dir)  # atomic; fails when a non-empty directory has the name
                self.tmp = None
                return
            except OSError as e:
                if e.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                    raise
            aside = self.run_dir.with_name(f".{self.run_dir.name}.{owner_tag()}.old")
            try:
                os.rename(self.run_dir, aside)
            except FileNotFoundError:  # another writer moved it first: try again
                continue
            shutil.rmtree(aside, ignore_errors=True)
        raise RunDirError(f"could not publish {self.run_dir}: other runs keep writing the same --run-id")

    def store_media(self, part: Part) -> dict:
        """Copy a produced media file into media/<sha256>.<ext>; return the part with a run-relative path."""
        d = part.to_dict()
        if self.tmp is not None and part.path and part.sha256 and Path(part.path).exists():
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


def _output_root(run_dir: Path) -> Path:
    return run_dir.parent.parent  # <output>/<model-slug>/<run-id>


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
