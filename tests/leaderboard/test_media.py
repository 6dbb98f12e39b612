"""leaderboard/media.py: which bytes count as media (every signature), and one content address per content."""

from __future__ import annotations

import hashlib
import io
import wave
from pathlib import Path

import pytest
from lb_media import write_png, write_wav

from leaderboard import media as lbmedia
from leaderboard.media import MediaStore, sniff

# The leading bytes of each supported format (the same prefixes real encoders write).
SIGNATURES = [
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 8, "png"),
    (b"\xff\xd8\xff\xe0" + b"\0" * 12, "jpg"),
    (b"GIF87a" + b"\0" * 10, "gif"),
    (b"GIF89a" + b"\0" * 10, "gif"),
    (b"RIFF\x24\0\0\0WEBPVP8 ", "webp"),
    (b"RIFF\x24\0\0\0WAVEfmt ", "wav"),
    (b"ID3\x04\0\0\0\0\0\0" + b"\0" * 6, "mp3"),
    (b"\xff\xfb\x90\x64" + b"\0" * 12, "mp3"),
    (b"\xff\xf3\x90\x64" + b"\0" * 12, "mp3"),
    (b"\xff\xf2\x90\x64" + b"\0" * 12, "mp3"),
    (b"OggS\0\x02" + b"\0" * 10, "ogg"),
    (b"fLaC\0\0\0\x22" + b"\0" * 8, "flac"),
    (b"\0\0\0\x20ftypisom\0\0\0\0", "mp4"),
    (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81" + b"\0" * 8, "webm"),
]


@pytest.mark.parametrize("head,ext", SIGNATURES)
def test_every_signature_is_recognised(head, ext):
    assert sniff(head) == ext


@pytest.mark.parametrize("head", [
    b"", b"<svg xmlns='http://www.w3.org/2000/svg'>", b"\x89PNG\r\n\x1a", b"\xff\xd8", b"GIF88a" + b"\0" * 10,
    b"RIFF\x24\0\0\0AVI LIST", b"ID", b"\xff\xfa\x90\x64", b"Ogg", b"fLa", b"\0\0\0\x20ftyx", b"\x1a\x45\xdf",
    b"secret: hunter2\n",
])
def test_other_bytes_are_not_media(head):
    assert sniff(head) is None


def test_real_files_are_sniffed(tmp_path):
    from PIL import Image

    Image.new("RGB", (4, 4), "red").save(tmp_path / "x.jpg", format="JPEG")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(8000), w.writeframes(b"\0\0" * 10)
    assert sniff((tmp_path / "x.jpg").read_bytes()[:16]) == "jpg"
    assert sniff(buf.getvalue()[:16]) == "wav"
    assert sniff(write_png(tmp_path / "p.png").read_bytes()[:16]) == "png"


def _digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_distinct_content_distinct_address_same_content_one_file(tmp_path):
    site = tmp_path / "site"
    store = MediaStore(site, roots=(tmp_path,))
    a = write_png(tmp_path / "a.png", w=8, h=6)
    b = write_png(tmp_path / "b.png", w=4, h=4)
    same_as_a = tmp_path / "copy" / "a2.png"
    same_as_a.parent.mkdir()
    same_as_a.write_bytes(a.read_bytes())
    tone = write_wav(tmp_path / "t.wav")
    ra, rb, rc, rt = store.add(a, "image"), store.add(b, "image"), store.add(same_as_a, "image"), store.add(tone, "audio")
    assert ra == f"media/{_digest(a)}.png" and rb == f"media/{_digest(b)}.png" and ra != rb
    assert rc == ra  # same bytes, one file
    assert rt == f"media/{_digest(tone)}.wav"
    assert sorted(p.name for p in (site / "media").iterdir()) == sorted(
        [f"{_digest(a)}.png", f"{_digest(b)}.png", f"{_digest(tone)}.wav"])
    assert (site / ra).read_bytes() == a.read_bytes() and (site / rb).read_bytes() == b.read_bytes()
    assert store.add(a, "image") == ra  # asked again: the same answer


def test_refusals(tmp_path, monkeypatch):
    store = MediaStore(tmp_path / "site", roots=(tmp_path,))
    (tmp_path / "notes.txt").write_text("private")
    assert store.add(tmp_path / "notes.txt", "image") is None
    assert store.add(tmp_path / "missing.png", "image") is None
    assert store.add(tmp_path, "image") is None  # a folder
    big = write_png(tmp_path / "big.png")
    monkeypatch.setattr(lbmedia, "MAX_BYTES", big.stat().st_size - 1)
    assert MediaStore(tmp_path / "site2", roots=(tmp_path,)).add(big, "image") is None
    monkeypatch.setattr(lbmedia, "MAX_BYTES", big.stat().st_size)
    assert MediaStore(tmp_path / "site2", roots=(tmp_path,)).add(big, "image") == f"media/{_digest(big)}.png"  # exactly the limit is fine
    assert not (tmp_path / "site" / "media").exists()  # nothing was copied for the refused files
