"""Secrets never reach disk: one scrubber for every text the harness writes (run directory, cache, logs, site).

`scrub_text` replaces, in this order:
1. the values of the secrets in use: every environment variable whose name ends in KEY, TOKEN, SECRET, PASSWORD,
   PASSWD or CREDENTIAL(S) (OPENAI_API_KEY, HF_TOKEN, AWS_SECRET_ACCESS_KEY, ...), and every value passed to
   `register_secret` (an `api_key=` model argument, the password of a URL); values shorter than MIN_SECRET_LEN
   characters are not treated as secrets (they would match ordinary text);
2. credentials in URLs: `scheme://user:password@host` -> `scheme://***@host`;
3. secret query parameters: `?api-key=...`, `&token=...`, `key=`, `access_token=`, `sig=`, ... -> `=***`;
4. common key shapes: `sk-...`, `Bearer ...`, `hf_...`, `ghp_...`, `AKIA...`, `xox?-...`, and
   `api_key: value` / `password=value` written in free text.
Each is replaced by MASK. The text stays valid JSON when it was JSON: a masked span never contains a quote, and a
known value preceded by an escaping backslash is masked together with that backslash.

Where it is applied (one call each, every write passes through one of them): `rundir.atomic_write` (run.json,
results.json, samples/*.jsonl), `ResponseCache.put_many` (cached response JSON), the leaderboard's `write_site_text`
(every page and data file of a site), and a log-record factory (`install_log_scrubbing`) for log messages.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"
MIN_SECRET_LEN = 8

_ENV_NAME = re.compile(r"(?:^|_)(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?)$", re.IGNORECASE)
# Query parameters whose value is a credential (compared lower-case, '-' read as '_').
SECRET_PARAMS = frozenset({
    "key", "api_key", "apikey", "token", "access_token", "auth", "auth_token", "authorization", "password",
    "passwd", "pwd", "secret", "client_secret", "sig", "signature", "session", "sessionid", "refresh_token",
    "id_token", "x_api_key", "subscription_key", "code",
})

_registered: set[str] = set()
_lock = threading.Lock()

# Patterns start with a literal or a character set, never with \b, so the regex engine can skip ahead to candidate
# positions; word boundaries are checked by a lookbehind after the literal (or in the replacement function).
_URL_USERINFO = re.compile(r"://(?P<info>[^\s/@\"'\\<>]+)@")
_QUERY_PARAM = re.compile(r"(?P<lead>[?&;])(?P<name>[A-Za-z_-]+)=(?P<value>[^&;#\s\"'\\<>]*)")
# (literal that must occur for the rule to apply, pattern, replacement): the literal check (a C substring search)
# skips a regex pass over text that cannot match, which is most text.
_SHAPES = [
    ("sk-", re.compile(r"sk-(?<![A-Za-z0-9_]sk-)[A-Za-z0-9_-]{8,}"), "sk-" + MASK),
    # An Authorization value: at least 16 characters with a digit, so prose ("Basic understanding") stays.
    ("Bearer", re.compile(r"Bearer(?<![A-Za-z0-9_]Bearer)\s+(?=[A-Za-z0-9._~+/=-]*\d)[A-Za-z0-9._~+/=-]{16,}"),
     "Bearer " + MASK),
    ("Basic", re.compile(r"Basic(?<![A-Za-z0-9_]Basic)\s+(?=[A-Za-z0-9._~+/=-]*\d)[A-Za-z0-9._~+/=-]{16,}"),
     "Basic " + MASK),
    ("hf_", re.compile(r"hf_(?<![A-Za-z0-9_]hf_)[A-Za-z0-9]{16,}"), "hf_" + MASK),
    ("gh", re.compile(r"gh(?<![A-Za-z0-9_]gh)[pousr]_[A-Za-z0-9]{16,}"), MASK),
    ("AKIA", re.compile(r"AKIA(?<![A-Za-z0-9_]AKIA)[0-9A-Z]{16}(?![A-Za-z0-9_])"), MASK),
    ("xox", re.compile(r"xox(?<![A-Za-z0-9_]xox)[abprs]-[A-Za-z0-9-]{8,}"), MASK),
]
# `api_key: value`, "password": "value", access-token=value in free text (JSON included); gated on the lower-cased
# text holding one of the words.
_ASSIGN_WORDS = ("key", "token", "secret", "passw")
_ASSIGN = re.compile(
    r"(?P<name>[AaCcPp](?:(?<=[Aa])(?i:pi[-_]?key|pikey|ccess[-_]?token|uth[-_]?token)|(?<=[Cc])(?i:lient[-_]?secret)"
    r"|(?<=[Pp])(?i:assword|asswd))[\"']?\s*[:=]\s*[\"']?)(?!\*\*\*)[^\s\"'&,;\\<>]{4,}")


def _mask_assign(m: re.Match[str]) -> str:
    start = m.start()
    if start > 0 and (m.string[start - 1].isalnum() or m.string[start - 1] == "_"):  # inside a longer word
        return m.group(0)
    return m.group("name") + MASK


def register_secret(value: Any) -> None:
    """Treat `value` as a secret from now on in this process (never stored anywhere)."""
    if isinstance(value, str) and len(value.strip()) >= MIN_SECRET_LEN:
        with _lock:
            _registered.add(value.strip())


def register_url_secrets(url: str | None) -> None:
    """The password of `user:password@host` and the values of secret query parameters of `url`."""
    if not url:
        return
    try:
        parts = urlsplit(url)
    except ValueError:
        return
    register_secret(parts.password)
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if _is_secret_param(name):
            register_secret(value)


_SECRET_ARG = re.compile(r"key|token|secret|passw|credential", re.IGNORECASE)


def register_config_secrets(config: Any) -> None:
    """The secrets a run config carries: values of secret-named model/judge arguments (`api_key=`, `hf_token=`,
    ...) and the credentials inside its base URLs. Called once when a run starts, before any request."""
    for field in ("model_args", "judge_args"):
        for k, v in (getattr(config, field, None) or {}).items():
            if _SECRET_ARG.search(str(k)) and not str(k).lower().endswith("_env"):
                register_secret(v)
    for field in ("base_url", "judge_base_url"):
        register_url_secrets(getattr(config, field, None))


def known_secrets() -> list[str]:
    """The secret values in use now, longest first (so a value containing another is masked whole)."""
    found = set()
    for name, value in os.environ.items():
        v = value.strip()
        if _ENV_NAME.search(name) and len(v) >= MIN_SECRET_LEN and " " not in v:
            found.add(v)
    with _lock:
        found |= _registered
    return sorted(found, key=lambda s: (-len(s), s))


def _mask_value(text: str, value: str) -> str:
    """Every occurrence of `value` replaced by MASK. An odd run of backslashes before it escapes its first character
    (JSON): one backslash goes with the value, so the text stays valid JSON."""
    out: list[str] = []
    pos = 0
    while (i := text.find(value, pos)) >= 0:
        j = i
        while j > pos and text[j - 1] == "\\":
            j -= 1
        out.append(text[pos : i - (i - j) % 2])
        out.append(MASK)
        pos = i + len(value)
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


def _is_secret_param(name: str) -> bool:
    return name.lower().replace("-", "_") in SECRET_PARAMS


def _mask_param(m: re.Match[str]) -> str:
    if _is_secret_param(m.group("name")) and m.group("value") and m.group("value") != MASK:
        return f"{m.group('lead')}{m.group('name')}={MASK}"
    return m.group(0)


def scrub_text(text: str) -> str:
    """`text` with every secret (see the module docstring) replaced by MASK."""
    if not text:
        return text
    for value in known_secrets():
        text = _mask_value(text, value)
    if "://" in text and "@" in text:
        text = _URL_USERINFO.sub("://" + MASK + "@", text)
    if "=" in text:
        text = _QUERY_PARAM.sub(_mask_param, text)
    for literal, rx, repl in _SHAPES:
        if literal in text:
            text = rx.sub(repl, text)
    lower = text.lower()
    if any(w in lower for w in _ASSIGN_WORDS):
        text = _ASSIGN.sub(_mask_assign, text)
    return text


def scrub(obj: Any) -> Any:
    """Scrub every string inside a JSON-like object (dict keys included)."""
    if isinstance(obj, str):
        return scrub_text(obj)
    if isinstance(obj, dict):
        return {scrub(k): scrub(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(scrub(v) for v in obj)
    return obj


def public_url(url: str | None) -> str | None:
    """`url` as it may be recorded: no user:password@, secret query parameters masked, other parameters kept."""
    if not url:
        return url
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return scrub_text(url)
    netloc = (f"[{host}]" if ":" in host else host) + (f":{port}" if port else "")
    query = urlencode([(k, MASK if _is_secret_param(k) else v)
                       for k, v in parse_qsl(parts.query, keep_blank_values=True)], safe="*")
    return scrub_text(urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)))


_installed = False


def install_log_scrubbing() -> None:
    """Scrub every log message (all loggers, all handlers) before any handler formats or writes it."""
    global _installed
    if _installed:
        return
    _installed = True
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: leave it to logging's own error report
            return record
        record.msg, record.args = scrub_text(message), None
        return record

    logging.setLogRecordFactory(factory)

