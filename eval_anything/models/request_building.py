"""Our Messages -> OpenAI chat `messages` (shared by the OpenAI-compatible API adapter and the vLLM adapter).

Content parts:
  text   -> {"type": "text", "text": ...}
  image  -> {"type": "image_url", "image_url": {"url": "data:image/...;base64,..."}} (the file's own PNG/JPEG/WebP
            bytes once they decode; anything else re-encoded as PNG)
  audio  -> {"type": "input_audio", "input_audio": {"data": <base64 wav>, "format": "wav"}}; every format is decoded,
            mixed to mono, resampled to `audio_sampling_rate` and re-encoded as 16-bit WAV, so servers see one format
  video  -> video_mode="frames" (default): `num_frames` frames sampled uniformly (segment midpoints, see
            `eval_anything.media.sample_video_frames`), shorter side resized to `frame_size`, each an image_url
            part (JPEG), in place of the video; video_mode="video_url": the file as a data URL in a `video_url` part
            (vLLM's extension, for servers that take whole videos).

A message with only text parts keeps plain-string content: the most portable form (some servers and chat
templates accept nothing else). Media never enters cache keys or logs: `Request.key()` uses content hashes.
"""

from __future__ import annotations

import base64
import io
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

from eval_anything.types import Message, Part

VIDEO_MODES = ("frames", "video_url")
# Formats OpenAI-compatible servers decode from a data URL as-is.
PASS_THROUGH_IMAGE_MIMES = {"image/png", "image/jpeg", "image/webp"}


class RequestBuildError(Exception):
    """A request cannot be built (missing or corrupt media). The message names the file."""


@dataclass(frozen=True)
class MediaOptions:
    """How media is turned into content parts. Every field changes what the model sees, so it enters fingerprints."""

    num_frames: int = 8
    frame_size: int | None = 336  # shorter side of sampled video frames, pixels; None keeps the source size
    audio_sampling_rate: int = 16000
    video_mode: str = "frames"
    frame_format: str = "jpeg"  # jpeg keeps 8+ frames per request small; png for lossless

    def __post_init__(self) -> None:
        if self.num_frames < 1:
            raise ValueError(f"num_frames must be >= 1, got {self.num_frames}")
        if self.video_mode not in VIDEO_MODES:
            raise ValueError(f"video_mode must be one of {VIDEO_MODES}, got {self.video_mode!r}")
        if self.frame_format not in ("jpeg", "png"):
            raise ValueError(f"frame_format must be jpeg or png, got {self.frame_format!r}")
        if self.audio_sampling_rate <= 0:
            raise ValueError(f"audio_sampling_rate must be positive, got {self.audio_sampling_rate}")

    @staticmethod
    def from_model_args(model_args: dict[str, Any]) -> "MediaOptions":
        """Pops the media keys out of model_args (so that leftovers can be reported as unknown)."""
        kw: dict[str, Any] = {}
        for name in ("num_frames", "frame_size", "audio_sampling_rate", "video_mode", "frame_format"):
            if name in model_args:
                kw[name] = model_args.pop(name)
        if "frame_size" in kw and kw["frame_size"] in (None, "none", "None", 0):
            kw["frame_size"] = None
        return MediaOptions(**kw)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def data_url(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _file_key(path: str) -> tuple[str, int, int]:
    # Path + size + mtime: a file rewritten between requests is re-read, an unchanged one is not.
    st = Path(path).stat()
    return (str(path), st.st_size, st.st_mtime_ns)


def _media_error(part: Part, e: Exception) -> RequestBuildError:
    from eval_anything.media import MediaError

    if isinstance(e, MediaError):
        return RequestBuildError(str(e))
    return RequestBuildError(f"cannot read {part.type} file {part.path}: {type(e).__name__}: {e}")


# The same image or clip often appears in many requests (multiple choice, repeated prompts): encode it once.
@lru_cache(maxsize=128)
def _image_url(key: tuple[str, int, int]) -> str:
    from eval_anything.media import MIME, encode_png_bytes, load_image

    path = key[0]
    image = load_image(path)  # validates: a truncated or fake file fails here, not on the server
    mime = MIME.get(Path(path).suffix.lower().lstrip("."))
    if mime in PASS_THROUGH_IMAGE_MIMES:
        return data_url(Path(path).read_bytes(), mime)
    return data_url(encode_png_bytes(image), "image/png")


@lru_cache(maxsize=64)
def _audio_b64(key: tuple[str, int, int], sampling_rate: int) -> str:
    from eval_anything.media import encode_wav_bytes, load_audio

    array, sr = load_audio(key[0], sampling_rate)
    return base64.b64encode(encode_wav_bytes(array, sr)).decode("ascii")


@lru_cache(maxsize=32)
def _video_frame_urls(key: tuple[str, int, int], num_frames: int, size: int | None, fmt: str) -> tuple[str, ...]:
    from eval_anything.media import sample_video_frames

    frames = sample_video_frames(key[0], num_frames, size)
    out = []
    for im in frames:
        buf = io.BytesIO()
        if fmt == "jpeg":
            im.convert("RGB").save(buf, format="JPEG", quality=90)
        else:
            im.save(buf, format="PNG")
        out.append(data_url(buf.getvalue(), f"image/{fmt}"))
    return tuple(out)


@lru_cache(maxsize=16)
def _video_url(key: tuple[str, int, int]) -> str:
    from eval_anything.media import MIME, sample_video_frames

    path = key[0]
    sample_video_frames(path, 1)  # validate that it decodes before shipping it
    return data_url(Path(path).read_bytes(), MIME.get(Path(path).suffix.lower().lstrip("."), "video/mp4"))


def part_to_content(part: Part, options: MediaOptions = MediaOptions()) -> list[dict[str, Any]]:
    """One Part -> one or more OpenAI content parts (a video in frames mode becomes several)."""
    if part.type == "text":
        return [{"type": "text", "text": part.text}]
    if not part.path:
        raise RequestBuildError(f"{part.type} part has no local path (sha256 {part.sha256}); cannot send it")
    try:
        key = _file_key(part.path)
    except OSError:
        raise RequestBuildError(f"cannot read {part.type} file {part.path}: file not found") from None
    try:
        if part.type == "image":
            return [{"type": "image_url", "image_url": {"url": _image_url(key)}}]
        if part.type == "audio":
            data = _audio_b64(key, options.audio_sampling_rate)
            return [{"type": "input_audio", "input_audio": {"data": data, "format": "wav"}}]
        if part.type == "video":
            if options.video_mode == "video_url":
                return [{"type": "video_url", "video_url": {"url": _video_url(key)}}]
            urls = _video_frame_urls(key, options.num_frames, options.frame_size, options.frame_format)
            return [{"type": "image_url", "image_url": {"url": u}} for u in urls]
    except RequestBuildError:
        raise
    except Exception as e:  # MediaError, and anything a decoder throws on a hostile file
        raise _media_error(part, e) from None
    raise RequestBuildError(f"unknown part type {part.type!r}")


def build_chat_messages(messages: Sequence[Message], options: MediaOptions = MediaOptions()) -> list[dict[str, Any]]:
    """Our interleaved messages -> OpenAI chat messages. Raises RequestBuildError naming a bad media file."""
    out: list[dict[str, Any]] = []
    for m in messages:
        if all(p.type == "text" for p in m.parts):
            out.append({"role": m.role, "content": "".join(p.text or "" for p in m.parts)})
            continue
        content: list[dict[str, Any]] = []
        for p in m.parts:
            content.extend(part_to_content(p, options))
        out.append({"role": m.role, "content": content})
    return out


def count_content_parts(chat_messages: Sequence[dict[str, Any]]) -> dict[str, int]:
    """How many parts of each OpenAI type a built request holds (for logs and tests)."""
    counts: dict[str, int] = {}
    for m in chat_messages:
        content = m["content"]
        if isinstance(content, str):
            counts["text"] = counts.get("text", 0) + 1
            continue
        for c in content:
            counts[c["type"]] = counts.get(c["type"], 0) + 1
    return counts




# ----- multiple choice through generation (for chat APIs, which give no log-likelihoods) -------------------------
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MC_INSTRUCTION = "Answer with the letter of the correct option only."


def multiple_choice_messages(messages: Sequence[Message], choices: Sequence[str],
                             instruction: str = MC_INSTRUCTION) -> tuple[Message, ...]:
    """The question's messages with lettered options and an instruction appended to the last user message."""
    if not 1 <= len(choices) <= len(LETTERS):
        raise ValueError(f"need 1 to {len(LETTERS)} choices, got {len(choices)}")
    listing = "\n" + "\n".join(f"{LETTERS[i]}. {c}" for i, c in enumerate(choices)) + f"\n{instruction}"
    out = list(messages)
    for i in range(len(out) - 1, -1, -1):
        if out[i].role == "user":
            out[i] = Message(out[i].role, out[i].parts + (Part.of_text(listing),))
            return tuple(out)
    return tuple(out) + (Message.user(listing.lstrip("\n")),)


def parse_choice_letter(text: str | None, n_choices: int) -> int | None:
    """Index of the option a generated answer names ("B", "(b)", "Answer: C.", "D. text"), else None."""
    import re

    if not text:
        return None
    valid = LETTERS[:n_choices]
    s = text.strip()
    m = re.match(r"\(?([A-Z])\)?(?:[.:)\s]|$)", s.upper())  # the answer leads: "B", "(b)", "C. blue"
    if m and m.group(1) in valid:
        return valid.index(m.group(1))
    # Otherwise the last option named as "answer: X", "(X)" or a lone capital letter.
    for pat in (r"(?i)answer\s*(?:is)?\s*[:\-]?\s*\(?([A-Z])\)?(?![A-Za-z])", r"(?<![A-Za-z])\(([A-Z])\)",
                r"(?<![A-Za-z])([A-Z])(?![A-Za-z])"):
        found = [g.upper() for g in re.findall(pat, s) if g.upper() in valid]
        if found:
            return valid.index(found[-1])
    return None
