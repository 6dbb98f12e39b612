"""End to end: `eval_anything.evaluate("openai:...")` against the fault server with 20% transient failures."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

import eval_anything

ROOT = Path(__file__).resolve().parents[2]
SECRET = "sk-e2e-SECRET-must-not-be-written"


def _targets(limit: int) -> list[str]:
    rows = [json.loads(line) for line in (ROOT / "benchmarks/gsm8k_mini/test.jsonl").read_text().splitlines()]
    return [r["answer"].split("####")[-1].strip() for r in rows[:limit]]


def _all_bytes(*dirs: Path) -> list[tuple[Path, bytes]]:
    return [(p, p.read_bytes()) for d in dirs for p in d.rglob("*") if p.is_file()]


def test_generation_task_through_openai_with_faults(fault, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    fault.configure(reply="Let me think. #### 93", fail_rate=0.2, seed=3, retry_after=0.05,
                    fail_kinds=["429", "500", "503", "malformed", "drop"])
    limit = 20
    opts = dict(output=str(tmp_path / "runs"), base_url=fault.base_url, limit=limit, show_progress=False,
                cache_path=str(tmp_path / "cache" / "c.sqlite"), concurrency=4,
                model_args={"backoff_base": 0.02, "timeout": 5, "max_retries": 8, "api_key": "sk-flag-secret"})
    res = eval_anything.evaluate("openai:fault-model", tasks=["gsm8k_mini"], **opts)

    t = res.results["tasks"]["gsm8k_mini"]
    expected = sum(x == "93" for x in _targets(limit)) / limit
    assert expected == 1 / 20  # the server always answers 93; one of the first 20 targets is 93 (the second)
    assert t["n"] == t["n_scored"] == limit and t["n_errors"] == 0
    assert t["metrics"]["exact_match"]["value"] == pytest.approx(expected)
    lines = (res.run_dir / "samples" / "gsm8k_mini.jsonl").read_text().splitlines()
    ids = [json.loads(line)["id"] for line in lines]
    assert len(ids) == limit and len(set(ids)) == limit  # every sample once
    log = fault.log()
    oks = Counter(e["key"] for e in log if e["outcome"] == "ok")
    assert len(oks) == limit and set(oks.values()) == {1} and any(e["outcome"] != "ok" for e in log)
    assert all(e["max_tokens"] == 256 for e in log)
    # The key given as a flag is the one sent.
    assert {e["auth"] for e in log} == {"Bearer sk-flag-secret"}
    assert res.run_info["config"]["model_args"]["api_key"] == "***"

    # A rerun resumes from the cache: no new calls, same numbers, no duplicated lines.
    fault.configure(fail_rate=1.0, fail_kinds=["500"])
    again = eval_anything.evaluate("openai:fault-model", tasks=["gsm8k_mini"], **opts)
    assert fault.log() == []
    assert again.results["tasks"]["gsm8k_mini"]["metrics"] == t["metrics"]
    assert len((again.run_dir / "samples" / "gsm8k_mini.jsonl").read_text().splitlines()) == limit

    for path, data in _all_bytes(tmp_path / "runs", tmp_path / "cache"):
        assert SECRET.encode() not in data and b"sk-flag-secret" not in data, path


def test_multiple_choice_through_a_chat_api_answers_by_letter(fault, tmp_path):
    """No log-likelihoods over a chat API: lettered options, the reply's letter is the prediction, zero-shot."""
    fault.configure(reply="B")
    res = eval_anything.evaluate("openai:fault-model", tasks=["synth_image"], output=str(tmp_path / "runs"),
                                 base_url=fault.base_url, limit=12, show_progress=False, use_cache=False,
                                 model_args={"api_key": "sk-x"})
    t = res.results["tasks"]["synth_image"]
    assert t["skipped"] is None and t["n"] == 12 and t["n_errors"] == 0
    records = [json.loads(x) for x in (res.run_dir / "samples" / "synth_image.jsonl").read_text().splitlines()]
    expected = sum(r["target"] == 1 for r in records) / 12  # "B" is choice index 1
    assert t["metrics"]["acc"]["value"] == pytest.approx(expected)
    assert t["metrics"]["acc"]["n"] == 12
    assert all(r["extracted"] == 1 and r["response"] == "B" for r in records)
    assert res.run_info["tasks"]["synth_image"]["multiple_choice_by_generation"] is True
    assert len(fault.log()) == 12


def test_retries_running_out_give_per_sample_errors_not_a_crash(fault, tmp_path):
    fault.configure(fail_rate=1.0, fail_kinds=["503"])
    res = eval_anything.evaluate(
        "openai:fault-model", tasks=["gsm8k_mini"], output=str(tmp_path / "runs"), base_url=fault.base_url,
        limit=3, show_progress=False, use_cache=False,
        model_args={"backoff_base": 0.01, "max_retries": 2})
    t = res.results["tasks"]["gsm8k_mini"]
    assert t["n"] == 3 and t["n_errors"] == 3 and len(fault.log()) == 9
    records = [json.loads(x) for x in (res.run_dir / "samples" / "gsm8k_mini.jsonl").read_text().splitlines()]
    assert len(records) == 3
    assert all("gave up after 3 attempts: HTTP 503" in json.dumps(r) for r in records)


TASK_YAML = """\
name: api_media_echo
kind: generate
modalities:
  input: [text, image, audio, video]
dataset:
  path: json
  data_files:
    test: data.jsonl
  split: test
prompt:
  template: "{{ question }}"
  target: expected
generation:
  max_new_tokens: 16
metric:
  primary: exact_match
"""
HOOKS = """\
from eval_anything.media import media_part
from eval_anything.types import Message, Sample


def doc_to_sample(task, row, index, ctx):
    parts = [media_part(task.entry.directory / name, missing_ok=True) for name in row["media"]]
    return Sample(id=str(index), messages=(Message.user(*parts, row["question"]),), target=row["expected"])
"""


def test_every_modality_through_the_runner(fault, tmp_path, media):
    """A generation task whose samples carry images, audio and video: the server replies with what it received."""
    import shutil

    task_dir = tmp_path / "tasks" / "api_media_echo"
    task_dir.mkdir(parents=True)
    for key, name in (("red", "red.png"), ("tone", "tone.wav"), ("video", "move.mp4"), ("corrupt_image", "bad.png")):
        shutil.copy(media[key], task_dir / name)
    rows = [(["red.png"], "image_url=1"), (["tone.wav"], "input_audio=1"), (["move.mp4"], "image_url=3"),
            (["red.png", "tone.wav", "move.mp4"], "image_url=4 input_audio=1"), ([], "none"),
            (["bad.png"], "unreachable")]
    (task_dir / "data.jsonl").write_text("".join(
        json.dumps({"question": "what did you get?", "media": m, "expected": e}) + "\n" for m, e in rows))
    (task_dir / "task.yaml").write_text(TASK_YAML)
    (task_dir / "hooks.py").write_text(HOOKS)
    fault.configure(reply="parts", fail_rate=0.2, seed=1, fail_kinds=["500", "drop"])
    res = eval_anything.evaluate(
        "openai:fault-model", tasks=["api_media_echo"], task_paths=[str(tmp_path / "tasks")],
        output=str(tmp_path / "runs"), base_url=fault.base_url, show_progress=False, use_cache=False,
        model_args={"modalities": "text,image,audio,video", "num_frames": 3, "backoff_base": 0.01})
    t = res.results["tasks"]["api_media_echo"]
    assert t["n"] == 6 and t["n_errors"] == 1, t
    assert t["metrics"]["exact_match"]["value"] == 1.0  # all five good samples: the server got exactly those parts
    records = [json.loads(x) for x in (res.run_dir / "samples" / "api_media_echo.jsonl").read_text().splitlines()]
    errors = [r["error"] for r in records if r["error"]]
    assert len(records) == 6 and len(errors) == 1
    assert "cannot read image file" in errors[0] and str(tmp_path / "tasks" / "api_media_echo" / "bad.png") in errors[0]
    assert len([e for e in fault.log() if e["outcome"] == "ok"]) == 5  # the corrupt sample never reached the server
