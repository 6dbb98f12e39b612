"""Big models: `device_map` / `max_memory` reach transformers (accelerate places the weights); the adapter never
moves a placed model, and a placed model computes the same log-likelihoods."""

from __future__ import annotations

import pytest

from eval_anything.config import ConfigError
from eval_anything.models.hf_common import load_settings, parse_max_memory
from eval_anything.registry import load_model
from eval_anything.types import Message, Request


def test_max_memory_parses_devices_and_sizes():
    assert parse_max_memory("0:20GiB;1:18GiB;cpu:64GiB") == {0: "20GiB", 1: "18GiB", "cpu": "64GiB"}
    assert parse_max_memory({"0": "10GB", "cpu": "1GB"}) == {0: "10GB", "cpu": "1GB"}
    with pytest.raises(ConfigError, match="'0-20GiB' is not DEVICE:SIZE"):
        parse_max_memory("0-20GiB")
    with pytest.raises(ConfigError, match="is not DEVICE:SIZE"):
        parse_max_memory("0:")


def test_device_map_settings_reach_from_pretrained_and_skip_moving():
    s = load_settings({"device_map": "auto", "max_memory": "cpu:2GiB"})
    assert s.model_kwargs["device_map"] == "auto" and s.model_kwargs["max_memory"] == {"cpu": "2GiB"}

    class Unmovable:
        def to(self, device):
            raise AssertionError("a placed model must not be moved")

    model = Unmovable()
    assert s.place(model) is model
    plain = load_settings({})
    assert "device_map" not in plain.model_kwargs and plain.device_map is None

    class Movable:
        moved_to = None

        def to(self, device):
            self.moved_to = device
            return self

    assert plain.place(Movable()).moved_to == plain.device


@pytest.mark.parametrize("args, match", [
    ({"max_memory": "cpu:1GiB"}, "max_memory needs device_map"),
    ({"device_map": "auto", "device": "cpu"}, "device or device_map, not both"),
])
def test_conflicting_placement_args_are_errors(args, match):
    with pytest.raises(ConfigError, match=match):
        load_settings(args)


def test_device_map_auto_model_scores_like_the_plain_one(tiny_llama_path, monkeypatch):
    import transformers

    reqs = [Request("loglikelihood", (Message.user("q"),), continuation=c, context_text="The answer is")
            for c in (" yes", " no", " maybe")]
    plain = load_model(f"hf:{tiny_llama_path}", {}).loglikelihood(reqs)
    seen: dict = {}
    real = transformers.AutoModelForCausalLM.from_pretrained

    def spy(path, **kwargs):
        seen.update({k: (dict(v) if isinstance(v, dict) else v) for k, v in kwargs.items()})
        return real(path, **kwargs)

    monkeypatch.setattr(transformers.AutoModelForCausalLM, "from_pretrained", spy)
    placed = load_model(f"hf:{tiny_llama_path}", {"device_map": "auto", "max_memory": "cpu:1GiB"}).loglikelihood(reqs)
    assert seen["device_map"] == "auto" and seen["max_memory"] == {"cpu": "1GiB"}
    assert [r.logprob for r in placed] == pytest.approx([r.logprob for r in plain], abs=1e-5)
