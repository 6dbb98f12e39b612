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
