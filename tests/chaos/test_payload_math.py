"""Model text through every reader of model output (math verifier, rule judges, extractors, judge-reply parsers):
nothing runs (the marker file never appears), nothing hangs, and no payload earns a score."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from eval_anything.scoring import (
    extract_choice_letter,
    extract_first_line,
    extract_gsm8k_number,
    extract_last_number,
    extract_strip,
)
from judges import JudgeItem
from judges.mathexpr import MathParseError, parse_math
from judges.parse import ParseError, parse_option, parse_score, parse_verdict
from judges.rules import ExactMatchJudge, MathEquivJudge, NumericJudge
from tests.chaos.payloads import MARKER_NAME, RESOURCE, code_execution, corpus


def _judge(judge, response: str, reference: str) -> float | None:
    return judge.judge([JudgeItem(id="1", prompt="q", response=response, reference=reference)])[0].value


@pytest.mark.timeout(120)
def test_no_payload_runs_or_scores_in_the_math_judge(tmp_path):
    payloads = corpus(str(tmp_path), seed=7)
    judge = MathEquivJudge()
    # The reference "0" is what os.system(...) returns and what an executed payload would be compared against.
    values = [_judge(judge, p, "0") for p in payloads]
    assert not (tmp_path / MARKER_NAME).exists()
    assert values == [0.0] * len(payloads)
    # Against a reference equal to the payload text itself, only the plain-text fallback can match: the payload
    # is compared as a string, never run.
    assert _judge(judge, payloads[0], payloads[0]) == 1.0
    assert not (tmp_path / MARKER_NAME).exists()


# Payloads that are, letter by letter, valid math (products of one-letter symbols, bounded powers): parsed as
# plain symbols, never as calls.
PARSEABLE = {"Integer(5)", "S(5)", "N(pi)", "(x+y+z+w+a+b+c+d)^32", "((x+1)^32)^32", "2^(x^32)", "x^x^x^x^x^x"}


@pytest.mark.timeout(120)
def test_the_parser_refuses_code_and_oversized_input_with_its_own_error(tmp_path):
    import sympy

    parsed = {}
    for p in code_execution(str(tmp_path)) + RESOURCE:
        try:
            parsed[p] = parse_math(p)
        except MathParseError:
            pass
    assert set(parsed) == PARSEABLE
    # What they became: symbols named by single letters, nothing called.
    assert parsed["Integer(5)"] == 5 * sympy.Mul(*sympy.symbols("I n t e g e r"))
    assert parsed["S(5)"] == 5 * sympy.Symbol("S")
    assert parsed["N(pi)"] == sympy.Symbol("N") * sympy.pi
    assert not (tmp_path / MARKER_NAME).exists()


@pytest.mark.timeout(120)
def test_every_reader_of_model_text_survives_the_corpus(tmp_path):
    payloads = corpus(str(tmp_path), seed=11)
    for p in payloads:
        for extract in (extract_last_number, extract_gsm8k_number, extract_choice_letter, extract_first_line,
                        extract_strip):
            out = extract(p)
            assert out is None or isinstance(out, str)
        for parse in (parse_score, parse_verdict, parse_option):
            try:
                parse(p)
            except ParseError:
                pass  # a counted failure, the intended outcome for junk
        for judge in (ExactMatchJudge(), NumericJudge()):
            assert _judge(judge, p, "42") == 0.0
    assert not (tmp_path / MARKER_NAME).exists()


def test_templates_are_sandboxed_and_substitute_hostile_text_as_text(tmp_path):
    """A judge template or task.yaml template cannot reach Python internals; a judge reply or data row holding
    template syntax is substituted as text, never rendered."""
    import jinja2.exceptions

    from eval_anything.tasks import _jinja_env
    from judges.templates import JudgeTemplate

    payload = code_execution(str(tmp_path))[11]  # {{ cycler.__init__.__globals__.os.system(...) }}
    assert payload.startswith("{{ cycler")
    hostile = JudgeTemplate(name="evil.jinja", source=payload, hash="0" * 64)
    with pytest.raises(jinja2.exceptions.SecurityError):
        hostile.render()
    with pytest.raises(jinja2.exceptions.SecurityError):
        _jinja_env().from_string(payload).render()
    benign = JudgeTemplate(name="ok.jinja", source="Q: {{ question }}", hash="0" * 64)
    assert benign.render(question=payload) == "Q: " + payload
    assert _jinja_env().from_string("{{ question }}").render(question=payload) == payload
    assert not (tmp_path / MARKER_NAME).exists()
