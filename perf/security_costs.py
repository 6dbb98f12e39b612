"""What the hardening costs, measured within one run (ratios and per-item times; no timed assertions).

1. Math judge: the restricted grammar (judges/mathexpr.py) on ordinary answers and on the payload corpus
   (tests/chaos/payloads.py), per reply, against plain float parsing of the same numeric answers (the floor).
2. Scrubber: eval_anything.scrub.scrub_text over a samples file's JSON, relative to json.dumps of the same records
   (the work a run does anyway to write them), with and without secrets in the environment.

Run: PYTHONPATH=. python perf/security_costs.py
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eval_anything import scrub
from judges import JudgeItem
from judges.rules import MathEquivJudge
from tests.chaos.payloads import corpus


def _median_time(fn, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def math_judge() -> None:
    judge = MathEquivJudge()
    answers = [(f"The answer is {n}/{d}.", str(n / d)) for n in range(1, 41) for d in (2, 4, 5, 8)]
    symbolic = [("so x = (x+1)^2", "x^2+2x+1"), ("\\frac{x^2-1}{x-1}", "x+1"), ("2\\sqrt{2}", "\\sqrt{8}")] * 20
    with tempfile.TemporaryDirectory() as tmp:
        hostile = [(p, "0") for p in corpus(tmp, seed=1)]

    def run(items):
        return lambda: judge.judge([JudgeItem(id=str(i), prompt="q", response=r, reference=ref)
                                    for i, (r, ref) in enumerate(items)])

    def floor():
        for r, ref in answers:
            a, b = r.rsplit(" ", 1)[-1].rstrip(".").split("/")
            _ = float(a) / float(b) == float(ref)

    t_num, t_sym, t_bad, t_floor = (_median_time(f) for f in (run(answers), run(symbolic), run(hostile), floor))
    print(f"math judge: numeric answers {1e3 * t_num / len(answers):.3f} ms/reply "
          f"({t_num / t_floor:.0f}x plain float parsing), symbolic {1e3 * t_sym / len(symbolic):.3f} ms/reply, "
          f"payload corpus {1e3 * t_bad / len(hostile):.3f} ms/reply (slowest class bounded; {len(hostile)} payloads)")


def scrubber() -> None:
    rows = [{"id": str(i), "prompt": f"Question {i}: how many apples?", "response": "Let me think. " * 40,
             "error": None if i % 10 else "HTTP 401: Incorrect API key provided: sk-abcdef0123456789",
             "metrics": {"acc": 1.0}} for i in range(5000)]

    def dump():
        return "".join(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n" for r in rows)

    text = dump()
    t_dump = _median_time(dump)
    os.environ.pop("PERF_API_KEY", None)
    t_plain = _median_time(lambda: scrub.scrub_text(text))
    os.environ["PERF_API_KEY"] = "perf-secret-0123456789"
    t_keys = _median_time(lambda: scrub.scrub_text(text))
    mb = len(text.encode()) / 1e6
    print(f"scrubber: {mb:.1f} MB samples text; json.dumps {t_dump:.3f} s, scrub {t_plain:.3f} s "
          f"({t_plain / t_dump:.2f}x dumps, {mb / t_plain:.0f} MB/s), with one known key {t_keys:.3f} s "
          f"({t_keys / t_dump:.2f}x dumps)")


if __name__ == "__main__":
    print(f"load average {os.getloadavg()[0]:.1f}")
    math_judge()
    scrubber()
