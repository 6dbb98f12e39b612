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


def test_exact_match_strict_keeps_case_and_punctuation():
    assert _v(ExactMatchJudge(strict=True), " Paris ", "Paris").value == 1.0
    assert _v(ExactMatchJudge(strict=True), "paris", "Paris").value == 0.0
    assert _v(ExactMatchJudge(strict=False), "paris!", "Paris").value == 1.0


def test_numeric_tolerance_boundaries():
    j = NumericJudge(rel_tol=0.5, abs_tol=0.0)
    assert _v(j, "15", "10").value == 1.0   # |15-10| = 5 = 0.5 * 10: inside (<=)
    assert _v(j, "15.5", "10").value == 0.0
    assert _v(NumericJudge(rel_tol=0.0, abs_tol=0.25), "1.25", "1").value == 1.0
    assert _v(NumericJudge(rel_tol=0.1, abs_tol=0.0), "4.3", "4").value == 1.0  # within 0.1 * 4, not 0.1 / 4


def test_rule_records_and_items_after_a_missing_reference():
    items = [JudgeItem(id="1", prompt="q", response="x"), JudgeItem(id="2", prompt="q", response="7", reference="7")]
    first, second = MathEquivJudge().judge(items)
    assert first.value is None and second.value == 1.0
    rec = second.records[0]
    assert (rec.template, rec.raw_output, rec.parsed) == ("math_equiv", "7", True)
    assert len(rec.template_hash) == 64
