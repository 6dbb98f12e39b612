"""Rebuild mmvu_mini: 10 self-authored MMVU-style video questions and their rendered clips (deterministic).

`python benchmarks/mmvu_mini/build_data.py` writes videos/* and validation.jsonl in MMVU's schema (id, video,
youtube_url, question_type, metadata {subject, textbook, knowledge, rationale}, question, choices {"A".."E"},
answer letter). Clips: 96x96, 8 fps, 3 s (24 frames), H.264 MP4 (one VP9 WebM).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
from eval_anything.media import write_video  # noqa: E402

S, N, FPS = 96, 24, 8


def render(draw_frame) -> list[np.ndarray]:
    frames = []
    for i in range(N):
        im = Image.new("RGB", (S, S), "white")
        draw_frame(ImageDraw.Draw(im), i / (N - 1))
        frames.append(np.asarray(im))
    return frames


def dot(d, x, y, r=6, fill=(200, 40, 40)):
    d.ellipse([x - r, y - r, x + r, y + r], fill=fill)


def falling(d, t):  # y grows with t^2: accelerating
    dot(d, 48, 10 + 76 * t * t)


def pendulum(d, t):
    a = 0.6 * math.sin(2 * math.pi * 1.5 * t)
    x, y = 48 + 60 * math.sin(a), 8 + 60 * math.cos(a)
    d.line([(48, 8), (x, y)], fill="black", width=2)
    dot(d, x, y, 7, (40, 60, 200))


def indicator(d, t):  # a flask whose liquid turns from colourless to pink past the end point
    d.polygon([(38, 20), (58, 20), (80, 86), (16, 86)], outline="black")
    colour = (250, 250, 250) if t < 0.5 else (240, 110, 180)
    d.polygon([(26, 56), (70, 56), (80, 86), (16, 86)], fill=colour, outline="black")


def rotating(clockwise: bool):
    def f(d, t):
        a = (1 if clockwise else -1) * 2 * math.pi * 0.75 * t - math.pi / 2
        d.ellipse([18, 18, 78, 78], outline="gray")
        d.line([(48, 48), (48 + 30 * math.cos(a), 48 + 30 * math.sin(a))], fill="black", width=3)
    return f


def arrivals(d, t):  # one dot appears each second
    for k in range(3):
        if t * 3 >= k:
            dot(d, 24 + 24 * k, 48, 8, (40, 150, 70))


def race(d, t):
    d.rectangle([4 + 40 * t, 20, 16 + 40 * t, 32], fill=(40, 60, 200))  # top: slow
    d.rectangle([4 + 76 * t, 64, 16 + 76 * t, 76], fill=(220, 120, 30))  # bottom: fast


def bounce(d, t):
    y = 84 - 70 * abs(math.sin(math.pi * t))
    d.line([(0, 91), (96, 91)], fill="black")
    dot(d, 48, y)


def growing_bars(d, t):
    for k, final in enumerate([30, 70, 50]):
        h = final * t
        d.rectangle([16 + 24 * k, 88 - h, 32 + 24 * k, 88], fill=(60, 90, 200))


def plot_exponential(d, t):
    pts = [(8 + 80 * u / 20, 88 - 80 * (math.exp(3 * u / 20) - 1) / (math.e ** 3 - 1)) for u in range(int(20 * t) + 1)]
    d.line([(8, 8), (8, 88), (92, 88)], fill="black")
    if len(pts) > 1:
        d.line(pts, fill=(200, 40, 40), width=2)


ITEMS = [
    ("validation_0", "Mechanics", falling, "mp4", "How does the ball move in the video?",
     ["It falls at constant speed", "It falls faster and faster", "It falls slower and slower", "It rises",
      "It stays still"], "B", "The distance covered per frame grows: the ball accelerates under gravity."),
    ("validation_1", "Mechanics", pendulum, "mp4", "What kind of motion does the blue bob show?",
     ["Uniform circular motion", "Free fall", "Oscillation about a lowest point", "Projectile motion",
      "No motion"], "C", "The bob swings back and forth about its lowest point: a pendulum."),
    ("validation_2", "Chemistry", indicator, "mp4", "What happens to the solution in the flask during the video?",
     ["It turns from colourless to pink", "It turns from pink to colourless", "It boils", "It freezes",
      "Nothing changes"], "A", "Phenolphthalein turns pink when the end point of the titration is passed."),
    ("validation_3", "Mechanics", rotating(True), "mp4", "In which direction does the hand rotate?",
     ["Clockwise", "Counter-clockwise", "It does not rotate", "Back and forth", "It moves in a straight line"],
     "A", "Seen on screen, the hand turns from 12 towards 3 o'clock."),
    ("validation_4", "Mechanics", rotating(False), "webm", "In which direction does the hand rotate?",
     ["Clockwise", "Counter-clockwise", "It does not rotate", "Back and forth", "It moves in a straight line"],
     "B", "Seen on screen, the hand turns from 12 towards 9 o'clock."),
    ("validation_5", "Statistics", arrivals, "mp4", "How many green dots have appeared by the end of the video?",
     ["1", "2", "3", "4", "5"], "C", "A new dot appears each second for three seconds."),
    ("validation_6", "Mechanics", race, "mp4", "Which block moves faster?",
     ["The top blue block", "The bottom orange block", "Both move at the same speed", "Neither moves",
      "They move in opposite directions"], "B", "The orange block covers almost twice the distance in the same time."),
    ("validation_7", "Mechanics", bounce, "mp4", "What does the ball do in the video?",
     ["It rolls sideways", "It rises and falls back to the ground", "It sinks below the ground", "It spins in place",
      "It stays on the ground"], "B", "The ball goes up from the ground line and comes back down."),
    ("validation_8", "Statistics", growing_bars, "mp4", "Which bar is tallest at the end of the video?",
     ["The left bar", "The middle bar", "The right bar", "All are equal", "There are no bars"], "B",
     "The middle bar grows to 70, the others to 30 and 50."),
    ("validation_9", "Mathematics", plot_exponential, "mp4", "What kind of curve is drawn in the video?",
     ["A straight line", "A curve that grows faster and faster", "A curve that levels off", "A sine wave",
      "A horizontal line"], "B", "The slope keeps increasing: exponential growth."),
]


def main() -> None:
    (HERE / "videos").mkdir(exist_ok=True)
    rows = []
    for i, (item_id, subject, draw, ext, question, choices, answer, rationale) in enumerate(ITEMS):
        gold = choices["ABCDE".index(answer)]
        choices = choices[i % 5:] + choices[: i % 5]  # spread the answer's position over the letters
        answer = "ABCDE"[choices.index(gold)]
        name = f"videos/{item_id}.{ext}"
        write_video(render(draw), HERE / name, fps=FPS)
        rows.append({"id": item_id, "video": name, "youtube_url": None, "question_type": "multiple-choice",
                     "metadata": {"subject": subject, "textbook": "self-authored", "knowledge": [],
                                  "rationale": rationale},
                     "question": question, "choices": dict(zip("ABCDE", choices)), "answer": answer})
    with open(HERE / "validation.jsonl", "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")
    print(f"wrote {len(rows)} items to {HERE / 'validation.jsonl'}")


if __name__ == "__main__":
    main()
