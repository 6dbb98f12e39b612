"""eval_anything/media.py beyond decoding: error messages, content addresses, frame policy, and the checks tasks
use to fail early. Complements tests/multimodal/test_mm_media.py."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from eval_anything import media
from eval_anything.media import MediaError

ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # FIPS 180-2 example "abc"


def test_error_message_names_sample_file_reason_and_fix():
    e = MediaError("image", "/d/x.png", "file not found", "s1")
    assert str(e) == "sample s1: cannot read image file /d/x.png: file not found; fix: check the path in the data file"
    e = MediaError("audio", "/d/a.wav", "bad header")
    assert str(e) == "cannot read audio file /d/a.wav: bad header; fix: re-export it as WAV, FLAC or MP3"
    assert (e.kind, e.path, e.reason, e.sample_id) == ("audio", "/d/a.wav", "bad header", None)
    assert str(MediaError("video", "v", "x", "0", fix="do y")).endswith("; fix: do y")
    assert str(MediaError("video", "v", "x")).endswith("fix: re-encode it as MP4 (H.264) or WebM (VP8/VP9), "
                                                       "e.g. `ffmpeg -i IN -c:v libx264 OUT.mp4`")
    assert str(MediaError("model", "m", "x")).endswith("; fix: replace the file")


def test_hashes_by_hand(tmp_path):
    assert media.sha256_bytes(b"abc") == ABC_SHA256
    (tmp_path / "abc").write_bytes(b"abc")
    assert media.sha256_file(tmp_path / "abc") == ABC_SHA256
    big = bytes(range(256)) * 8193  # just over 2 MiB: several read blocks
    (tmp_path / "big").write_bytes(big)
    assert media.sha256_file(tmp_path / "big") == hashlib.sha256(big).hexdigest()


def test_mime_and_kind():
    assert media.mime_for("a/B.PNG") == "image/png" and media.mime_for("x.jpeg") == "image/jpeg"
    assert media.mime_for("x.mp3") == "audio/mpeg" and media.mime_for("x.webm") == "video/webm"
    with pytest.raises(ValueError, match=r"unknown media extension \.gif for y.gif; expected one of flac, jpeg"):
        media.mime_for("y.gif")
    assert media.KIND == {"png": "image", "jpg": "image", "jpeg": "image", "webp": "image", "wav": "audio",
                          "flac": "audio", "mp3": "audio", "mp4": "video", "webm": "video"}


def test_distinct_media_get_distinct_addresses(tmp_path):
    store = tmp_path / "new" / "nested" / "store"  # created with its parents
    red = media.encode_png_bytes(np.full((4, 4, 3), (255, 0, 0), np.uint8))
    blue = media.encode_png_bytes(np.full((4, 4, 3), (0, 0, 255), np.uint8))
    a, b = media.store_media(red, "png", store), media.store_media(blue, "PNG", store)
    assert a.sha256 == hashlib.sha256(red).hexdigest() and b.sha256 == hashlib.sha256(blue).hexdigest()
    assert a.path != b.path and a.path.endswith(f"{a.sha256}.png") and b.path.endswith(f"{b.sha256}.png")
    assert (a.type, a.mime) == ("image", "image/png")
    assert Image.open(a.path).getpixel((0, 0)) == (255, 0, 0) and Image.open(b.path).getpixel((0, 0)) == (0, 0, 255)
    assert sorted(p.name for p in store.iterdir()) == sorted([f"{a.sha256}.png", f"{b.sha256}.png"])
    with pytest.raises(ValueError, match=r"unknown media extension \.txt"):
        media.store_media(b"x", "txt", store)
    # store_file: two files with different bytes, two addresses; the same bytes under two names, one
    (tmp_path / "r.png").write_bytes(red)
    (tmp_path / "r2.png").write_bytes(red)
    (tmp_path / "b.png").write_bytes(blue)
    fr, fr2, fb = (media.store_file(tmp_path / n, tmp_path / "x" / "s2") for n in ("r.png", "r2.png", "b.png"))
    assert fr == fr2 and fr.path != fb.path and fr.sha256 == a.sha256 and fb.sha256 == b.sha256
    assert (fr.type, fr.mime) == ("image", "image/png")
    assert len(list((tmp_path / "x" / "s2").iterdir())) == 2
    assert not list((tmp_path / "x" / "s2").glob(".*"))  # no temporary files left


def test_media_part_type_checks(tmp_path):
    (tmp_path / "a.wav").write_bytes(media.encode_wav_bytes(np.zeros(80), 8000))
    p = media.media_part(tmp_path / "a.wav", "audio")
    assert (p.type, p.mime, p.sha256) == ("audio", "audio/wav", media.sha256_file(tmp_path / "a.wav"))
    with pytest.raises(ValueError, match=r"a.wav: a .wav file is audio/wav, not image"):
        media.media_part(tmp_path / "a.wav", "image")


def test_images_decode_and_png_round_trips(tmp_path):
    arr = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3) * 10
    (tmp_path / "x.png").write_bytes(media.encode_png_bytes(arr))
    assert (np.asarray(media.load_image(tmp_path / "x.png")) == arr).all()
    Image.new("RGBA", (3, 2), (10, 20, 30, 40)).save(tmp_path / "y.png")
    im = media.load_image(tmp_path / "y.png")
    assert im.mode == "RGB" and im.getpixel((0, 0)) == (10, 20, 30)
    (tmp_path / "z.png").write_bytes(media.encode_png_bytes(Image.new("RGB", (1, 1), (1, 2, 3))))
    assert media.load_image(tmp_path / "z.png").getpixel((0, 0)) == (1, 2, 3)


def test_audio_channels_are_averaged_and_rates_kept(tmp_path):
    left, right = np.full(100, 0.5, np.float32), np.full(100, -0.25, np.float32)
    sf.write(tmp_path / "s.wav", np.stack([left, right], 1), 8000, subtype="FLOAT")
    x, sr = media.load_audio(tmp_path / "s.wav")
    assert sr == 8000 and x.dtype == np.float32 and x == pytest.approx(np.full(100, 0.125))
    x2, sr2 = media.load_audio(tmp_path / "s.wav", 8000)  # same rate: nothing resampled
    assert sr2 == 8000 and len(x2) == 100
    x3, sr3 = media.load_audio(tmp_path / "s.wav", 4000)  # 8 kHz -> 4 kHz halves the length
    assert sr3 == 4000 and len(x3) == 50 and x3.dtype == np.float32


def test_resample_lengths_by_hand():
    a = np.ones(300, np.float32)
    assert media.resample(a, 16000, 16000) is a
    assert len(media.resample(a, 24000, 16000)) == 200  # up 2, down 3 (gcd 8000)
    assert len(media.resample(a, 16000, 24000)) == 450


def test_empty_audio_and_wav_encoding(tmp_path):
    sf.write(tmp_path / "none.wav", np.zeros((0, 1), np.float32), 8000)
    with pytest.raises(MediaError, match="none.wav: audio has no samples"):
        media.load_audio(tmp_path / "none.wav", sample_id="q")
    data = media.encode_wav_bytes(np.array([2.0, -2.0, 0.5]), 8000)  # clipped to [-1, 1], 16-bit PCM
    x, sr = sf.read(__import__("io").BytesIO(data), dtype="float32")
    assert data[:4] == b"RIFF" and sr == 8000
    assert x == pytest.approx([32767 / 32768, -1.0, 0.5], abs=1 / 32768)


def test_frame_targets_and_resizing_by_hand():
    # 2 s from t = 1 in 4 segments: midpoints 1.25, 1.75, 2.25, 2.75
    assert media._frame_targets(2.0, 1.0, 4) == [1.25, 1.75, 2.25, 2.75]
    assert media._frame_targets(1.0, 0.0, 1) == [0.5]
    im = Image.new("RGB", (40, 20))
    assert media._resize_shorter(im, None) is im
    assert media._resize_shorter(im, 10).size == (20, 10)
    assert media._resize_shorter(Image.new("RGB", (20, 45)), 10).size == (10, 22)  # 22.5 rounds to even 22
    assert media._resize_shorter(Image.new("RGB", (1, 300)), 2).size == (2, 600)
    assert media._resize_shorter(Image.new("RGB", (300, 2)), 1).size == (150, 1)


def _video(path, n=8, fps=8):
    frames = [np.full((16, 16, 3), 25 * i, np.uint8) for i in range(n)]
    return media.write_video(frames, path, fps=fps)


def test_video_frames_one_and_all(tmp_path):
    path = _video(tmp_path / "v.mp4")  # 8 frames at 8 fps: frame i is on screen during [i/8, (i+1)/8)
    (one,) = media.sample_video_frames(path, 1)  # midpoint 0.5 s -> frame 4 -> level 100
    assert float(np.asarray(one).mean()) == pytest.approx(100, abs=3)
    levels = [round(float(np.asarray(f).mean()) / 25) for f in media.sample_video_frames(path, 8)]
    assert levels == [0, 1, 2, 3, 4, 5, 6, 7]
    with pytest.raises(ValueError, match="num_frames must be at least 1"):
        media.sample_video_frames(path, 0)


def test_check_part_and_checked_part(tmp_path):
    (tmp_path / "ok.png").write_bytes(media.encode_png_bytes(np.zeros((2, 2, 3), np.uint8)))
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\nnope")
    (tmp_path / "ok.wav").write_bytes(media.encode_wav_bytes(np.zeros(8), 8000))
    (tmp_path / "bad.wav").write_bytes(b"RIFFnope")
    _video(tmp_path / "ok.mp4", n=2)
    (tmp_path / "bad.mp4").write_bytes(b"\0\0\0\x20ftypisom nope")
    for name in ("ok.png", "ok.wav", "ok.mp4"):
        part, reason = media.checked_part(tmp_path / name, sample_id="s")
        assert reason is None and part.sha256 == media.sha256_file(tmp_path / name)
    for name, kind in (("bad.png", "image"), ("bad.wav", "audio"), ("bad.mp4", "video")):
        part, reason = media.checked_part(tmp_path / name, sample_id="s3")
        assert part.type == kind and reason.startswith(f"sample s3: cannot read {kind} file {tmp_path / name}: ")
    part, reason = media.checked_part(tmp_path / "gone.wav", sample_id="s4")
    assert part.sha256 is None and reason == (f"sample s4: cannot read audio file {tmp_path / 'gone.wav'}: "
                                              "file not found; fix: check the path in the data file")
    media.check_part(media.media_part(tmp_path / "ok.png"))  # a good file passes silently
    with pytest.raises(MediaError, match="bad.wav"):
        media.check_part(media.media_part(tmp_path / "bad.wav"), "s5")


def test_a_file_with_no_video_stream(tmp_path):
    import av

    path = tmp_path / "sound.mp4"
    with av.open(str(path), "w", format="mp4") as box:
        stream = box.add_stream("aac", rate=8000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
        frame.sample_rate = 8000
        for packet in stream.encode(frame):
            box.mux(packet)
        for packet in stream.encode():
            box.mux(packet)
    with pytest.raises(MediaError, match="sound.mp4: no video stream in the file"):
        media.sample_video_frames(path, 2, sample_id="v")


@pytest.mark.parametrize("ext,codec", [("mp4", "h264"), ("webm", "vp9")])
def test_written_video_is_lossless_8_fps_and_8_frames_by_default(tmp_path, ext, codec):
    import av

    rng = np.random.default_rng(0)
    grey = [np.repeat(rng.integers(16, 235, (16, 16, 1), dtype=np.uint8), 3, axis=2) for _ in range(4)]
    path = media.write_video(grey, tmp_path / f"n.{ext}")
    with av.open(str(path)) as box:
        stream = box.streams.video[0]
        assert stream.codec_context.name == codec and stream.average_rate == 8
        decoded = [f.to_ndarray(format="rgb24") for f in box.decode(stream)]
    # lossless settings: noisy grey frames come back within YUV rounding (a lossy encode is off by tens)
    assert len(decoded) == 4
    assert max(int(np.abs(d.astype(int) - g.astype(int)).max()) for d, g in zip(decoded, grey)) <= 3
    assert len(media.sample_video_frames(path)) == 8  # the default frame count
