import pytest

from judges import JudgeItem
from judges.rules import ExactMatchJudge, MathEquivJudge, NumericJudge


def _v(judge, response, reference):
    return judge.judge([JudgeItem(id="1", prompt="q", response=response, reference=reference)])[0]


@pytest.mark.parametrize("resp,ref,ok", [("The Paris.", "paris", True), ("Lyon", "paris", False)])
def test_exact_match(resp, ref, ok):
    v = _v(ExactMatchJudge(), resp, ref)
    assert v.value == (1.0 if ok else 0.0) and v.records[0].judge_model == "rule:exact_match@1"


@pytest.mark.parametrize("resp,ref,ok", [
    ("so the total is 1,234.0 dollars", "1234", True), ("about 3.14159", "3.14159", True), ("12", "13", False),
    ("no number", "4", False),
])
def test_numeric(resp, ref, ok):
    assert _v(NumericJudge(), resp, ref).value == (1.0 if ok else 0.0)


@pytest.mark.parametrize("resp,ref,ok", [
    ("The answer is \\boxed{\\frac{1}{2}}", "0.5", True), ("x = 2*x/2 + 1", "x+1", True), ("sqrt(8)", "2*sqrt(2)", True),
    ("x^2", "x**2", True), ("3", "4", False), ("\\boxed{(", "1", False),
])
def test_math_equiv(resp, ref, ok):
    assert _v(MathEquivJudge(), resp, ref).value == (1.0 if ok else 0.0)


def test_missing_reference_is_an_error_not_zero():
    v = ExactMatchJudge().judge([JudgeItem(id="1", prompt="q", response="x")])[0]
    assert v.value is None and "no reference" in v.error
