"""Helpers shared by the multimodal tests."""

from __future__ import annotations


def run_task(name: str, adapter, ctx, task_paths=()):
    """samples -> requests -> adapter -> scores, as the runner does it (without cache or run directory)."""
    from eval_anything.registry import TaskRegistry
    from eval_anything.tasks import Task

    task = Task(TaskRegistry(task_paths).tasks[name])
    samples = task.samples(ctx)
    per_sample = [task.build_requests(s, []) if not s.metadata.get("error") else [] for s in samples]
    flat = [r for reqs in per_sample for r in reqs]
    call = adapter.loglikelihood if task.spec.kind == "multiple_choice" else adapter.generate
    responses, grouped, i = call(flat), [], 0
    for reqs in per_sample:
        grouped.append(responses[i: i + len(reqs)])
        i += len(reqs)
    scores = [task.score(s, r) if r else None for s, r in zip(samples, grouped)]
    return task, samples, scores
