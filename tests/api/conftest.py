"""Shared fixtures for the API adapter tests: the fault server, `transformers serve` on tiny models, media files.

Both servers start once per session on 127.0.0.1 (free ports) and are stopped at the end; each stops by itself too
(the fault server after its lifetime, `transformers serve` via the fixture's finaliser).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.servers.fault_server import FaultServer  # noqa: E402


@pytest.fixture(scope="session")
def fault_server():
    server = FaultServer(lifetime=900)
    yield server
    server.stop()


@pytest.fixture()
def fault(fault_server):
    """The session's fault server, reset to a healthy config with an empty log."""
    fault_server.configure()
    return fault_server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def serve_models(tmp_path_factory):
    """Tiny local checkpoints served by `transformers serve` (loaded on demand: request model = path)."""
    from eval_anything.models.default_model import build_tiny_llama
    from tests.fixtures.tiny_multimodal import build_tiny_llava, build_tiny_qwen2_audio

    root = tmp_path_factory.mktemp("serve-models")
    return {"text": str(build_tiny_llama(root / "tiny-llama", seed=0)),
            "image": str(build_tiny_llava(root / "tiny-llava", seed=0)),
            "audio": str(build_tiny_qwen2_audio(root / "tiny-qwen2-audio", seed=0))}


@pytest.fixture(scope="session")
def transformers_serve(serve_models, tmp_path_factory):
    exe = Path(sys.executable).parent / "transformers"
    if not exe.exists():
        pytest.skip("transformers CLI not installed (pip install 'transformers[serving]')")
    port = _free_port()
    log_path = tmp_path_factory.mktemp("serve-log") / "serve.log"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    log = open(log_path, "w")
    proc = subprocess.Popen([str(exe), "serve", "--host", "127.0.0.1", "--port", str(port), "--device", "cpu"],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"transformers serve exited: {log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"transformers serve not up after 90 s: {log_path.read_text()[-2000:]}")
                time.sleep(0.3)
        yield f"{base}/v1"
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()


# ----- media files ------------------------------------------------------------------------------------------------
def write_png(path: Path, color: tuple[int, int, int], size: int = 32, square: bool = False) -> Path:
    from PIL import Image

    arr = np.zeros((size, size, 3), dtype=np.uint8)
    arr[:] = color
    if square:
        arr[size // 4: 3 * size // 4, size // 4: 3 * size // 4] = (255 - np.array(color)).astype(np.uint8)
    Image.fromarray(arr).save(path)
    return path


def write_tone(path: Path, freq: float, seconds: float = 1.0, sr: int = 22050) -> Path:
    import soundfile as sf

    t = np.arange(int(seconds * sr)) / sr
    sf.write(str(path), (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32), sr)
    return path


def write_moving_square(path: Path, n: int = 12, size: int = 32) -> Path:
    from eval_anything.media import write_video

    frames = []
    for i in range(n):
        f = np.zeros((size, size, 3), dtype=np.uint8)
        x = i * (size - 8) // (n - 1)
        f[12:20, x:x + 8] = 255
        frames.append(f)
    return write_video(frames, path, fps=8)


@pytest.fixture(scope="session")
def media(tmp_path_factory):
    d = tmp_path_factory.mktemp("media")
    out = {
        "red": write_png(d / "red.png", (220, 20, 20)),
        "blue": write_png(d / "blue.png", (20, 20, 220), square=True),
        "tone": write_tone(d / "tone.wav", 440.0),
        "tone_hi": write_tone(d / "tone_hi.flac", 2000.0),
        "video": write_moving_square(d / "move.mp4"),
        "missing": d / "no-such-file.png",
    }
    (d / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really a png" * 4)
    (d / "corrupt.wav").write_bytes(b"RIFF....WAVEfmt garbage")
    (d / "corrupt.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 40)
    out.update(corrupt_image=d / "corrupt.png", corrupt_audio=d / "corrupt.wav", corrupt_video=d / "corrupt.mp4")
    return out
