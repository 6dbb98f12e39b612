"""Core value types. Frozen, JSON-serialisable, and free of heavy imports.

Media never travels as bytes: a media `Part` carries a local path plus its sha256, so cache keys, request hashes
and logs stay small and stable (the hash, not the path, enters every key).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal, Mapping

Modality = Literal["text", "image", "audio", "video"]
MODALITIES: tuple[str, ...] = ("text", "image", "audio", "video")
RequestKind = Literal["generate", "loglikelihood", "judge"]


def canonical_json(obj: Any) -> str:
    """Deterministic JSON (sorted keys, no whitespace) used for every hash in the project."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default)


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    if isinstance(obj, tuple):
        return list(obj)
    raise TypeError(f"not JSON-serialisable: {type(obj).__name__}")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Part:
    """One piece of message content: text, or a media reference (image/audio/video) by path + content hash."""

    type: Modality
    text: str | None = None
    path: str | None = None
    sha256: str | None = None
    mime: str | None = None

    def __post_init__(self) -> None:
        if self.type == "text":
            if self.text is None:
                raise ValueError("a text Part needs text")
        elif self.type in ("image", "audio", "video"):
            if self.path is None and self.sha256 is None:
                raise ValueError(f"a {self.type} Part needs a path or a sha256")
        else:
            raise ValueError(f"unknown Part type {self.type!r}; expected one of {MODALITIES}")

    @staticmethod
    def of_text(text: str) -> "Part":
        return Part(type="text", text=text)

    def key_dict(self) -> dict[str, Any]:
        """What identifies this part in hashes: text, or media type + content hash (never the path)."""
        if self.type == "text":
            return {"type": "text", "text": self.text}
        return {"type": self.type, "sha256": self.sha256 or f"path:{self.path}"}

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> "Part":
        return Part(**dict(d))


@dataclass(frozen=True)
class Message:
    """A chat message: role plus interleaved parts (OpenAI-style)."""

    role: Literal["system", "user", "assistant"]
    parts: tuple[Part, ...]

    @staticmethod
    def user(*parts: Part | str) -> "Message":
        return Message("user", tuple(Part.of_text(p) if isinstance(p, str) else p for p in parts))

    @staticmethod
    def assistant(text: str) -> "Message":
        return Message("assistant", (Part.of_text(text),))

    @property
    def text(self) -> str:
        return "".join(p.text or "" for p in self.parts if p.type == "text")

    @property
    def modalities(self) -> set[str]:
        return {p.type for p in self.parts}

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role, "parts": [p.to_dict() for p in self.parts]}

    def key_dict(self) -> dict[str, Any]:
        return {"role": self.role, "parts": [p.key_dict() for p in self.parts]}

    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> "Message":
        return Message(role=d["role"], parts=tuple(Part.from_dict(p) for p in d["parts"]))


def messages_modalities(messages: tuple[Message, ...]) -> set[str]:
    out: set[str] = set()
    for m in messages:
        out |= m.modalities
    return out


@dataclass(frozen=True)
class Sample:
    """One evaluation item. `target` is the gold answer (index for multiple choice, text/number otherwise)."""

    id: str
    messages: tuple[Message, ...]
    target: Any = None
    choices: tuple[str, ...] | None = None
    references: tuple[Any, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "messages": [m.to_dict() for m in self.messages],
            "target": self.target,
            "choices": list(self.choices) if self.choices is not None else None,
            "references": list(self.references),
            "metadata": dict(self.metadata),
        }


@dataclass(frozen=True)
class GenerationSettings:
    max_new_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 1.0
    stop: tuple[str, ...] = ()
    seed: int = 0

    @property
    def greedy(self) -> bool:
        return self.temperature == 0.0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "stop": list(self.stop)}


@dataclass(frozen=True)
class Request:
    """What a task asks of a model.

    generate:      messages -> text (and/or media parts)
    loglikelihood: log P(continuation | messages), with `context_text` the already-rendered plain-text context
                   when the task wants lm-evaluation-harness style raw prompts (no chat template).
    judge:         a generate request whose answer is parsed by a judge.
    """

    kind: RequestKind
    messages: tuple[Message, ...]
    continuation: str | None = None
    generation: GenerationSettings = GenerationSettings()
    output_modalities: tuple[str, ...] = ("text",)
    # Plain-text rendering of the context (few-shot + question) for models used without a chat template.
    context_text: str | None = None
    # "auto": chat template for generate when the tokenizer has one, raw text for loglikelihood (as lm-eval does).
    chat_template: Literal["auto", "always", "never"] = "auto"
    # Not part of the key: where the request came from, for logs and errors.
    task: str = field(default="", compare=False)
    sample_id: str = field(default="", compare=False)

    def key(self) -> str:
        """Stable content hash: kind + messages (media by hash) + continuation + settings. Computed once: the
        scheduler, the cache and the adapters all key on it."""
        cached = self.__dict__.get("_key")
        if cached is not None:
            return cached
        payload = {
            "kind": self.kind,
            "messages": [m.key_dict() for m in self.messages],
            "continuation": self.continuation,
            "generation": self.generation.to_dict() if self.kind != "loglikelihood" else None,
            "output_modalities": list(self.output_modalities),
            "context_text": self.context_text,
            "chat_template": self.chat_template,
        }
        key = sha256_text(canonical_json(payload))
        object.__setattr__(self, "_key", key)  # not a field: equality, hashing and replace() ignore it
        return key

    @property
    def input_modalities(self) -> set[str]:
        return messages_modalities(self.messages)

    def with_generation(self, **changes: Any) -> "Request":
        return replace(self, generation=replace(self.generation, **changes))


@dataclass(frozen=True)
class Response:
    text: str | None = None
    parts: tuple[Part, ...] = ()
    logprob: float | None = None
    is_greedy: bool | None = None
    n_input_tokens: int | None = None
    n_output_tokens: int | None = None
    latency_s: float | None = None
    error: str | None = None
    attempts: int = 1

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["parts"] = [p.to_dict() for p in self.parts]
        return d

    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> "Response":
        d = dict(d)
        d["parts"] = tuple(Part.from_dict(p) for p in d.get("parts", ()))
        return Response(**d)

    @staticmethod
    def failed(error: str, attempts: int = 1) -> "Response":
        return Response(error=error, attempts=attempts)


@dataclass(frozen=True)
class JudgeRecord:
    """Everything needed to audit or redo a judgement."""

    judge_model: str
    template: str
    template_hash: str
    raw_output: str | None
    parsed: Any = None
    parse_error: str | None = None
    attempts: int = 1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Score:
    """The outcome of scoring one sample. `metrics` maps metric name -> value (None = could not be scored)."""

    metrics: Mapping[str, float | None]
    extracted: Any = None
    judge: tuple[JudgeRecord, ...] = ()
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "metrics": dict(self.metrics),
            "extracted": self.extracted,
            "judge": [j.to_dict() for j in self.judge],
            "error": self.error,
        }
