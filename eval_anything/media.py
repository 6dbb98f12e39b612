"""Load, validate, hash and store media: images, audio and video.

Every loader raises `MediaError` on a missing or unreadable file; the message names the sample (when given), the
file and the fix, so adapters can turn it into a per-sample error instead of a crash.

Formats: images PNG/JPEG/WebP (Pillow); audio WAV/FLAC/MP3 (soundfile; its libsndfile >= 1.1 reads MP3), resampled
with scipy.signal.resample_poly; video MP4/WebM through PyAV.

Why PyAV and not torchvision.io: torchvision cannot be installed beside the CPU torch build this project pins, and
torchvision.io itself now delegates video decoding to PyAV/torchcodec. PyAV is one wheel with its own FFmpeg, has no
torch dependency, and decodes frame by frame, so sampling a few frames never holds a whole video in memory.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
from math import gcd
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from eval_anything.types import Part

if TYPE_CHECKING:
    from PIL import Image

MIME = {
    "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp",
    "wav": "audio/wav", "flac": "audio/flac", "mp3": "audio/mpeg",
    "mp4": "video/mp4", "webm": "video/webm",
}
EXT_FOR_MIME = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "audio/wav": "wav",
                "audio/flac": "flac", "audio/mpeg": "mp3", "video/mp4": "mp4", "video/webm": "webm"}
KIND = {ext: mime.split("/")[0] for ext, mime in MIME.items()}
FIXES = {
    "image": "re-export it as PNG, JPEG or WebP",
    "audio": "re-export it as WAV, FLAC or MP3",
    "video": "re-encode it as MP4 (H.264) or WebM (VP8/VP9), e.g. `ffmpeg -i IN -c:v libx264 OUT.mp4`",
}


class MediaError(Exception):
    """A media file is missing or unreadable. The message says which sample, which file, and what to do."""

    def __init__(self, kind: str, path: str | os.PathLike, reason: str, sample_id: str | None = None,
                 fix: str | None = None) -> None:
        self.kind, self.path, self.reason, self.sample_id = kind, str(path), reason, sample_id
        who = f"sample {sample_id}: " if sample_id is not None else ""
        if fix is None:
            fix = ("check the path in the data file" if reason.startswith("file not found")
                   else FIXES.get(kind, "replace the file"))
        super().__init__(f"{who}cannot read {kind} file {self.path}: {reason}; fix: {fix}")


def _require_file(kind: str, path: str | os.PathLike, sample_id: str | None) -> Path:
    p = Path(path)
    if not p.is_file():
        raise MediaError(kind, p, "file not found", sample_id)
    if p.stat().st_size == 0:
        raise MediaError(kind, p, "file is empty", sample_id)
    return p


# ----- hashing and the content-addressed store -------------------------------------------------------------------
def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def mime_for(path: str | os.PathLike) -> str:
    ext = Path(path).suffix.lower().lstrip(".")
    if ext not in MIME:
        raise ValueError(f"unknown media extension .{ext} for {path}; expected one of {', '.join(sorted(MIME))}")
    return MIME[ext]


def media_part(path: str | os.PathLike, type: str | None = None, sample_id: str | None = None,
               missing_ok: bool = False) -> Part:
    """A media Part for a local file: absolute path + sha256 + MIME (type inferred from the extension if omitted).

    With `missing_ok`, a missing file gives a Part without a hash instead of raising, so that a task can still
    build the sample and the adapter reports the missing file as that sample's error.
    """
    p = Path(path).resolve()
    mime = mime_for(p)
    kind = type or mime.split("/")[0]
    if kind != mime.split("/")[0]:
        raise ValueError(f"{p}: a .{p.suffix.lstrip('.')} file is {mime}, not {kind}")
    if not p.is_file():
        if missing_ok:
            return Part(type=kind, path=str(p), mime=mime)
        raise MediaError(kind, p, "file not found", sample_id)
    return Part(type=kind, path=str(p), sha256=sha256_file(p), mime=mime)


def _atomic_write(target: Path, data: bytes) -> None:
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)


def store_media(data: bytes, ext: str, store_dir: str | os.PathLike) -> Part:
    """Write bytes to <store_dir>/<sha256>.<ext> (once; same content, same file) and return its Part."""
    ext = ext.lower().lstrip(".")
    mime = MIME.get(ext)
    if mime is None:
        raise ValueError(f"unknown media extension .{ext}; expected one of {', '.join(sorted(MIME))}")
    digest = sha256_bytes(data)
    store = Path(store_dir)
    store.mkdir(parents=True, exist_ok=True)
    target = store / f"{digest}.{ext}"
    if not target.exists():
        _atomic_write(target, data)
    return Part(type=KIND[ext], path=str(target.resolve()), sha256=digest, mime=mime)


def store_file(path: str | os.PathLike, store_dir: str | os.PathLike) -> Part:
    """Copy a local media file into the store (content-addressed) and return the stored copy's Part."""
    src = Path(path)
    ext = src.suffix.lower().lstrip(".")
    mime_for(src)
    digest = sha256_file(src)
    store = Path(store_dir)
    store.mkdir(parents=True, exist_ok=True)
    target = store / f"{digest}.{ext}"
    if not target.exists():
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        shutil.copyfile(src, tmp)
        os.replace(tmp, target)
    return Part(type=KIND[ext], path=str(target.resolve()), sha256=digest, mime=MIME[ext])


# ----- images -----------------------------------------------------------------------------------------------------
def load_image(path: str | os.PathLike, sample_id: str | None = None) -> "Image.Image":
    """Decode an image fully (truncated files fail here, not later) and return it as RGB."""
    from PIL import Image, UnidentifiedImageError

    p = _require_file("image", path, sample_id)
    try:
        with Image.open(p) as im:
            im.load()
            return im.convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise MediaError("image", p, f"not a decodable image ({type(e).__name__}: {e})", sample_id) from None


def encode_png_bytes(image: "Image.Image | np.ndarray") -> bytes:
    from PIL import Image

    im = Image.fromarray(np.asarray(image, dtype=np.uint8)) if isinstance(image, np.ndarray) else image
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


# ----- audio ------------------------------------------------------------------------------------------------------
def resample(audio: np.ndarray, orig_sr: int, target_sr: int) -> np.ndarray:
    """Polyphase resampling (anti-aliased) from orig_sr to target_sr."""
    if orig_sr == target_sr:
        return audio
    from scipy.signal import resample_poly

    g = gcd(int(orig_sr), int(target_sr))
    return resample_poly(audio, target_sr // g, orig_sr // g).astype(np.float32)


def load_audio(path: str | os.PathLike, sampling_rate: int | None = None,
               sample_id: str | None = None) -> tuple[np.ndarray, int]:
    """Read WAV/FLAC/MP3 as float32 mono in [-1, 1] (channels averaged), resampled to `sampling_rate` if given."""
    import soundfile as sf

    p = _require_file("audio", path, sample_id)
    try:
        data, sr = sf.read(str(p), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as e:
        raise MediaError("audio", p, f"not a decodable audio file ({type(e).__name__}: {e})", sample_id) from None
    if data.shape[0] == 0:
        raise MediaError("audio", p, "audio has no samples", sample_id)
    mono = data.mean(axis=1).astype(np.float32)
    if sampling_rate is not None and sampling_rate != sr:
        mono, sr = resample(mono, sr, sampling_rate), sampling_rate
    return mono, int(sr)


def encode_wav_bytes(array: np.ndarray, sr: int) -> bytes:
    """16-bit PCM WAV bytes of a float array in [-1, 1] (mono, or frames x channels)."""
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, np.clip(np.asarray(array, dtype=np.float32), -1.0, 1.0), int(sr), format="WAV", subtype="PCM_16")
    return buf.getvalue()


# ----- video ------------------------------------------------------------------------------------------------------
def _frame_targets(duration: float, start: float, num_frames: int) -> list[float]:
    # Midpoints of num_frames equal segments: symmetric, never the very first/last frame only.
    return [start + (i + 0.5) * duration / num_frames for i in range(num_frames)]


def _resize_shorter(im: "Image.Image", size: int | None) -> "Image.Image":
    if size is None:
        return im
    from PIL import Image

    w, h = im.size
    scale = size / min(w, h)
    return im.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.BILINEAR)


def sample_video_frames(path: str | os.PathLike, num_frames: int = 8, size: int | None = None,
                        sample_id: str | None = None) -> "list[Image.Image]":
    """Uniformly sample `num_frames` RGB frames over a video's duration.

    Policy: the duration is cut into `num_frames` equal segments and the frame on screen at each segment's midpoint
    is taken (a video with fewer frames repeats frames, so the count is always `num_frames`). With `size`, each frame
    is resized so that its shorter side is `size` pixels (aspect ratio kept). The first video stream is used.
    """
    import av

    if num_frames < 1:
        raise ValueError("num_frames must be at least 1")
    p = _require_file("video", path, sample_id)
    try:
        with av.open(str(p)) as container:
            if not container.streams.video:
                raise MediaError("video", p, "no video stream in the file", sample_id)
            stream = container.streams.video[0]
            tb = float(stream.time_base) if stream.time_base else 0.0
            start = float(stream.start_time * tb) if stream.start_time is not None else 0.0
            duration = float(stream.duration * tb) if stream.duration else (
                container.duration / 1e6 if container.duration else None)
            if duration is None or duration <= 0:  # unknown length: decode all, then pick by index
                frames = [f.to_image() for f in container.decode(stream)]
                if not frames:
                    raise MediaError("video", p, "the video has no decodable frames", sample_id)
                idx = [min(len(frames) - 1, int((i + 0.5) * len(frames) / num_frames)) for i in range(num_frames)]
                return [_resize_shorter(frames[i], size) for i in idx]
            targets = _frame_targets(duration, start, num_frames)
            picked: list = []
            prev = None
            for frame in container.decode(stream):
                t = float(frame.pts * tb) if frame.pts is not None else (frame.time or 0.0)
                while len(picked) < num_frames and prev is not None and t > targets[len(picked)]:
                    picked.append(prev)
                if len(picked) == num_frames:
                    break
                prev = frame.to_image()
            if prev is None:
                raise MediaError("video", p, "the video has no decodable frames", sample_id)
            picked += [prev] * (num_frames - len(picked))
            return [_resize_shorter(im, size) for im in picked]
    except MediaError:
        raise
    except (av.error.FFmpegError, OSError, ValueError, IndexError) as e:
        raise MediaError("video", p, f"not a decodable video ({type(e).__name__}: {e})", sample_id) from None


def write_video(frames: Sequence[np.ndarray], path: str | os.PathLike, fps: int = 8) -> Path:
    """Encode RGB uint8 frames (H x W x 3, even sizes) as MP4 (H.264, or MPEG-4 part 2 if absent) or WebM (VP9)."""
    import av

    p = Path(path)
    ext = p.suffix.lower()
    h, w = np.asarray(frames[0]).shape[:2]
    tmp = p.with_name(f".{p.stem}.{os.getpid()}.tmp{ext}")
    # bitexact: no random segment ids or encoder strings in the container, so equal frames give equal bytes.
    with av.open(str(tmp), mode="w", format="webm" if ext == ".webm" else "mp4",
                 container_options={"fflags": "+bitexact"}) as out:
        codec = "libvpx-vp9" if ext == ".webm" else ("libx264" if "libx264" in av.codecs_available else "mpeg4")
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        # One thread: byte-identical output on every run (shipped and generated media stay reproducible).
        if codec == "libx264":  # crf 0: lossless, so tiny synthetic frames stay crisp
            stream.options = {"crf": "0", "preset": "ultrafast", "threads": "1"}
        elif codec == "libvpx-vp9":
            stream.options = {"lossless": "1", "threads": "1", "row-mt": "0"}
        for arr in frames:
            vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(arr, dtype=np.uint8), format="rgb24")
            for packet in stream.encode(vf):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    os.replace(tmp, p)
    return p


def check_part(part: Part, sample_id: str | None = None) -> None:
    """Validate that a media Part's file exists and decodes (used by tasks that want to fail early)."""
    if part.type == "image":
        load_image(part.path or "", sample_id)
    elif part.type == "audio":
        load_audio(part.path or "", None, sample_id)
    elif part.type == "video":
        sample_video_frames(part.path or "", 1, sample_id=sample_id)


def checked_part(path: str | os.PathLike, type: str | None = None,
                 sample_id: str | None = None) -> tuple[Part, str | None]:
    """A media Part for a task's file plus the reason it cannot be used (None when it exists and decodes).

    Tasks put the reason in `Sample.metadata["error"]`: the runner then records that sample as an error naming the
    file, and the other samples still score.
    """
    part = media_part(path, type, sample_id, missing_ok=True)
    try:
        check_part(part, sample_id)
    except MediaError as e:
        return part, str(e)
    return part, None
