"""A fault-injecting OpenAI-compatible chat server for tests and perf: what a healthy server never does.

Plain asyncio + a minimal HTTP/1.1 (keep-alive) parser, so that a fault can be anything on the wire: 429 with
Retry-After, 5xx, a hang past the client's timeout, a 200 whose JSON is cut off, a connection dropped without a
response, a 200 with no choices. Loopback only; it exits by itself after `--lifetime` seconds or when its parent
process goes away.

Run:  python tests/servers/fault_server.py [--lifetime 600]   (prints "FAULT_SERVER_PORT <port>", then serves)
Control (JSON over HTTP, used by `FaultServer` below):
  POST /_config  {latency, fail_rate, fail_kinds, seed, retry_after, script, hang, reply, keep_bodies}
                 replaces the config and clears the log; reply: "echo" (the last user text), "parts" (counts of
                 the media parts received), or a fixed text
  GET  /_log     {"requests": [...]}: one entry per chat request: key (hash of the messages), attempt (how many
                 times that key was seen), outcome, timing, auth header, model, max_tokens, body if keep_bodies
Faults ("401-echo" answers 401 with the request's key and URL in the message): `script` applies to chat requests in arrival order ("ok" = none); after it, a request fails with
probability `fail_rate`, decided by hash(seed, key, attempt) so that the same run sees the same faults in any order.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

FAULT_KINDS = ("400", "401", "403", "404", "429", "500", "502", "503", "timeout", "malformed", "drop", "empty",
               "401-echo")
DEFAULTS: dict[str, Any] = {
    "latency": 0.0, "fail_rate": 0.0, "fail_kinds": ["500"], "seed": 0, "retry_after": None, "script": [],
    "hang": 30.0, "reply": "echo", "keep_bodies": False,
}
REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error",
           502: "Bad Gateway", 503: "Service Unavailable"}


class State:
    def __init__(self) -> None:
        self.config = dict(DEFAULTS)
        self.log: list[dict[str, Any]] = []
        self.seen: dict[str, int] = {}
        self.n_chat = 0
        self.t0 = time.monotonic()

    def reset(self, config: dict[str, Any]) -> None:
        unknown = set(config) - set(DEFAULTS)
        if unknown:
            raise ValueError(f"unknown config keys {sorted(unknown)}")
        bad = [k for k in list(config.get("fail_kinds", [])) + list(config.get("script", []))
               if k not in FAULT_KINDS and k != "ok"]
        if bad:
            raise ValueError(f"unknown fault kinds {bad}; use {FAULT_KINDS} or ok")
        self.config = {**DEFAULTS, **config}
        self.log, self.seen, self.n_chat, self.t0 = [], {}, 0, time.monotonic()

    def decide(self, key: str) -> tuple[int, str]:
        attempt = self.seen.get(key, 0) + 1
        self.seen[key] = attempt
        i = self.n_chat
        self.n_chat += 1
        cfg = self.config
        if i < len(cfg["script"]):
            return attempt, cfg["script"][i]
        h = hashlib.sha256(f"{cfg['seed']}:{key}:{attempt}".encode()).digest()
        r = int.from_bytes(h[:8], "big") / 2**64
        if r < cfg["fail_rate"]:
            kinds = cfg["fail_kinds"]
            return attempt, kinds[int.from_bytes(h[8:16], "big") % len(kinds)]
        return attempt, "ok"


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    for m in reversed(messages):
        if m.get("role") == "user":
            c = m.get("content")
            if isinstance(c, str):
                return c
            return "".join(p.get("text", "") for p in c or [] if p.get("type") == "text")
    return ""


def _media_counts(messages: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for m in messages:
        if isinstance(m.get("content"), list):
            for p in m["content"]:
                counts[p.get("type", "?")] = counts.get(p.get("type", "?"), 0) + 1
    return counts


def _completion(body: dict[str, Any], reply: str, key: str) -> dict[str, Any]:
    if reply == "echo":
        text = f"echo: {_last_user_text(body.get('messages', []))}"
    elif reply == "parts":  # which content parts arrived, e.g. "image_url=4 input_audio=1"
        counts = _media_counts(body.get("messages", []))
        text = " ".join(f"{k}={v}" for k, v in sorted(counts.items()) if k != "text") or "none"
    else:
        text = reply
    words = text.split()
    max_tokens = body.get("max_tokens") or body.get("max_completion_tokens")
    finish = "stop"
    if isinstance(max_tokens, int) and len(words) > max_tokens:
        text, finish = " ".join(words[:max_tokens]), "length"
    return {
        "id": f"chatcmpl-{key[:12]}", "object": "chat.completion", "created": int(time.time()),
        "model": body.get("model", ""),
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}],
        "usage": {"prompt_tokens": len(json.dumps(body.get("messages", [])).split()),
                  "completion_tokens": len(text.split()), "total_tokens": 0},
    }


def _response(status: int, body: bytes, headers: dict[str, str] | None = None, ctype="application/json") -> bytes:
    head = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}", f"Content-Type: {ctype}",
            f"Content-Length: {len(body)}"]
    head += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def _chat(state: State, headers: dict[str, str], raw: bytes, writer: asyncio.StreamWriter) -> bool:
    """Handle one chat request. Returns False when the connection must be closed (fault)."""
    t_recv = time.monotonic() - state.t0
    try:
        body = json.loads(raw)
    except ValueError:
        writer.write(_response(400, b'{"error": {"message": "request body is not JSON"}}'))
        return True
    key = hashlib.sha256(json.dumps(body.get("messages"), sort_keys=True).encode()).hexdigest()
    attempt, outcome = state.decide(key)
    cfg = state.config
    entry = {"key": key, "attempt": attempt, "outcome": outcome, "t_recv": round(t_recv, 4),
             "auth": headers.get("authorization"), "model": body.get("model"), "max_tokens": body.get("max_tokens"),
             "temperature": body.get("temperature"), "seed": body.get("seed"), "stop": body.get("stop"),
             "top_p": body.get("top_p"), "parts": _media_counts(body.get("messages", []))}
    if cfg["keep_bodies"]:
        entry["body"] = body
    state.log.append(entry)
    if cfg["latency"]:
        await asyncio.sleep(cfg["latency"])
    entry["t_done"] = round(time.monotonic() - state.t0, 4)
    if outcome == "ok":
        writer.write(_response(200, json.dumps(_completion(body, cfg["reply"], key)).encode()))
        return True
    if outcome in ("429", "503"):
        extra = {"Retry-After": str(cfg["retry_after"])} if cfg["retry_after"] is not None else {}
        writer.write(_response(int(outcome), b'{"error": {"message": "injected: slow down"}}', extra))
        return True
    if outcome == "400":
        writer.write(_response(400, b'{"error": {"message": "injected: bad request"}}'))
        return True
    if outcome == "401-echo":  # as real servers do: the rejected key (and the URL it came with) in the message
        key = (headers.get("authorization") or "").removeprefix("Bearer ").strip()
        msg = f"Incorrect API key provided: {key}. Request: {headers.get(':target', '')}"
        writer.write(_response(401, json.dumps({"error": {"message": msg}}).encode()))
        return True
    if outcome in ("401", "403", "404"):  # what a wrong key or a wrong model name gets, every time
        msg = {"401": "invalid api key", "403": "forbidden", "404": "model not found"}[outcome]
        writer.write(_response(int(outcome), json.dumps({"error": {"message": f"injected: {msg}"}}).encode()))
        return True
    if outcome in ("500", "502"):
        writer.write(_response(int(outcome), b'{"error": {"message": "injected server error"}}'))
        return True
    if outcome == "malformed":
        good = json.dumps(_completion(body, cfg["reply"], key)).encode()
        writer.write(_response(200, good[: len(good) // 2]))  # a 200 whose JSON is cut in half
        return True
    if outcome == "empty":  # well-formed JSON, but no answer in it
        writer.write(_response(200, json.dumps({"id": "x", "object": "chat.completion", "choices": []}).encode()))
        return True
    if outcome == "timeout":
        await asyncio.sleep(cfg["hang"])
        return False
    return False  # drop: close without a byte of response


async def _handle(state: State, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                return
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = (lines[0].split(" ", 2) + ["", ""])[:3]
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    k, v = line.split(":", 1)
                    headers[k.strip().lower()] = v.strip()
            raw = await reader.readexactly(int(headers.get("content-length", "0") or 0))
            headers[":target"] = target
            path = target.split("?", 1)[0]
            keep = True
            if method == "POST" and path.endswith("/chat/completions"):
                keep = await _chat(state, headers, raw, writer)
            elif method == "GET" and path.endswith("/models"):
                writer.write(_response(200, json.dumps({"object": "list", "data": [
                    {"id": "fault-model", "object": "model", "owned_by": "tests"}]}).encode()))
            elif method == "GET" and path == "/_log":
                writer.write(_response(200, json.dumps({"requests": state.log}).encode()))
            elif method == "POST" and path == "/_config":
                try:
                    state.reset(json.loads(raw or b"{}"))
                    writer.write(_response(200, json.dumps(state.config).encode()))
                except ValueError as e:
                    writer.write(_response(400, json.dumps({"error": str(e)}).encode()))
            else:
                writer.write(_response(404, b'{"error": {"message": "not found"}}'))
            if not keep or headers.get("connection", "").lower() == "close":
                return
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        return
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def serve(port: int, lifetime: float) -> None:
    state = State()
    server = await asyncio.start_server(lambda r, w: _handle(state, r, w), "127.0.0.1", port, backlog=512)
    print(f"FAULT_SERVER_PORT {server.sockets[0].getsockname()[1]}", flush=True)
    parent = os.getppid()
    deadline = time.monotonic() + lifetime
    async with server:
        # Bounded: stop at the deadline or as soon as the process that started us is gone.
        while time.monotonic() < deadline and os.getppid() == parent:
            await asyncio.sleep(0.5)


class FaultServer:
    """Starts the server as a subprocess (own interpreter, so its work never competes with the client's GIL)."""

    def __init__(self, lifetime: float = 600.0) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--lifetime", str(lifetime)],
            stdout=subprocess.PIPE, text=True,
        )
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line.startswith("FAULT_SERVER_PORT "):
            self.proc.kill()
            raise RuntimeError(f"fault server did not start (got {line!r})")
        self.port = int(line.split()[1])
        self.base_url = f"http://127.0.0.1:{self.port}/v1"

    def _call(self, method: str, path: str, payload: dict | None = None) -> Any:
        data = json.dumps(payload).encode() if payload is not None else None
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())

    def configure(self, **config: Any) -> dict:
        return self._call("POST", "/_config", config)

    def log(self) -> list[dict[str, Any]]:
        return self._call("GET", "/_log")["requests"]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc.stdout:
            self.proc.stdout.close()

    def __enter__(self) -> "FaultServer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--lifetime", type=float, default=600.0, help="seconds before the server exits by itself")
    args = ap.parse_args()
    try:
        asyncio.run(serve(args.port, args.lifetime))
    except KeyboardInterrupt:
        pass
