"""Copy media referenced by samples into the site, content-addressed, after checking where they are and what they are.

A file is published only if it lies inside the run directory (or an input folder the run recorded), is reached
without a symbolic link, its leading bytes identify a known image/audio/video format and it decodes as the kind the
sample says (PIL, soundfile, PyAV). A samples file that points at a private file cannot smuggle it into a site, and
the site never serves SVG (which can carry script).
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

log = logging.getLogger("leaderboard")

MAX_BYTES = 200 * 1024 * 1024


def sniff(head: bytes) -> str | None:
    """File extension for the format the leading bytes show, or None when it is not a supported media format."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "mp3"
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(b"fLaC"):
        return "flac"
    if head[4:8] == b"ftyp":
        return "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm"
    return None


IMAGE_EXTS = {"png", "jpg", "gif", "webp"}
AUDIO_EXTS = {"wav", "mp3", "ogg", "flac"}
CONTAINER_EXTS = {"mp4", "webm"}  # audio or video, by their streams
MAX_PIXELS = 64_000_000


def inside(path: Path, roots: tuple[Path, ...]) -> bool:
    """`path` (resolved) lies inside one of `roots` (resolved)."""
    return any(path == r or path.is_relative_to(r) for r in roots)


def decodes_as(path: Path, ext: str, kind: str) -> bool:
    """The file really is a `kind` ("image", "audio", "video") in format `ext`: its content decodes.

    Images: PIL opens and loads the pixels (at most MAX_PIXELS). Audio: soundfile reads its first second (PyAV for
    formats this libsndfile lacks). mp4/webm: PyAV decodes one frame of a stream of that kind."""
    try:
        if ext in IMAGE_EXTS:
            if kind != "image":
                return False
            from PIL import Image

            with Image.open(path) as im:
                if im.format is None or im.format.lower().replace("jpeg", "jpg") != ext:
                    return False
                if im.size[0] * im.size[1] > MAX_PIXELS:
                    return False
                im.load()
            return True
        if ext in AUDIO_EXTS:
            if kind != "audio":
                return False
            try:
                import soundfile

                with soundfile.SoundFile(str(path)) as f:
                    f.read(frames=min(f.frames, f.samplerate) if f.frames > 0 else 1)
                    return f.frames > 0
            except Exception:  # a format this libsndfile cannot read: try PyAV below
                return _av_decodes(path, "audio")
        if ext in CONTAINER_EXTS:
            return kind in ("audio", "video") and _av_decodes(path, kind)
    except Exception:  # undecodable or not what it claims: refused
        return False
    return False


def _av_decodes(path: Path, kind: str) -> bool:
    import av

    try:
        with av.open(str(path)) as box:
            streams = box.streams.video if kind == "video" else box.streams.audio
            if not streams:
                return False
            for _frame in box.decode(streams[0]):
                return True
    except Exception:
        return False
    return False


class MediaStore:
    """Copies each distinct media file once into `<site>/media/<sha256>.<ext>`.

    A file is copied only when (1) its resolved path lies inside one of `roots` (the run directory and the input
    folders its run.json records), (2) it is not reached through a symbolic link, (3) its leading bytes name a
    known format and (4) it decodes as the kind the sample declares. Anything else is left out with a warning."""

    def __init__(self, site: Path, roots: tuple[Path, ...] = ()) -> None:
        self.dir = site / "media"
        self.roots = tuple(Path(r).resolve() for r in roots)
        self._done: dict[tuple[Path, str], str | None] = {}

    def add(self, path: Path, kind: str) -> str | None:
        """Site-relative path of the copy (`media/<sha>.<ext>`), or None when refused (see the class docstring)."""
        if _has_symlink(path, self.roots):
            log.warning("media %s refused: it is (or lies under) a symbolic link", path)
            return None
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError):
            return None
        if not inside(resolved, self.roots):
            log.warning("media %s refused: outside the run directory and its recorded input folders", path)
            return None
        key = (resolved, kind)
        if key not in self._done:
            self._done[key] = self._copy(resolved, kind)
        return self._done[key]

    def _copy(self, path: Path, kind: str) -> str | None:
        try:
            if not path.is_file() or path.stat().st_size > MAX_BYTES:
                return None
            with open(path, "rb") as f:
                ext = sniff(f.read(16))
            if ext is None:
                log.warning("media %s refused: not a supported image/audio/video format", path)
                return None
            if not decodes_as(path, ext, kind):
                log.warning("media %s refused: does not decode as %s (%s)", path, kind, ext)
                return None
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            return None
        digest = hashlib.sha256(data).hexdigest()
        rel = f"media/{digest}.{ext}"
        dest = self.dir / f"{digest}.{ext}"
        if not dest.exists():
            self.dir.mkdir(parents=True, exist_ok=True)
            tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
            tmp.write_bytes(data)  # the bytes that were checked, not a second read of a file that may have changed
            os.replace(tmp, dest)
        return rel


def _has_symlink(path: Path, roots: tuple[Path, ...]) -> bool:
    """`path` or any folder between it and the root it claims to be under is a symbolic link."""
    p = Path(os.path.abspath(path))
    while True:
        if p.is_symlink():
            return True
        if p in roots or p.parent == p:
            return False
        p = p.parent
