"""Identical runs started together on one output folder and one cache: every run directory complete, every exit
code honest, no temp directory left, nobody deletes another's work (real processes, the default model)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from tests.chaos.chaos_runs import N_PAIR, PAIRS, chaos_plan, check_complete, comparable_results, leftovers, run_dirs


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    return chaos_plan(tmp_path_factory.mktemp("chaos-forked"))


def test_ten_pairs_of_identical_runs_started_together(plan):
    jobs = plan.results[0]["jobs"][: 2 * PAIRS]
    assert [j["rc"] for j in jobs] == [0] * (2 * PAIRS), [j["stderr"][-500:] for j in jobs if j["rc"]]
    assert len({j["pid"] for j in jobs}) == 2 * PAIRS  # separate processes
    printed = [next(line for line in j["stdout"].splitlines() if "run directory:" in line) for j in jobs]
    dirs = [plan.pair_out / "default" / line.rsplit("/", 1)[1].strip() for line in printed]
    assert len(set(dirs)) == 2 * PAIRS  # no two runs share a run id
    for j in jobs:
        assert "exit 0: 1 task scored" in j["stdout"]
    by_seed = {}
    for k, d in enumerate(dirs):
        check_complete(d, "tgen", N_PAIR)
        info = json.loads((d / "run.json").read_text())
        assert info["config"]["seed"] == k // 2 and info["status"] == {"exit_code": 0, "reason": "1 task scored"}
        by_seed.setdefault(k // 2, []).append(comparable_results(d))
    for seed, (a, b) in by_seed.items():
        assert a == b, seed  # the two runs of a pair agree exactly


def test_no_temp_directory_is_left_and_only_finished_runs_are_visible(plan):
    assert leftovers(plan.pair_out) == []
    names = [p.name for p in run_dirs(plan.pair_out)]
    assert Counter(names)["same"] == 1 and len(names) == 2 * PAIRS + 1


def test_same_run_id_given_to_two_runs_at_once(plan):
    a, b = plan.results[0]["jobs"][2 * PAIRS:]
    assert (a["rc"], b["rc"]) == (0, 0), (a["stderr"][-500:], b["stderr"][-500:])
    same = plan.pair_out / "default" / "same"
    check_complete(same, "tgen", N_PAIR)  # the later one replaced the earlier one whole, never a mix
    assert sorted(p.name for p in same.iterdir()) == ["results.json", "run.json", "samples"]


def test_shared_cache_holds_each_request_once(plan):
    # Greedy decoding ignores the seed, so all 22 runs send the same N_PAIR requests: one entry each, whoever won.
    assert plan.results[0]["rows"] == N_PAIR
