"""Stop a run early when the server keeps saying the same fatal thing (bad key, unknown model or URL, nothing
listening): sending every remaining request would only repeat the error, slowly."""

from __future__ import annotations

FATAL_STATUSES = frozenset({401, 403, 404})  # auth and not-found: the next request gets the same answer
FAIL_FAST_AFTER = 5  # identical fatal failures in a row (completion order) that stop the run


class RunAborted(Exception):
    """The run was stopped early; the message says why and what to check. Exit code 1."""


class FailFast:
    """Counts identical fatal failures in a row; any success resets the count."""

    def __init__(self, limit: int = FAIL_FAST_AFTER, what: str = "server") -> None:
        self.limit = limit
        self.what = what
        self.last: str | None = None
        self.count = 0
        self.aborted: RunAborted | None = None

    def check(self) -> None:
        """Before sending: once tripped, nothing more goes out (requests in flight finish or are cancelled)."""
        if self.aborted is not None:
            raise self.aborted

    def succeeded(self) -> None:
        self.last, self.count = None, 0

    def failed(self, error: str, hint: str) -> None:
        """Record a fatal failure `error`; raises RunAborted at the `limit`-th identical one in a row."""
        self.count = self.count + 1 if error == self.last else 1
        self.last = error
        if self.count >= self.limit and self.aborted is None:
            self.aborted = RunAborted(
                f"stopped after {self.count} identical failures in a row from the {self.what}: {error}. {hint} "
                "Requests that succeeded are cached; no run directory was written.")
        self.check()


def hint_for(status: int | None) -> str:
    if status in (401, 403):
        return "Check the API key (--api-key, OPENAI_API_KEY or --model-args api_key_env=NAME)."
    if status == 404:
        return "Check the model name and --base-url (it usually ends in /v1)."
    return "Check that the server is running and that --base-url is right."
