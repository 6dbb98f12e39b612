"""`vllm:PATH` -> vLLM in process (extra `[vllm]`, needs a GPU). Thin on purpose.

vLLM is imported only when a model is loaded. Generation goes through `LLM.chat`, which takes the same
OpenAI-style messages the API adapter sends (built by `request_building`), so media reach the model the same way
on both paths. vLLM batches internally; `batch_plan` only cuts the work into chunks so that progress and the cache
advance. Log-likelihoods (multiple choice) use prompt logprobs over text prompts, as lm-evaluation-harness does.

model_args: engine settings passed to `vllm.LLM` (see ENGINE_ARGS; `limit_images=4` etc. become
`limit_mm_per_prompt`), adapter settings (`modalities=text,image`, `chunk_size=512`), media settings
(num_frames, frame_size, audio_sampling_rate, video_mode, frame_format; see request_building).

Parallelism is vLLM's own: `tensor_parallel_size` and `pipeline_parallel_size` shard one engine over GPUs
(`distributed_executor_backend=ray` spans nodes, `mp` one node). `data_parallel_size=N` runs one engine per process
of a launched data-parallel run (`accelerate launch --num_processes N` or `torchrun --nproc-per-node N`), as vLLM's
offline data-parallel recipe does: each process sees its own slice of the GPUs, and the harness deals the batches
out and gathers them (eval_anything/distributed.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from eval_anything.config import ConfigError
from eval_anything.models.base import Capabilities, ModelAdapter, ProgressFn
from eval_anything.models.generation import truncate_at_stop
from eval_anything.models.request_building import MediaOptions, RequestBuildError, build_chat_messages
from eval_anything.types import GenerationSettings, MODALITIES, Request, Response, canonical_json, sha256_text

INSTALL_HINT = ("vLLM is not installed. Install it with `pip install 'eval-anything[vllm]'` (needs a CUDA GPU), "
                "or serve the model with `vllm serve PATH` elsewhere and use --model openai:PATH --base-url URL.")
# Engine arguments we pass through, with their types (values from --model-args arrive as YAML scalars).
ENGINE_ARGS: dict[str, type] = {
    "tensor_parallel_size": int, "pipeline_parallel_size": int, "dtype": str, "quantization": str,
    "gpu_memory_utilization": float, "max_model_len": int, "max_num_seqs": int, "trust_remote_code": bool,
    "enforce_eager": bool, "seed": int, "tokenizer": str, "revision": str, "swap_space": float,
    "cpu_offload_gb": float, "enable_prefix_caching": bool, "distributed_executor_backend": str,
}
EXECUTOR_BACKENDS = ("mp", "ray", "uni", "external_launcher")
# Engine arguments that change outputs (numerics or truncation) and therefore enter the fingerprint.
OUTPUT_ARGS = ("dtype", "quantization", "max_model_len", "revision", "tokenizer")
LIMIT_ARGS = {"limit_images": "image", "limit_audios": "audio", "limit_videos": "video"}


def split_model_args(path: str, model_args: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], MediaOptions]:
    """--model-args -> (LLM(...) kwargs, adapter settings, media options). Unknown keys are errors."""
    args = dict(model_args)
    try:
        media = MediaOptions.from_model_args(args)
    except (TypeError, ValueError) as e:
        raise ConfigError(f"vllm model args: {e}") from None
    adapter = {k: args.pop(k) for k in ("modalities", "chunk_size", "data_parallel_size") if k in args}
    engine: dict[str, Any] = {"model": path}
    limits: dict[str, int] = {}
    for key, value in args.items():
        if key in LIMIT_ARGS:
            limits[LIMIT_ARGS[key]] = int(value)
        elif key in ENGINE_ARGS:
            typ = ENGINE_ARGS[key]
            if typ is bool and isinstance(value, str):
                value = value.lower() in ("1", "true", "yes")
            try:
                engine[key] = typ(value)
            except (TypeError, ValueError):
                raise ConfigError(f"vllm model arg {key}={value!r}: expected {typ.__name__}") from None
        else:
            known = sorted([*ENGINE_ARGS, *LIMIT_ARGS, "modalities", "chunk_size", "data_parallel_size",
                            "num_frames", "frame_size",
                            "audio_sampling_rate", "video_mode", "frame_format"])
            raise ConfigError(f"vllm: unknown model arg {key!r}; known: {', '.join(known)}")
    if media.video_mode == "frames" and "video" in limits:
        # Videos arrive as frames (images): allow that many images per prompt.
        limits["image"] = max(limits.get("image", 1), limits.pop("video") * media.num_frames)
    if limits:
        engine["limit_mm_per_prompt"] = limits
    backend = engine.get("distributed_executor_backend")
    if backend is not None and backend not in EXECUTOR_BACKENDS:
        raise ConfigError(f"vllm: distributed_executor_backend={backend!r}; one of {', '.join(EXECUTOR_BACKENDS)}")
    for key in ("tensor_parallel_size", "pipeline_parallel_size"):
        if key in engine and engine[key] < 1:
            raise ConfigError(f"vllm: {key} must be >= 1")
    return engine, adapter, media


def check_data_parallel(data_parallel_size: int, world_size: int) -> None:
    """vLLM data parallelism = one engine per launched process: the launch must match the setting."""
    if data_parallel_size < 1:
        raise ConfigError("vllm: data_parallel_size must be >= 1")
    if data_parallel_size != world_size:
        raise ConfigError(
            f"vllm: data_parallel_size={data_parallel_size} runs one engine per process, but this run has "
            f"{world_size} process(es). Launch it with `accelerate launch --num_processes {data_parallel_size} "
            f"-m eval_anything run ...` (or `torchrun --nproc-per-node {data_parallel_size} -m eval_anything run ...`)")


def rank_visible_devices(local_rank: int, gpus_per_engine: int, visible: str | None, n_gpus: int) -> str:
    """CUDA_VISIBLE_DEVICES for one data-parallel rank: its own `gpus_per_engine` consecutive GPUs (tensor x
    pipeline parallel size) out of those visible to the node."""
    ids = [d.strip() for d in visible.split(",") if d.strip()] if visible else [str(i) for i in range(n_gpus)]
    start = local_rank * gpus_per_engine
    if start + gpus_per_engine > len(ids):
        raise ConfigError(f"vllm: rank {local_rank} needs GPUs {start}..{start + gpus_per_engine - 1} "
                          f"({gpus_per_engine} per engine) but the node has {len(ids)}")
    return ",".join(ids[start:start + gpus_per_engine])


def sampling_kwargs(g: GenerationSettings) -> dict[str, Any]:
    """Our generation settings -> vllm.SamplingParams keyword arguments."""
    kw: dict[str, Any] = {"max_tokens": int(g.max_new_tokens), "temperature": float(g.temperature),
                          "top_p": float(g.top_p), "seed": int(g.seed)}
    if g.stop:
        kw["stop"] = list(g.stop)
    return kw


def continuation_logprob(prompt_logprobs: Sequence[Any], token_ids: Sequence[int], n_continuation: int
                         ) -> tuple[float, bool]:
    """Sum of log P(token) over the last `n_continuation` prompt tokens, and whether each was the argmax.

    `prompt_logprobs[i]` maps token id -> an object with `.logprob` and `.rank` (vLLM's Logprob), or None for the
    first token; with prompt_logprobs=1 it holds the actual token and the top-1 token.
    """
    if n_continuation < 1 or n_continuation >= len(token_ids):
        raise ValueError(f"continuation of {n_continuation} tokens in a prompt of {len(token_ids)}")
    total, greedy = 0.0, True
    for i in range(len(token_ids) - n_continuation, len(token_ids)):
        entry = prompt_logprobs[i][token_ids[i]]
        total += float(entry.logprob)
        greedy = greedy and getattr(entry, "rank", 1) == 1
    return total, greedy


class VLLMAdapter(ModelAdapter):
    def __init__(self, path: str, model_args: dict[str, Any]) -> None:
        engine, adapter_args, media = split_model_args(path, model_args)
        mods = adapter_args.get("modalities", "text")
        mods = {m.strip() for m in str(mods).replace("+", ",").split(",") if m.strip()} | {"text"}
        if mods - set(MODALITIES):
            raise ConfigError(f"modalities: unknown {sorted(mods - set(MODALITIES))}")
        super().__init__(name=Path(path).name or path, capabilities=Capabilities(
            input_modalities=frozenset(mods), output_modalities=frozenset({"text"}), loglikelihood=True))
        self.path, self.engine_args, self.media = path, engine, media
        self.chunk_size = int(adapter_args.get("chunk_size", 512))
        self._place_on_rank(int(adapter_args.get("data_parallel_size", 1)))
        if engine.get("distributed_executor_backend") == "ray":
            try:
                import ray  # noqa: F401
            except ImportError:
                raise ConfigError("vllm: distributed_executor_backend=ray needs Ray: "
                                  "pip install 'eval-anything[vllm,ray]'") from None
        try:
            import vllm
        except ImportError:
            raise ConfigError(INSTALL_HINT) from None
        self._vllm = vllm
        self.llm = vllm.LLM(**engine)

    def _place_on_rank(self, data_parallel_size: int) -> None:
        import os

        from eval_anything.distributed import current

        dp = current()
        check_data_parallel(data_parallel_size, dp.world_size)
        if dp.enabled:  # before vLLM starts: this rank's engine sees only its own GPUs
            import torch

            per_engine = (self.engine_args.get("tensor_parallel_size", 1)
                          * self.engine_args.get("pipeline_parallel_size", 1))
            os.environ["CUDA_VISIBLE_DEVICES"] = rank_visible_devices(
                dp.local_rank, per_engine, os.environ.get("CUDA_VISIBLE_DEVICES"), torch.cuda.device_count())

    def fingerprint(self) -> str:
        return sha256_text(canonical_json({
            "adapter": "vllm", "path": str(Path(self.path).expanduser().resolve()) if Path(self.path).exists()
            else self.path, "engine": {k: self.engine_args.get(k) for k in OUTPUT_ARGS},
            "media": self.media.to_dict(), "vllm": getattr(self._vllm, "__version__", "?"),
        }))

    def describe(self) -> dict:
        return {**super().describe(), "adapter": "vllm", "engine_args": self.engine_args}

    def batch_plan(self, requests: Sequence[Request]) -> list[list[int]]:
        n = len(requests)
        return [list(range(i, min(n, i + self.chunk_size))) for i in range(0, n, self.chunk_size)]

    def generate(self, requests: Sequence[Request], progress: ProgressFn | None = None) -> list[Response]:
        out: list[Response | None] = [None] * len(requests)
        convs, params, idx = [], [], []
        for i, r in enumerate(requests):
            missing = self.capabilities.missing_inputs(r.input_modalities)
            if missing:
                out[i] = Response.failed(f"model does not take {', '.join(sorted(missing))} input")
                continue
            try:
                convs.append(build_chat_messages(r.messages, self.media))
            except RequestBuildError as e:
                out[i] = Response.failed(str(e), attempts=0)
                continue
            params.append(self._vllm.SamplingParams(**sampling_kwargs(r.generation)))
            idx.append(i)
        if convs:
            results = self.llm.chat(convs, sampling_params=params, use_tqdm=False)
            for i, res in zip(idx, results):
                o = res.outputs[0]
                out[i] = Response(text=truncate_at_stop(o.text, requests[i].generation.stop),
                                  is_greedy=requests[i].generation.greedy,
                                  n_input_tokens=len(res.prompt_token_ids or []), n_output_tokens=len(o.token_ids))
        if progress:
            progress(len(requests))
        return [r for r in out if r is not None]

    def loglikelihood(self, requests: Sequence[Request], progress: ProgressFn | None = None) -> list[Response]:
        tok = self.llm.get_tokenizer()
        out: list[Response | None] = [None] * len(requests)
        prompts, spans, idx = [], [], []
        for i, r in enumerate(requests):
            if r.input_modalities - {"text"}:
                out[i] = Response.failed("vllm adapter: log-likelihoods over media inputs are not supported; "
                                         "use hf:PATH for multimodal multiple-choice tasks")
                continue
            context = r.context_text if r.context_text is not None else "".join(m.text for m in r.messages)
            ctx_ids = tok(context, add_special_tokens=True)["input_ids"]
            full_ids = tok(context + (r.continuation or ""), add_special_tokens=True)["input_ids"]
            n_cont = len(full_ids) - len(ctx_ids)
            if n_cont < 1 or full_ids[: len(ctx_ids)] != ctx_ids:
                # Tokens merged across the boundary: tokenise the continuation alone (lm-eval's fallback).
                cont_ids = tok(r.continuation or "", add_special_tokens=False)["input_ids"]
                full_ids, n_cont = ctx_ids + cont_ids, len(cont_ids)
            prompts.append({"prompt_token_ids": full_ids})
            spans.append(n_cont)
            idx.append(i)
        if prompts:
            params = self._vllm.SamplingParams(max_tokens=1, temperature=0.0, prompt_logprobs=1)
            results = self.llm.generate(prompts, sampling_params=params, use_tqdm=False)
            for i, res, n_cont in zip(idx, results, spans):
                try:
                    lp, greedy = continuation_logprob(res.prompt_logprobs, res.prompt_token_ids, n_cont)
                    out[i] = Response(logprob=lp, is_greedy=greedy, n_input_tokens=len(res.prompt_token_ids))
                except (ValueError, KeyError, TypeError) as e:
                    out[i] = Response.failed(f"cannot score continuation: {e}")
        if progress:
            progress(len(requests))
        return [r for r in out if r is not None]


def load(rest: str, model_args: dict[str, Any], base_url: str | None = None) -> VLLMAdapter:
    if not rest:
        raise ConfigError("vllm: needs a model path or hub id, e.g. --model vllm:/models/qwen2-vl")
    if base_url:
        raise ConfigError("vllm: runs in process and takes no --base-url; for a vllm serve endpoint use "
                          f"--model openai:{rest} --base-url {base_url}")
    return VLLMAdapter(rest, model_args)
