"""Exit codes and the fail-fast guard, value by value (the whole-process behaviour is in tests/chaos/)."""

from __future__ import annotations

from types import SimpleNamespace

import httpx
import openai
import pytest

from eval_anything.exitcodes import ALL_SKIPPED, FAILED, INTERRUPTED, INVALID, OK, run_status, task_failure
from eval_anything.failfast import FAIL_FAST_AFTER, FATAL_STATUSES, FailFast, RunAborted, hint_for
from eval_anything.models.openai_api import _fatal_status
from eval_anything.types import Score


def _outcome(name: str, errors: list[str | None] | None = None, skipped: str | None = None):
    errors = errors or []
    scores = [Score(metrics={"acc": None if e else 1.0}, error=e) for e in errors]
    return SimpleNamespace(task=SimpleNamespace(name=name), samples=list(range(len(errors))), scores=scores,
                           skipped=skipped)


def test_codes_are_the_documented_values():
    assert (OK, FAILED, INVALID, ALL_SKIPPED, INTERRUPTED) == (0, 1, 2, 3, 130)
    assert FATAL_STATUSES == {401, 403, 404} and FAIL_FAST_AFTER == 5


def test_all_scored_is_0():
    s = run_status([_outcome("a", [None, "HTTP 500"]), _outcome("b", [None])])
    assert (s.code, s.reason) == (0, "2 tasks scored")
    s = run_status([_outcome("a", [None]), _outcome("img", skipped="model lacks input modality: image")])
    assert (s.code, s.reason) == (0, "1 task scored, 1 skipped")


def test_a_task_whose_every_sample_errored_is_1():
    s = run_status([_outcome("ok", [None]), _outcome("bad", ["HTTP 500", "HTTP 500", "timeout"])])
    assert s.code == 1
    assert s.reason == "task bad failed: all 3 samples errored (2x: HTTP 500)"
    s = run_status([_outcome("x", ["e"]), _outcome("y", ["e"]), _outcome("z", ["e"])])
    assert s.reason == "task x failed: all 1 samples errored (1x: e) (and 2 more failed tasks)"
    s = run_status([_outcome("x", ["e"]), _outcome("y", ["e"])])
    assert s.reason == "task x failed: all 1 samples errored (1x: e) (and 1 more failed task)"


def test_a_task_with_no_samples_failed():
    assert task_failure(_outcome("empty", [])) == "no samples"
    assert run_status([_outcome("empty", [])]).code == 1


def test_one_scored_sample_is_enough():
    assert task_failure(_outcome("t", ["e"] * 9 + [None])) is None


def test_all_skipped_is_3_with_the_most_common_reason():
    s = run_status([_outcome("a", skipped="needs a judge"), _outcome("b", skipped="lacks image"),
                    _outcome("c", skipped="lacks image")])
    assert (s.code, s.reason) == (3, "every task was skipped (3); most common reason: lacks image")
    assert run_status([]).code == 3


def test_failed_wins_over_skipped():
    assert run_status([_outcome("a", skipped="x"), _outcome("b", ["e"])]).code == 1


def test_long_errors_are_shortened():
    s = run_status([_outcome("t", ["x" * 500])])
    assert s.reason.endswith("...)") and len(s.reason) < 250


def test_fail_fast_trips_at_the_limit_exactly():
    ff = FailFast(limit=3, what="server at http://h/v1")
    ff.failed("HTTP 401: no", "Check the key.")
    ff.failed("HTTP 401: no", "Check the key.")
    ff.check()  # two in a row: still sending
    with pytest.raises(RunAborted) as e:
        ff.failed("HTTP 401: no", "Check the key.")
    assert str(e.value) == ("stopped after 3 identical failures in a row from the server at http://h/v1: "
                            "HTTP 401: no. Check the key. Requests that succeeded are cached; no run directory was "
                            "written.")
    with pytest.raises(RunAborted):
        ff.check()  # nothing more is sent
    ff.succeeded()
    with pytest.raises(RunAborted):
        ff.check()  # a late success does not undo the stop


def test_fail_fast_counts_only_identical_failures_in_a_row():
    ff = FailFast(limit=2)
    ff.failed("HTTP 401: a", "")
    ff.failed("HTTP 404: b", "")  # different: the count starts again
    ff.succeeded()
    ff.failed("HTTP 404: b", "")  # a success in between also starts it again
    assert ff.count == 1 and ff.aborted is None
    with pytest.raises(RunAborted):
        ff.failed("HTTP 404: b", "")


def test_hints():
    assert hint_for(401) == hint_for(403) and "API key" in hint_for(401)
    assert "model name" in hint_for(404) and "server is running" in hint_for(None)


def _status_error(code: int) -> openai.APIStatusError:
    req = httpx.Request("POST", "http://h/v1/chat/completions")
    return openai.APIStatusError("x", response=httpx.Response(code, request=req), body=None)


@pytest.mark.parametrize("code,fatal", [(401, (401,)), (403, (403,)), (404, (404,)), (400, None), (429, None),
                                        (500, None), (503, None)])
def test_which_statuses_are_fatal(code, fatal):
    assert _fatal_status(_status_error(code)) == fatal


def _connection_error(cause: Exception) -> openai.APIConnectionError:
    err = openai.APIConnectionError(request=httpx.Request("POST", "http://h/v1"))
    err.__cause__ = cause
    return err


def test_refused_connection_is_fatal_a_dropped_one_or_timeout_is_not():
    assert _fatal_status(_connection_error(httpx.ConnectError("refused"))) == (None,)
    assert _fatal_status(_connection_error(httpx.RemoteProtocolError("dropped"))) is None
    assert _fatal_status(openai.APITimeoutError(request=httpx.Request("POST", "http://h/v1"))) is None
    assert _fatal_status(ValueError("bad json")) is None
