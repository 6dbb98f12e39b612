"""Training data and rewards never invent a value: a missing preference or an ungraded response is an error."""

from __future__ import annotations

import pytest

from align.config import DataSpec, RewardSpec
from align.data import Item, normalise
from align.ppo.rewards import build_reward
from eval_anything.config import ConfigError
from eval_anything.types import Message, Sample

HOOKS = '''
from eval_anything.types import Score


def score(task, sample, responses):
    text = responses[0].text
    if text == "unreadable":
        return Score(metrics={"grade": None}, error="cannot grade this reply")
    return Score(metrics={"other": 0.0, "grade": float(len(text))})
'''


def test_preference_rows_without_overall_response_are_errors():
    spec = DataSpec(path="x.jsonl")
    row = {"question": "Q?", "response_1": "first", "response_2": "second"}
    for missing in (row, {**row, "overall_response": None}):
        with pytest.raises(ConfigError, match="data row 7: no overall_response"):
            normalise(missing, spec, 7)
    with pytest.raises(ConfigError, match="overall_response must be 1 or 2"):
        normalise({**row, "overall_response": "two"}, spec, 8)
    it = normalise({**row, "overall_response": 1}, spec, 9)
    assert (it.chosen, it.rejected) == ("first", "second")


def test_task_reward_uses_the_primary_metric_and_never_zeroes_an_ungraded_reply(tmp_path):
    d = tmp_path / "graded"
    d.mkdir()
    (d / "task.yaml").write_text("name: graded_task\nkind: generate\nmetric:\n  primary: grade\n"
                                 "  range: [0, 100]\n  metrics: [other, grade]\n")
    (d / "hooks.py").write_text(HOOKS)
    fn = build_reward(RewardSpec(kind="task", task="graded_task"), task_paths=[str(tmp_path)])
    sample = Sample(id="s1", messages=(Message.user("q"),), target=None)
    items = [Item(prompt="q", extra={"sample": sample})]
    assert fn(["q"], ["four"], items) == [4.0]  # the primary metric, not the first one listed
    with pytest.raises(ValueError, match="could not grade the response to sample s1: cannot grade this reply"):
        fn(["q"], ["unreadable"], items)
