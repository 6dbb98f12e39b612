"""synth_text: seeded arithmetic-comparison items generated on the fly, with disjoint train and test splits.

The split comes from `ctx.options["split"]` (align reads `train`; the harness evaluates `dataset.split`, `test`).
Test items are drawn first from their own seed; train items are drawn from another seed and any whose question
text is also a test question are dropped, so held-out means held out.
"""

from __future__ import annotations

import random
from collections import defaultdict

LOW, HIGH = 10, 99  # comparisons: two-digit pairs (8,010 ordered pairs per kind)
WIDE_HIGH = 999  # parity and successor: up to three digits, two phrasings each, so train and test never run dry
PARITY = ["Is {a} even or odd?", "Is the number {a} even or odd?"]
NEXT = ["What number comes after {a}?", "Which number comes right after {a}?"]


def _item(rng: random.Random, kind: str) -> dict:
    a = rng.randint(LOW, HIGH)
    if kind in ("larger", "smaller"):
        b = rng.choice([x for x in range(LOW, HIGH + 1) if x != a])
        question = f"Which number is {kind}: {a} or {b}?"
        gold = max(a, b) if kind == "larger" else min(a, b)
        choices = [str(a), str(b)]
        return {"kind": kind, "question": question, "choices": choices, "answer": choices.index(str(gold))}
    if kind == "parity":
        a = rng.randint(LOW, WIDE_HIGH)
        return {"kind": kind, "question": rng.choice(PARITY).format(a=a), "choices": ["even", "odd"], "answer": a % 2}
    if kind == "next":
        a = rng.randint(LOW + 10, WIDE_HIGH - 10)
        gold = a + 1
        wrong = rng.sample([a - 1, a + 2, a + 10, a - 10, a], 3)
        choices = [str(x) for x in [gold, *wrong]]
        rng.shuffle(choices)
        return {"kind": kind, "question": rng.choice(NEXT).format(a=a), "choices": choices,
                "answer": choices.index(str(gold))}
    raise ValueError(f"synth_text: unknown item kind {kind!r}")


def _draw(seed: int, n: int, kinds: list[str], exclude: set[str] = frozenset()) -> list[dict]:
    rng = random.Random(seed)
    rows: list[dict] = []
    seen = set(exclude)
    attempts = 0
    while len(rows) < n:
        attempts += 1
        if attempts > 50 * n:
            raise ValueError(f"synth_text: cannot draw {n} distinct items; lower n")
        row = _item(rng, kinds[len(rows) % len(kinds)])  # kinds balanced by construction
        if row["question"] in seen:
            continue
        seen.add(row["question"])
        row["id"] = f"{row['kind']}-{len(rows):05d}"
        rows.append(row)
    return rows


def generate(split: str, seed: int = 0, n_test: int = 400, n_train: int = 4000,
             kinds: list[str] | None = None) -> list[dict]:
    kinds = list(kinds or ["larger", "smaller", "parity", "next"])
    test = _draw(seed * 2 + 1, n_test, kinds)
    if split == "test":
        return test
    if split == "train":
        return _draw(seed * 2 + 2, n_train, kinds, exclude={r["question"] for r in test})
    raise ValueError(f"synth_text has splits train and test, not {split!r}")


def load_rows(task, ctx) -> list[dict]:
    o = task.spec.options
    split = (ctx.options or {}).get("split", task.spec.dataset.split)
    return generate(split, int(o.get("seed", 0)), int(o.get("n_test", 400)), int(o.get("n_train", 4000)),
                    o.get("kinds"))


def aggregate(task, samples, scores) -> dict:
    """Accuracy and chance level per item kind."""
    acc: dict[str, list[float]] = defaultdict(list)
    chance: dict[str, float] = {}
    for s, sc in zip(samples, scores):
        kind = s.metadata["row"]["kind"]
        if sc.error is None and sc.metrics.get("acc") is not None:
            acc[kind].append(sc.metrics["acc"])
        chance[kind] = 1.0 / len(s.choices)
    return {"per_kind": {k: {"acc": sum(v) / len(v), "n": len(v), "chance": chance[k]} for k, v in sorted(acc.items())}}
