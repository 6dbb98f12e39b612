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
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"
MIN_SECRET_LEN = 8

_ENV_NAME = re.compile(r"(?:^|_)(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?)$", re.IGNORECASE)
_NOT_SECRET = {"true", "false", "none", "null", "empty"}
# Query parameters whose value is a credential (compared lower-case, '-' read as '_').
SECRET_PARAMS = frozenset({
    "key", "api_key", "apikey", "token", "access_token", "auth", "auth_token", "authorization", "password",
    "passwd", "pwd", "secret", "client_secret", "sig", "signature", "session", "sessionid", "refresh_token",
    "id_token", "x_api_key", "subscription_key", "code",
})

_registered: set[str] = set()
_lock = threading.Lock()

_URL_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<info>[^\s/@\"'\\<>]+)@")
_QUERY_PARAM = re.compile(r"(?P<lead>[?&;])(?P<name>[A-Za-z_-]+)=(?P<value>[^&;#\s\"'\\<>]*)")
_SHAPES = [
    (re.compile(r"\bsk-[A-Za-z0-9_-]{8,}"), "sk-" + MASK),
    # An Authorization value: at least 16 characters with a digit, so prose ("Basic understanding") stays.
    (re.compile(r"\b(Bearer|Basic)\s+(?=[A-Za-z0-9._~+/=-]*\d)[A-Za-z0-9._~+/=-]{16,}"), r"\1 " + MASK),
    (re.compile(r"\bhf_[A-Za-z0-9]{16,}"), "hf_" + MASK),
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{16,}"), MASK),
    (re.compile(r"\bAKIA[0-9A-Z]{16}\b"), MASK),
    (re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{8,}"), MASK),
    # `api_key: value`, "password": "value", access-token=value in free text (JSON included).
    (re.compile(r"(?P<name>\b(?:api[-_]?key|apikey|access[-_]?token|auth[-_]?token|client[-_]?secret|password"
                r"|passwd)[\"']?\s*[:=]\s*[\"']?)(?!\*\*\*)[^\s\"'&,;\\<>]{4,}", re.IGNORECASE), r"\g<name>" + MASK),
]


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


def known_secrets() -> list[str]:
    """The secret values in use now, longest first (so a value containing another is masked whole)."""
    found = set()
    for name, value in os.environ.items():
        v = value.strip()
        if _ENV_NAME.search(name) and len(v) >= MIN_SECRET_LEN and v.lower() not in _NOT_SECRET and " " not in v:
            found.add(v)
    with _lock:
        found |= _registered
    return sorted(found, key=lambda s: (-len(s), s))


_pattern_cache: dict[tuple[str, ...], re.Pattern[str]] = {}


def _known_pattern(values: list[str]) -> re.Pattern[str] | None:
    if not values:
        return None
    key = tuple(values)
    pat = _pattern_cache.get(key)
    if pat is None:
        # An odd run of backslashes before the value escapes its first character (JSON): mask that backslash too.
        pat = re.compile(r"(?:(?<!\\)(?:\\\\)*\\)?(?:" + "|".join(re.escape(v) for v in values) + ")")
        _pattern_cache.clear()
        _pattern_cache[key] = pat
    return pat


def _is_secret_param(name: str) -> bool:
    return name.lower().replace("-", "_") in SECRET_PARAMS


def _mask_param(m: re.Match[str]) -> str:
    if _is_secret_param(m.group("name")) and m.group("value") and m.group("value") != MASK:
        return f"{m.group('lead')}{m.group('name')}={MASK}"
    return m.group(0)


def _mask_known(m: re.Match[str]) -> str:
    text = m.group(0)
    slashes = len(text) - len(text.lstrip("\\"))
    return "\\" * (slashes - slashes % 2) + MASK  # keep escaped backslash pairs, drop a dangling escape


def scrub_text(text: str) -> str:
    """`text` with every secret (see the module docstring) replaced by MASK."""
    if not text:
        return text
    pat = _known_pattern(known_secrets())
    if pat is not None:
        text = pat.sub(_mask_known, text)
    text = _URL_USERINFO.sub(lambda m: m.group("scheme") + MASK + "@", text)
    text = _QUERY_PARAM.sub(_mask_param, text)
    for rx, repl in _SHAPES:
        text = rx.sub(repl, text)
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


def contains_secret(text: str, secrets: Iterable[str]) -> list[str]:
    """Which of `secrets` occur in `text` (for checks and tests)."""
    return [s for s in secrets if s and s in text]
