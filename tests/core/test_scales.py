"""Declared score scales, normalised groups, partial groups: numbers checked by hand."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pytest
from rich.console import Console

from eval_anything.config import ConfigError, load_task_spec
from eval_anything.registry import TaskRegistry
from eval_anything.scales import combine, declared_range, group_aggregate, task_scale
from eval_anything.scoring import macro_group

REPO = Path(__file__).resolve().parents[2]


def test_every_shipped_task_declares_the_range_of_its_primary_metric():
    paths = sorted(REPO.glob("benchmarks/*/task.yaml")) + sorted(REPO.glob("benchmarks/*/*.task.yaml"))
    assert len(paths) >= 20
    for p in paths:
        spec = load_task_spec(p)
        assert spec.metric.range is not None, p
    reg = TaskRegistry()
    assert tuple(reg.tasks["amu"].spec.metric.range) == (1, 10)
    assert tuple(reg.tasks["amg_if_audio"].spec.metric.range) == (0, 10)
    assert tuple(reg.tasks["modality_synergy"].spec.metric.range) == (0, 1)


def test_range_must_be_ordered(tmp_path):
    p = tmp_path / "t.task.yaml"
    p.write_text("name: t\nmetric:\n  primary: score\n  range: [10, 1]\n")
    with pytest.raises(ConfigError, match="low < high"):
        load_task_spec(p)


def test_default_ranges_only_for_built_in_zero_one_metrics():
    class M:
        def __init__(self, primary, range=None):
            self.primary, self.range = primary, range

    assert declared_range(M("acc")) == (0.0, 1.0) and declared_range(M("exact_match")) == (0.0, 1.0)
    assert declared_range(M("score")) is None and declared_range(M("score", (1, 10))) == (1.0, 10.0)


def test_task_scale_maps_raw_values_and_intervals():
    s = task_scale({"value": 7.3, "stderr": 0.45, "ci95": [6.4, 8.2]}, (1, 10))
    assert s["raw"] == 7.3 and s["normalised"] == pytest.approx(0.7) and s["normalised_stderr"] == pytest.approx(0.05)
    assert s["normalised_ci95"] == pytest.approx([0.6, 0.8]) and s["range"] == [1, 10]
    tifa = task_scale({"value": 6.43, "stderr": None, "ci95": None}, (0, 10))
    assert tifa["normalised"] == pytest.approx(0.643)
    lower = task_scale({"value": 0.2, "stderr": 0.1, "ci95": [0.1, 0.3]}, (0, 1), higher_is_better=False)
    assert lower["normalised"] == pytest.approx(0.8) and lower["normalised_ci95"] == pytest.approx([0.7, 0.9])
    bad = task_scale({"value": 11.0}, (1, 10))
    assert bad["normalised"] is None and "outside the declared range" in bad["problem"]
    assert task_scale({"value": 3.0}, None)["problem"].startswith("no declared range")


def _task(value, stderr, ci, rng, skipped=None):
    return {"skipped": skipped, "scale": task_scale({"value": value, "stderr": stderr, "ci95": ci}, rng)}


def test_group_of_mixed_scales_averages_normalised_values():
    tasks = {"judge": _task(7.3, 0.45, [6.4, 8.2], (1, 10)), "tifa": _task(6.0, 0.5, [5.0, 7.0], (0, 10)),
             "sel": _task(0.4, 0.04, [0.32, 0.48], (0, 1))}
    g = group_aggregate(["sel", "judge", "tifa"], tasks)
    assert g["value"] == pytest.approx((0.7 + 0.6 + 0.4) / 3) and 0 <= g["value"] <= 1
    se = math.sqrt(0.05 ** 2 + 0.05 ** 2 + 0.04 ** 2) / 3
    assert g["stderr"] == pytest.approx(se)
    assert g["ci95"] == pytest.approx([g["value"] - 1.96 * se, g["value"] + 1.96 * se])
    assert not g["partial"] and g["coverage"] == "3 of 3" and "[0, 1]" in g["weighting"]
    assert g["tasks"] == ["judge", "sel", "tifa"] and g["normalisation"].startswith("linear")


def test_group_with_missing_members_is_partial_and_says_why():
    tasks = {"a": _task(0.5, 0.05, [0.4, 0.6], (0, 1)), "b": _task(None, None, None, (0, 1), skipped="no judge"),
             "c": _task(3.0, 0.1, [2.8, 3.2], None)}
    g = group_aggregate(["a", "b", "c", "d"], tasks)
    assert g["partial"] and g["coverage"] == "1 of 4" and g["n_tasks"] == 1 and g["n_member_tasks"] == 4
    assert g["tasks_missing"] == {"b": "skipped: no judge", "c": "no declared range (metric.range in the task spec)",
                                  "d": "not run"}
    assert g["value"] == 0.5 and g["ci95"] == [0.4, 0.6]  # one scored task keeps its own interval


def test_group_interval_is_clipped_at_both_ends():
    # accuracies 0.002 and 0.0: the normal interval would start below 0
    low = combine([0.002, 0.0], [0.002, 0.0])
    assert low["ci95"][0] == 0.0 and low["ci95"][1] == pytest.approx(0.001 + 1.96 * 0.001)
    high = combine([1.0, 0.996], [0.0, 0.004])
    assert high["ci95"][1] == 1.0 and high["ci95"][0] == pytest.approx(0.998 - 1.96 * 0.002)
    mid = macro_group([{"value": 0.5, "stderr": 0.1}, {"value": 0.9, "stderr": 0.2}])
    assert mid["ci95"] == pytest.approx([0.7 - 1.96 * math.sqrt(0.05) / 2, 0.7 + 1.96 * math.sqrt(0.05) / 2])


def test_a_run_of_one_task_marks_its_groups_partial_everywhere(tmp_path):
    import json

    from eval_anything.config import RunConfig
    from eval_anything.runner import run
    from eval_anything.summary import print_summary
    from eval_anything.types import Response  # noqa: F401

    import sys
    sys.path.insert(0, str(REPO / "tests" / "judges"))
    from judge_fakes import structured_model

    config = RunConfig(model="adapter:structured", tasks=["modality_selection"], output=str(tmp_path / "runs"),
                       use_cache=False, show_progress=False, bootstrap_iters=50)
    result = run(config, adapter=structured_model())
    res = json.loads((result.run_dir / "results.json").read_text())
    t = res["tasks"]["modality_selection"]
    assert t["scale"]["range"] == [0, 1] and t["scale"]["normalised"] == t["metrics"]["selection_score"]["value"]
    reg = TaskRegistry()
    for name in ("amg", "all_modality"):
        g = res["groups"][name]
        n = len(reg.groups[name])
        assert g["partial"] is True and g["coverage"] == f"1 of {n}" and g["tasks_scored"] == ["modality_selection"]
        assert 0 <= g["value"] <= 1 and all(0 <= c <= 1 for c in g["ci95"])
        assert g["tasks_missing"]["amg_if_text"] == "not run"
    buf = io.StringIO()
    print_summary(result, Console(file=buf, width=220))
    out = buf.getvalue()
    assert f"partial: 1 of {len(reg.groups['amg'])} tasks scored, not ranked" in out
    assert "mapped onto 0-1" in out
