"""Rebuild mmau_mini: 12 self-authored MMAU-style audio questions and their synthesised clips (deterministic).

`python benchmarks/mmau_mini/build_data.py` writes test-mini-audios/* and test-mini.jsonl in MMAU's schema (id,
audio_id, question, choices, answer as the choice text, dataset, task, split, category, sub-category,
difficulty). Clips are 16 kHz mono, 1.5 s; most are FLAC (small in git), two WAV and one MP3,
so every supported format is exercised.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import soundfile as sf

HERE = Path(__file__).resolve().parent
SR = 16000
SECONDS = 1.5


def note(freq: float, seconds: float, amp: float = 0.3) -> np.ndarray:
    t = np.arange(int(SR * seconds)) / SR
    x = amp * np.sin(2 * np.pi * freq * t)
    ramp = np.minimum(1.0, np.minimum(t, seconds - t) / 0.01)  # 10 ms fades
    return (x * ramp).astype(np.float32)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(SR * seconds), np.float32)


def fit(x: np.ndarray) -> np.ndarray:
    n = int(SR * SECONDS)
    return np.concatenate([x, silence(SECONDS)])[:n]


def beeps(n: int) -> np.ndarray:
    parts = []
    for _ in range(n):
        parts += [note(1000, 0.12), silence(0.13)]
    return fit(np.concatenate([silence(0.1)] + parts))


def sweep(f0: float, f1: float) -> np.ndarray:
    t = np.arange(int(SR * 1.2)) / SR
    phase = 2 * np.pi * (f0 * t + (f1 - f0) * t ** 2 / (2 * 1.2))
    return fit(0.3 * np.sin(phase).astype(np.float32))


def chord(freqs) -> np.ndarray:
    return fit(sum(note(f, 1.2, 0.2) for f in freqs))


def melody(freqs) -> np.ndarray:
    return fit(np.concatenate([note(f, 0.25) for f in freqs]))


def envelope(rising: bool) -> np.ndarray:
    x = note(440, 1.4, 0.5)
    ramp = np.linspace(0.05, 1.0, len(x)) if rising else np.linspace(1.0, 0.05, len(x))
    return fit((x * ramp).astype(np.float32))


def noise_or_tone(noise: bool) -> np.ndarray:
    rng = np.random.default_rng(7)
    return fit((0.2 * rng.standard_normal(int(SR * 1.2))).astype(np.float32) if noise else note(600, 1.2))


def loudness(first_louder: bool) -> np.ndarray:
    a, b = (0.5, 0.1) if first_louder else (0.1, 0.5)
    return fit(np.concatenate([silence(0.1), note(500, 0.5, a), silence(0.2), note(500, 0.5, b)]))


C4, E4, G4, A3, C5, D4, F4 = 261.63, 329.63, 392.00, 220.00, 523.25, 293.66, 349.23
# (id, task, category, sub-category, difficulty, question, choices, answer, audio, extension)
ITEMS = [
    ("mmau_mini_01", "sound", "Perception", "Event Counting", "easy", "How many times does the alarm beep?",
     ["Once", "Twice", "Three times", "Four times"], "Three times", beeps(3), "wav"),
    ("mmau_mini_02", "sound", "Perception", "Event Counting", "easy", "How many beeps are heard in the clip?",
     ["One", "Two", "Three", "Four"], "One", beeps(1), "flac"),
    ("mmau_mini_03", "sound", "Reasoning", "Acoustic Scene Reasoning", "medium",
     "Is the siren in the audio rising or falling in pitch?", ["Rising", "Falling", "Constant", "Silent"], "Rising",
     sweep(400, 1600), "flac"),
    ("mmau_mini_04", "sound", "Reasoning", "Acoustic Scene Reasoning", "medium",
     "Is the siren in the audio rising or falling in pitch?", ["Rising", "Falling", "Constant", "Silent"], "Falling",
     sweep(1600, 400), "flac"),
    ("mmau_mini_05", "music", "Perception", "Chord Quality", "medium", "Is the chord played major or minor?",
     ["Major", "Minor", "Diminished", "Augmented"], "Major", chord([C4, E4, G4]), "flac"),
    ("mmau_mini_06", "music", "Perception", "Chord Quality", "medium", "Is the chord played major or minor?",
     ["Major", "Minor", "Diminished", "Augmented"], "Minor", chord([A3, C4, E4]), "flac"),
    ("mmau_mini_07", "music", "Perception", "Melodic Contour", "easy", "How does the melody move?",
     ["It ascends", "It descends", "It repeats one note", "It is silent"], "It ascends",
     melody([C4, D4, E4, F4, G4]), "mp3"),
    ("mmau_mini_08", "music", "Perception", "Melodic Contour", "easy", "How does the melody move?",
     ["It ascends", "It descends", "It repeats one note", "It is silent"], "It descends",
     melody([C5, G4, E4, D4, C4]), "flac"),
    ("mmau_mini_09", "sound", "Perception", "Loudness", "easy", "Does the sound get louder or quieter over time?",
     ["Louder", "Quieter", "It stays the same", "It stops suddenly"], "Louder", envelope(True), "flac"),
    ("mmau_mini_10", "sound", "Perception", "Loudness", "easy", "Which of the two sounds is louder?",
     ["The first", "The second", "They are equally loud", "Neither is audible"], "The second",
     loudness(False), "wav"),
    ("mmau_mini_11", "sound", "Perception", "Sound Texture", "easy", "What kind of sound is in the clip?",
     ["Broadband noise", "A pure tone", "Speech", "Silence"], "Broadband noise", noise_or_tone(True), "flac"),
    ("mmau_mini_12", "sound", "Perception", "Sound Texture", "easy", "What kind of sound is in the clip?",
     ["Broadband noise", "A pure tone", "Speech", "Silence"], "A pure tone", noise_or_tone(False), "flac"),
]


def main() -> None:
    out = HERE / "test-mini-audios"
    out.mkdir(exist_ok=True)
    rows = []
    for i, (item_id, task, cat, sub, diff, question, choices, answer, audio, ext) in enumerate(ITEMS):
        assert answer in choices, item_id
        choices = choices[i % len(choices):] + choices[: i % len(choices)]  # spread the answer's position
        name = f"test-mini-audios/{item_id}.{ext}"
        sf.write(HERE / name, audio, SR, format=ext.upper(), **({"subtype": "PCM_16"} if ext == "wav" else {}))
        rows.append({"id": item_id, "audio_id": f"./{name}", "question": question, "choices": choices,
                     "answer": answer, "dataset": "self-authored (synthesised)", "task": task, "split": "test-mini",
                     "category": cat, "sub-category": sub, "difficulty": diff})
    with open(HERE / "test-mini.jsonl", "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")
    print(f"wrote {len(rows)} items to {HERE / 'test-mini.jsonl'}")


if __name__ == "__main__":
    main()
