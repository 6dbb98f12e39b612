"""Re-judge a finished run's saved responses with another judge (or judge template), never calling the evaluated
model: its adapter is not even loaded. The new run directory links to the first through run.json "rescored_from".

Samples are rebuilt from the task definitions (same data settings as the first run) and matched by id to the saved
responses; every task is rescored from those responses (deterministic metrics give the same numbers, judge-scored
tasks get the new judge's), so results.json is complete and comparable. Tasks the first run skipped stay skipped:
the model never answered them, and rescoring never asks it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from eval_anything.cache import ResponseCache
from eval_anything.config import ConfigError, RunConfig
from eval_anything.registry import TaskRegistry, load_model
from eval_anything.rundir import RunWriter, load_run
from eval_anything.runner import TaskOutcome, build_results, build_run_info, home_dir, make_run_id
from eval_anything.scheduler import Scheduler
from eval_anything.tasks import Task, TaskContext
from eval_anything.types import Part, Response, Score
import judges  # noqa: F401  registers the judges and the `rm:` model prefix


class RecordedModel:
    """The evaluated model as the first run recorded it: a name and fingerprint, nothing that can be called."""

    def __init__(self, info: dict) -> None:
        self.info = {k: v for k, v in info.items() if k != "spec"}
        self.name = info.get("name", "model")

    def fingerprint(self) -> str:
        return self.info.get("fingerprint", "")

    def describe(self) -> dict:
        return dict(self.info)


def _responses(record: dict, run_dir: Path) -> list[Response]:
    """The model's saved answer(s) for one sample, with produced media pointing into the first run's media/."""
    if record.get("logprobs") is not None:
        lps = record["logprobs"]
        if any(lp is None for lp in lps):
            return [Response.failed(record.get("error") or "missing log-probability") for _ in lps]
        return [Response(logprob=float(lp)) for lp in lps]
    parts = []
    for p in record.get("output_parts") or []:
        p = dict(p)
        if p.get("path"):
            # Run data is untrusted: a media path must stay inside the run directory (docs/security.md).
            path = (run_dir / str(p["path"])).resolve()
            if not path.is_relative_to(run_dir.resolve()):
                return [Response.failed(f"output media path {str(p['path'])[:200]!r} leaves the run directory")]
            p["path"] = str(path)
        parts.append(Part.from_dict(p))
    if record.get("response") is None and not parts:
        return [Response.failed(record.get("error") or "no saved response")]
    return [Response(text=record.get("response"), parts=tuple(parts))]


def rescore(run_dir: Path, judge: str, judge_args: dict, judge_base_url: str | None, output: Path | None = None,
            template: str | None = None) -> Path:
    started = time.time()
    run_dir = Path(run_dir).expanduser().resolve()
    old = load_run(run_dir)
    info = old["run"]
    try:
        config = RunConfig.model_validate(info["config"]).model_copy(
            update={"judge": judge, "judge_args": dict(judge_args), "judge_base_url": judge_base_url, "run_id": None,
                    "output": str(Path(output).expanduser().resolve() if output else run_dir.parent.parent)})
    except Exception as e:
        raise ConfigError(f"{run_dir}/run.json: cannot read the run's config ({e})") from None
    model = RecordedModel(info["model"])
    judge_adapter = load_model(judge, dict(judge_args), base_url=judge_base_url)
    cache = ResponseCache(config.cache_path or home_dir() / "cache.sqlite") if config.use_cache else None
    run_id = make_run_id(config)
    out_dir = Path(config.output) / run_dir.parent.name / run_id
    scheduler = Scheduler(cache)
    ctx = TaskContext(data_dir=Path(config.data_dir) if config.data_dir else None, cache_dir=home_dir() / "data",
                      use_hub=config.use_hub, seed=config.seed, num_fewshot=config.num_fewshot, limit=config.limit,
                      judge_adapter=judge_adapter, judge_spec=judge, scheduler=scheduler, run_dir=out_dir,
                      options={**config.task_options, **({"judge_template": template} if template else {})})
    registry = TaskRegistry(config.task_paths)
    outcomes = []
    for name, task_info in info["tasks"].items():
        task = Task(registry.resolve([name])[0])
        outcome = TaskOutcome(task, num_fewshot=task_info.get("num_fewshot", 0), skipped=task_info.get("skipped"))
        if not outcome.skipped:
            _rescore_task(outcome, old["samples"].get(name, []), run_dir, ctx)
        outcomes.append(outcome)
    results = build_results(run_id, config, model, outcomes)
    run_info = build_run_info(run_id, config, model, judge_adapter, judge, outcomes, scheduler.stats,
                              time.time() - started)
    run_info["rescored_from"] = {"run_id": info.get("run_id"), "path": str(run_dir), "judge": info.get("judge"),
                                 "template": template}
    RunWriter(out_dir).write(run_info, results, outcomes)
    if cache:
        cache.close()
    return out_dir


def _rescore_task(outcome: TaskOutcome, records: list[dict], run_dir: Path, ctx: TaskContext) -> None:
    task = outcome.task
    by_id = {str(r["id"]): r for r in records}
    samples = [s for s in task.samples(ctx) if s.id in by_id]
    if len(samples) != len(by_id):
        missing = sorted(set(by_id) - {s.id for s in samples})[:5]
        raise ConfigError(f"task '{task.name}': saved samples {missing} are not in the task's data any more; "
                          "rescore with the same data (--data-dir / --use-hub) as the first run")
    responses = [_responses(by_id[s.id], run_dir) for s in samples]
    ok = [k for k, rs in enumerate(responses) if all(r.error is None for r in rs)]
    ok_set = set(ok)
    scores: list[Score] = [Score(metrics={m: None for m in task.metric_names}, error=next(r.error for r in rs if r.error))
                           if k not in ok_set else None for k, rs in enumerate(responses)]  # type: ignore[misc]
    if ok:
        for k, sc in zip(ok, task.score_all([samples[k] for k in ok], [responses[k] for k in ok], ctx)):
            scores[k] = sc
    outcome.samples, outcome.responses, outcome.scores = samples, responses, scores
    outcome.prompts = [by_id[s.id].get("prompt", "") for s in samples]
