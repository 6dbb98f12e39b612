"""Composite any-to-any adapter: a language model writes the answer, one generator per output modality makes media.

The language model's reply is read as the structured all-modality answer (text response, image instruction, audio
instruction; see judges.allmodality). Each chosen instruction goes to that modality's generator; a request that
asks for a media output (e.g. output_modalities=("image",)) with an unstructured reply uses the reply itself as the
instruction. Media are written to a content-addressed store (media/<sha256>.<ext>); the run writer copies the
produced files into the run directory's media/.

Generators: `DiffusersImageGenerator` (any diffusers text-to-image pipeline), `TransformersAudioGenerator`
(transformers text-to-waveform models such as VITS/MMS-TTS), or `CallableGenerator` around any function.
Each media item is seeded from (seed, instruction), so an image never depends on what else was in its batch.
Spec: `composite:<language spec>` with model args `image=PATH`, `audio=PATH`, `image_steps`, `image_size`, `seed`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Protocol, Sequence

from eval_anything.models.base import Capabilities, ModelAdapter
from eval_anything.types import Part, Request, Response


class MediaGenerator(Protocol):
    modality: str

    def fingerprint(self) -> str: ...

    def generate(self, instructions: Sequence[str], seeds: Sequence[int]) -> list[tuple[bytes, str]]:
        """One (file bytes, extension) per instruction."""
        ...


def _dir_hash(path: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        h.update(str(f.relative_to(path)).encode())
        h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


@dataclass
class CallableGenerator:
    modality: str
    fn: Callable[[str, int], tuple[bytes, str]]
    name: str = "callable"

    def fingerprint(self) -> str:
        return f"callable:{self.modality}:{self.name}"

    def generate(self, instructions, seeds):
        return [self.fn(i, s) for i, s in zip(instructions, seeds)]


@dataclass
class DiffusersImageGenerator:
    pipeline: Any
    path: str
    steps: int = 4
    size: int | None = None
    guidance_scale: float | None = None
    modality: str = "image"
    _fp: str = ""

    @staticmethod
    def from_path(path: str, steps: int = 4, size: int | None = None, guidance_scale: float | None = None):
        from diffusers import DiffusionPipeline  # optional dependency: pip install diffusers

        pipe = DiffusionPipeline.from_pretrained(path)
        pipe.set_progress_bar_config(disable=True)
        p = Path(path)
        fp = hashlib.sha256(f"{_dir_hash(p) if p.is_dir() else path}:{steps}:{size}:{guidance_scale}".encode()).hexdigest()
        return DiffusersImageGenerator(pipe, path, steps, size, guidance_scale, _fp=fp)

    def fingerprint(self) -> str:
        return self._fp

    def generate(self, instructions, seeds):
        import torch
        from eval_anything.media import encode_png_bytes

        kwargs: dict[str, Any] = {"num_inference_steps": self.steps}
        if self.size:
            kwargs.update(height=self.size, width=self.size)
        if self.guidance_scale is not None:
            kwargs["guidance_scale"] = self.guidance_scale
        generators = [torch.Generator().manual_seed(s) for s in seeds]
        images = self.pipeline(list(instructions), generator=generators, output_type="pil", **kwargs).images
        return [(encode_png_bytes(im), "png") for im in images]


@dataclass
class TransformersAudioGenerator:
    model: Any
    tokenizer: Any
    path: str
    modality: str = "audio"
    _fp: str = ""

    @staticmethod
    def from_path(path: str):
        from transformers import AutoModelForTextToWaveform, AutoTokenizer

        model = AutoModelForTextToWaveform.from_pretrained(path).eval()
        p = Path(path)
        return TransformersAudioGenerator(model, AutoTokenizer.from_pretrained(path), path,
                                          _fp=hashlib.sha256((_dir_hash(p) if p.is_dir() else path).encode()).hexdigest())

    def fingerprint(self) -> str:
        return self._fp

    def generate(self, instructions, seeds):
        import torch
        from eval_anything.media import encode_wav_bytes

        out = []
        for text, seed in zip(instructions, seeds):  # one at a time: waveform lengths differ
            torch.manual_seed(seed)
            with torch.no_grad():
                wave = self.model(**self.tokenizer(text, return_tensors="pt")).waveform[0].float().numpy()
            out.append((encode_wav_bytes(wave, int(self.model.config.sampling_rate)), "wav"))
        return out


@dataclass
class CompositeAdapter(ModelAdapter):
    language: Any = None  # ModelAdapter writing the (structured) text answer
    generators: dict = field(default_factory=dict)  # modality -> MediaGenerator
    media_dir: Path = Path(".")
    seed: int = 0

    @staticmethod
    def build(language: ModelAdapter, generators: dict, media_dir: str | Path, seed: int = 0) -> "CompositeAdapter":
        caps = Capabilities(frozenset(language.capabilities.input_modalities),
                            frozenset({"text"}) | frozenset(generators), language.capabilities.loglikelihood)
        return CompositeAdapter(name=f"composite({language.name}+{'+'.join(sorted(generators))})", capabilities=caps,
                                concurrent=language.concurrent, max_concurrency=language.max_concurrency,
                                language=language, generators=dict(generators), media_dir=Path(media_dir), seed=seed)

    def fingerprint(self) -> str:
        parts = [self.language.fingerprint(), str(self.seed)]
        parts += [f"{m}={g.fingerprint()}" for m, g in sorted(self.generators.items())]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()

    def batch_plan(self, requests):
        return self.language.batch_plan(requests)

    def loglikelihood(self, requests, progress=None):
        return self.language.loglikelihood(requests, progress)

    def generate(self, requests: Sequence[Request], progress=None) -> list[Response]:
        return self._add_media(requests, self.language.generate(requests, progress))

    async def agenerate_one(self, request: Request) -> Response:
        import asyncio

        resp = await self.language.agenerate_one(request)
        return (await asyncio.to_thread(self._add_media, [request], [resp]))[0]

    def _instructions(self, request: Request, resp: Response) -> dict[str, str]:
        from judges.allmodality import parse_structured_answer

        ans = parse_structured_answer(resp.text)
        if ans.structured:
            chosen = {"image": ans.image_instruction, "audio": ans.audio_instruction}
        else:  # a plain reply to a media request is the generator's instruction
            chosen = {m: (resp.text or "").strip() or request.messages[-1].text for m in request.output_modalities}
        return {m: text for m, text in chosen.items() if text and m in self.generators}

    def _add_media(self, requests: Sequence[Request], responses: list[Response]) -> list[Response]:
        from eval_anything.media import store_media

        jobs: dict[str, list[tuple[int, str]]] = {}
        for k, (req, resp) in enumerate(zip(requests, responses)):
            if resp.error is None:
                for m, text in self._instructions(req, resp).items():
                    jobs.setdefault(m, []).append((k, text))
        parts: dict[int, list[Part]] = {}
        errors: dict[int, str] = {}
        for m, items in sorted(jobs.items(), key=lambda kv: ("image", "audio", "video").index(kv[0])):
            seeds = [int(hashlib.sha256(f"{self.seed}:{t}".encode()).hexdigest()[:8], 16) for _, t in items]
            try:
                made = self.generators[m].generate([t for _, t in items], seeds)
            except Exception as e:  # a failed generator fails those samples, not the run
                for k, _ in items:
                    errors[k] = f"{m} generator failed: {type(e).__name__}: {e}"
                continue
            for (k, _), (data, ext) in zip(items, made):
                parts.setdefault(k, []).append(store_media(data, ext, self.media_dir))
        out = []
        for k, resp in enumerate(responses):
            if k in errors:
                out.append(replace(resp, error=errors[k]))
            else:
                out.append(replace(resp, parts=tuple(resp.parts) + tuple(parts.get(k, ()))))
        return out

    def close(self) -> None:
        self.language.close()


def load(rest: str, model_args: dict[str, Any], base_url: str | None = None) -> CompositeAdapter:
    """`composite:<language spec>` with model args image=PATH, audio=PATH (the rest go to the language model)."""
    from eval_anything.registry import load_model
    from eval_anything.runner import home_dir

    args = dict(model_args)
    image, audio = args.pop("image", None), args.pop("audio", None)
    steps, size, seed = int(args.pop("image_steps", 4)), args.pop("image_size", None), int(args.pop("seed", 0))
    media_dir = Path(args.pop("media_dir", home_dir() / "media"))
    generators: dict[str, Any] = {}
    if image:
        generators["image"] = DiffusersImageGenerator.from_path(str(image), steps=steps, size=int(size) if size else None)
    if audio:
        generators["audio"] = TransformersAudioGenerator.from_path(str(audio))
    language = load_model(rest or "default", args, base_url=base_url)
    return CompositeAdapter.build(language, generators, media_dir, seed=seed)
