"""A rule-based solver that reads the synth suite's media files (as written: PNG, WAV, MP4) and answers the items.

It proves the items are verifiable: each answer is recoverable from the media alone. Thresholds are simple because
the generator draws flat shapes on white and clean tones on silence.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from eval_anything import media

COLOURS = {"red": (220, 30, 30), "green": (30, 160, 60), "blue": (30, 60, 220), "yellow": (230, 200, 20)}


def _mask(rgb: np.ndarray) -> np.ndarray:
    return (rgb.astype(int).sum(-1) < 600)  # anything clearly not white


def blobs(rgb: np.ndarray) -> list[dict]:
    labels, n = ndimage.label(_mask(rgb))
    out = []
    for i in range(1, n + 1):
        ys, xs = np.nonzero(labels == i)
        if len(ys) < 12:  # codec noise
            continue
        box = (xs.max() - xs.min() + 1) * (ys.max() - ys.min() + 1)
        fill = len(ys) / box
        shape = "square" if fill > 0.9 else ("circle" if fill > 0.65 else "triangle")
        mean = rgb[ys, xs].mean(0)
        colour = min(COLOURS, key=lambda c: np.abs(mean - COLOURS[c]).sum())
        out.append({"cx": xs.mean(), "cy": ys.mean(), "shape": shape, "colour": colour})
    return out


def tone_runs(x: np.ndarray, sr: int) -> list[tuple[float, float, float]]:
    """(start s, length s, dominant Hz) of each stretch of sound."""
    hop = sr // 100
    rms = np.sqrt(np.mean(x[: len(x) // hop * hop].reshape(-1, hop) ** 2, axis=1))
    on = rms > 0.05
    runs, start = [], None
    for i, v in enumerate(list(on) + [False]):
        if v and start is None:
            start = i
        elif not v and start is not None:
            seg = x[start * hop: i * hop]
            hz = float(np.fft.rfftfreq(len(seg), 1 / sr)[np.abs(np.fft.rfft(seg)).argmax()])
            runs.append((start / 100, (i - start) / 100, hz))
            start = None
    return runs


def solve(row: dict) -> str:
    """The answer text the media imply for one items.jsonl row (paths resolved)."""
    files = {m["type"]: m["path"] for m in row["media"]}
    t = row["item_type"]
    img = np.asarray(media.load_image(files["image"])) if "image" in files else None
    runs = tone_runs(*media.load_audio(files["audio"])) if "audio" in files else None
    if t in ("shape", "colour", "position"):
        (b,) = blobs(img)
        if t == "position":
            return f"{'top' if b['cy'] < 48 else 'bottom'} {'left' if b['cx'] < 48 else 'right'}"
        return b[t]
    if t == "count":
        return str(len(blobs(img)))
    if t == "beeps":
        return str(len(runs))
    if t == "pitch":
        return "higher" if runs[1][2] > runs[0][2] else "lower"
    if t == "duration":
        length = runs[0][1]
        return min(["0.25 seconds", "0.5 seconds", "1 second", "1.5 seconds"],
                   key=lambda c: abs(float(c.split()[0]) - length))
    if t == "count_match":
        return "yes" if len(blobs(img)) == len(runs) else "no"
    if t == "sum":
        return str(len(blobs(img)) + len(runs))
    frames = [np.asarray(f) for f in media.sample_video_frames(files["video"], 16)]
    if t == "motion":
        first, last = blobs(frames[0])[0], blobs(frames[-1])[0]
        dx, dy = last["cx"] - first["cx"], last["cy"] - first["cy"]
        return ("right" if dx > 0 else "left") if abs(dx) > abs(dy) else ("down" if dy > 0 else "up")
    if t == "first":
        for f in frames:
            seen = blobs(f)
            if seen:
                return seen[0]["shape"]
    raise ValueError(f"no solver for item type {t}")
