"""No secret reaches disk: a real CLI run against the loopback fault server (which echoes the rejected key and the
request URL in its 401 message, and answers other requests with a text that repeats the keys), then a site build;
every byte of every file under the output, the cache (with its WAL files), the site and the captured console logs
is searched for each secret."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.servers.fault_server import FaultServer

SECRETS = {
    "env": "envkey-7Q2W9E4R1T6Y",          # OPENAI_API_KEY (not the key used: --model-args api_key wins)
    "arg": "argkey-3M8N5B2V7C1X",          # --model-args api_key=...: the key sent, echoed by the 401
    "url_pw": "urlpass-5K9J3H7G2F",        # http://user:PASSWORD@host
    "query": "querykey-8L4P6O2I9U",        # ?api-key=...
    "judge_pw": "judgepass-1Z5X9C3V7B",    # --judge-base-url http://user:PASSWORD@host
    "hf": "hftoken-4A8S2D6F0G",            # HF_TOKEN in the environment
    "shape": "sk-shapeonly0123456789abcd",  # never configured anywhere: only its shape gives it away
}


@pytest.fixture(scope="module")
def server():
    s = FaultServer(lifetime=300)
    yield s
    s.stop()


def _cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from eval_anything.cli import main; main()", *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)


def _files(*roots: Path) -> list[Path]:
    out = []
    for root in roots:
        out.extend(p for p in ([root] if root.is_file() else sorted(root.rglob("*"))) if p.is_file())
    return out


def test_no_secret_in_any_file_a_run_cache_and_site_write(server, tmp_path):
    reply = (f"I was told {SECRETS['env']} and {SECRETS['arg']}; see http://admin:{SECRETS['url_pw']}@h/x "
             f"with Authorization: Bearer {SECRETS['shape']} and ?token={SECRETS['query']}. #### 93")
    server.configure(script=["401-echo", "401-echo"], reply=reply)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENAI_API_KEY": SECRETS["env"], "HF_TOKEN": SECRETS["hf"],
           "EVAL_ANYTHING_HOME": str(tmp_path / "home"), "HF_HUB_OFFLINE": "1"}
    # (A user:password@ in the model's URL would be sent as Basic auth instead of the key; it is tested in the
    # judge URL, which is recorded, and in the reply text.)
    base = f"http://127.0.0.1:{server.port}/v1?api-key={SECRETS['query']}"
    cache = tmp_path / "cache" / "cache.sqlite"
    r = _cli(["run", "--model", "openai:fault-model", "--task", "gsm8k_mini", "--limit", "4", "--output",
              str(tmp_path / "runs"), "--cache-path", str(cache), "--base-url", base,
              "--model-args", f"api_key={SECRETS['arg']},max_retries=0", "--no-progress",
              "--judge", "openai:judge", "--judge-base-url", f"http://j:{SECRETS['judge_pw']}@127.0.0.1:9/v1"],
             env, tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    log = server.log()
    # The secrets really travelled: the key sent was the --model-args one, and the URL kept its query string.
    assert [e["auth"] for e in log] == [f"Bearer {SECRETS['arg']}"] * 4, (log, r.stdout, r.stderr)
    run_dir = next((tmp_path / "runs").rglob("run.json")).parent
    records = [json.loads(line) for line in (run_dir / "samples" / "gsm8k_mini.jsonl").read_text().splitlines()]
    errors = [rec["error"] for rec in records if rec["error"]]
    assert len(errors) == 2 and all("Incorrect API key provided: ***" in e for e in errors), errors
    assert sum(1 for rec in records if rec["response"] and "#### 93" in rec["response"]) == 2
    config = json.loads((run_dir / "run.json").read_text())["config"]
    assert config["base_url"] == f"http://127.0.0.1:{server.port}/v1?api-key=***"
    assert config["judge_base_url"] == "http://127.0.0.1:9/v1"
    assert config["model_args"]["api_key"] == "***"

    site_out = tmp_path / "site"
    b = subprocess.run([sys.executable, "-m", "leaderboard", str(tmp_path / "runs"), "--out", str(site_out)],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert b.returncode == 0, b.stderr[-2000:]
    assert (site_out / "index.html").is_file()

    files = _files(tmp_path / "runs", cache.parent, site_out)
    assert any(p.name == "cache.sqlite" for p in files) and any(p.suffix == ".jsonl" for p in files)
    console = (tmp_path / "console.log")
    console.write_text(r.stdout + r.stderr + b.stdout + b.stderr)
    leaks = [(str(p.relative_to(tmp_path)), name) for p in files + [console]
             for name, secret in SECRETS.items() if secret.encode() in p.read_bytes()]
    assert leaks == []
    # The cache holds the two good replies, scrubbed (a cache hit never serves a key back).
    import sqlite3

    with sqlite3.connect(cache) as conn:
        rows = [json.loads(v)["text"] for (v,) in conn.execute("SELECT response FROM responses")]
    assert len(rows) == 2 and all(t.startswith("I was told *** and ***; see http://***@h/x") for t in rows)
