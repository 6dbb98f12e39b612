"""Writes the shipped AMG instruction-following sample in the EvalAnything-InstructionFollowing schema.

text_instruct / image_instruct rows: {prompt_id, prompt}. audio_instruct / video_instruct rows are one per TIFA
question: {prompt_id, prompt, question_id, question, choice, answer}. Self-authored; deterministic.
Run: python benchmarks/amg_instruction_following/build_data.py
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent / "data"

TEXT = [
    "Write a haiku about autumn leaves, in lowercase.",
    "Explain photosynthesis to a ten-year-old in at most three sentences.",
    "List four fruits that are yellow, as a numbered list.",
    "Write a two-line apology for arriving late to a meeting, formal tone.",
    "Give a JSON object with keys name and age for a fictional cat.",
    "Summarise the rules of tic-tac-toe in one sentence.",
    "Write a product title for a blue steel water bottle, under ten words.",
    "Describe the smell of fresh bread without using the word 'bread'.",
    "Translate 'good morning, friend' into French and Spanish.",
    "Write a limerick about a programmer who loves tea.",
    "Give three tips for saving water at home, each under eight words.",
    "Write a short weather report for a sunny, windy day in exactly two sentences.",
]
IMAGE = [
    "A red apple on a white plate, top view.",
    "Three yellow ducks swimming in a blue pond.",
    "A lighthouse on a cliff at sunset with orange sky.",
    "A black cat sleeping on a green sofa.",
    "Two children flying a kite in a wheat field.",
    "A snowy mountain reflected in a calm lake.",
    "A bowl of ramen with a boiled egg and chopsticks.",
    "A vintage red bicycle leaning against a brick wall.",
    "A small robot watering a potted plant.",
    "A paper boat floating in a puddle after rain.",
    "A wooden table with four blue cups.",
    "A hot-air balloon above a green valley at dawn.",
]
AUDIO = [
    ("A dog barking twice in a quiet room.", [
        ("What animal is heard?", ["Cat", "Dog", "Bird", "Cow"], "B"),
        ("How many barks are there?", ["One", "Two", "Three", "Five"], "B")]),
    ("A piano playing a slow, sad melody.", [
        ("Which instrument plays?", ["Guitar", "Drums", "Piano", "Violin"], "C"),
        ("What is the mood?", ["Sad", "Cheerful", "Angry", "Scary"], "A")]),
    ("Rain falling on a window with distant thunder.", [
        ("What weather is heard?", ["Wind only", "Rain and thunder", "Snow", "Silence"], "B")]),
    ("A crowd cheering in a stadium.", [
        ("Where does this sound come from?", ["A library", "A stadium", "A forest", "A kitchen"], "B"),
        ("How does the crowd sound?", ["Cheering", "Whispering", "Crying", "Silent"], "A")]),
    ("Birds chirping in a forest at dawn.", [
        ("What is heard?", ["Traffic", "Birds chirping", "An engine", "Typing"], "B")]),
    ("A kettle whistling as water boils.", [
        ("What makes the sound?", ["A kettle", "A train", "A referee", "A flute"], "A")]),
    ("A man saying hello in a cheerful voice.", [
        ("What word is spoken?", ["Goodbye", "Thanks", "Hello", "Sorry"], "C"),
        ("How does the speaker sound?", ["Cheerful", "Angry", "Sleepy", "Sad"], "A")]),
    ("Waves crashing on a beach with seagulls.", [
        ("Which place is it?", ["Desert", "Beach", "Office", "Cave"], "B")]),
    ("A clock ticking steadily.", [("What is heard?", ["A ticking clock", "A drum solo", "Rain", "A car horn"], "A")]),
    ("Fast electronic dance music with a heavy beat.", [
        ("What is the tempo?", ["Slow", "Fast", "No rhythm", "Stopping"], "B")]),
]
VIDEO = [
    ("A red ball bouncing on a wooden floor.", [
        ("What colour is the ball?", ["Blue", "Red", "Green", "White"], "B"),
        ("What does the ball do?", ["Rolls away", "Bounces", "Stays still", "Explodes"], "B")]),
    ("A timelapse of clouds moving over a city.", [
        ("What moves in the video?", ["Clouds", "Cars only", "Boats", "Nothing"], "A")]),
    ("A person pouring milk into coffee.", [
        ("What is poured?", ["Water", "Juice", "Milk", "Tea"], "C")]),
    ("A cat chasing a laser dot across a room.", [
        ("Which animal appears?", ["Dog", "Cat", "Rabbit", "Horse"], "B"),
        ("What is it chasing?", ["A mouse", "A ball", "A laser dot", "A bird"], "C")]),
    ("Leaves falling from a tree in autumn.", [
        ("Which season is shown?", ["Spring", "Summer", "Autumn", "Winter"], "C")]),
    ("A candle flame flickering in the dark.", [
        ("What is the light source?", ["A lamp", "A candle", "The sun", "A phone"], "B")]),
    ("A toy train moving around a circular track.", [
        ("What shape is the track?", ["Straight", "Circular", "Zigzag", "Square"], "B")]),
    ("Snow falling on a pine forest.", [
        ("What falls from the sky?", ["Rain", "Snow", "Leaves", "Ash"], "B")]),
    ("A hand drawing a smiley face on paper.", [
        ("What is drawn?", ["A house", "A smiley face", "A tree", "A car"], "B")]),
    ("A spinning top slowing down and falling over.", [
        ("What happens at the end?", ["It speeds up", "It falls over", "It flies", "It breaks"], "B")]),
]


def _write(name: str, rows: list[dict]) -> None:
    with open(HERE / f"{name}.jsonl", "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")


def _tifa_rows(prefix: str, items) -> list[dict]:
    rows = []
    for i, (prompt, questions) in enumerate(items, 1):
        for j, (q, options, ans) in enumerate(questions, 1):
            choice = "\n".join(f"{'ABCD'[k]}. {o}" for k, o in enumerate(options))
            rows.append({"prompt_id": f"{prefix}-{i:02d}", "prompt": prompt, "question_id": f"{prefix}-{i:02d}-q{j}",
                         "question": q, "choice": choice, "answer": ans})
    return rows


def main() -> None:
    HERE.mkdir(parents=True, exist_ok=True)
    _write("text_instruct", [{"prompt_id": f"text-{i:02d}", "prompt": p} for i, p in enumerate(TEXT, 1)])
    _write("image_instruct", [{"prompt_id": f"image-{i:02d}", "prompt": p} for i, p in enumerate(IMAGE, 1)])
    _write("audio_instruct", _tifa_rows("audio", AUDIO))
    _write("video_instruct", _tifa_rows("video", VIDEO))


if __name__ == "__main__":
    main()
