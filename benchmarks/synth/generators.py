"""Procedural item generators for the synth suite: each returns (question, choices, answer index, media arrays).

Every generator takes a seeded `random.Random` and the answer index it must produce, so that answers are balanced
over the choices (a model that ignores the media, and so answers every item of a type the same way, scores exactly
chance). Media sizes are small on purpose: images 96x96, audio 16 kHz <= 2 s, video 64x64 at 8 fps for 2 s.
"""

from __future__ import annotations

import random

import numpy as np

SR = 16000
COLOURS = {"red": (220, 30, 30), "green": (30, 160, 60), "blue": (30, 60, 220), "yellow": (230, 200, 20)}
SHAPES = ["circle", "square", "triangle"]
QUADRANTS = ["top left", "top right", "bottom left", "bottom right"]
IMG = 96


# ----- drawing ----------------------------------------------------------------------------------------------------
def _canvas(size: int = IMG):
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (size, size), (255, 255, 255))
    return im, ImageDraw.Draw(im)


def _draw(draw, shape: str, cx: float, cy: float, r: float, colour: str) -> None:
    fill = COLOURS[colour]
    if shape == "circle":
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=fill)
    elif shape == "square":
        draw.rectangle([cx - r, cy - r, cx + r, cy + r], fill=fill)
    else:
        draw.polygon([(cx, cy - r), (cx + r, cy + r), (cx - r, cy + r)], fill=fill)


def circles_image(rng: random.Random, k: int) -> np.ndarray:
    """k non-overlapping circles of one colour."""
    im, draw = _canvas()
    colour = rng.choice(list(COLOURS))
    placed: list[tuple[float, float, float]] = []
    while len(placed) < k:
        r = rng.uniform(7, 11)
        cx, cy = rng.uniform(r + 2, IMG - r - 2), rng.uniform(r + 2, IMG - r - 2)
        if all((cx - x) ** 2 + (cy - y) ** 2 > (r + q + 4) ** 2 for x, y, q in placed):
            placed.append((cx, cy, r))
    for cx, cy, r in placed:
        _draw(draw, "circle", cx, cy, r, colour)
    return np.asarray(im)


# ----- audio ------------------------------------------------------------------------------------------------------
def _tone(freq: float, seconds: float, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(SR * seconds)) / SR
    x = amp * np.sin(2 * np.pi * freq * t)
    fade = min(len(x) // 2, int(0.01 * SR))  # 10 ms ramps: no clicks that a model could count as beeps
    if fade:
        ramp = np.linspace(0.0, 1.0, fade)
        x[:fade] *= ramp
        x[-fade:] *= ramp[::-1]
    return x.astype(np.float32)


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(int(SR * seconds), np.float32)


def _pad(x: np.ndarray, seconds: float) -> np.ndarray:
    n = int(SR * seconds)
    return np.concatenate([x, _silence(max(0.0, (n - len(x)) / SR))])[:n] if len(x) < n else x


def beeps_audio(rng: random.Random, n: int) -> np.ndarray:
    freq = rng.choice([600, 800, 1000, 1200])
    parts = [_silence(rng.uniform(0.05, 0.15))]
    for i in range(n):
        parts.append(_tone(freq, 0.1))
        if i < n - 1:
            parts.append(_silence(0.15))
    return _pad(np.concatenate(parts), 1.2)


# ----- image items ------------------------------------------------------------------------------------------------
def image_shape(rng: random.Random, answer: int):
    shape = SHAPES[answer]
    im, draw = _canvas()
    r = rng.uniform(15, 25)
    _draw(draw, shape, rng.uniform(r + 2, IMG - r - 2), rng.uniform(r + 2, IMG - r - 2), r, rng.choice(list(COLOURS)))
    return "What shape is in the image? Answer circle, square or triangle.", SHAPES, {"image": np.asarray(im)}


def image_colour(rng: random.Random, answer: int):
    names = list(COLOURS)
    im, draw = _canvas()
    r = rng.uniform(15, 25)
    _draw(draw, rng.choice(SHAPES), rng.uniform(r + 2, IMG - r - 2), rng.uniform(r + 2, IMG - r - 2), r, names[answer])
    return "What colour is the shape in the image? Answer red, green, blue or yellow.", names, {"image": np.asarray(im)}


def image_count(rng: random.Random, answer: int):
    choices = ["1", "2", "3", "4"]
    return ("How many circles are in the image? Answer 1, 2, 3 or 4.", choices,
            {"image": circles_image(rng, answer + 1)})


def image_position(rng: random.Random, answer: int):
    im, draw = _canvas()
    r = rng.uniform(10, 14)
    top, left = QUADRANTS[answer].split()
    cx = rng.uniform(r + 2, IMG / 2 - r - 4) + (0 if left == "left" else IMG / 2 + 2)
    cy = rng.uniform(r + 2, IMG / 2 - r - 4) + (0 if top == "top" else IMG / 2 + 2)
    _draw(draw, rng.choice(SHAPES), cx, cy, r, rng.choice(list(COLOURS)))
    return ("In which part of the image is the shape? Answer top left, top right, bottom left or bottom right.",
            QUADRANTS, {"image": np.asarray(im)})


# ----- audio items ------------------------------------------------------------------------------------------------
def audio_beeps(rng: random.Random, answer: int):
    return ("How many beeps are in the audio? Answer 1, 2, 3 or 4.", ["1", "2", "3", "4"],
            {"audio": beeps_audio(rng, answer + 1)})


def audio_pitch(rng: random.Random, answer: int):
    choices = ["higher", "lower"]
    f1 = rng.uniform(300, 900)
    ratio = rng.uniform(1.5, 2.0)
    f2 = f1 * ratio if answer == 0 else f1 / ratio
    x = np.concatenate([_silence(0.1), _tone(f1, 0.4), _silence(0.2), _tone(f2, 0.4)])
    return ("The audio plays two tones. Is the second tone higher or lower in pitch than the first? "
            "Answer higher or lower.", choices, {"audio": _pad(x, 1.2)})


DURATIONS = [0.25, 0.5, 1.0, 1.5]


def audio_duration(rng: random.Random, answer: int):
    choices = ["0.25 seconds", "0.5 seconds", "1 second", "1.5 seconds"]
    x = np.concatenate([_silence(0.1), _tone(rng.uniform(300, 1500), DURATIONS[answer])])
    return ("How long is the tone in the audio? Answer 0.25 seconds, 0.5 seconds, 1 second or 1.5 seconds.",
            choices, {"audio": _pad(x, 1.8)})


# ----- video items ------------------------------------------------------------------------------------------------
VID, FRAMES = 64, 16
DIRECTIONS = ["left", "right", "up", "down"]


def video_motion(rng: random.Random, answer: int):
    from PIL import Image, ImageDraw

    direction = DIRECTIONS[answer]
    colour = rng.choice(list(COLOURS))
    other = rng.uniform(12, VID - 12)
    frames = []
    for f in range(FRAMES):
        along = 10 + (VID - 20) * f / (FRAMES - 1)  # 10 -> 54 px
        pos = along if direction in ("right", "down") else VID - along
        cx, cy = (pos, other) if direction in ("left", "right") else (other, pos)
        im = Image.new("RGB", (VID, VID), (255, 255, 255))
        _draw(ImageDraw.Draw(im), "square", cx, cy, 6, colour)
        frames.append(np.asarray(im))
    return ("In which direction does the square move in the video? Answer left, right, up or down.",
            DIRECTIONS, {"video": frames})


def video_first(rng: random.Random, answer: int):
    from PIL import Image, ImageDraw

    choices = ["circle", "square"]
    first, second = choices[answer], choices[1 - answer]
    t_first, t_second = rng.randint(2, 5), rng.randint(9, 12)
    c1, c2 = rng.sample(list(COLOURS), 2)
    p1, p2 = (rng.uniform(10, 26), rng.uniform(10, 54)), (rng.uniform(38, 54), rng.uniform(10, 54))
    if rng.random() < 0.5:
        p1, p2 = p2, p1
    frames = []
    for f in range(FRAMES):
        im = Image.new("RGB", (VID, VID), (255, 255, 255))
        d = ImageDraw.Draw(im)
        if f >= t_first:
            _draw(d, first, *p1, 8, c1)
        if f >= t_second:
            _draw(d, second, *p2, 8, c2)
        frames.append(np.asarray(im))
    return ("Two shapes appear in the video. Which appears first, the circle or the square? Answer circle or "
            "square.", choices, {"video": frames})


# ----- cross-modal items (image + audio) ----------------------------------------------------------------------------
def cross_count_match(rng: random.Random, answer: int):
    choices = ["yes", "no"]
    k = rng.randint(1, 4)
    m = k if answer == 0 else rng.choice([x for x in range(1, 5) if x != k])
    return ("Is the number of beeps in the audio equal to the number of circles in the image? Answer yes or no.",
            choices, {"image": circles_image(rng, k), "audio": beeps_audio(rng, m)})


def cross_sum(rng: random.Random, answer: int):
    choices = ["2", "3", "4", "5", "6"]
    total = answer + 2
    k = rng.choice([x for x in range(1, 4) if 1 <= total - x <= 3])
    return ("What is the number of circles in the image plus the number of beeps in the audio? "
            "Answer 2, 3, 4, 5 or 6.", choices,
            {"image": circles_image(rng, k), "audio": beeps_audio(rng, total - k)})


FAMILIES = {
    "image": {"shape": image_shape, "colour": image_colour, "count": image_count, "position": image_position},
    "audio": {"beeps": audio_beeps, "pitch": audio_pitch, "duration": audio_duration},
    "video": {"motion": video_motion, "first": video_first},
    "cross": {"count_match": cross_count_match, "sum": cross_sum},
}
N_CHOICES = {"shape": 3, "colour": 4, "count": 4, "position": 4, "beeps": 4, "pitch": 2, "duration": 4,
             "motion": 4, "first": 2, "count_match": 2, "sum": 5}
