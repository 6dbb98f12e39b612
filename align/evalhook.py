"""Glue from an `eval:` config section to eval_anything.callbacks.EvalCallback."""

from __future__ import annotations

from pathlib import Path

from align.config import EvalSpec


def eval_callbacks(spec: EvalSpec, output_dir: str) -> list:
    if not spec.tasks:
        return []
    from eval_anything.callbacks import EvalCallback

    return [EvalCallback(tasks=spec.tasks, mode=spec.mode, output=spec.output, limit=spec.limit, seed=spec.seed,
                         model_name=spec.model_name or Path(output_dir).name, task_paths=spec.task_paths,
                         at_start=spec.at_start)]


def attach(trainer, callbacks: list) -> None:
    """Give each eval callback the trainer, so scores go through `trainer.log` to every configured logger."""
    for cb in callbacks:
        if hasattr(cb, "attach"):
            cb.attach(trainer)
