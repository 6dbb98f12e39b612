"""Copy media referenced by samples into the site, content-addressed, after checking what the bytes are.

Only files whose leading bytes identify a known image/audio/video format are copied: a samples file that points
at, say, a private text file cannot smuggle it into a published site, and the site never serves SVG (which can
carry script).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

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


class MediaStore:
    """Copies each distinct media file once into `<site>/media/<sha256>.<ext>`."""

    def __init__(self, site: Path) -> None:
        self.dir = site / "media"
        self._done: dict[Path, str | None] = {}

    def add(self, path: Path) -> str | None:
        """Site-relative path of the copy (`media/<sha>.<ext>`), or None when missing or not a media file."""
        try:
            path = path.resolve()
        except OSError:
            return None
        if path in self._done:
            return self._done[path]
        self._done[path] = rel = self._copy(path)
        return rel

    def _copy(self, path: Path) -> str | None:
        try:
            if not path.is_file() or path.stat().st_size > MAX_BYTES:
                return None
            with open(path, "rb") as f:
                ext = sniff(f.read(16))
                if ext is None:
                    return None
                f.seek(0)
                h = hashlib.sha256()
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
                digest = h.hexdigest()
        except OSError:
            return None
        rel = f"media/{digest}.{ext}"
        dest = self.dir / f"{digest}.{ext}"
        if not dest.exists():
            self.dir.mkdir(parents=True, exist_ok=True)
            tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
            shutil.copyfile(path, tmp)
            os.replace(tmp, dest)
        return rel
