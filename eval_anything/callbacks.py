"""Training-time evaluation: a transformers `TrainerCallback` that evaluates every saved checkpoint.

On each save it runs the harness (the same `runner.run` path as the CLI) on the configured tasks, either
in-process on the live model (cheap tasks, no reload) or in a subprocess on the checkpoint folder just written
(isolation, any model size). Each evaluation writes a normal run directory under `output/`, filed under the model
name `<model_name>@step-<N>`, so the leaderboard shows one row per checkpoint: the model's curve. Scores go to
the trainer's loggers through `trainer.log` when the callback is attached to a trainer, and are kept in
`history` either way.

Works with TRL's trainers (anything built on `transformers.Trainer`) and with `align.ppo`'s trainer. Under
multi-process training only rank 0 evaluates; with sharded weights (FSDP, ZeRO-3) use mode="subprocess", which
reads the full checkpoint from disk instead of the rank's shard.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Sequence

from transformers import TrainerCallback


@dataclass(frozen=True)
class EvalRecord:
    step: int
    model_name: str
    run_dir: Path
    metrics: dict[str, float]  # "eval/<task>/<metric>" and "eval/group/<group>" -> value


def flatten_results(results: dict[str, Any], prefix: str = "eval") -> dict[str, float]:
    """results.json -> flat scalars for loggers (primary and other metrics per task, and group values)."""
    out: dict[str, float] = {}
    for name, t in sorted(results.get("tasks", {}).items()):
        if t.get("skipped"):
            continue
        for metric, stat in t.get("metrics", {}).items():
            if stat and stat.get("value") is not None:
                out[f"{prefix}/{name}/{metric}"] = float(stat["value"])
    for g, info in sorted(results.get("groups", {}).items()):
        if info.get("value") is not None:
            out[f"{prefix}/group/{g}"] = float(info["value"])
    return out


_SUBPROCESS = """
import json, sys
from eval_anything.registry import load_model
from eval_anything.runner import evaluate
a = json.loads(sys.argv[1])
adapter = load_model("hf:" + a["checkpoint"], a.pop("model_args"))
adapter.name = a.pop("model_name")
res = evaluate(adapter, a.pop("tasks"), **a["options"])
print(json.dumps({"run_dir": str(res.run_dir), "results": res.results}))
"""


class EvalCallback(TrainerCallback):
    def __init__(self, tasks: Sequence[str], mode: Literal["in_process", "subprocess"] = "in_process",
                 output: str | Path = "runs", limit: int | None = None, seed: int = 1234,
                 model_name: str = "model", task_paths: Sequence[str] = (), at_start: bool = False,
                 python: str = sys.executable, **options: Any) -> None:
        if mode not in ("in_process", "subprocess"):
            raise ValueError(f"EvalCallback mode must be in_process or subprocess, got {mode!r}")
        self.tasks, self.mode, self.model_name, self.at_start, self.python = list(tasks), mode, model_name, at_start, python
        self.options: dict[str, Any] = {"output": str(output), "limit": limit, "seed": seed,
                                        "task_paths": list(task_paths), "show_progress": False, **options}
        self.history: list[EvalRecord] = []
        self.trainer: Any = None

    def attach(self, trainer: Any) -> "EvalCallback":
        self.trainer = trainer
        return self

    # ----- events -----------------------------------------------------------------------------------------------
    def on_train_begin(self, args, state, control, model=None, processing_class=None, **kwargs):
        if self.at_start and state.global_step == 0 and state.is_world_process_zero:
            self._evaluate_live(0, model, processing_class, state)

    def on_save(self, args, state, control, model=None, processing_class=None, **kwargs):
        if not state.is_world_process_zero:  # one evaluation per checkpoint, not one per rank
            return
        step = state.global_step
        if self.mode == "subprocess":
            ckpt = Path(args.output_dir) / f"checkpoint-{step}"
            record = self._evaluate_subprocess(step, ckpt)
            self._report(record, state)
        else:
            self._evaluate_live(step, model, processing_class, state)

    # ----- the two ways to evaluate -------------------------------------------------------------------------------
    def _name(self, step: int) -> str:
        return f"{self.model_name}@step-{step}"

    def _evaluate_live(self, step: int, model, processor, state) -> None:
        if model is None or processor is None:
            raise RuntimeError("EvalCallback(in_process) needs the trainer's model and processing_class")
        from eval_anything.runner import adapter_from_memory, evaluate

        was_training = model.training
        model = getattr(model, "module", model)  # unwrap DDP
        try:
            adapter = adapter_from_memory(model, processor, batch_size=self.options.get("batch_size", "auto"))
            adapter.name = self._name(step)
            res = evaluate(adapter, self.tasks, **self.options)
        finally:
            model.train(was_training)  # the adapter puts the model in eval mode
        self._report(EvalRecord(step, adapter.name, Path(res.run_dir), flatten_results(res.results)), state)

    def _evaluate_subprocess(self, step: int, checkpoint: Path) -> EvalRecord:
        if not (checkpoint / "config.json").exists():
            raise FileNotFoundError(f"EvalCallback(subprocess): no saved model in {checkpoint}")
        payload = {"checkpoint": str(checkpoint), "model_args": {}, "model_name": self._name(step),
                   "tasks": self.tasks, "options": self.options}
        # The child imports the same eval_anything as this process, installed or not.
        root = str(Path(__file__).resolve().parent.parent)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
        proc = subprocess.run([self.python, "-c", _SUBPROCESS, json.dumps(payload)], capture_output=True, text=True,
                              env=env)
        if proc.returncode != 0:
            raise RuntimeError(f"evaluation of {checkpoint} failed:\n{proc.stderr[-2000:]}")
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        return EvalRecord(step, self._name(step), Path(out["run_dir"]), flatten_results(out["results"]))

    def _report(self, record: EvalRecord, state) -> None:
        self.history.append(record)
        if self.trainer is not None and hasattr(self.trainer, "log"):
            self.trainer.log(dict(record.metrics))
        else:
            state.log_history.append({**record.metrics, "step": record.step})
