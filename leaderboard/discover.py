"""Find run directories under the given paths and load their run.json / results.json.

A run directory is any directory holding both `run.json` and `results.json` (docs/run-directory.md). Hidden
directories (`.<run-id>.tmp`, written while a run is in progress) are never read.

Run data is untrusted: a task name from results.json must match the task-name rule (`is_task_name`) before any
path is built from it, and every file read (run.json, results.json, samples/<task>.jsonl) must resolve, without a
symbolic link, to a place inside its run directory. Anything else is skipped with a warning.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("leaderboard")

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_TASK_NAME = 200
# A recorded input folder must be at least this deep ("/", "/home", "/home/user" are refused as too broad).
MIN_ROOT_PARTS = 4


def is_task_name(name: object) -> bool:
    """The task-name rule of task.yaml (eval_anything/config.py): letters, digits, '_' and '-' only."""
    return (isinstance(name, str) and 0 < len(name) <= MAX_TASK_NAME
            and name.replace("_", "").replace("-", "").isalnum() and name.isprintable())


def file_inside(run_dir: Path, rel: str) -> Path | None:
    """`run_dir/rel` when it is a regular file that resolves inside `run_dir` with no symbolic link on the way."""
    p = run_dir / rel
    try:
        resolved = p.resolve()
        base = run_dir.resolve()
    except (OSError, RuntimeError):
        return None
    if not resolved.is_relative_to(base) or not resolved.is_file():
        return None
    cur = Path(os.path.abspath(p))
    while cur != Path(os.path.abspath(run_dir)) and cur.parent != cur:
        if cur.is_symlink():
            return None
        cur = cur.parent
    return resolved


def safe_name(text: str) -> str:
    """A file-safe name; keeps it readable and stays unique by adding a short hash when characters were replaced."""
    import hashlib

    cleaned = _UNSAFE.sub("_", text).strip("._") or "x"
    if cleaned != text:
        cleaned = f"{cleaned[:60]}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"
    return cleaned


@dataclass
class Run:
    """One run directory, as read from disk."""

    path: Path
    key: str  # unique, file-safe: used in site file names and as an id in the site data
    run: dict[str, Any]
    results: dict[str, Any]
    model_key: str  # what groups runs into one leaderboard row: the model spec
    model_label: str
    created_at: str
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def run_id(self) -> str:
        return str(self.results.get("run_id") or self.run.get("run_id") or self.path.name)

    def sample_file(self, task: str) -> Path | None:
        """samples/<task>.jsonl of this run, or None (absent, an invalid task name, or a path leaving the run)."""
        if not is_task_name(task):
            return None
        p = file_inside(self.path, f"samples/{task}.jsonl")
        if p is None and (self.path / "samples" / f"{task}.jsonl").exists():
            log.warning("skipping samples of %s in %s: the file is a symbolic link or leaves the run", task, self.path)
        return p

    def media_roots(self, task: str) -> tuple[Path, ...]:
        """Where this run's media for `task` may be read from: the run directory, plus the input folders run.json
        records for the task (`tasks.<task>.media_dirs`) that are absolute, existing and not too broad."""
        roots = [self.path.resolve()]
        info = self.run.get("tasks", {}).get(task) if isinstance(self.run.get("tasks"), dict) else None
        dirs = info.get("media_dirs") if isinstance(info, dict) else None
        for d in dirs if isinstance(dirs, list) else ():
            ok = isinstance(d, str) and "\x00" not in d and os.path.isabs(d)
            if ok:
                try:
                    real = Path(d).resolve()
                    ok = real == Path(d) and real.is_dir() and len(real.parts) >= MIN_ROOT_PARTS
                except (OSError, RuntimeError):
                    ok = False
            if ok:
                roots.append(real)
            else:
                log.warning("%s: recorded media folder %r for %s refused (not an existing, resolved folder at "
                            "least %d levels deep)", self.path, d, task, MIN_ROOT_PARTS - 1)
        return tuple(roots)


def find_run_dirs(paths: list[Path]) -> list[Path]:
    """Every run directory under `paths` (a path may itself be a run directory), sorted, without duplicates."""
    found: set[Path] = set()
    for root in paths:
        root = Path(root)
        if not root.exists():
            raise FileNotFoundError(f"no such path: {root}")
        if _is_run_dir(root):
            found.add(root.resolve())
            continue
        for dirpath, dirnames, _ in os.walk(root):
            # Prune hidden (in-progress) dirs and do not descend into a run's own samples/media.
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            here = Path(dirpath)
            if _is_run_dir(here):
                found.add(here.resolve())
                dirnames[:] = []
    return sorted(found)


def _is_run_dir(p: Path) -> bool:
    return (p / "run.json").is_file() and (p / "results.json").is_file()


def _read_json(p: Path) -> dict[str, Any]:
    with open(p, encoding="utf-8") as f:
        data = json.load(f)
    if not isinstance(data, dict):
        raise ValueError(f"{p}: expected a JSON object")
    return data


def load_runs(paths: list[Path]) -> list[Run]:
    """Load every run under `paths`. Unreadable runs are skipped with a warning rather than failing the site."""
    runs: list[Run] = []
    seen_keys: set[str] = set()
    for d in find_run_dirs(paths):
        try:
            files = [file_inside(d, name) for name in ("run.json", "results.json")]
            if None in files:
                raise ValueError("run.json or results.json is a symbolic link or leaves the run directory")
            run, results = _read_json(d / "run.json"), _read_json(d / "results.json")
        except (OSError, ValueError) as e:
            log.warning("skipping %s: %s", d, e)
            continue
        for doc in (run, results):
            if not isinstance(doc.get("model"), dict):
                doc["model"] = {}
        model = {**run["model"], **results["model"]}
        model_key = str(model.get("spec") or model.get("name") or d.parent.name)
        label = str(model.get("name") or model_key)
        run_id = str(results.get("run_id") or run.get("run_id") or d.name)
        key = safe_name(f"{d.parent.name}__{run_id}")
        if key in seen_keys:
            log.warning("skipping %s: run %s was already read from another path", d, run_id)
            continue
        seen_keys.add(key)
        # Shapes the summariser relies on; anything else in a hand-edited file is ignored rather than fatal.
        tasks = results.get("tasks") if isinstance(results.get("tasks"), dict) else {}
        bad = sorted(repr(k)[:80] for k in tasks if not is_task_name(k))
        if bad:
            log.warning("%s: tasks with invalid names skipped (letters, digits, '_' and '-' only): %s", d,
                        ", ".join(bad))
        if not isinstance(results.get("groups"), dict):
            results["groups"] = {}
        runs.append(
            Run(
                path=d,
                key=key,
                run=run,
                results=results,
                model_key=model_key,
                model_label=label,
                created_at=str(run.get("created_at") or ""),
                tasks={k: v for k, v in tasks.items() if is_task_name(k) and isinstance(v, dict)},
            )
        )
    # Oldest first; ties broken by run id then key so the order never depends on the file system.
    runs.sort(key=lambda r: (r.created_at, r.run_id, r.key))
    return runs
