"""Local transformers multimodal models (image / audio / video in, text out), driven by their processor.

Prompts: each request's messages become the processor's chat-template content lists, media parts in place
({"type": "image"|"audio"|"video"}); the processor then expands the placeholders and encodes the media. Without a
chat template (or with chat_template=never) the text is joined with the processor's own placeholder tokens.

Video: if the processor has a video processor (Qwen2-VL-style; needs torchvision), the sampled frames go in as a
video. Otherwise each video part becomes `num_frames` image parts (model_args num_frames, default 8; frame_size resizes the shorter side) (uniformly sampled, see
`eval_anything.media.sample_video_frames`), so any image model can answer video questions.

Batching: requests are grouped by their media signature (how many images/audios/videos), sorted by prompt length
and cut into batches of `batch_size`; a request whose media cannot be read gets its own error and leaves the rest.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Sequence

from eval_anything.config import ConfigError
from eval_anything.media import MediaError, load_audio, load_image, sample_video_frames
from eval_anything.models.base import Capabilities, ModelAdapter, ProgressFn
from eval_anything.models.generation import decode_generations, generate_kwargs
from eval_anything.models.hf_common import check_known_args, checkpoint_fingerprint, load_settings, module_fingerprint
from eval_anything.types import Request, Response, sha256_text

KNOWN_ARGS = {"dtype", "device", "batch_size", "num_threads", "revision", "trust_remote_code",
              "attn_implementation", "chat_template", "num_frames", "frame_size", "device_map", "max_memory"}
AUTO_BATCH = 8
PROCESSOR_FILES = ("processor_config.json", "preprocessor_config.json", "video_preprocessor_config.json")
MEDIA_KEYS = {"image_processor": "image", "feature_extractor": "audio", "video_processor": "video"}
# ----- detection (cheap, never downloads) -------------------------------------------------------------------------
def _processor_files(path_or_id: str) -> list[Path]:
    root = Path(path_or_id).expanduser()
    if root.is_dir():
        return [root / f for f in PROCESSOR_FILES if (root / f).is_file()]
    try:  # a hub id: look only in the local cache
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return []
    found = []
    for f in PROCESSOR_FILES:
        hit = try_to_load_from_cache(path_or_id, f)
        if isinstance(hit, str):
            found.append(Path(hit))
    return found


def checkpoint_media(path_or_id: str) -> set[str]:
    """Input modalities a checkpoint's processor files declare: image / audio / video (empty for text models)."""
    out: set[str] = set()
    for f in _processor_files(path_or_id):
        try:
            cfg = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if not isinstance(cfg, dict):
            continue
        out |= {kind for key, kind in MEDIA_KEYS.items() if isinstance(cfg.get(key), dict)}
        if f.name == "video_preprocessor_config.json" or "video_processor_type" in cfg:
            out.add("video")
        if "image_processor_type" in cfg:
            out.add("image")
        if "feature_extractor_type" in cfg and "image_processor_type" not in cfg:
            out.add("audio")
    return out


def is_multimodal_checkpoint(path_or_id: str) -> bool:
    """True when the processor config has an image processor, feature extractor or video processor."""
    return bool(checkpoint_media(path_or_id))


def _auto_model_class(config):
    """The auto class whose mapping knows this config (image-text first, then multimodal LM, then causal LM)."""
    import transformers as tf

    for name in ("AutoModelForImageTextToText", "AutoModelForMultimodalLM", "AutoModelForCausalLM"):
        cls = getattr(tf, name, None)
        if cls is not None and type(config) in cls._model_mapping:
            return cls
    raise ConfigError(f"no transformers auto class loads model type '{config.model_type}' for text generation")


class HFMultimodal(ModelAdapter):
    def __init__(self, model, processor, *, name: str, fingerprint: str, batch_size: int | str = "auto",
                 chat_template: str = "auto", video_frames: int = 8, video_size: int | None = None) -> None:
        self.model = model.eval()
        self.processor = processor
        self.tok = getattr(processor, "tokenizer", processor)
        if self.tok.pad_token_id is None:
            self.tok.pad_token = self.tok.eos_token
        self.device = next(model.parameters()).device
        self.dtype = next(model.parameters()).dtype
        self.batch_size = AUTO_BATCH if batch_size in (None, "auto") else int(batch_size)
        if self.batch_size < 1:
            raise ConfigError("--batch-size must be >= 1 or auto")
        self.chat_template_mode = chat_template
        self.video_frames, self.video_size = int(video_frames), video_size
        fe = getattr(processor, "feature_extractor", None)
        self.sampling_rate = int(getattr(fe, "sampling_rate", 16000)) if fe is not None else None
        self.native_video = getattr(processor, "video_processor", None) is not None
        inputs = {"text"}
        if getattr(processor, "image_processor", None) is not None:
            inputs |= {"image", "video"}  # video as sampled frames when there is no video processor
        if fe is not None:
            inputs.add("audio")
        if self.native_video:
            inputs.add("video")
        super().__init__(name=name, capabilities=Capabilities(frozenset(inputs), frozenset({"text"}), True))
        self._fingerprint = fingerprint
        self._media_cache: dict[tuple, Any] = {}

    @classmethod
    def from_path(cls, path: str, model_args: dict[str, Any], display_name: str | None = None) -> "HFMultimodal":
        check_known_args(model_args, KNOWN_ARGS, "a multimodal hf model")
        from transformers import AutoConfig, AutoProcessor

        load = load_settings(model_args)
        try:
            processor = AutoProcessor.from_pretrained(path, **load.hub)
            config = AutoConfig.from_pretrained(path, **load.hub)
            model = load.place(_auto_model_class(config).from_pretrained(path, **load.model_kwargs))
        except (OSError, ValueError, ImportError) as e:
            raise ConfigError(f"could not load a multimodal model from {path}: {type(e).__name__}: {e}") from None
        # Same names as the API adapters' media options, so one --model-args string works for both.
        settings = {k: model_args.get(k, d) for k, d in (("dtype", "float32"), ("chat_template", "auto"),
                                                        ("num_frames", 8), ("frame_size", None),
                                                        ("revision", None))}
        return cls(model, processor, name=display_name or Path(path).name or path,
                   fingerprint=checkpoint_fingerprint(path, settings),
                   batch_size=model_args.get("batch_size", "auto"), chat_template=settings["chat_template"],
                   video_frames=settings["num_frames"], video_size=settings["frame_size"])

    @classmethod
    def from_model(cls, model, processor, name: str = "in-memory", **kwargs: Any) -> "HFMultimodal":
        """Wrap a model and processor already in memory (training-time evaluation); fingerprinted by content."""
        tok = getattr(processor, "tokenizer", processor)
        extra = json.dumps({"processor": processor.to_json_string() if hasattr(processor, "to_json_string") else "",
                            "video_frames": kwargs.get("video_frames", 8), "video_size": kwargs.get("video_size")},
                           sort_keys=True, default=str)
        return cls(model, processor, name=name, fingerprint=sha256_text(module_fingerprint(model, tok) + extra),
                   **kwargs)

    def fingerprint(self) -> str:
        return self._fingerprint

    # ----- prompt rendering -----------------------------------------------------------------------------------
    def _use_chat(self, req: Request) -> bool:
        mode = self.chat_template_mode if self.chat_template_mode != "auto" else req.chat_template
        has = bool(getattr(self.processor, "chat_template", None))
        if mode == "always" and not has:
            raise ConfigError(f"{self.name}: chat_template=always but the processor has no chat template")
        # Media placeholders are placed by the chat template, so "auto" uses it for log-likelihoods too.
        return has and mode != "never"

    def _content(self, req: Request) -> list[dict]:
        """Messages as chat-template content lists; video parts expand to frames when there is no video processor."""
        msgs = []
        for m in req.messages:
            content: list[dict] = []
            for p in m.parts:
                # Media entries carry both "type" and a key named after the modality: some templates test
                # `content['type'] == 'audio'`, others (Qwen2-Audio's) test `'audio' in content`.
                if p.type == "text":
                    content.append({"type": "text", "text": p.text})
                elif p.type == "video" and not self.native_video:
                    content += [{"type": "image", "image": p.path} for _ in range(self.video_frames)]
                else:
                    content.append({"type": p.type, p.type: p.path})
            msgs.append({"role": m.role, "content": content})
        return msgs

    def _placeholder(self, kind: str) -> str:
        pr = self.processor
        if kind == "audio":
            return (getattr(pr, "audio_bos_token", "") or "") + pr.audio_token + (getattr(pr, "audio_eos_token", "") or "")
        return getattr(pr, f"{kind}_token")

    def render(self, req: Request) -> str:
        msgs = self._content(req)
        if self._use_chat(req):
            return self.processor.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True)
        if req.context_text is not None and not (req.input_modalities - {"text"}):
            return req.context_text
        return "\n\n".join("".join(c["text"] if c["type"] == "text" else self._placeholder(c["type"])
                                   for c in m["content"]) for m in msgs)

    # ----- media ----------------------------------------------------------------------------------------------
    def _load(self, kind: str, path: str, sample_id: str) -> Any:
        key = (kind, path, self.video_frames, self.video_size)
        if key not in self._media_cache:
            if len(self._media_cache) > 256:
                self._media_cache.clear()
            if kind == "image":
                value = load_image(path, sample_id)
            elif kind == "audio":
                value = load_audio(path, self.sampling_rate, sample_id)[0]
            else:
                value = sample_video_frames(path, self.video_frames, self.video_size, sample_id)
            self._media_cache[key] = value
        return self._media_cache[key]

    def media_inputs(self, req: Request) -> dict[str, list]:
        """Decoded media in prompt order: {"images": [...], "audio": [...], "videos": [...]} (may raise MediaError)."""
        out: dict[str, list] = {"images": [], "audio": [], "videos": []}
        for m in req.messages:
            for p in m.parts:
                if p.type == "text":
                    continue
                if p.type not in self.capabilities.input_modalities:
                    raise MediaError(p.type, p.path or "", f"{self.name} takes no {p.type} input",
                                     req.sample_id, fix="run this task with a model that accepts it")
                value = self._load(p.type, p.path or "", req.sample_id)
                if p.type == "image":
                    out["images"].append(value)
                elif p.type == "audio":
                    out["audio"].append(value)
                elif self.native_video:
                    out["videos"].append(value)
                else:
                    out["images"].extend(value)
        return out

    def _encode(self, texts: list[str], media: list[dict[str, list]], padding_side: str):
        import torch

        self.tok.padding_side = padding_side
        if hasattr(self.processor, "padding_side"):
            self.processor.padding_side = padding_side
        kwargs: dict[str, Any] = {"text": texts, "return_tensors": "pt", "padding": True}
        for key in ("images", "audio", "videos"):
            flat = [x for m in media for x in m[key]]
            if flat:
                kwargs[key] = flat
        if "audio" in kwargs:
            kwargs["sampling_rate"] = self.sampling_rate
        enc = self.processor(**kwargs)
        return {k: (v.to(self.device, self.dtype) if torch.is_floating_point(v) else v.to(self.device))
                for k, v in enc.items() if isinstance(v, torch.Tensor)}

    # ----- batching -------------------------------------------------------------------------------------------
    @staticmethod
    def _signature(req: Request) -> tuple:
        counts: dict[str, int] = {}
        for m in req.messages:
            for p in m.parts:
                counts[p.type] = counts.get(p.type, 0) + 1
        return tuple(sorted((k, v) for k, v in counts.items() if k != "text"))

    def batch_plan(self, requests: Sequence[Request]) -> list[list[int]]:
        groups: dict[tuple, list[int]] = {}
        for i, r in enumerate(requests):
            gen = json.dumps(r.generation.to_dict(), sort_keys=True) if r.kind != "loglikelihood" else ""
            groups.setdefault((self._signature(r), gen), []).append(i)
        batches: list[list[int]] = []
        for key in sorted(groups, key=str):
            idx = sorted(groups[key], key=lambda i: (-len(self.render(requests[i]) + (requests[i].continuation or "")), i))
            batches += [idx[j: j + self.batch_size] for j in range(0, len(idx), self.batch_size)]
        return batches

    def _run(self, requests: Sequence[Request], fn, progress: ProgressFn | None) -> list[Response]:
        out: list[Response | None] = [None] * len(requests)
        for batch in self.batch_plan(requests):
            ready: list[tuple[int, dict]] = []
            for i in batch:
                try:
                    ready.append((i, self.media_inputs(requests[i])))
                except MediaError as e:
                    out[i] = Response.failed(str(e))
            if ready:
                for (i, _), resp in zip(ready, self._safe_batch(fn, [requests[i] for i, _ in ready],
                                                                 [m for _, m in ready])):
                    out[i] = resp
            if progress:
                progress(len(batch))
        return out  # type: ignore[return-value]

    def _safe_batch(self, fn, reqs: list[Request], media: list[dict]) -> list[Response]:
        """Run a batch; if it fails, run its requests one by one so only the faulty one records an error."""
        try:
            return fn(reqs, media)
        except (ConfigError, MemoryError):
            raise
        except Exception as e:
            if len(reqs) == 1:
                r = reqs[0]
                return [Response.failed(f"task {r.task} sample {r.sample_id}: {type(e).__name__}: {e}")]
            return [x for r, m in zip(reqs, media) for x in self._safe_batch(fn, [r], [m])]

    # ----- log-likelihood -------------------------------------------------------------------------------------
    def loglikelihood(self, requests: Sequence[Request], progress: ProgressFn | None = None) -> list[Response]:
        return self._run(requests, self._loglikelihood_batch, progress)

    def _loglikelihood_batch(self, reqs: list[Request], media: list[dict]) -> list[Response]:
        import torch

        started = time.perf_counter()
        contexts = [self.render(r) for r in reqs]
        conts = [r.continuation or "" for r in reqs]
        # Continuation tokens = tokens of (context + continuation) beyond those of the context. Media placeholders
        # expand inside the context only, so this count holds after the processor's expansion too.
        n_cont = []
        for r, c, k in zip(reqs, contexts, conts):
            n = len(self.tok(c + k, add_special_tokens=False)["input_ids"]) - len(self.tok(c, add_special_tokens=False)["input_ids"])
            if n < 1:
                raise ConfigError(f"task {r.task} sample {r.sample_id}: empty continuation after tokenisation")
            n_cont.append(n)
        enc = self._encode([c + k for c, k in zip(contexts, conts)], media, "right")
        with torch.inference_mode():
            logits = self.model(**enc).logits
        logp = torch.log_softmax(logits.float(), dim=-1)
        lengths = enc["attention_mask"].sum(-1).tolist()
        elapsed = (time.perf_counter() - started) / len(reqs)
        out = []
        for i, (n, k) in enumerate(zip(lengths, n_cont)):
            target = enc["input_ids"][i, n - k: n]
            lp = logp[i, n - k - 1: n - 1]
            token_lp = lp.gather(-1, target[:, None]).squeeze(-1)
            out.append(Response(logprob=float(token_lp.double().sum()), is_greedy=bool((lp.argmax(-1) == target).all()),
                                n_input_tokens=int(n - k), n_output_tokens=int(k), latency_s=elapsed))
        return out

    # ----- generation -----------------------------------------------------------------------------------------
    def generate(self, requests: Sequence[Request], progress: ProgressFn | None = None) -> list[Response]:
        return self._run(requests, self._generate_batch, progress)

    def _generate_batch(self, reqs: list[Request], media: list[dict]) -> list[Response]:
        import torch

        started = time.perf_counter()
        g = reqs[0].generation
        enc = self._encode([self.render(r) for r in reqs], media, "left")
        kwargs = generate_kwargs(reqs, self.tok)
        with torch.inference_mode():
            gen = self.model.generate(**enc, **kwargs)
        elapsed = (time.perf_counter() - started) / len(reqs)
        return decode_generations(gen, enc["input_ids"].shape[1], enc["attention_mask"], self.tok, g.stop, elapsed)
