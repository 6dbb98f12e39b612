"""Glue for benchmark hooks: turn judge verdicts into Scores, find media files, count parse failures."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

from eval_anything.types import Response, Score
from judges.base import NEEDS_JUDGE, Judge, JudgeEnv, JudgeItem, Verdict


def media_path(task: Any, ctx: Any, path: str) -> Path:
    """A media path from a data row: absolute as given (hub rows), else relative to the task's data folder."""
    p = Path(path).expanduser()
    if p.is_absolute():
        return p
    base = Path(task.entry.directory)
    if ctx is not None and getattr(ctx, "data_dir", None) and (Path(ctx.data_dir) / task.name).is_dir():
        base = Path(ctx.data_dir) / task.name
    return base / "data" / p


def response_error(responses: Sequence[Response]) -> str | None:
    if not responses:
        return "no response"
    return next((r.error for r in responses if r.error), None)


def judge_env(task: Any, ctx: Any) -> JudgeEnv | None:
    """The run's judge with the task's `judge.max_new_tokens` (default 512), or None without --judge."""
    cfg = getattr(getattr(task, "spec", None), "judge", None) or {}
    return JudgeEnv.from_context(ctx, max_new_tokens=int(cfg.get("max_new_tokens", 512)))


def judge_scores(judge: Judge, items: Sequence[JudgeItem], responses: Sequence[Sequence[Response]], ctx: Any,
                 metric: str, transform: Callable[[float], float] | None = None, needs_env: bool = True,
                 task: Any = None) -> list[Score]:
    """Judge every item whose model call succeeded; a failed model call or a missing judge is that Score's error."""
    env = judge_env(task, ctx)
    scores: list[Score | None] = [None] * len(items)
    todo = []
    for k, (it, resp) in enumerate(zip(items, responses)):
        err = response_error(resp)
        if err:
            scores[k] = Score(metrics={metric: None}, error=err)
        elif needs_env and env is None:
            scores[k] = Score(metrics={metric: None}, error=NEEDS_JUDGE)
        else:
            todo.append(k)
    verdicts = judge.judge([items[k] for k in todo], env) if todo else []
    for k, v in zip(todo, verdicts):
        scores[k] = verdict_score(v, metric, items[k].response, transform)
    return scores  # type: ignore[return-value]


def verdict_score(v: Verdict, metric: str, extracted: Any = None,
                  transform: Callable[[float], float] | None = None) -> Score:
    value = None if v.value is None else (transform(v.value) if transform else v.value)
    return Score(metrics={metric: value}, extracted=extracted, judge=tuple(v.records), error=v.error)


def parse_failure_count(scores: Sequence[Score]) -> int:
    """Scores whose judge reply stayed unreadable after the repair retry (shown in results, never zeroed)."""
    return sum(1 for s in scores if (s.error or "").startswith("judge parse failure"))


def to_unit(lo: float, hi: float) -> Callable[[float], float]:
    """Map a lo..hi rating onto [0, 1] linearly (lo -> 0, hi -> 1)."""
    return lambda x: (x - lo) / (hi - lo)
