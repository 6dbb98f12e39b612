"""A damaged cache: bytes flipped inside stored responses are recomputed (never served, scores unchanged); a
damaged database file stops the run at once with one line naming the file and the fix."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.chaos.chaos_runs import ROOT, comparable_results
from tests.fixtures.taskgen import write_gen_task

from eval_anything.runner import evaluate

N = 8
SEED = 7


def _evaluate(tasks: Path, out: Path, cache: Path, run_id: str):
    return evaluate("default", ["tgen"], task_paths=[str(tasks)], output=str(out), cache_path=str(cache),
                    run_id=run_id, show_progress=False, bootstrap_iters=50, batch_size=2)


def _flip_stored_values(path: Path, rng: random.Random, k: int) -> list[str]:
    """Flip one byte inside k stored response texts, in the database file itself. Returns the damaged keys."""
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT key, response FROM responses ORDER BY key").fetchall()
    conn.close()  # the last connection checkpoints the WAL: every value is in the main file now
    data = bytearray(path.read_bytes())
    damaged = []
    for key, value in rng.sample(rows, k):
        text = json.dumps(json.loads(value)["text"])[1:-1].encode()  # the text as stored (JSON-escaped)
        at = data.find(b'"text": "' + text + b'"')
        assert at >= 0 and text, key
        pos = at + len(b'"text": "') + rng.randrange(len(text))
        new = data[pos] ^ 0x01
        if not chr(new).isprintable():
            new = ord("Y") if data[pos] != ord("Y") else ord("Z")
        data[pos] = new
        damaged.append(key)
    path.write_bytes(bytes(data))
    return damaged


def test_flipped_bytes_are_recomputed_not_served(tmp_path):
    tasks = tmp_path / "tasks"
    write_gen_task(tasks, n=N, max_new_tokens=6)
    cache = tmp_path / "c.sqlite"
    first = _evaluate(tasks, tmp_path / "out", cache, "first")
    assert first.run_info["timing"]["computed"] == N
    damaged = _flip_stored_values(cache, random.Random(SEED), 3)
    conn = sqlite3.connect(cache)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"  # SQLite itself sees nothing wrong
    conn.close()
    second = _evaluate(tasks, tmp_path / "out", cache, "second")
    timing = second.run_info["timing"]
    assert (timing["cache_hits"], timing["computed"], timing["cache_damaged"]) == (N - 3, 3, 3)
    assert comparable_results(second.run_dir) == comparable_results(first.run_dir)
    assert (second.run_dir / "samples" / "tgen.jsonl").read_text() == \
        (first.run_dir / "samples" / "tgen.jsonl").read_text()
    third = _evaluate(tasks, tmp_path / "out", cache, "third")  # the damaged entries were overwritten
    assert (third.run_info["timing"]["cache_hits"], third.run_info["timing"]["computed"]) == (N, 0)
    assert "cache_damaged" not in third.run_info["timing"] and len(damaged) == 3


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_damaged_database_file_is_one_line_with_the_fix(tmp_path, damage):
    cache = tmp_path / "c.sqlite"
    conn = sqlite3.connect(cache)
    conn.execute("CREATE TABLE filler (x TEXT)")
    conn.executemany("INSERT INTO filler VALUES (?)", [("x" * 500,)] * 200)
    conn.commit()
    conn.close()
    data = cache.read_bytes()
    rng = random.Random(SEED)
    cache.write_bytes(data[: len(data) // 3] if damage == "truncated" else bytes(rng.randrange(256) for _ in range(8192)))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "eval_anything.cli", "run", "--model", "hf:/nonexistent/model",
                           "--task", "gsm8k_mini", "--output", str(tmp_path / "out"), "--cache-path", str(cache)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 2 and proc.stdout == "" and "Traceback" not in proc.stderr
    [line] = proc.stderr.splitlines()
    assert line.startswith(f"error: cache file {cache} is unreadable (")
    assert line.endswith("delete it (cached responses are recomputed) or run with --no-cache")
