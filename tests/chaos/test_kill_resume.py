"""SIGKILL runs at seeded points, then rerun: no finished sample lost or duplicated, results equal an
uninterrupted run's, and the killed runs' temp directories are cleaned up."""

from __future__ import annotations

import json

import pytest

from tests.chaos.chaos_runs import N_KILL, chaos_plan, check_complete, comparable_results, leftovers, run_dirs


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    return chaos_plan(tmp_path_factory.mktemp("chaos-forked"))


def test_first_kill_lands_mid_run(plan):
    ref, killed = plan.results[1], plan.results[2]
    assert ref["jobs"][0]["rc"] == 0 and ref["rows"] == N_KILL
    assert killed["jobs"][0]["killed"] and killed["jobs"][0]["rc"] == -9
    assert plan.kill_rows <= killed["rows"] < N_KILL  # some samples finished, not all


def test_resume_loses_and_duplicates_nothing(plan):
    rows_before = plan.results[3]["rows"]
    resumed = plan.results[4]
    assert resumed["jobs"][0]["rc"] == 0, resumed["jobs"][0]["stderr"][-2000:]
    # Every sample finished before a kill is reused (none lost), and nothing is cached twice.
    assert plan.results[3]["rows"] >= plan.results[2]["rows"] and resumed["rows"] == N_KILL
    run = plan.kill_out / "default" / "resumed"
    timing = json.loads((run / "run.json").read_text())["timing"]
    assert timing["cache_hits"] == rows_before and timing["computed"] == N_KILL - rows_before
    records = check_complete(run, "tgen", N_KILL)
    ref = plan.kill_out / "default" / "ref"
    assert comparable_results(run) == comparable_results(ref)
    assert (run / "samples" / "tgen.jsonl").read_text() == (ref / "samples" / "tgen.jsonl").read_text()
    assert [r["id"] for r in records] == [str(i) for i in range(N_KILL)]


def test_killed_runs_leave_nothing_behind(plan):
    # A killed run never publishes; its temp directory is removed by the next run in that folder.
    [stale] = plan.results[2]["hidden"]  # what the first kill left: the killed process's own temp directory
    assert stale.endswith(".tmp") and f"-{plan.results[2]['jobs'][0]['pid']}-" in stale
    assert leftovers(plan.kill_out) == []
    names = {p.name for p in run_dirs(plan.kill_out)}
    assert {"ref", "resumed"} <= names
    second = plan.results[3]["jobs"][0]
    assert len(names) == 2 + (second["rc"] == 0)  # the time-based kill may land after that run finished
