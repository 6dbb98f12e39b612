"""Reward-model judge on a tiny seeded LlamaForSequenceClassification built offline."""

import math

import pytest

from eval_anything.cache import ResponseCache
from eval_anything.scheduler import Scheduler
from judges import JudgeEnv, JudgeItem
from judges.reward_model import RewardModelAdapter, RewardModelJudge, sigmoid


@pytest.fixture(scope="module")
def rm_path(tmp_path_factory):
    import torch
    from transformers import LlamaConfig, LlamaForSequenceClassification

    from eval_anything.models.default_model import build_tokenizer

    tok = build_tokenizer()
    config = LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=2, num_labels=1, pad_token_id=tok.pad_token_id)
    torch.manual_seed(0)
    model = LlamaForSequenceClassification(config).eval()
    path = tmp_path_factory.mktemp("rm") / "tiny-rm"
    model.save_pretrained(path)
    tok.save_pretrained(path)
    return path


ITEMS = [JudgeItem(id=str(i), prompt=p, response=r) for i, (p, r) in enumerate(
    [("what is red", "an apple is red"), ("count to three", "1 2 3"), ("say yes", "no")])]


def _direct_rewards(path):
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModelForSequenceClassification.from_pretrained(path).eval()
    out = []
    for it in ITEMS:
        text = tok.apply_chat_template([{"role": "user", "content": it.prompt},
                                        {"role": "assistant", "content": it.response}], tokenize=False)
        with torch.no_grad():
            out.append(float(model(**tok(text, return_tensors="pt")).logits[0, 0]))
    return out


def test_rewards_match_a_direct_forward_pass_and_are_cached(rm_path, tmp_path):
    want = _direct_rewards(rm_path)
    assert len(set(round(w, 4) for w in want)) == 3  # the items really differ
    adapter = RewardModelAdapter.from_path(str(rm_path), {"batch_size": 2})  # batched with padding
    calls = []
    original = adapter.generate
    adapter.generate = lambda reqs, progress=None: calls.append(len(reqs)) or original(reqs, progress)
    for _ in range(2):
        env = JudgeEnv(adapter, Scheduler(ResponseCache(tmp_path / "c.sqlite")))
        verdicts = RewardModelJudge(adapter=adapter).judge(ITEMS, env)
        assert [v.detail["reward"] for v in verdicts] == pytest.approx(want, abs=1e-4)
        assert [v.value for v in verdicts] == pytest.approx([sigmoid(w) for w in want], abs=1e-4)
        assert all(0 < v.value < 1 for v in verdicts)
    assert calls == [2, 1]  # batches of 2; the second pass is all from the cache
    rec = verdicts[0].records[0]
    assert rec.template == "reward_model" and rec.template_hash == adapter.fingerprint()
    assert rec.parsed == pytest.approx(want[0], abs=1e-4)


def test_sigmoid_is_stable():
    assert sigmoid(0) == 0.5 and sigmoid(-1000) == 0.0 and sigmoid(1000) == 1.0
    assert sigmoid(2.0) == pytest.approx(1 / (1 + math.exp(-2.0)))


def test_reward_model_as_the_synergy_judge(rm_path):
    from eval_anything.registry import TaskRegistry
    from eval_anything.tasks import Task, TaskContext
    from eval_anything.types import Response
    from judges.allmodality import s_amg_item

    task = Task(TaskRegistry().tasks["modality_synergy"])
    samples = task.samples(TaskContext())[:2]
    adapter = RewardModelAdapter.from_path(str(rm_path))
    ctx = TaskContext(judge_adapter=adapter, judge_spec=f"rm:{rm_path}", scheduler=Scheduler(),
                      options={"synergy_input": "instructions"})
    reply = "[[response]]: A mango.\n[[image_instruction]]: a ripe mango\n[[audio_instruction]]: birds"
    scores = task.score_all(samples, [[Response(text=reply)]] * 2, ctx)
    for s, sc in zip(samples, scores):
        e = sc.extracted
        assert e["combination"] == "tia" and sc.error is None
        assert all(0 < v < 1 for v in list(e["S_m"].values()) + list(e["S_pair"].values()))
        assert sc.metrics["s_amg"] == pytest.approx(s_amg_item("tia", s.target, e["S_m"], e["S_pair"]))
        assert {r.template for r in sc.judge} == {"reward_model"} and len(sc.judge) == 6


# ----- custom-code reward model (the paper's any-modality reward model is one) --------------------------------
@pytest.fixture(scope="module")
def custom_rm(tmp_path_factory):
    from custom_rm import build_custom_rm

    return build_custom_rm(tmp_path_factory.mktemp("crm") / "tiny-any-rm")


def test_custom_code_needs_the_opt_in_and_says_how(custom_rm):
    from eval_anything.config import ConfigError
    from judges.reward_model import load

    with pytest.raises(ConfigError, match="pass --judge-args trust_remote_code=true") as e:
        load(str(custom_rm), {})
    assert "modeling_tiny_any_reward.TinyRewardModel" in str(e.value)
    with pytest.raises(ConfigError, match="use true or false"):
        load(str(custom_rm), {"trust_remote_code": "yes"})
    with pytest.raises(ConfigError, match="pass --judge-args trust_remote_code=true"):
        load(str(custom_rm), {"trust_remote_code": "False"})
    assert load(str(custom_rm), {"trust_remote_code": "TRUE"}).capabilities.input_modalities == {"text", "image", "audio"}


def test_custom_code_rewards_come_from_end_scores(custom_rm, tmp_path):
    import torch
    from transformers import AutoModel, AutoTokenizer

    adapter = RewardModelAdapter.from_path(str(custom_rm), {"trust_remote_code": True, "batch_size": 2})
    assert adapter.capabilities.input_modalities == {"text", "image", "audio"}
    verdicts = RewardModelJudge(adapter=adapter).judge(ITEMS, JudgeEnv(adapter, Scheduler()))
    model = AutoModel.from_pretrained(custom_rm, trust_remote_code=True).eval()
    tok = AutoTokenizer.from_pretrained(custom_rm, trust_remote_code=True)
    want = []
    for it in ITEMS:
        text = tok.apply_chat_template([{"role": "user", "content": it.prompt},
                                        {"role": "assistant", "content": it.response}], tokenize=False)
        with torch.no_grad():
            want.append(float(model(**tok(text, return_tensors="pt")).end_scores[0, 0]))
    assert len({round(w, 4) for w in want}) == 3
    assert [v.detail["reward"] for v in verdicts] == pytest.approx(want, abs=1e-4)
    assert [v.value for v in verdicts] == pytest.approx([sigmoid(w) for w in want], abs=1e-4)


def test_reward_values_reads_each_output_style():
    import torch
    from judges.reward_model import reward_values

    class Out:
        def __init__(self, **kw):
            self.__dict__.update(kw)

    assert reward_values(Out(end_scores=torch.tensor([[0.5], [-1.0]]), logits=torch.zeros(2, 1))) == [0.5, -1.0]
    assert reward_values(Out(logits=torch.tensor([[2.0]]))) == [2.0]
    assert reward_values({"rewards": torch.tensor([0.25, 0.75])}) == [0.25, 0.75]
    assert reward_values(torch.tensor([[3.0]])) == [3.0]
    assert reward_values(torch.tensor(1.5)) == [1.5] and reward_values(0.25) == [0.25]  # scalars
    assert reward_values((torch.tensor([[2.0], [4.0]]), torch.zeros(2, 3, 1))) == [2.0, 4.0]  # return_dict=False
    with pytest.raises(ValueError, match="shape \\(2, 2\\)"):
        reward_values(Out(end_scores=torch.zeros(2, 2)))
    with pytest.raises(ValueError, match="no end_scores"):
        reward_values(Out(hidden=torch.zeros(1)))


def test_custom_reward_model_scores_the_produced_media_pairs(custom_rm, tmp_path):
    import numpy as np

    from eval_anything.media import encode_png_bytes, encode_wav_bytes, store_media
    from eval_anything.registry import TaskRegistry
    from eval_anything.tasks import Task, TaskContext
    from eval_anything.types import Response
    from judges.allmodality import s_amg_item
    from judges.reward_model import load

    adapter = load(str(custom_rm), {"trust_remote_code": True})
    task = Task(TaskRegistry().tasks["modality_synergy"])
    samples = task.samples(TaskContext())[:2]
    dark = store_media(encode_png_bytes(np.zeros((8, 8, 3), "uint8")), "png", tmp_path)
    bright = store_media(encode_png_bytes(np.full((8, 8, 3), 250, "uint8")), "png", tmp_path)
    tone = store_media(encode_wav_bytes((0.5 * np.sin(np.linspace(0, 200, 16000))).astype("float32"), 16000), "wav",
                       tmp_path)
    reply = "[[response]]: A mango.\n[[image_instruction]]: a ripe mango\n[[audio_instruction]]: birds"
    ctx = TaskContext(judge_adapter=adapter, judge_spec=f"rm:{custom_rm}", scheduler=Scheduler())
    scores = task.score_all(samples, [[Response(text=reply, parts=(dark, tone))]] * 2, ctx)
    scores.append(task.score_all(samples[:1], [[Response(text=reply, parts=(bright, tone))]], ctx)[0])
    for s, sc in zip(samples + samples[:1], scores):
        e = sc.extracted
        assert sc.error is None and e["combination"] == "tia" and e["judged_on"] == "media"
        assert sc.metrics["s_amg"] == pytest.approx(s_amg_item("tia", s.target, e["S_m"], e["S_pair"]))
        assert all(0 < v < 1 for v in list(e["S_m"].values()) + list(e["S_pair"].values()))
    # The image pairs were scored on the image: a different image, a different score; text alone is unchanged.
    a, b = scores[0].extracted, scores[2].extracted
    assert a["S_pair"]["ti"] != pytest.approx(b["S_pair"]["ti"]) and a["S_m"]["i"] != pytest.approx(b["S_m"]["i"])
    assert a["S_m"]["t"] == pytest.approx(b["S_m"]["t"]) and a["S_m"]["a"] == pytest.approx(b["S_m"]["a"])
