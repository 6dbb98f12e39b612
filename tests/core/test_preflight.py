"""Bad input fails before any model is loaded or called, as one line with exit 2 and no traceback.

Most cases pass `--model hf:/nonexistent`: had the model been loaded first, its own error would show instead."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eval_anything.cli import app
from tests.fixtures.readonly import readonly_dir
from tests.fixtures.taskgen import write_gen_task, write_mc_task

ROOT = Path(__file__).resolve().parents[2]
NO_MODEL = ["--model", "hf:/nonexistent/model"]


def _invoke(tmp_path: Path, *args: str, output: Path | None = None):
    tasks = tmp_path / "tasks"
    if not tasks.exists():
        write_gen_task(tasks, n=3)
    argv = ["run", "--task", "tgen", "--task-path", str(tasks), "--output", str(output or tmp_path / "out"),
            "--cache-path", str(tmp_path / "c.sqlite"), "--no-progress", *args]
    result = CliRunner().invoke(app, argv)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in result.output, result.output
    return lines[0]


def _edit_task(tmp_path: Path, old: str, new: str, name: str = "tgen") -> None:
    y = tmp_path / "tasks" / name / "task.yaml"
    text = y.read_text()
    assert old in text
    y.write_text(text.replace(old, new))


def test_read_only_output(tmp_path):
    with readonly_dir(tmp_path / "ro") as ro:
        if ro is None:
            pytest.skip("no way to make a read-only folder here")
        line = _invoke(tmp_path, *NO_MODEL, output=ro / "runs")
    assert line == (f"error: --output {ro / 'runs'} is not writable (PermissionError: Operation not permitted); "
                    "choose another --output")


def test_output_under_a_file(tmp_path):
    (tmp_path / "f").write_text("x")
    line = _invoke(tmp_path, *NO_MODEL, output=tmp_path / "f")
    assert line.startswith(f"error: --output {tmp_path / 'f'} is not writable (")


def test_unknown_metric_names_the_file_and_the_closest_name(tmp_path):
    write_gen_task(tmp_path / "tasks", n=3)
    _edit_task(tmp_path, "primary: exact_match", "primary: exact_mach")
    line = _invoke(tmp_path, *NO_MODEL)
    assert line.startswith(f"error: {tmp_path / 'tasks' / 'tgen' / 'task.yaml'}: metric: unknown generate metric "
                           "'exact_mach' (did you mean 'exact_match'?); known: ")


def test_unknown_extractor(tmp_path):
    write_gen_task(tmp_path / "tasks", n=3)
    _edit_task(tmp_path, "extractor: gsm8k_number", "extractor: gsm8k_numbr")
    line = _invoke(tmp_path, *NO_MODEL)
    assert "metric: unknown extractor 'gsm8k_numbr' (did you mean 'gsm8k_number'?); known: " in line
    assert "last_number" in line


def test_multiple_choice_metric_outside_acc(tmp_path):
    write_mc_task(tmp_path / "tasks")
    _edit_task(tmp_path, "metrics: [acc_norm]", "metrics: [exact_match]", name="tmc")
    result = CliRunner().invoke(app, ["run", *NO_MODEL, "--task", "tmc", "--task-path", str(tmp_path / "tasks"),
                                      "--output", str(tmp_path / "out"), "--no-progress"])
    assert result.exit_code == 2
    assert "unknown multiple_choice metric 'exact_match'; known: acc, acc_norm" in result.stderr


@pytest.mark.parametrize("url,problem", [
    ("localhost:8000/v1", "it must start with http:// or https://"),
    ("ftp://host/v1", "it must start with http:// or https://"),
    ("http:///v1", "it names no host"),
    ("http://host:99999/v1", "Port out of range 0-65535"),
    ("http://host/v 1", "it contains whitespace"),
])
@pytest.mark.parametrize("flag", ["--base-url", "--judge-base-url"])
def test_invalid_base_url(tmp_path, flag, url, problem):
    line = _invoke(tmp_path, *NO_MODEL, flag, url)
    assert line == f"error: {flag} {url!r} is not a valid URL: {problem} (e.g. http://127.0.0.1:8000/v1)"


def test_invalid_url_is_shown_without_credentials(tmp_path):
    line = _invoke(tmp_path, *NO_MODEL, "--base-url", "htp://user:sk-secret@host/v1?key=sk-other")
    assert "sk-secret" not in line and "sk-other" not in line and "'htp://***@host/v1'" in line


def test_valid_urls_pass(tmp_path):
    # A good URL gets past the checks: the error is now the model's own (it is loaded after the checks).
    result = CliRunner().invoke(app, ["run", *NO_MODEL, "--base-url", "https://api.example.com:8443/v1",
                                      "--output", str(tmp_path / "o"), "--task", "gsm8k_mini", "--no-progress"])
    assert result.exit_code == 2 and "model path /nonexistent/model does not exist" in result.stderr


@pytest.mark.parametrize("spec,msg", [
    ("gpt-4o", "error: --judge 'gpt-4o': unknown model spec. Use one of: "),
    ("openai:", "error: --judge 'openai:': nothing after 'openai:' (e.g. openai:NAME_OR_PATH)"),
    ("hff:/x", "error: --judge 'hff:/x': unknown model spec."),
])
def test_invalid_judge_spec(tmp_path, spec, msg):
    assert _invoke(tmp_path, *NO_MODEL, "--judge", spec).startswith(msg)


@pytest.mark.parametrize("run_id", ["../escape", ".hidden", "a/b", ""])
def test_run_id_must_be_a_plain_name(tmp_path, run_id):
    line = _invoke(tmp_path, *NO_MODEL, "--run-id", run_id)
    assert line.startswith(f"error: --run-id {run_id!r} must be a plain name")


def test_unreadable_cache_names_file_and_fix(tmp_path):
    (tmp_path / "c.sqlite").write_bytes(b"garbage, not a database\n" * 100)
    line = _invoke(tmp_path, *NO_MODEL)
    assert line.startswith(f"error: cache file {tmp_path / 'c.sqlite'} is unreadable (")
    assert line.endswith("delete it (cached responses are recomputed) or run with --no-cache")
    assert not any(p.name.startswith(".") for p in (tmp_path / "out").glob("*/*"))  # its temp dir was removed


def test_missing_target_names_file_field_and_record_before_any_model_call(tmp_path):
    tasks = tmp_path / "tasks"
    write_gen_task(tasks, n=3)
    data = tasks / "tgen" / "test.jsonl"
    rows = [json.loads(line) for line in data.read_text().splitlines()]
    del rows[1]["answer"]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    line = _invoke(tmp_path, "--model", "default")
    assert line.startswith(f"error: task 'tgen': {data} record 2 could not be read (MissingTarget: no target: "
                           "field 'answer' is missing or null (prompt.target `answer.split('####')[-1].strip()` in ")
    assert not (tmp_path / "c.sqlite").exists() or _rows(tmp_path / "c.sqlite") == 0
    assert list((tmp_path / "out").glob("*/*")) == []


def test_null_target_with_a_plain_field(tmp_path):
    tasks = tmp_path / "tasks"
    write_mc_task(tasks, n=3)
    data = tasks / "tmc" / "test.jsonl"
    rows = [json.loads(line) for line in data.read_text().splitlines()]
    rows[2]["answer"] = None
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = CliRunner().invoke(app, ["run", "--model", "default", "--task", "tmc", "--task-path", str(tasks),
                                      "--output", str(tmp_path / "out"), "--no-cache", "--no-progress"])
    assert result.exit_code == 2
    assert (f"error: task 'tmc': {data} record 3 could not be read (MissingTarget: no target: field 'answer' is "
            "missing or null (prompt.target `answer` in ") in result.stderr


def _rows(path: Path) -> int:
    import sqlite3

    return sqlite3.connect(path).execute("SELECT COUNT(*) FROM responses").fetchone()[0]


def test_one_line_error_from_a_real_process(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "eval_anything.cli", "run", *NO_MODEL, "--task", "gsm8k_mini",
                           "--base-url", "not a url", "--output", str(tmp_path)], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == ("error: --base-url 'not a url' is not a valid URL: it contains whitespace "
                           "(e.g. http://127.0.0.1:8000/v1)\n")


def test_invalid_openai_base_url_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "127.0.0.1:8000/v1")
    line = _invoke(tmp_path, "--model", "openai:some-model")
    assert line == ("error: OPENAI_BASE_URL '127.0.0.1:8000/v1' is not a valid URL: it must start with http:// or "
                    "https:// (e.g. http://127.0.0.1:8000/v1)")
