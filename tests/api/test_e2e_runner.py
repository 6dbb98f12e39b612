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
    res = eval_anything.evaluate("openai:fault-model", tasks=["gsm8k_mini", "synth_image"], **opts)

    t = res.results["tasks"]["gsm8k_mini"]
    expected = sum(x == "93" for x in _targets(limit)) / limit
    assert expected > 0 and t["n"] == t["n_scored"] == limit and t["n_errors"] == 0
    assert t["metrics"]["exact_match"]["value"] == pytest.approx(expected)
    lines = (res.run_dir / "samples" / "gsm8k_mini.jsonl").read_text().splitlines()
    ids = [json.loads(line)["id"] for line in lines]
    assert len(ids) == limit and len(set(ids)) == limit  # every sample once
    log = fault.log()
    oks = Counter(e["key"] for e in log if e["outcome"] == "ok")
    assert len(oks) == limit and set(oks.values()) == {1} and any(e["outcome"] != "ok" for e in log)
    assert all(e["max_tokens"] == 256 for e in log)
    # The key given as a flag is the one sent; a multiple-choice task is skipped with a reason, not crashed.
    assert {e["auth"] for e in log} == {"Bearer sk-flag-secret"}
    assert "log-likelihoods" in res.results["tasks"]["synth_image"]["skipped"]
    assert res.run_info["config"]["model_args"]["api_key"] == "***"

    # A rerun resumes from the cache: no new calls, same numbers, no duplicated lines.
    fault.configure(fail_rate=1.0, fail_kinds=["500"])
    again = eval_anything.evaluate("openai:fault-model", tasks=["gsm8k_mini"], **opts)
    assert fault.log() == []
    assert again.results["tasks"]["gsm8k_mini"]["metrics"] == t["metrics"]
    assert len((again.run_dir / "samples" / "gsm8k_mini.jsonl").read_text().splitlines()) == limit

    for path, data in _all_bytes(tmp_path / "runs", tmp_path / "cache"):
        assert SECRET.encode() not in data and b"sk-flag-secret" not in data, path


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
