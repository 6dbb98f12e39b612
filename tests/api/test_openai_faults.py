"""The openai adapter against our fault-injecting server: retries, Retry-After, recorded errors, bounded concurrency."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timezone

import pytest

from eval_anything.cache import ResponseCache
from eval_anything.config import ConfigError
from eval_anything.media import media_part
from eval_anything.models.base import UnsupportedRequest
from eval_anything.models.openai_api import load, retry_after_seconds
from eval_anything.scheduler import Scheduler
from eval_anything.types import GenerationSettings, Message, Part, Request

FAST = {"backoff_base": 0.02, "backoff_max": 0.1, "timeout": 2}


def _req(text: str, **gen) -> Request:
    return Request("generate", (Message.user(text),), generation=GenerationSettings(**gen), sample_id=text)


def _adapter(server, **args):
    return load("fault-model", {**FAST, **args}, base_url=server.base_url)


def test_request_carries_settings_and_key(fault, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-123")
    a = _adapter(fault)
    [r] = a.generate([_req("hello", max_new_tokens=7, temperature=0.7, top_p=0.9, stop=("X",), seed=5)])
    assert r.ok and r.text == "echo: hello" and r.attempts == 1 and r.n_output_tokens == 2
    [entry] = fault.log()
    assert entry["model"] == "fault-model" and entry["max_tokens"] == 7
    assert (entry["temperature"], entry["top_p"], entry["stop"], entry["seed"]) == (0.7, 0.9, ["X"], 5)
    assert entry["auth"] == "Bearer sk-test-123"


def test_max_tokens_always_sent_and_stop_applied_client_side(fault):
    fault.configure(reply="one two STOP three")
    [r] = _adapter(fault).generate([_req("x", stop=("STOP",))])
    assert r.text == "one two " and fault.log()[0]["max_tokens"] == 256  # the settings' default, never omitted


def test_429_retry_after_is_honoured(fault):
    fault.configure(script=["429"], retry_after=1)
    [r] = _adapter(fault).generate([_req("slow")])
    first, second = fault.log()
    waited = second["t_recv"] - first["t_done"]
    assert r.ok and r.attempts == 2 and [first["outcome"], second["outcome"]] == ["429", "ok"]
    assert 0.95 <= waited < 1.6, waited  # backoff alone would be ~0.02 s: the header set the delay


def test_retry_after_parsing():
    assert retry_after_seconds({"retry-after": "3"}) == 3.0
    assert retry_after_seconds({"retry-after-ms": "250"}) == 0.25
    now = datetime(2026, 11, 25, 7, 0, 0, tzinfo=timezone.utc).timestamp()
    assert retry_after_seconds({"retry-after": "Wed, 25 Nov 2026 07:00:10 GMT"}, now=now) == pytest.approx(10.0)
    assert retry_after_seconds({"retry-after": "soon"}) is None and retry_after_seconds({}) is None


@pytest.mark.parametrize("kind", ["500", "502", "503", "malformed", "drop", "timeout"])
def test_transient_fault_is_retried(fault, kind):
    fault.configure(script=[kind, kind], hang=5)
    [r] = _adapter(fault, timeout=0.5).generate([_req(f"t-{kind}")])
    assert r.ok and r.text == f"echo: t-{kind}" and r.attempts == 3
    assert [e["outcome"] for e in fault.log()] == [kind, kind, "ok"]


@pytest.mark.parametrize("kind,words", [("500", "HTTP 500"), ("malformed", "malformed JSON"),
                                        ("drop", "connection error"), ("timeout", "timeout")])
def test_retries_run_out_into_a_recorded_error(fault, kind, words):
    fault.configure(fail_rate=1.0, fail_kinds=[kind], hang=5)
    [r] = _adapter(fault, max_retries=2, timeout=0.5).generate([_req("doomed")])
    assert not r.ok and r.text is None and r.attempts == 3
    assert r.error.startswith("gave up after 3 attempts") and words in r.error
    assert len(fault.log()) == 3  # exactly 1 + max_retries calls


def test_client_errors_are_not_retried(fault):
    fault.configure(fail_rate=1.0, fail_kinds=["400"])
    [r] = _adapter(fault).generate([_req("bad")])
    assert r.error.startswith("failed after 1 attempt: HTTP 400") and r.attempts == 1 and len(fault.log()) == 1


def test_a_reply_without_text_is_an_error_not_an_empty_answer(fault):
    fault.configure(fail_rate=1.0, fail_kinds=["empty"])
    [r] = _adapter(fault).generate([_req("nothing")])
    assert r.text is None and "no choices" in r.error and r.attempts == 1


def test_backoff_grows_exponentially_without_retry_after(fault):
    fault.configure(script=["503"] * 4)
    [r] = _adapter(fault, backoff_base=0.1, backoff_max=10).generate([_req("b")])
    t = [e["t_recv"] for e in fault.log()]
    gaps = [b - a for a, b in zip(t, t[1:])]
    assert r.ok and r.attempts == 5
    # Jittered in [d/2, d] with d = 0.1, 0.2, 0.4, 0.8.
    for gap, d in zip(gaps, (0.1, 0.2, 0.4, 0.8)):
        assert d / 2 - 0.01 <= gap <= d + 0.15, gaps


def test_20_percent_transient_failures_every_sample_once(fault, tmp_path):
    fault.configure(fail_rate=0.2, fail_kinds=["429", "500", "503", "malformed", "drop"], seed=7, retry_after=0.05)
    a = _adapter(fault, concurrency=16, max_retries=8)
    reqs = [_req(f"item {i}") for i in range(200)] + [_req("item 3")]  # a duplicate request is asked once
    out = Scheduler(cache=ResponseCache(tmp_path / "c.sqlite")).run(a, reqs, "faults@v1")
    assert all(r.ok for r in out) and [r.text for r in out] == [f"echo: {r.sample_id}" for r in reqs]
    log = fault.log()
    oks = Counter(e["key"] for e in log if e["outcome"] == "ok")
    assert len(oks) == 200 and set(oks.values()) == {1}  # every item answered, none twice
    failed = sum(e["outcome"] != "ok" for e in log)
    assert 20 <= failed <= 70  # about 20% of ~250 calls failed and were retried
    assert sum(r.attempts for r in out[:200]) == len(log)


def test_concurrency_is_bounded(fault):
    fault.configure(latency=0.15)
    _adapter(fault, concurrency=4).generate([_req(f"c{i}") for i in range(16)])
    log = fault.log()
    events = sorted([(e["t_recv"], 1) for e in log] + [(e["t_done"], -1) for e in log], key=lambda x: (x[0], x[1]))
    level = peak = 0
    for _, d in events:
        level += d
        peak = max(peak, level)
    assert peak == 4


def test_adapter_survives_several_event_loops(fault):
    a = _adapter(fault)
    s = Scheduler()
    assert s.run(a, [_req("loop 1")], "v")[0].ok
    assert s.run(a, [_req("loop 2")], "v")[0].ok  # the scheduler's second asyncio.run: a fresh client


def test_media_reach_the_server_as_parts(fault, media):
    fault.configure(keep_bodies=True)
    a = _adapter(fault, modalities="text,image,audio,video", num_frames=3)
    msg = Message.user("q", media_part(media["red"]), media_part(media["tone"]), media_part(media["video"]))
    [r] = a.generate([Request("generate", (msg,))])
    assert r.ok
    [entry] = fault.log()
    assert entry["parts"] == {"text": 1, "image_url": 4, "input_audio": 1}


def test_missing_modality_and_bad_media_fail_per_sample_without_a_call(fault, media):
    a = _adapter(fault)  # default modalities: text,image
    audio = Request("generate", (Message.user("hear", media_part(media["tone"])),))
    bad = Request("generate", (Message.user("see", Part(type="image", path=str(media["corrupt_image"]),
                                                        sha256="0" * 64)),), sample_id="s-bad")
    good = Request("generate", (Message.user("see", media_part(media["red"])),))
    r_audio, r_bad, r_good = Scheduler().run(a, [audio, bad, good], "v")
    assert "does not take audio input" in r_audio.error and "modalities=" in r_audio.error
    assert str(media["corrupt_image"]) in r_bad.error and r_bad.error.startswith("sample s-bad")
    assert r_good.ok and len(fault.log()) == 1


def test_loglikelihood_is_unsupported_with_a_reason(fault):
    a = _adapter(fault)
    assert a.capabilities.loglikelihood is False
    req = Request("loglikelihood", (Message.user("q"),), continuation=" A")
    with pytest.raises(UnsupportedRequest, match="log-likelihoods"):
        asyncio.run(a.agenerate_one(req))
    [r] = Scheduler().run(a, [req], "v")
    assert r.error.startswith("unsupported:") and fault.log() == []


def test_key_never_written(fault, tmp_path, monkeypatch):
    secret = "sk-SECRET-never-on-disk-42"
    monkeypatch.setenv("MY_KEY", secret)
    a = load("fault-model", {**FAST, "api_key_env": "MY_KEY"}, base_url=fault.base_url)
    cache = ResponseCache(tmp_path / "cache.sqlite")
    assert Scheduler(cache=cache).run(a, [_req("k")], "v")[0].ok and cache.count() == 1
    assert fault.log()[0]["auth"] == f"Bearer {secret}"  # it was sent...
    cache.close()
    for p in tmp_path.rglob("*"):  # ...and is nowhere on disk, nor in what run.json records
        if p.is_file():
            assert secret.encode() not in p.read_bytes(), p
    assert secret not in repr(a) and secret not in str(a.describe()) and secret not in a.fingerprint()
    b = load("fault-model", {**FAST, "api_key": "sk-other"}, base_url=fault.base_url)
    assert a.fingerprint() == b.fingerprint()  # the key does not change outputs, so not the cache key either


def test_credentials_in_the_base_url_are_not_recorded(fault):
    url = f"http://user:pw-SECRET@127.0.0.1:{fault.port}/v1?key=q-SECRET"
    a = load("fault-model", FAST, base_url=url)
    assert "SECRET" not in repr(a) + str(a.describe()) and a.describe()["base_url"].endswith(f":{fault.port}/v1")


def test_fingerprint_tracks_what_changes_outputs(fault):
    base = _adapter(fault).fingerprint()
    assert _adapter(fault, concurrency=3, max_retries=1).fingerprint() == base
    assert _adapter(fault, num_frames=4).fingerprint() != base
    assert load("other-model", FAST, base_url=fault.base_url).fingerprint() != base
    assert load("fault-model", FAST, base_url="http://127.0.0.1:1/v1").fingerprint() != base


def test_config_errors(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        load("gpt-x", {}, base_url=None)
    with pytest.raises(ConfigError, match="NOPE_KEY"):
        load("gpt-x", {"api_key_env": "NOPE_KEY"}, base_url="http://127.0.0.1:9/v1")
    with pytest.raises(ConfigError, match="unknown model args"):
        load("gpt-x", {"concurency": 3}, base_url="http://127.0.0.1:9/v1")
    with pytest.raises(ConfigError, match="modalities"):
        load("gpt-x", {"modalities": "text,smell"}, base_url="http://127.0.0.1:9/v1")
    with pytest.raises(ConfigError, match="model name"):
        load("", {}, base_url="http://127.0.0.1:9/v1")
    a = load("gpt-x", {"concurrency": 32}, base_url="http://127.0.0.1:9/v1")
    assert a.concurrent and a.max_concurrency == 32


def test_unreachable_server_is_a_recorded_error():
    with __import__("socket").socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, never listening: connections are refused
        a = load("m", {**FAST, "max_retries": 1}, base_url=f"http://127.0.0.1:{port}/v1")
        [r] = a.generate([_req("x")])
    assert r.attempts == 2 and "connection error" in r.error
