"""eval_anything/scrub.py: each rule with hand-written expected output, both sides of every guard, JSON stays
valid, and every write boundary applies it (run directory, cache, site, logs, config record)."""

from __future__ import annotations

import json
import logging
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eval_anything import scrub
from eval_anything.scrub import (
    MASK,
    public_url,
    register_secret,
    register_url_secrets,
    scrub_text,
)


@pytest.fixture(autouse=True)
def _clean(monkeypatch):
    for name in list(__import__("os").environ):
        if scrub._ENV_NAME.search(name):
            monkeypatch.delenv(name)
    monkeypatch.setattr(scrub, "_registered", set())


def test_known_values_from_the_environment(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "abcd1234efgh")
    monkeypatch.setenv("HF_TOKEN", "tok-0987654321")
    monkeypatch.setenv("MY_SECRET", "short")            # under MIN_SECRET_LEN: not a secret
    monkeypatch.setenv("TOKENIZERS_PARALLELISM", "falsefalse")  # name does not end in TOKEN
    monkeypatch.setenv("DB_PASSWORD", "true")            # a flag value: too short to be a secret
    monkeypatch.setenv("X_CREDENTIALS", "with space inside")
    monkeypatch.setenv("EIGHT_KEY", "8chars-k")          # exactly MIN_SECRET_LEN
    monkeypatch.setenv("SEVEN_KEY", "7chars-")
    assert scrub.known_secrets() == ["tok-0987654321", "abcd1234efgh", "8chars-k"]
    assert scrub_text("key abcd1234efgh and tok-0987654321 short falsefalse") == \
        f"key {MASK} and {MASK} short falsefalse"
    assert scrub_text("abcd1234efgh\\") == MASK + "\\"  # a value at the start, a backslash at the very end


def test_min_length_guard_both_sides():
    register_secret("1234567")   # 7 characters
    register_secret("12345678")  # 8 characters
    register_secret(None)
    register_secret(12345678)
    assert scrub.known_secrets() == ["12345678"]
    assert scrub_text("1234567 / 12345678") == f"1234567 / {MASK}"


def test_longest_value_masked_whole():
    register_secret("abcdefgh")
    register_secret("abcdefgh-longer")
    assert scrub_text("x abcdefgh-longer y abcdefgh") == f"x {MASK} y {MASK}"


def test_url_credentials_and_query_parameters():
    assert scrub_text("see http://bob:pw@host:80/v1 now") == f"see http://{MASK}@host:80/v1 now"
    assert scrub_text("https://token@host/x") == f"https://{MASK}@host/x"
    assert scrub_text("mail bob@host.org") == "mail bob@host.org"  # no scheme: not a URL credential
    assert scrub_text("http://h/v1?api-key=AAA&x=1&token=BBB#f") == f"http://h/v1?api-key={MASK}&x=1&token={MASK}#f"
    assert scrub_text("?key=1&access_token=2;sig=3&Api_Key=4") == f"?key={MASK}&access_token={MASK};sig={MASK}&Api_Key={MASK}"
    assert scrub_text("?page=2&keyword=cat&monkey=3") == "?page=2&keyword=cat&monkey=3"
    assert scrub_text("a=1 and key=5") == "a=1 and key=5"  # not in a query string
    assert scrub_text("&amp;api-key=SECRET") == f"&amp;api-key={MASK}"  # HTML-escaped '&' is still a separator


def test_key_shapes_and_free_text_assignments():
    assert scrub_text("sk-abcdefgh1234 sk-abc") == f"sk-{MASK} sk-abc"
    assert scrub_text("Authorization: Bearer abcdef0123456789") == f"Authorization: Bearer {MASK}"
    assert scrub_text("Bearer abcdefghijklmnopq") == "Bearer abcdefghijklmnopq"  # no digit: prose
    assert scrub_text("Basic understanding of tokens") == "Basic understanding of tokens"
    assert scrub_text("hf_abcdefghijklmnop1234 ghp_abcdefghijklmnop1234") == f"hf_{MASK} {MASK}"
    assert scrub_text("AKIAABCDEFGHIJKLMNOP xoxb-1234-abcd") == f"{MASK} {MASK}"
    assert scrub_text('{"api_key": "s3cr3t-value"}') == f'{{"api_key": "{MASK}"}}'
    assert scrub_text("password=hunter22, user=bob") == f"password={MASK}, user=bob"
    assert scrub_text('"api_key": "***"') == '"api_key": "***"'
    assert scrub_text('"api_key_env": "OPENAI_API_KEY"') == '"api_key_env": "OPENAI_API_KEY"'
    assert scrub_text("password: abc") == "password: abc"  # under 4 characters: not a value
    # Inside a longer word a shape is not a key; at the start of the text or after punctuation it is.
    assert scrub_text("disk-abcdefgh1234 xhf_abcdefghijklmnop1234") == "disk-abcdefgh1234 xhf_abcdefghijklmnop1234"
    assert scrub_text("sk-abcdefgh1234") == f"sk-{MASK}" and scrub_text("(sk-abcdefgh1234)") == f"(sk-{MASK})"
    assert scrub_text("myapi_key=abcd1234 ;api_key=abcd1234") == f"myapi_key=abcd1234 ;api_key={MASK}"
    assert scrub_text("xapi_key=abcd1234") == "xapi_key=abcd1234"
    assert scrub_text("_api_key=abcd1234") == "_api_key=abcd1234"
    assert scrub_text("api_key=abcd1234") == f"api_key={MASK}"
    assert scrub_text("password=hunter22 key token secret") == f"password={MASK} key token secret"
    assert scrub_text("AKIAABCDEFGHIJKLMNOPQ") == "AKIAABCDEFGHIJKLMNOPQ"  # 17 characters: not the shape
    assert scrub_text("Client-Secret=verysecret Passwd: hunter22") == f"Client-Secret={MASK} Passwd: {MASK}"
    assert scrub_text("xBearer abcdef0123456789") == "xBearer abcdef0123456789"
    assert scrub_text("") == ""


def test_json_stays_valid_around_escapes():
    register_secret("nSECRET123")
    doc = {"a": "x\nSECRET123", "b": "\\nSECRET123", "c": "nSECRET123", "d": "\\\\nSECRET123"}
    out = json.loads(scrub_text(json.dumps(doc)))
    assert out == {"a": "x" + MASK, "b": "\\" + MASK, "c": MASK, "d": "\\\\" + MASK}


def test_public_url_and_registration():
    assert public_url("http://u:p@h:8000/v1?api-key=abc&x=1&token=t#frag") == \
        f"http://h:8000/v1?api-key={MASK}&x=1&token={MASK}#frag"
    assert public_url("https://api.openai.com/v1") == "https://api.openai.com/v1"
    assert public_url("http://[::1]:8000/v1?a=&token=t") == f"http://[::1]:8000/v1?a=&token={MASK}"
    assert public_url("file:///srv/x?key=k") == f"file:///srv/x?key={MASK}"
    assert public_url(None) is None and public_url("") == ""
    register_url_secrets("http://user:pw-12345678@h/v1?api-key=qk-12345678&page=123456789")
    assert scrub.known_secrets() == ["pw-12345678", "qk-12345678"]


def test_config_secrets_are_registered_before_a_run():
    from eval_anything.config import RunConfig

    cfg = RunConfig(model="hf:x", model_args={"hf_token": "tok-abcdefgh1", "api_key_env": "SOME_VARIABLE",
                                              "batch_size": 12345678},
                    judge_args={"Password": "pw-abcdefgh2"}, base_url="http://u:urlpw-abcdefgh3@h/v1?token=q-abcdefgh4",
                    judge_base_url="http://j:judgepw-abcdefgh5@h/v1")
    scrub.register_config_secrets(cfg)
    assert scrub.known_secrets() == ["judgepw-abcdefgh5", "urlpw-abcdefgh3", "tok-abcdefgh1", "pw-abcdefgh2",
                                     "q-abcdefgh4"]  # longest first


def test_scrub_walks_objects():
    register_secret("zzzzzzzz9")
    assert scrub.scrub({"k zzzzzzzz9": ["zzzzzzzz9", 1, None, ("zzzzzzzz9",)]}) == \
        {f"k {MASK}": [MASK, 1, None, (MASK,)]}


def test_log_records_are_scrubbed(caplog, monkeypatch):
    register_secret("logsecret-123")
    monkeypatch.setattr(scrub, "_installed", False)
    previous = logging.getLogRecordFactory()
    logging.setLogRecordFactory(logging.LogRecord)  # start from logging's own factory
    try:
        scrub.install_log_scrubbing()
        scrub.install_log_scrubbing()  # twice: installed once
        factory = logging.getLogRecordFactory()
        assert factory is not logging.LogRecord
        _assert_scrubbed_logs(caplog)
        bad = factory("n", logging.INFO, "f", 1, "%d items", ("x",), None)  # a bad format: left to logging
        assert (bad.msg, bad.args) == ("%d items", ("x",))
        assert factory("n", logging.INFO, "f", 1, "plain", None, None).msg == "plain"
    finally:
        logging.setLogRecordFactory(previous)


def _assert_scrubbed_logs(caplog):
    with caplog.at_level(logging.WARNING):
        logging.getLogger("eval_anything.test").warning("failed with %s at %s", "logsecret-123", "http://a:b@h")
    assert caplog.messages == [f"failed with {MASK} at http://{MASK}@h"]


def test_every_write_boundary_scrubs(tmp_path):
    from eval_anything.cache import ResponseCache
    from eval_anything.config import RunConfig
    from eval_anything.rundir import atomic_write
    from eval_anything.types import Response
    from leaderboard.siteio import write_site_text

    register_secret("boundary-secret-1")
    atomic_write(tmp_path / "r.json", '{"e": "boundary-secret-1"}')
    assert (tmp_path / "r.json").read_text() == f'{{"e": "{MASK}"}}'
    write_site_text(tmp_path / "p.html", "<p>boundary-secret-1</p>")
    assert (tmp_path / "p.html").read_text() == f"<p>{MASK}</p>"
    cache = ResponseCache(tmp_path / "c.sqlite")
    cache.put_many([("k", "fp", "tv", "rh", Response(text="echo boundary-secret-1"))])
    assert cache.get_many(["k"])["k"].text == f"echo {MASK}"
    cache.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("c.sqlite*"))
    assert b"boundary-secret-1" not in raw
    cfg = RunConfig(model="openai:m", base_url="http://u:boundary-secret-1@h/v1?api-key=k&x=1",
                    judge_base_url="https://j:p@jh/v1", model_args={"api_key": "a", "temperature": 0})
    pub = cfg.public_dict()
    assert pub["base_url"] == f"http://h/v1?api-key={MASK}&x=1"
    assert pub["judge_base_url"] == "https://jh/v1"
    assert pub["model_args"] == {"api_key": MASK, "temperature": 0}
    with sqlite3.connect(tmp_path / "c.sqlite") as conn:
        assert conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0] == 1



_SECRET = "hyp-SECRET-4711"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=40), st.text(max_size=40), st.sampled_from(["", "\\", "\\\\", '"', "://u:", "?api_key="]))
def test_a_known_secret_never_survives_and_json_stays_json(before, after, glue):
    scrub._registered.add(_SECRET)
    doc = {"error": before + glue + _SECRET + after, _SECRET: [before, _SECRET]}
    out = scrub_text(json.dumps(doc, ensure_ascii=False))
    assert _SECRET not in out
    back = json.loads(out)
    assert MASK in back["error"] and list(back) == ["error", MASK] and back[MASK][1] == MASK
