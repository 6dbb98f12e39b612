"""The vLLM adapter's pure parts (vLLM itself needs a GPU and is not installed here)."""

from __future__ import annotations

import importlib.util
from types import SimpleNamespace

import pytest

from eval_anything.config import ConfigError
from eval_anything.models.vllm import continuation_logprob, load, sampling_kwargs, split_model_args
from eval_anything.registry import load_model
from eval_anything.types import GenerationSettings


def test_engine_args_are_typed_and_split_from_adapter_and_media_args():
    engine, adapter, media = split_model_args("/m/qwen", {
        "tensor_parallel_size": "2", "dtype": "bfloat16", "gpu_memory_utilization": 0.8, "trust_remote_code": "true",
        "max_model_len": 4096, "limit_images": 2, "modalities": "text,image", "chunk_size": 64, "num_frames": 4})
    assert engine == {"model": "/m/qwen", "tensor_parallel_size": 2, "dtype": "bfloat16",
                      "gpu_memory_utilization": 0.8, "trust_remote_code": True, "max_model_len": 4096,
                      "limit_mm_per_prompt": {"image": 2}}
    assert adapter == {"modalities": "text,image", "chunk_size": 64} and media.num_frames == 4


def test_video_limit_becomes_an_image_limit_in_frames_mode():
    engine, _, _ = split_model_args("m", {"limit_videos": 2, "num_frames": 6})
    assert engine["limit_mm_per_prompt"] == {"image": 12}
    engine, _, _ = split_model_args("m", {"limit_videos": 1, "video_mode": "video_url"})
    assert engine["limit_mm_per_prompt"] == {"video": 1}


@pytest.mark.parametrize("args,match", [({"tensor_paralel_size": 2}, "unknown model arg 'tensor_paralel_size'"),
                                        ({"max_model_len": "long"}, "expected int"),
                                        ({"num_frames": 0}, "num_frames")])
def test_bad_args_are_config_errors(args, match):
    with pytest.raises(ConfigError, match=match):
        split_model_args("m", args)


def test_sampling_kwargs():
    g = GenerationSettings(max_new_tokens=32, temperature=0.0, top_p=0.95, stop=("\n\n",), seed=3)
    assert sampling_kwargs(g) == {"max_tokens": 32, "temperature": 0.0, "top_p": 0.95, "seed": 3, "stop": ["\n\n"]}
    assert "stop" not in sampling_kwargs(GenerationSettings())


def _lp(logprob, rank):
    return SimpleNamespace(logprob=logprob, rank=rank)


def test_continuation_logprob_sums_the_continuation_tokens():
    ids = [1, 10, 11, 12, 13]
    prompt_lp = [None, {10: _lp(-5.0, 3)}, {11: _lp(-1.0, 2)}, {12: _lp(-0.5, 1)}, {13: _lp(-0.25, 1), 9: _lp(-2, 2)}]
    assert continuation_logprob(prompt_lp, ids, 2) == (-0.75, True)
    assert continuation_logprob(prompt_lp, ids, 3) == (-1.75, False)
    with pytest.raises(ValueError):
        continuation_logprob(prompt_lp, ids, 5)  # the first token has no logprob


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vllm is installed here")
def test_without_vllm_a_config_error_says_how_to_install():
    with pytest.raises(ConfigError, match=r"pip install 'eval-anything\[vllm\]'"):
        load_model("vllm:/models/some-model", {"tensor_parallel_size": 2})


def test_base_url_points_to_the_openai_adapter():
    with pytest.raises(ConfigError, match="--model openai:/m --base-url"):
        load("/m", {}, base_url="http://127.0.0.1:8000/v1")


class _FakeLLM:
    """Stands in for vllm.LLM: records what the adapter hands it; answers from the tiny model's tokenizer."""

    def __init__(self, tokenizer, **engine):
        self.engine, self.tok, self.chats = engine, tokenizer, []

    def get_tokenizer(self):
        return self.tok

    def chat(self, conversations, sampling_params, use_tqdm):
        self.chats.append((conversations, sampling_params))
        out = []
        for conv in conversations:
            content = conv[-1]["content"]
            n = 1 if isinstance(content, str) else len(content)
            out.append(SimpleNamespace(prompt_token_ids=[1, 2, 3],
                                       outputs=[SimpleNamespace(text=f"{n} parts STOP x", token_ids=[5, 6])]))
        return out

    def generate(self, prompts, sampling_params, use_tqdm):
        # Every prompt token gets logprob -1 and rank 1 except token ids >= 300 (rank 2).
        return [SimpleNamespace(prompt_token_ids=p["prompt_token_ids"],
                                prompt_logprobs=[None] + [{t: _lp(-1.0, 1 if t < 300 else 2)}
                                                          for t in p["prompt_token_ids"][1:]]) for p in prompts]


def test_adapter_glue_with_a_stand_in_engine(monkeypatch, tmp_path):
    import sys

    from eval_anything.models.default_model import build_tokenizer
    from eval_anything.types import Message, Part, Request

    tok = build_tokenizer()
    fake = SimpleNamespace(__version__="0.0-test", SamplingParams=lambda **kw: kw,
                           LLM=lambda **kw: _FakeLLM(tok, **kw))
    monkeypatch.setitem(sys.modules, "vllm", fake)
    a = load_model(f"vllm:{tmp_path}", {"modalities": "text,image", "dtype": "float16"})
    assert a.llm.engine == {"model": str(tmp_path), "dtype": "float16"} and a.capabilities.loglikelihood
    img = tmp_path / "x.png"
    __import__("PIL.Image").Image.new("RGB", (8, 8), "red").save(img)
    g = GenerationSettings(max_new_tokens=4, stop=("STOP",))
    reqs = [Request("generate", (Message.user("hi"),), generation=g),
            Request("generate", (Message.user(Part(type="image", path=str(tmp_path / "gone.png"), sha256="0")),)),
            Request("generate", (Message.user("see", Part(type="image", path=str(img), sha256="1")),), generation=g),
            Request("generate", (Message.user("hear", Part(type="audio", path=str(img), sha256="2")),))]
    out = a.generate(reqs)
    assert [r.text for r in out] == ["1 parts ", None, "2 parts ", None]  # order kept, stop applied
    assert "gone.png" in out[1].error and "does not take audio" in out[3].error
    [(convs, params)] = a.llm.chats
    assert len(convs) == 2 and params[0]["max_tokens"] == 4 and params[0]["stop"] == ["STOP"]
    ll = a.loglikelihood([Request("loglikelihood", (Message.user("q"),), continuation=" yes", context_text="Q: x A:"),
                          Request("loglikelihood", (Message.user("q", Part(type="image", path=str(img))),),
                                  continuation=" no")])
    n_cont = len(tok("Q: x A: yes")["input_ids"]) - len(tok("Q: x A:")["input_ids"])
    assert n_cont >= 1 and ll[0].logprob == pytest.approx(-1.0 * n_cont) and "media" in ll[1].error


def test_parallel_engine_args_pass_through_typed():
    from eval_anything.models.vllm import split_model_args

    engine, adapter, _ = split_model_args("/m", {"tensor_parallel_size": "4", "pipeline_parallel_size": 2,
                                               "distributed_executor_backend": "ray", "data_parallel_size": 3})
    assert engine == {"model": "/m", "tensor_parallel_size": 4, "pipeline_parallel_size": 2,
                      "distributed_executor_backend": "ray"}
    assert adapter == {"data_parallel_size": 3}  # not an engine argument: one engine per launched process


@pytest.mark.parametrize("args, match", [
    ({"distributed_executor_backend": "slurm"}, "one of mp, ray, uni, external_launcher"),
    ({"tensor_parallel_size": 0}, "tensor_parallel_size must be >= 1"),
    ({"pipeline_parallel_size": -1}, "pipeline_parallel_size must be >= 1"),
])
def test_bad_parallel_args_are_config_errors(args, match):
    from eval_anything.models.vllm import split_model_args

    with pytest.raises(ConfigError, match=match):
        split_model_args("/m", args)


def test_data_parallel_size_must_match_the_launch():
    from eval_anything.models.vllm import check_data_parallel

    check_data_parallel(1, 1)
    check_data_parallel(4, 4)
    with pytest.raises(ConfigError, match=r"accelerate launch --num_processes 2 -m eval_anything run"):
        check_data_parallel(2, 1)
    with pytest.raises(ConfigError, match="has 4 process"):
        check_data_parallel(2, 4)
    with pytest.raises(ConfigError, match=">= 1"):
        check_data_parallel(0, 1)


def test_each_rank_sees_its_own_gpu_slice():
    from eval_anything.models.vllm import rank_visible_devices

    assert rank_visible_devices(0, 2, None, 8) == "0,1"
    assert rank_visible_devices(3, 2, None, 8) == "6,7"
    assert rank_visible_devices(1, 1, "4,5,6", 3) == "5"
    assert rank_visible_devices(1, 2, " 2, 3,4 ,5", 4) == "4,5"
    with pytest.raises(ConfigError, match="rank 2 needs GPUs 4..5"):
        rank_visible_devices(2, 2, None, 5)


def test_ray_backend_without_ray_says_how_to_install(monkeypatch, tmp_path):
    import sys

    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    with pytest.raises(ConfigError, match=r"eval-anything\[vllm,ray\]"):
        load_model(f"vllm:{tmp_path}", {"distributed_executor_backend": "ray"})


def test_data_parallel_size_without_a_launch_fails_before_vllm_loads(tmp_path):
    with pytest.raises(ConfigError, match="runs one engine per process"):
        load_model(f"vllm:{tmp_path}", {"data_parallel_size": 2})
