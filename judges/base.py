"""The judge protocol: items in, verdicts out. Small on purpose; everything else is an implementation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Protocol, Sequence, runtime_checkable

from eval_anything.types import JudgeRecord, Part

NEEDS_JUDGE = "needs a judge: pass --judge MODEL"


@dataclass(frozen=True)
class JudgeItem:
    """What is judged. `parts` are media the judge must see (inputs and/or the media the model produced)."""

    id: str
    prompt: str  # the instruction the evaluated model received
    response: str | None = None  # the answer under judgement (text)
    parts: tuple[Part, ...] = ()
    reference: str | None = None  # one gold answer (reference-guided and rule judges)
    other: str | None = None  # the second answer (pairwise)
    variables: Mapping[str, Any] = field(default_factory=dict)  # extra template variables (rubric, questions, ...)


@dataclass(frozen=True)
class Verdict:
    value: float | None  # None: not scored (see error); never a silent zero
    records: tuple[JudgeRecord, ...] = ()
    error: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)  # per-judge extras (e.g. both pairwise orders)

    @property
    def parse_failed(self) -> bool:
        return self.error is not None and self.error.startswith("judge parse failure")


@dataclass
class JudgeEnv:
    """How a model-backed judge reaches its model: an adapter, the run's scheduler, and the name to record."""

    adapter: Any  # eval_anything.models.base.ModelAdapter
    scheduler: Any = None  # eval_anything.scheduler.Scheduler; a cache-less one is made when None
    model_name: str | None = None
    max_new_tokens: int = 512

    def __post_init__(self) -> None:
        if self.scheduler is None:
            from eval_anything.scheduler import Scheduler

            self.scheduler = Scheduler()
        if self.model_name is None:
            self.model_name = getattr(self.adapter, "name", "judge")

    @staticmethod
    def from_context(ctx: Any, **overrides: Any) -> "JudgeEnv | None":
        """The run's judge (TaskContext.judge_adapter), or None when the run has no --judge."""
        if ctx is None or getattr(ctx, "judge_adapter", None) is None:
            return None
        return JudgeEnv(adapter=ctx.judge_adapter, scheduler=ctx.scheduler,
                        model_name=ctx.judge_spec or getattr(ctx.judge_adapter, "name", "judge"), **overrides)


@runtime_checkable
class Judge(Protocol):
    name: str

    def judge(self, items: Sequence[JudgeItem], env: JudgeEnv | None) -> list[Verdict]:
        """One verdict per item, in order. Rule judges ignore `env`."""
        ...
