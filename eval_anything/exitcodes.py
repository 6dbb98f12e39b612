"""What a run's exit code says (documented in README "Exit codes" and docs/security.md "Runs and caches").

0  every selected task that could run was scored (single sample errors are counted in the `errors` column;
   tasks the model cannot take are skipped with a reason, as long as at least one task was scored)
1  a task failed entirely (every sample errored, or it had no samples), or the run was stopped early after
   repeated identical fatal errors (401/403/404, connection refused)
2  invalid input, found before the first model call: options, task files, URLs, --output, the cache file
3  every selected task was skipped (nothing was scored)
130 interrupted (Ctrl-C); finished requests are in the cache
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    from eval_anything.runner import TaskOutcome

OK, FAILED, INVALID, ALL_SKIPPED, INTERRUPTED = 0, 1, 2, 3, 130


@dataclass(frozen=True)
class RunStatus:
    code: int
    reason: str

    def to_dict(self) -> dict:
        return {"exit_code": self.code, "reason": self.reason}


def _short(text: str, n: int = 160) -> str:
    s = " ".join(str(text).split())
    return s if len(s) <= n else s[: n - 3] + "..."


def task_failure(o: "TaskOutcome") -> str | None:
    """Why a task that ran produced no score at all (None when at least one sample was scored)."""
    if o.skipped:
        return None
    if not o.samples:
        return "no samples"
    errors = [s.error for s in o.scores if s.error is not None]
    if len(errors) < len(o.scores):
        return None
    common, count = Counter(errors).most_common(1)[0]
    return f"all {len(errors)} samples errored ({count}x: {_short(common)})"


def run_status(outcomes: Sequence["TaskOutcome"]) -> RunStatus:
    failed = [(o.task.name, why) for o in outcomes if (why := task_failure(o)) is not None]
    if failed:
        name, why = failed[0]
        more = f" (and {len(failed) - 1} more failed task{'s' if len(failed) > 2 else ''})" if len(failed) > 1 else ""
        return RunStatus(FAILED, f"task {name} failed: {why}{more}")
    skipped = [o for o in outcomes if o.skipped]
    if not outcomes:
        return RunStatus(ALL_SKIPPED, "no task ran")
    if len(skipped) == len(outcomes):
        reason = Counter(str(o.skipped) for o in skipped).most_common(1)[0][0]
        return RunStatus(ALL_SKIPPED, f"every task was skipped ({len(skipped)}); most common reason: {reason}")
    scored = len(outcomes) - len(skipped)
    return RunStatus(OK, f"{scored} task{'s' if scored != 1 else ''} scored"
                     + (f", {len(skipped)} skipped" if skipped else ""))
