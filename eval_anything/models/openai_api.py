"""`openai:MODEL` -> any OpenAI-compatible chat server (OpenAI, `vllm serve`, `transformers serve`, ...).

Built on the `openai` async client with its own retries switched off: this adapter retries itself so that it can
count attempts, honour Retry-After exactly, and record an error Response (never raise, never return "") when the
retries run out. The scheduler runs `agenerate_one` with at most `max_concurrency` calls in flight.

model_args (all optional):
  concurrency=8            calls in flight (the runner passes --concurrency here)
  max_retries=6            retries after the first attempt, on 429, 408/409/425, 5xx, timeouts, dropped
                           connections and malformed JSON; other 4xx fail at once
  timeout=120              seconds per attempt
  backoff_base=0.5, backoff_max=30   exponential backoff with jitter: base*2^n, capped, uniform in [d/2, d]
  retry_after_max=120      longest Retry-After honoured (seconds)
  modalities=text,image    input modalities the served model takes (text,image,audio,video)
  api_key_env=OPENAI_API_KEY   environment variable holding the key; api_key=... passes it directly
  max_tokens_param=max_tokens  or max_completion_tokens (newer OpenAI models reject max_tokens)
  send_seed=true           some servers reject `seed`; false leaves it out
  num_frames=8, frame_size=336, audio_sampling_rate=16000, video_mode=frames, frame_format=jpeg  (request_building)
The key is held in memory only: it is not in the fingerprint, describe(), repr() or any error message.
"""

from __future__ import annotations

import asyncio
import email.utils
import os
import random
import time
from typing import Any, Sequence

from eval_anything.config import ConfigError
from eval_anything.failfast import FATAL_STATUSES, FailFast, hint_for
from eval_anything.models.base import Capabilities, ModelAdapter, ProgressFn, UnsupportedRequest
from eval_anything.models.generation import truncate_at_stop
from eval_anything.models.request_building import MediaOptions, RequestBuildError, build_chat_messages
from eval_anything.scrub import register_secret, register_url_secrets
from eval_anything.types import MODALITIES, Request, Response, canonical_json, sha256_text

RETRY_STATUS = {408, 409, 425, 429} | set(range(500, 600))
FINGERPRINT_VERSION = 1


def _parse_modalities(value: Any) -> frozenset[str]:
    items = value if isinstance(value, (list, tuple, set, frozenset)) else str(value).replace("+", ",").split(",")
    mods = {str(m).strip() for m in items if str(m).strip()} | {"text"}
    unknown = mods - set(MODALITIES)
    if unknown:
        raise ConfigError(f"modalities: unknown {sorted(unknown)}; use a comma list of {', '.join(MODALITIES)}")
    return frozenset(mods)


def public_url(url: str | None) -> str | None:
    """The URL without user:password@ or a query string (either may carry a credential)."""
    if not url:
        return url
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _split_query(url: str | None) -> tuple[str | None, dict[str, str] | None]:
    """A base URL's query string (`?api-version=...`, `?api-key=...`) as the client's default query: the client
    appends paths to the base URL, which would otherwise land after the query string."""
    if not url or "?" not in url:
        return url, None
    from urllib.parse import parse_qsl, urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")), dict(parse_qsl(parts.query))


def retry_after_seconds(headers: Any, now: float | None = None) -> float | None:
    """Seconds from `retry-after-ms` / `Retry-After` (delta seconds or an HTTP date); None when absent or bad."""
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class OpenAIChat(ModelAdapter):
    def __init__(self, model: str, base_url: str | None = None, api_key: str | None = None, *,
                 concurrency: int = 8, max_retries: int = 6, timeout: float = 120.0, backoff_base: float = 0.5,
                 backoff_max: float = 30.0, retry_after_max: float = 120.0,
                 modalities: Any = ("text", "image"), max_tokens_param: str = "max_tokens",
                 send_seed: bool = True, media: MediaOptions = MediaOptions()) -> None:
        if not model:
            raise ConfigError("openai: needs a model name, e.g. --model openai:gpt-4o-mini "
                              "(for vllm serve / transformers serve: the served model name or path)")
        if max_tokens_param not in ("max_tokens", "max_completion_tokens"):
            raise ConfigError("max_tokens_param must be max_tokens or max_completion_tokens")
        if int(concurrency) < 1 or int(max_retries) < 0 or float(timeout) <= 0:
            raise ConfigError("concurrency must be >= 1, max_retries >= 0, timeout > 0")
        super().__init__(name=model, capabilities=Capabilities(
            input_modalities=_parse_modalities(modalities), output_modalities=frozenset({"text"}),
            loglikelihood=False), concurrent=True, max_concurrency=int(concurrency))
        self.model = model
        self.base_url = base_url.rstrip("/") if base_url else None
        self._api_key = api_key
        self.max_retries = int(max_retries)
        self.timeout = float(timeout)
        self.backoff_base = float(backoff_base)
        self.backoff_max = float(backoff_max)
        self.retry_after_max = float(retry_after_max)
        self.max_tokens_param = max_tokens_param
        self.send_seed = bool(send_seed)
        self.media = media
        self._client: Any = None
        self._client_loop: Any = None
        self._closer: Any = None
        self._httpx: Any = None
        self._rng = random.Random()
        self.fail_fast = FailFast(what=f"server at {public_url(self.base_url) or 'api.openai.com'}")

    def __repr__(self) -> str:
        url = public_url(self.base_url)
        return f"OpenAIChat(model={self.model!r}, base_url={url!r}, concurrency={self.max_concurrency})"

    # ----- identity ---------------------------------------------------------------------------------------------
    def fingerprint(self) -> str:
        # What changes outputs: the model, the server, how requests are built. Never the key, retries or speed.
        return sha256_text(canonical_json({
            "adapter": "openai-chat", "v": FINGERPRINT_VERSION, "model": self.model,
            "base_url": public_url(self.base_url) or "https://api.openai.com/v1", "media": self.media.to_dict(),
            "max_tokens_param": self.max_tokens_param, "send_seed": self.send_seed,
        }))

    def describe(self) -> dict:
        return {**super().describe(), "adapter": "openai", "model": self.model,
                "base_url": public_url(self.base_url), "concurrency": self.max_concurrency,
                "max_retries": self.max_retries, "timeout": self.timeout, "media": self.media.to_dict(),
                "max_tokens_param": self.max_tokens_param}

    # ----- requests ---------------------------------------------------------------------------------------------
    def build_body(self, request: Request) -> dict[str, Any]:
        """The chat.completions arguments for a request (raises RequestBuildError on bad media)."""
        g = request.generation
        body: dict[str, Any] = {
            "model": self.model,
            "messages": build_chat_messages(request.messages, self.media),
            self.max_tokens_param: int(g.max_new_tokens),  # always: some servers default to 1024+ tokens
            "temperature": float(g.temperature),
            "top_p": float(g.top_p),
        }
        if g.stop:
            body["stop"] = list(g.stop)[:4]  # the OpenAI schema allows at most 4; all are applied client-side too
        if self.send_seed:
            body["seed"] = int(g.seed)
        return body

    def _get_client(self) -> Any:
        # The scheduler runs each batch in its own asyncio.run(): a client (and its pool) belongs to one loop.
        loop = asyncio.get_running_loop()
        if self._client is None or self._client_loop is not loop:
            try:  # openai >= 3 is built on httpx2; older releases on httpx (same API for what we use)
                import httpx2 as httpx
            except ImportError:
                import httpx  # type: ignore[no-redef]
            from openai import AsyncOpenAI

            self._httpx = httpx
            limits = httpx.Limits(max_connections=max(100, self.max_concurrency * 2),
                                   max_keepalive_connections=max(20, self.max_concurrency))
            base_url, query = _split_query(self.base_url)
            self._client = AsyncOpenAI(
                api_key=self._api_key or "EMPTY", base_url=base_url, timeout=self.timeout, max_retries=0,
                default_query=query, http_client=httpx.AsyncClient(limits=limits, timeout=self.timeout))
            self._client_loop = loop
            # asyncio.run() cancels leftover tasks before closing its loop: this one then closes the pool, so no
            # sockets outlive the scheduler's run.
            self._closer = loop.create_task(_close_when_cancelled(self._client))
        return self._client

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            # Honour the server exactly (plus a little jitter so that many waiters do not return in lockstep).
            return min(retry_after, self.retry_after_max) + self._rng.uniform(0, 0.05)
        d = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
        return self._rng.uniform(d / 2, d)

    def _classify(self, exc: Exception) -> tuple[bool, str, float | None]:
        """(retryable, short description, Retry-After seconds) of an exception from the client."""
        import openai

        if isinstance(exc, openai.APITimeoutError):
            return True, f"timeout after {self.timeout:g}s", None
        if isinstance(exc, openai.APIConnectionError):
            cause = exc.__cause__ or exc.__context__
            return True, f"connection error ({type(cause).__name__ if cause else 'unknown'})", None
        if isinstance(exc, openai.APIStatusError):
            status = exc.status_code
            msg = _short(getattr(exc, "message", "") or str(exc))
            return status in RETRY_STATUS, f"HTTP {status}: {msg}", retry_after_seconds(exc.response.headers)
        if isinstance(exc, openai.APIResponseValidationError):
            return True, f"invalid response body: {_short(str(exc))}", None
        if isinstance(exc, ValueError):  # a 200 whose JSON does not parse (json.JSONDecodeError)
            return True, f"malformed JSON in response: {_short(str(exc))}", None
        return False, f"{type(exc).__name__}: {_short(str(exc))}", None

    async def agenerate_one(self, request: Request) -> Response:
        if request.kind == "loglikelihood":
            raise UnsupportedRequest(
                f"{self.model} is served through a chat API, which gives no log-likelihoods of given text; "
                "multiple-choice (loglikelihood) tasks need a local model (hf:...) or vllm:...")
        missing = self.capabilities.missing_inputs(request.input_modalities)
        if missing:
            return Response.failed(
                f"model {self.model} does not take {', '.join(sorted(missing))} input (declared modalities: "
                f"{','.join(sorted(self.capabilities.input_modalities))}; set --model-args modalities=...)",
                attempts=0)
        try:
            body = self.build_body(request)
        except RequestBuildError as e:
            who = f"sample {request.sample_id}: " if request.sample_id and "sample " not in str(e) else ""
            return Response.failed(f"{who}{e}", attempts=0)
        client = self._get_client()
        started = time.perf_counter()
        errors: list[str] = []
        fatal: tuple[int | None] | None = None
        for attempt in range(1, self.max_retries + 2):
            self.fail_fast.check()  # the run is being stopped: send nothing more
            try:
                # The client's documented raw-request path: the body is already plain JSON, and skipping the SDK's
                # per-request type transform and model construction cuts the client's CPU per call (~20%).
                raw = await client.post("/chat/completions", cast_to=self._httpx.Response, body=body)
                response = self._to_response(raw.json(), request, attempt, time.perf_counter() - started)
                self.fail_fast.succeeded()
                return response
            except asyncio.CancelledError:
                raise
            except Exception as e:  # classify everything: one bad reply must not end the run
                retryable, desc, retry_after = self._classify(e)
                fatal = _fatal_status(e)
                if isinstance(e, _EmptyReply):
                    retryable, desc = False, str(e)
                errors.append(desc)
                if not retryable or attempt > self.max_retries:
                    break
                await asyncio.sleep(self._backoff(attempt, retry_after))
        if fatal is not None:  # the same 401/403/404 or refused connection again and again stops the run
            self.fail_fast.failed(errors[-1], hint_for(fatal[0]))
        n = len(errors)
        gave_up = "gave up after" if n > self.max_retries else "failed after"
        earlier = sorted(set(errors[:-1]) - {errors[-1]})
        return Response(error=f"{gave_up} {n} attempt{'s' if n != 1 else ''}: {errors[-1]}"
                        + (f" (earlier: {'; '.join(earlier)})" if earlier else ""),
                        attempts=n, latency_s=time.perf_counter() - started)

    def _to_response(self, data: Any, request: Request, attempt: int, latency: float) -> Response:
        choices = data.get("choices") if isinstance(data, dict) else None
        if not choices or not isinstance(choices[0], dict):
            raise _EmptyReply(f"response has no choices: {_short(data)}")
        msg = choices[0].get("message") or {}
        text = msg.get("content")
        if isinstance(text, list):  # some servers return content parts
            text = "".join(p.get("text", "") for p in text if isinstance(p, dict) and p.get("type") == "text")
        if not isinstance(text, str):
            refusal = msg.get("refusal")
            raise _EmptyReply(f"response has no text content (finish_reason={choices[0].get('finish_reason')}"
                              + (f", refusal={_short(refusal)}" if refusal else "") + ")")
        usage = data.get("usage") or {}
        return Response(
            text=truncate_at_stop(text, request.generation.stop),
            is_greedy=request.generation.greedy,
            n_input_tokens=usage.get("prompt_tokens"), n_output_tokens=usage.get("completion_tokens"),
            latency_s=latency, attempts=attempt,
        )

    # ----- synchronous entry points (judges, scripts) -----------------------------------------------------------
    def generate(self, requests: Sequence[Request], progress: ProgressFn | None = None) -> list[Response]:
        async def run() -> list[Response]:
            sem = asyncio.Semaphore(self.max_concurrency)

            async def one(r: Request) -> Response:
                async with sem:
                    try:
                        resp = await self.agenerate_one(r)
                    except UnsupportedRequest as e:
                        resp = Response.failed(f"unsupported: {e}")
                if progress:
                    progress(1)
                return resp

            return await asyncio.gather(*(one(r) for r in requests))

        return asyncio.run(run())

    def loglikelihood(self, requests: Sequence[Request], progress: ProgressFn | None = None) -> list[Response]:
        raise UnsupportedRequest(f"{self.model} is served through a chat API, which gives no log-likelihoods")

    def close(self) -> None:
        self._client = self._client_loop = self._closer = None


async def _close_when_cancelled(client: Any) -> None:
    try:
        await asyncio.Event().wait()
    finally:
        await client.close()


def _fatal_status(exc: Exception) -> tuple[int | None] | None:
    """(status,) for an error that every later request will repeat (401/403/404; (None,) for a refused
    connection); None for anything else (timeouts, 5xx, dropped connections may pass)."""
    import openai

    if isinstance(exc, openai.APIStatusError) and exc.status_code in FATAL_STATUSES:
        return (exc.status_code,)
    if isinstance(exc, openai.APIConnectionError) and not isinstance(exc, openai.APITimeoutError):
        cause = exc.__cause__ or exc.__context__
        if type(cause).__name__ == "ConnectError":  # nothing accepted the connection
            return (None,)
    return None


class _EmptyReply(Exception):
    """A well-formed reply without text: recorded as an error rather than as an empty answer."""


def _short(text: Any, n: int = 200) -> str:
    s = " ".join(str(text).split())
    return s if len(s) <= n else s[: n - 3] + "..."


def resolve_api_key(model_args: dict[str, Any]) -> str | None:
    """model_args api_key (from a flag) wins; else the env var named by api_key_env (default OPENAI_API_KEY)."""
    key = model_args.pop("api_key", None)
    env_name = model_args.pop("api_key_env", None)
    if key:
        return str(key)
    if env_name:
        value = os.environ.get(str(env_name))
        if not value:
            raise ConfigError(f"api_key_env={env_name}: that environment variable is not set")
        return value
    return os.environ.get("OPENAI_API_KEY") or None


def load(rest: str, model_args: dict[str, Any], base_url: str | None = None) -> OpenAIChat:
    args = dict(model_args)
    api_key = resolve_api_key(args)
    base_url = args.pop("base_url", None) or base_url or os.environ.get("OPENAI_BASE_URL")
    register_secret(api_key)  # scrubbed from everything written, wherever a server or model echoes it
    register_url_secrets(base_url)
    if api_key is None and not base_url:
        raise ConfigError("openai: no API key. Set OPENAI_API_KEY (or --model-args api_key_env=NAME), "
                          "or pass --base-url for a local server that needs none.")
    try:
        media = MediaOptions.from_model_args(args)
    except (TypeError, ValueError) as e:
        raise ConfigError(f"openai model args: {e}") from None
    known = {"concurrency", "max_retries", "timeout", "backoff_base", "backoff_max", "retry_after_max",
             "modalities", "max_tokens_param", "send_seed"}
    unknown = set(args) - known
    if unknown:
        everything = known | {"api_key", "api_key_env", "base_url", *MediaOptions().to_dict()}
        raise ConfigError(f"openai: unknown model args {sorted(unknown)}; known: {', '.join(sorted(everything))}")
    return OpenAIChat(rest, base_url, api_key, media=media, **args)
