"""One run: tasks -> requests -> responses -> scores -> run directory. Used by the CLI, the Python API and the
training callback alike."""

from __future__ import annotations

import hashlib
import os
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

from pydantic import ValidationError

from eval_anything.cache import ResponseCache
from eval_anything.config import ConfigError, RunConfig, format_validation_error
from eval_anything.distributed import DataParallel, current as data_parallel
from eval_anything.models.base import ModelAdapter
from eval_anything.registry import TaskRegistry, load_model
from eval_anything.exitcodes import RunStatus, run_status
from eval_anything.preflight import check_run
from eval_anything.rundir import RunWriter, environment_versions, git_revision, model_slug, new_run_id
from eval_anything.scheduler import Progress, Scheduler
from eval_anything.scales import declared_range, group_aggregate, task_scale
from eval_anything.scoring import macro_mean_with_uncertainty, mean_with_uncertainty
from eval_anything.scrub import register_config_secrets
from eval_anything.tasks import Task, TaskContext
from eval_anything.types import Response, Sample, Score, canonical_json, sha256_text


# The harness draws its own progress bars; silence the libraries' per-file ones (set before they are imported).
os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")


def home_dir() -> Path:
    return Path(os.environ.get("EVAL_ANYTHING_HOME", Path.home() / ".cache" / "eval-anything"))


@dataclass
class TaskOutcome:
    task: Task
    samples: list[Sample] = field(default_factory=list)
    responses: list[list[Response]] = field(default_factory=list)
    scores: list[Score] = field(default_factory=list)
    prompts: list[str] = field(default_factory=list)
    skipped: str | None = None
    num_fewshot: int = 0
    wall_s: float = 0.0
    mc_by_generation: bool = False


@dataclass
class RunResult:
    run_dir: Path
    results: dict[str, Any]
    run_info: dict[str, Any]
    status: RunStatus | None = None  # the exit code the CLI returns, and why (eval_anything/exitcodes.py)

    def primary(self, task: str) -> float | None:
        t = self.results["tasks"][task]
        return t["metrics"].get(t["primary_metric"], {}).get("value") if not t["skipped"] else None


def evaluate(model: Any, tasks: Sequence[str] | str = ("all",), **options: Any) -> RunResult:
    """Evaluate `model` on `tasks` and write a run directory.

    model: a spec string ("hf:PATH", "openai:NAME", "vllm:PATH", "default"), a ModelAdapter, or a tuple
    (transformers model, tokenizer-or-processor) already in memory. options: any RunConfig field
    (limit, output, seed, batch_size, num_fewshot, judge, use_cache, ...).
    """
    adapter = None
    spec = model
    if isinstance(model, ModelAdapter):
        adapter, spec = model, f"adapter:{model.name}"
    elif isinstance(model, tuple):
        adapter = adapter_from_memory(*model, batch_size=options.get("batch_size", "auto"))
        spec = f"memory:{adapter.name}"
    try:
        config = RunConfig(model=spec, tasks=[tasks] if isinstance(tasks, str) else list(tasks), **options)
    except ValidationError as e:
        raise ConfigError(format_validation_error(e, "evaluate() options")) from None
    return run(config, adapter=adapter)


def adapter_from_memory(model: Any, processor: Any, batch_size: Any = "auto") -> ModelAdapter:
    name = getattr(model.config, "_name_or_path", "") or type(model).__name__
    if hasattr(processor, "image_processor") or hasattr(processor, "feature_extractor"):
        from eval_anything.models.hf_multimodal import HFMultimodal

        return HFMultimodal.from_model(model, processor, name=Path(str(name)).name or "in-memory")
    from eval_anything.models.hf_causal import HFCausalLM

    return HFCausalLM.from_model(model, processor, name=Path(str(name)).name or "in-memory", batch_size=batch_size)


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    try:
        import numpy as np

        np.random.seed(seed % 2**32)
    except ImportError:
        pass
    import sys

    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(seed)


def run(config: RunConfig, adapter: ModelAdapter | None = None) -> RunResult:
    started = time.time()
    register_config_secrets(config)  # scrubbed from everything the run writes (eval_anything/scrub.py)
    _seed_everything(config.seed)
    registry = TaskRegistry(config.task_paths)
    entries = registry.resolve(config.tasks)
    tasks = [Task(e) for e in entries]
    # Everything checkable is checked before a model is loaded or called (one-line errors, exit 2).
    check_run(config, tasks, check_model=adapter is None)
    dp = data_parallel()
    run_id = dp.broadcast(config.run_id or make_run_id(config))
    out_dir = Path(config.output).expanduser().resolve() / model_slug(config.model) / run_id
    writer = RunWriter(out_dir).open()  # proves --output writable; the run's own temp directory
    cache = None
    try:
        # Under data parallelism rank 0 alone reads and writes the cache (see distributed.py).
        use_cache = config.use_cache and dp.is_writer
        cache = ResponseCache(config.cache_path or home_dir() / "cache.sqlite") if use_cache else None
        return _run(config, adapter, tasks, run_id, out_dir, writer, cache, started)
    finally:
        writer.discard()  # nothing left behind when the run failed (after a publish there is nothing to remove)
        if cache:
            cache.close()


def _run(config: RunConfig, adapter: ModelAdapter | None, tasks: list[Task], run_id: str, out_dir: Path,
         writer: RunWriter, cache: ResponseCache | None, started: float) -> RunResult:
    model_args = dict(config.model_args)
    if config.batch_size != "auto" and config.model.split(":")[0] in ("hf", "default"):
        model_args.setdefault("batch_size", config.batch_size)
    if config.model.startswith("openai:"):
        model_args.setdefault("concurrency", config.concurrency)
    dp = data_parallel()
    if adapter is None:
        adapter = load_model(config.model, _on_rank_device(config.model, model_args, dp), base_url=config.base_url)
    # No implicit judge: a judge-scored task without --judge is skipped with a reason (a model judging itself,
    # or a silently chosen judge, would make scores nobody asked for).
    judge_spec = config.judge
    judge_adapter = None
    if judge_spec and any(t.spec.judge is not None for t in tasks):
        judge_adapter = load_model(judge_spec, _on_rank_device(judge_spec, dict(config.judge_args), dp),
                                   base_url=config.judge_base_url)
    ctx = TaskContext(data_dir=Path(config.data_dir) if config.data_dir else None, cache_dir=home_dir() / "data",
                      use_hub=config.use_hub, seed=config.seed, num_fewshot=config.num_fewshot, limit=config.limit,
                      judge_adapter=judge_adapter, judge_spec=judge_spec, run_dir=out_dir,
                      options=dict(config.task_options))
    # Every task's data is read before the first model call: a bad record fails now, not after hours of work.
    loaded = {t.name: t.samples(ctx) for t in tasks if skip_reason(t, adapter, ctx) is None}
    outcomes: list[TaskOutcome] = []
    with Progress(enabled=config.show_progress and dp.is_writer) as progress:
        scheduler = Scheduler(cache, progress, dp)
        ctx.scheduler = scheduler
        for task in tasks:
            t0 = time.time()
            outcomes.append(run_task(task, adapter, scheduler, ctx, loaded.get(task.name)))
            outcomes[-1].wall_s = time.time() - t0
    status = run_status(outcomes)
    results = build_results(run_id, config, adapter, outcomes)
    run_info = build_run_info(run_id, config, adapter, judge_adapter, judge_spec, outcomes, scheduler.stats,
                              time.time() - started)
    run_info["status"] = status.to_dict()
    run_info["data_parallel"] = {"world_size": dp.world_size}
    if cache is not None and cache.damaged:
        run_info["timing"]["cache_damaged"] = cache.damaged
    if dp.is_writer:  # under data parallelism rank 0 alone writes (see distributed.py)
        writer.write(run_info, results, outcomes)
    dp.barrier()  # no rank returns before the run directory exists
    return RunResult(out_dir, results, run_info, status)


def _on_rank_device(spec: str, model_args: dict[str, Any], dp: DataParallel) -> dict[str, Any]:
    """Local models go on this rank's device (`cuda:LOCAL_RANK`) unless the user placed them."""
    device = dp.device()
    if device and spec.split(":")[0] in ("hf", "default") and not ({"device", "device_map"} & set(model_args)):
        return {**model_args, "device": device}
    return model_args


def make_run_id(config: RunConfig) -> str:
    return new_run_id(config_hash(config))


def config_hash(config: RunConfig) -> str:
    return sha256_text(canonical_json({k: v for k, v in config.public_dict().items()
                                       if k not in ("run_id", "show_progress", "output")}))


def skip_reason(task: Task, adapter: ModelAdapter, ctx: TaskContext) -> str | None:
    caps = adapter.capabilities
    missing = sorted(set(task.spec.modalities.input) - set(caps.input_modalities))
    if missing:
        return f"model lacks input modality: {', '.join(missing)}"
    missing_out = sorted(set(task.spec.modalities.output) - set(caps.output_modalities))
    if missing_out and task.spec.options.get("require_output_modalities", True):
        return f"model lacks output modality: {', '.join(missing_out)}"
    if task.spec.judge is not None and ctx.judge_adapter is None:
        return "needs a judge: pass --judge MODEL (e.g. --judge hf:PATH or --judge openai:NAME --judge-base-url URL)"
    return None


def run_task(task: Task, adapter: ModelAdapter, scheduler: Scheduler, ctx: TaskContext,
             samples: list[Sample] | None = None) -> TaskOutcome:
    outcome = TaskOutcome(task, num_fewshot=task.num_fewshot(ctx))
    outcome.skipped = skip_reason(task, adapter, ctx)
    if outcome.skipped:
        return outcome
    # Models without log-likelihoods (chat APIs) answer multiple choice by letter, zero-shot.
    mc_by_generation = task.spec.kind == "multiple_choice" and not adapter.capabilities.loglikelihood
    if mc_by_generation:
        outcome.num_fewshot, outcome.mc_by_generation = 0, True
    samples = task.samples(ctx) if samples is None else samples
    pool = task.fewshot_rows(ctx) if not mc_by_generation else []
    per_sample = []
    for s in samples:
        if s.metadata.get("error"):
            per_sample.append([])
        else:
            shots = task.fewshot_for(s, pool, outcome.num_fewshot)
            per_sample.append(task.build_requests(s, shots, mc_by_generation=mc_by_generation))
    flat = [r for reqs in per_sample for r in reqs]
    responses = scheduler.run(adapter, flat, task.version_key, description=task.name)
    grouped, i = [], 0
    for reqs in per_sample:
        grouped.append(responses[i : i + len(reqs)])
        i += len(reqs)
    to_score = [k for k, s in enumerate(samples) if not s.metadata.get("error")]
    scored = task.score_all([samples[k] for k in to_score], [grouped[k] for k in to_score], ctx) if to_score else []
    scores: list[Score] = [Score(metrics={m: None for m in task.metric_names}, error=str(s.metadata["error"]))
                           if s.metadata.get("error") else None for s in samples]  # type: ignore[misc]
    for k, sc in zip(to_score, scored):
        scores[k] = sc
    outcome.samples, outcome.responses, outcome.scores = samples, grouped, scores
    outcome.prompts = [reqs[0].context_text or _chat_text(reqs[0]) if reqs else "" for reqs in per_sample]
    return outcome


def _chat_text(req) -> str:
    """The prompt as the model saw it, with media shown as <image:sha256-prefix> placeholders in place."""
    def part(p) -> str:
        return p.text if p.type == "text" else f"<{p.type}:{(p.sha256 or 'missing')[:12]}>"

    return "\n\n".join(f"[{m.role}] " + " ".join(part(p) for p in m.parts) for m in req.messages)


def input_media_dirs(samples: Sequence[Sample]) -> list[str]:
    """The folders the task's input media were read from: the only places outside the run directory that the
    leaderboard may publish media from (docs/security.md)."""
    return sorted({str(Path(p.path).parent) for s in samples for m in s.messages for p in m.parts if p.path})


def task_results(o: TaskOutcome, config: RunConfig) -> dict[str, Any]:
    spec = o.task.spec
    base = {
        "version": spec.version,
        "groups": list(spec.groups),
        "modalities": {"input": list(spec.modalities.input), "output": list(spec.modalities.output)},
        "primary_metric": spec.metric.primary,
        "higher_is_better": spec.metric.higher_is_better,
        "skipped": o.skipped,
        "n": len(o.samples),
        "n_errors": sum(1 for s in o.scores if s.error is not None),
        "metrics": {},
        "extra": {},
    }
    base["n_scored"] = base["n"] - base["n_errors"]
    if o.skipped:
        return base
    seed = int(hashlib.sha256(f"{config.seed}:{spec.name}".encode()).hexdigest()[:8], 16)
    strata_key = spec.metric.macro_over
    for name in o.task.metric_names:
        if strata_key:
            by: dict[str, list] = {}
            for sample, s in zip(o.samples, o.scores):
                if s.error is None:
                    by.setdefault(str(sample.metadata.get(strata_key)), []).append(s.metrics.get(name))
            base["metrics"][name] = macro_mean_with_uncertainty(by, config.bootstrap_iters, seed)
        else:
            values = [s.metrics.get(name) for s in o.scores if s.error is None]
            base["metrics"][name] = mean_with_uncertainty(values, config.bootstrap_iters, seed)
    base["extra"] = o.task.aggregate_extra(o.samples, o.scores)
    base["scale"] = task_scale(base["metrics"].get(spec.metric.primary, {}), declared_range(spec.metric),
                               spec.metric.higher_is_better)
    return base


def build_results(run_id: str, config: RunConfig, adapter: ModelAdapter, outcomes: list[TaskOutcome]) -> dict:
    tasks = {o.task.name: task_results(o, config) for o in outcomes}
    # A group's members are every task that declares it (not only those run here), so a subset is marked partial.
    try:
        members = {g: set(names) for g, names in TaskRegistry(config.task_paths).groups.items()}
    except ConfigError:  # task folders moved since the run (rescore): members are the tasks that ran
        members = {}
    for name, t in tasks.items():
        for g in t["groups"]:
            members.setdefault(g, set()).add(name)
    run_groups = sorted({g for t in tasks.values() for g in t["groups"]})
    groups = {g: group_aggregate(sorted(members[g]), tasks) for g in run_groups}
    return {
        "schema_version": 1,
        "run_id": run_id,
        "model": {"spec": config.model, "name": adapter.name, "fingerprint": adapter.fingerprint()},
        "tasks": tasks,
        "groups": groups,
    }


def build_run_info(run_id, config, adapter, judge_adapter, judge_spec, outcomes, stats, wall_s) -> dict:
    return {
        "schema_version": 1,
        "run_id": run_id,
        "created_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "config": config.public_dict(),
        "config_hash": config_hash(config),
        "model": {"spec": config.model, **adapter.describe()},
        "judge": ({"spec": judge_spec, **judge_adapter.describe()} if judge_adapter else None),
        "tasks": {o.task.name: {"version": o.task.spec.version, "version_key": o.task.version_key,
                                "prompt_hash": o.task.prompt_hash, "num_fewshot": o.num_fewshot,
                                "n_samples": len(o.samples), "skipped": o.skipped,
                                "multiple_choice_by_generation": o.mc_by_generation,
                                "media_dirs": input_media_dirs(o.samples)} for o in outcomes},
        "seeds": {"seed": config.seed, "bootstrap": "sha256(seed:task)[:8] per task"},
        "versions": environment_versions(),
        "git_revision": git_revision(),
        "timing": {"wall_s": round(wall_s, 3), **stats,
                   "tasks_wall_s": {o.task.name: round(o.wall_s, 3) for o in outcomes}},
    }
