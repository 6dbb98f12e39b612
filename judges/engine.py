"""Calling a judge model: render -> scheduler (cached) -> parse -> one repair retry -> record.

A reply that cannot be parsed is sent back once with a repair prompt (the first reply is shown to the judge and the
expected format restated). If that also fails, the outcome is a recorded parse failure: value None, the raw replies
kept in the JudgeRecord. Repair calls are cached too, under their own task version.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from eval_anything.types import GenerationSettings, JudgeRecord, Message, Part, Request, Response
from judges.base import JudgeEnv
from judges.parse import ParseError
from judges.templates import JudgeTemplate, load_template

REPAIR_TEMPLATE = "repair.jinja"


@dataclass(frozen=True)
class Call:
    """One judge prompt: the user-message text, media parts shown before it, and how to read the reply."""

    text: str
    parse: Callable[[str], Any]
    expected_format: str  # restated in the repair prompt, e.g. 'a line "Score: N" with N from 1 to 10'
    parts: tuple[Part, ...] = ()


@dataclass(frozen=True)
class Outcome:
    value: Any  # the parsed reply, or None
    record: JudgeRecord
    error: str | None = None


def _request(messages: tuple[Message, ...], env: JudgeEnv, sample_id: str = "") -> Request:
    gen = GenerationSettings(max_new_tokens=env.max_new_tokens, temperature=0.0)
    return Request(kind="judge", messages=messages, generation=gen, task="judge", sample_id=sample_id)


def _missing_inputs(env: JudgeEnv, parts: Sequence[Part]) -> set[str]:
    caps = getattr(env.adapter, "capabilities", None)
    if caps is None:
        return set()
    return {p.type for p in parts} - set(caps.input_modalities) - {"text"}


def run_calls(env: JudgeEnv, template: JudgeTemplate, calls: Sequence[Call], description: str = "judge") -> list[Outcome]:
    """Outcomes in the order of `calls`. Calls the judge model at most twice per call (first try, repair)."""
    out: list[Outcome | None] = [None] * len(calls)
    firsts: list[int] = []
    for i, c in enumerate(calls):
        missing = _missing_inputs(env, c.parts)
        if missing:
            err = (f"judge {env.model_name} cannot read {', '.join(sorted(missing))} input; "
                   f"pass a --judge model that accepts {', '.join(sorted(missing))}")
            out[i] = Outcome(None, _record(env, template, None, None, err, 0), err)
        else:
            firsts.append(i)
    prompts = {i: (Message.user(*calls[i].parts, calls[i].text),) for i in firsts}
    first = env.scheduler.run(env.adapter, [_request(prompts[i], env) for i in firsts], template.version, description)
    to_repair: list[tuple[int, Response, str]] = []
    for i, resp in zip(firsts, first):
        if resp.error is not None:
            err = f"judge call failed: {resp.error}"
            out[i] = Outcome(None, _record(env, template, None, None, err, 1), err)
            continue
        try:
            out[i] = Outcome(calls[i].parse(resp.text or ""), _record(env, template, resp.text, None, None, 1))
        except ParseError as e:
            to_repair.append((i, resp, str(e)))
    if to_repair:
        repair = load_template(REPAIR_TEMPLATE)
        reqs = []
        for i, resp, err in to_repair:
            text = repair.render(expected_format=calls[i].expected_format, problem=err)
            reqs.append(_request(prompts[i] + (Message.assistant(resp.text or ""), Message.user(text)), env))
        second = env.scheduler.run(env.adapter, reqs, f"{template.version}:repair:{repair.hash}", f"{description} (repair)")
        for (i, resp1, err1), resp2 in zip(to_repair, second):
            raw = f"{resp1.text or ''}\n--- repair reply ---\n{resp2.text or ''}"
            if resp2.error is not None:
                err = f"judge parse failure: {err1}; repair call failed: {resp2.error}"
                out[i] = Outcome(None, _record(env, template, raw, None, err, 2), err)
                continue
            try:
                out[i] = Outcome(calls[i].parse(resp2.text or ""), _record(env, template, raw, None, None, 2))
            except ParseError as e2:
                err = f"judge parse failure: {err1}; after repair: {e2}"
                out[i] = Outcome(None, _record(env, template, raw, None, err, 2), err)
    return [_with_parsed(o) for o in out]  # type: ignore[arg-type]


def _record(env: JudgeEnv, template: JudgeTemplate, raw: str | None, parsed: Any, err: str | None,
            attempts: int) -> JudgeRecord:
    return JudgeRecord(judge_model=str(env.model_name), template=template.name, template_hash=template.hash,
                       raw_output=raw, parsed=parsed, parse_error=err, attempts=attempts)


def _with_parsed(o: Outcome) -> Outcome:
    from dataclasses import replace

    return o if o.error is not None else replace(o, record=replace(o.record, parsed=o.value))
