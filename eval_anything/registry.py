"""One registry for tasks, model adapters, judges, metrics and extractors.

Tasks are discovered, never listed by hand: every `task.yaml` (or `*.task.yaml`) under `benchmarks/`, under each
`--task-path`, and under folders exposed by the `eval_anything.tasks` entry-point group. Model adapters and judges
are registered as "module:attribute" strings so that nothing heavy is imported until it is used; plugins add more
through the `eval_anything.models` / `eval_anything.judges` entry-point groups.
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Callable, Iterable

from eval_anything.config import ConfigError, TaskSpec, load_task_spec

BENCHMARKS_DIR = Path(__file__).resolve().parent.parent / "benchmarks"

MODEL_ADAPTERS: dict[str, str] = {
    "hf": "eval_anything.models.hf_auto:load",
    "openai": "eval_anything.models.openai_api:load",
    "vllm": "eval_anything.models.vllm:load",
    "default": "eval_anything.models.default_model:load",
    "rm": "judges.reward_model:load",  # a reward model (sequence-classification head), usable as a judge
    "composite": "eval_anything.models.composite:load",  # a language model + media generators (any-to-any)
}
JUDGES: dict[str, str] = {}
METRICS: dict[str, Callable[..., Any]] = {}
EXTRACTORS: dict[str, Callable[..., Any]] = {}


def _register(table: dict, name: str) -> Callable:
    def deco(obj: Any) -> Any:
        table[name] = obj
        return obj

    return deco


def register_metric(name: str) -> Callable:
    return _register(METRICS, name)


def register_extractor(name: str) -> Callable:
    return _register(EXTRACTORS, name)


def register_model(prefix: str, target: str) -> None:
    MODEL_ADAPTERS[prefix] = target


def register_judge(name: str, target: str) -> None:
    JUDGES[name] = target


def resolve_target(target: str) -> Any:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


@dataclass(frozen=True)
class TaskEntry:
    spec: TaskSpec
    directory: Path
    yaml_path: Path

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def hooks_path(self) -> Path | None:
        p = self.directory / "hooks.py"
        return p if p.exists() else None


def _entry_point_dirs(group: str) -> list[Path]:
    dirs = []
    for ep in entry_points(group=group):
        obj = ep.load()
        dirs.append(Path(obj() if callable(obj) else obj))
    return dirs


def _task_files(root: Path) -> Iterable[Path]:
    if not root.is_dir():
        raise ConfigError(f"task path {root} is not a directory (pass a folder holding task.yaml files)")
    yield from sorted(set(root.rglob("task.yaml")) | set(root.rglob("*.task.yaml")))


class TaskRegistry:
    def __init__(self, extra_paths: Iterable[str | Path] = (), include_builtin: bool = True) -> None:
        self.tasks: dict[str, TaskEntry] = {}
        roots: list[Path] = []
        if include_builtin:
            roots.append(BENCHMARKS_DIR)
            roots.extend(_entry_point_dirs("eval_anything.tasks"))
        roots.extend(Path(p).expanduser().resolve() for p in extra_paths)
        for root in roots:
            for yaml_path in _task_files(root):
                spec = load_task_spec(yaml_path)
                if spec.name in self.tasks:
                    other = self.tasks[spec.name].yaml_path
                    raise ConfigError(f"task '{spec.name}' is defined twice: {other} and {yaml_path}; rename one")
                self.tasks[spec.name] = TaskEntry(spec, yaml_path.parent, yaml_path)

    @property
    def groups(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for name, entry in sorted(self.tasks.items()):
            for g in entry.spec.groups:
                out.setdefault(g, []).append(name)
        return out

    def resolve(self, selectors: Iterable[str]) -> list[TaskEntry]:
        """Names, groups and `all` -> task entries (deduplicated, in a stable order)."""
        chosen: dict[str, TaskEntry] = {}
        groups = self.groups
        for sel in selectors:
            for part in (s.strip() for s in sel.split(",")):
                if not part:
                    continue
                if part == "all":
                    names = sorted(self.tasks)
                elif part in self.tasks:
                    names = [part]
                elif part in groups:
                    names = groups[part]
                else:
                    options = sorted(self.tasks) + sorted(groups)
                    close = difflib.get_close_matches(part, options, n=3, cutoff=0.5)
                    hint = f" Did you mean: {', '.join(close)}?" if close else ""
                    raise ConfigError(
                        f"unknown task or group '{part}'.{hint} Run `eval-anything tasks` to list them, "
                        "or add a folder with --task-path."
                    )
                for n in names:
                    chosen.setdefault(n, self.tasks[n])
        if not chosen:
            raise ConfigError("no task selected: pass --task NAME[,NAME...], a group, or all")
        return list(chosen.values())


def model_prefixes() -> dict[str, str]:
    """Model spec prefixes, built-in and from plugins (entry point group eval_anything.models)."""
    for ep in entry_points(group="eval_anything.models"):
        MODEL_ADAPTERS.setdefault(ep.name, ep.value)
    return MODEL_ADAPTERS


def load_model(spec: str, model_args: dict[str, Any] | None = None, base_url: str | None = None):
    """`hf:PATH`, `openai:MODEL`, `vllm:PATH`, `default` -> a ModelAdapter."""
    model_prefixes()
    prefix, _, rest = spec.partition(":")
    if spec == "default" or prefix == "default":
        prefix, rest = "default", rest
    if prefix not in MODEL_ADAPTERS:
        raise ConfigError(
            f"unknown model spec '{spec}'. Use one of: "
            + ", ".join(f"{p}:..." for p in sorted(MODEL_ADAPTERS) if p != "default")
            + " (or 'default' for the built-in tiny model)."
        )
    factory = resolve_target(MODEL_ADAPTERS[prefix])
    return factory(rest, dict(model_args or {}), base_url=base_url)
