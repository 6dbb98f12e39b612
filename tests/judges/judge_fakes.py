"""Fake judge models for tests: real ModelAdapter subclasses that answer by a rule and count their calls."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Sequence

from eval_anything.models.base import Capabilities, ModelAdapter
from eval_anything.types import Request, Response


def prompt_text(request: Request) -> str:
    return request.messages[-1].text


@dataclass
class RuleAdapter(ModelAdapter):
    """Answers every request with `rule(request)`; `calls` records every request it was asked."""

    rule: Callable[[Request], str] = lambda r: "Score: 5"
    tag: str = "rule"
    calls: list = field(default_factory=list)

    def fingerprint(self) -> str:
        return f"fake-judge:{self.tag}"

    def generate(self, requests: Sequence[Request], progress=None) -> list[Response]:
        self.calls.extend(requests)
        return [Response(text=self.rule(r)) for r in requests]


def media_adapter(rule, tag="media", inputs=("text", "image", "audio", "video")) -> RuleAdapter:
    return RuleAdapter(name=tag, rule=rule, tag=tag, capabilities=Capabilities(frozenset(inputs)))


@dataclass
class ExplodingAdapter(ModelAdapter):
    """Stands in for the evaluated model where it must never be called."""

    def fingerprint(self) -> str:
        return "exploding"

    def generate(self, requests, progress=None):
        raise AssertionError("the evaluated model was called")


def answer_between(text: str, start: str, end: str) -> str:
    m = re.search(re.escape(start) + r"\s*(.*?)\s*" + re.escape(end), text, flags=re.S)
    return m.group(1) if m else ""


FIXED_SCORES = {"seven": "Score: 7", "three": "[[3]]", "garbled": "no idea"}


def load_fake_judge(rest: str, model_args: dict, base_url: str | None = None) -> RuleAdapter:
    """Model-spec factory: `fakejudge:seven` always says 7, `fakejudge:three` 3, `fakejudge:garbled` nothing."""
    reply = FIXED_SCORES[rest]
    return RuleAdapter(name=f"fakejudge:{rest}", rule=lambda r: reply, tag=rest)


def structured_model() -> RuleAdapter:
    """An evaluated model: a structured text+image answer for all-modality prompts, plain text otherwise."""
    def rule(req):
        if "[[response]]" in req.messages[-1].text:
            return "[[response]]: Here it is.\n[[image_instruction]]: a ripe mango\n[[audio_instruction]]: None"
        return "leaves fall softly"
    return RuleAdapter(name="structured", rule=rule, tag="structured-model")


def load_oracle_judge(rest: str, model_args: dict, base_url: str | None = None) -> RuleAdapter:
    """A judge that knows the shipped human labels (`oracle:`), or always prefers position A (`oracle:first`)."""
    import json
    from judges.agreement import DEFAULT_DATA

    rows = [json.loads(x) for x in DEFAULT_DATA.read_text().splitlines() if x.strip()]
    scores = {r["response"]: r["human_score"] for r in rows if r["kind"] == "pointwise"}
    winners = {(r["response_a"], r["response_b"]): r["human_winner"] for r in rows if r["kind"] == "pairwise"}

    def rule(req):
        text = req.messages[-1].text
        if "[Answer A]" in text:
            if rest == "first":
                return "Verdict: [[A]]"
            a, b = answer_between(text, "[Answer A]", "[/Answer A]"), answer_between(text, "[Answer B]", "[/Answer B]")
            if (a, b) in winners:
                return f"Verdict: [[{winners[(a, b)]}]]"
            swapped = winners[(b, a)]
            return "Verdict: [[" + {"A": "B", "B": "A", "tie": "tie"}[swapped] + "]]"
        return f"Score: {scores[answer_between(text, '[Answer]', '[/Answer]')]}"
    return RuleAdapter(name=f"oracle:{rest}", rule=rule, tag=f"oracle-{rest}")


LOADED: list = []  # judges built through model specs, so tests can inspect their calls


def load_media_judge(rest: str, model_args: dict, base_url: str | None = None) -> RuleAdapter:
    """`fakemedia:` a judge that reads every modality: "Score: 8" to rating prompts, "B" to TIFA questions."""
    judge = media_adapter(lambda r: "B" if "Reply with only the letter" in r.messages[-1].text else "Score: 8",
                          tag="fakemedia")
    LOADED.append(judge)
    return judge
