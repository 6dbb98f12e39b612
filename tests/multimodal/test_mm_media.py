"""media.py: decoding, resampling, frame sampling policy, hashing, the content-addressed store, errors."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from eval_anything import media
from eval_anything.media import MediaError


def tone(freq: float, sr: int, seconds: float = 1.0) -> np.ndarray:
    return (0.5 * np.sin(2 * np.pi * freq * np.arange(int(sr * seconds)) / sr)).astype(np.float32)


def dominant_hz(x: np.ndarray, sr: int) -> float:
    spectrum = np.abs(np.fft.rfft(x))
    return float(np.fft.rfftfreq(len(x), 1 / sr)[spectrum.argmax()])


@pytest.mark.parametrize("fmt,ext", [("PNG", "png"), ("JPEG", "jpg"), ("WEBP", "webp")])
def test_images_decode_to_rgb(tmp_path, fmt, ext):
    path = tmp_path / f"x.{ext}"
    Image.new("L", (20, 10), 200).save(path, format=fmt)  # greyscale in, RGB out
    im = media.load_image(path)
    assert im.mode == "RGB" and im.size == (20, 10)
    assert abs(int(np.asarray(im)[5, 5, 0]) - 200) <= 2  # JPEG/WebP are lossy by a level or two


@pytest.mark.parametrize("ext", ["wav", "flac", "mp3"])
def test_audio_decodes_mono_and_resamples_keeping_pitch(tmp_path, ext):
    stereo = np.stack([tone(440, 44100), tone(440, 44100)], axis=1)
    sf.write(tmp_path / f"a.{ext}", stereo, 44100)
    x, sr = media.load_audio(tmp_path / f"a.{ext}", 16000)
    assert sr == 16000 and x.dtype == np.float32 and x.ndim == 1
    assert abs(len(x) - 16000) <= 1200  # MP3 adds encoder padding; WAV/FLAC are exact
    assert abs(dominant_hz(x, sr) - 440) <= 2  # resampling kept the pitch


def test_audio_without_target_rate_keeps_the_file_rate(tmp_path):
    (tmp_path / "a.wav").write_bytes(media.encode_wav_bytes(tone(1000, 8000), 8000))
    x, sr = media.load_audio(tmp_path / "a.wav")
    assert sr == 8000 and len(x) == 8000
    assert abs(dominant_hz(x, sr) - 1000) <= 1


def numbered_video(path, n_frames=16, fps=8, size=(48, 32)):
    """Frame i is a flat grey of level 15*i, so a sampled frame's mean tells its index."""
    frames = [np.full((size[1], size[0], 3), 15 * i, np.uint8) for i in range(n_frames)]
    return media.write_video(frames, path, fps=fps)


@pytest.mark.parametrize("ext", ["mp4", "webm"])
def test_video_frames_are_taken_at_segment_midpoints(tmp_path, ext):
    path = numbered_video(tmp_path / f"v.{ext}")  # 16 frames at 8 fps = 2 s
    frames = media.sample_video_frames(path, num_frames=4)
    # Midpoints 0.25, 0.75, 1.25, 1.75 s -> frames 2, 6, 10, 14 -> levels 30, 90, 150, 210.
    levels = [float(np.asarray(f).mean()) for f in frames]
    assert levels == pytest.approx([30, 90, 150, 210], abs=3)
    assert frames[0].size == (48, 32)


def test_video_resize_and_more_frames_than_the_video_has(tmp_path):
    path = numbered_video(tmp_path / "v.mp4", n_frames=4, fps=4)  # 1 s
    frames = media.sample_video_frames(path, num_frames=8, size=16)
    assert len(frames) == 8 and frames[0].size == (24, 16)  # shorter side 32 -> 16, aspect kept
    levels = [round(float(np.asarray(f).mean()) / 15) for f in frames]
    assert levels == [0, 0, 1, 1, 2, 2, 3, 3]  # each frame repeated, in order


def test_hash_part_and_store(tmp_path):
    data = media.encode_wav_bytes(tone(440, 16000, 0.1), 16000)
    part = media.store_media(data, "wav", tmp_path / "store")
    digest = hashlib.sha256(data).hexdigest()
    assert part.sha256 == digest and part.type == "audio" and part.mime == "audio/wav"
    assert part.path.endswith(f"store/{digest}.wav")
    again = media.store_media(data, ".WAV", tmp_path / "store")
    assert again == part and len(list((tmp_path / "store").iterdir())) == 1  # same content, one file
    src = tmp_path / "x.png"
    Image.new("RGB", (4, 4), "red").save(src)
    p = media.media_part(src)
    assert p.type == "image" and p.mime == "image/png" and p.sha256 == media.sha256_file(src)
    assert media.store_file(src, tmp_path / "store").sha256 == p.sha256
    # The key uses the hash, not the path: a copy elsewhere gives the same key.
    assert media.media_part(media.store_file(src, tmp_path / "s2").path).key_dict() == p.key_dict()


def test_missing_file_part_only_when_allowed(tmp_path):
    with pytest.raises(MediaError, match="missing.png: file not found"):
        media.media_part(tmp_path / "missing.png", sample_id="q7")
    p = media.media_part(tmp_path / "missing.png", missing_ok=True)
    assert p.sha256 is None and p.path.endswith("missing.png")
    with pytest.raises(ValueError, match="not audio"):
        media.media_part(tmp_path / "x.png", "audio", missing_ok=True)


@pytest.mark.parametrize("name,loader", [
    ("bad.png", lambda p: media.load_image(p, "s9")),
    ("bad.jpg", lambda p: media.load_image(p, "s9")),
    ("bad.wav", lambda p: media.load_audio(p, 16000, "s9")),
    ("bad.mp3", lambda p: media.load_audio(p, None, "s9")),
    ("bad.mp4", lambda p: media.sample_video_frames(p, 2, sample_id="s9")),
    ("bad.webm", lambda p: media.sample_video_frames(p, 2, sample_id="s9")),
])
def test_corrupt_files_name_sample_file_and_fix(tmp_path, name, loader):
    path = tmp_path / name
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really media " * 20)
    with pytest.raises(MediaError) as err:
        loader(path)
    msg = str(err.value)
    assert msg.startswith("sample s9: cannot read") and str(path) in msg and "fix:" in msg


def test_truncated_png_is_caught_at_load(tmp_path):
    good = tmp_path / "good.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(good)
    (tmp_path / "cut.png").write_bytes(good.read_bytes()[:400])
    with pytest.raises(MediaError, match="cut.png"):
        media.load_image(tmp_path / "cut.png")


def test_empty_and_missing_files(tmp_path):
    (tmp_path / "e.wav").write_bytes(b"")
    with pytest.raises(MediaError, match="e.wav: file is empty"):
        media.load_audio(tmp_path / "e.wav")
    with pytest.raises(MediaError, match="nope.mp4: file not found; fix: check the path"):
        media.sample_video_frames(tmp_path / "nope.mp4")


@pytest.mark.parametrize("ext", ["mp4", "webm"])
def test_video_encoding_is_byte_reproducible(tmp_path, ext):
    a = numbered_video(tmp_path / f"a.{ext}").read_bytes()
    b = numbered_video(tmp_path / f"b.{ext}").read_bytes()
    assert a == b  # shipped and generated videos hash the same on every machine run
