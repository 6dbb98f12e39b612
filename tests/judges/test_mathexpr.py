"""The restricted math grammar (judges/mathexpr.py): golden parses and equivalences, every bound on both sides,
and property-based replies with distractors."""

from __future__ import annotations

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from judges import JudgeItem
from judges import mathexpr as mx
from judges.mathexpr import MathParseError, equivalent, parse_math, tokenize
from judges.rules import MathEquivJudge, _boxed, _math_expr

x, y = sympy.symbols("x y")


@pytest.mark.parametrize("text,value", [
    ("1/2", sympy.Rational(1, 2)), ("0.5", sympy.Rational(1, 2)), (".25", sympy.Rational(1, 4)),
    ("1,000", sympy.Integer(1000)), ("12,345.5", sympy.Rational(24691, 2)), ("1.5e3", sympy.Integer(1500)),
    ("2E-2", sympy.Rational(1, 50)), ("\\frac{3}{4}", sympy.Rational(3, 4)), ("\\dfrac{1}{3}", sympy.Rational(1, 3)),
    ("\\tfrac{2}{6}", sympy.Rational(1, 3)), ("2^3^2", sympy.Integer(512)), ("2**3", sympy.Integer(8)),
    ("-2^2", sympy.Integer(-4)), ("(-2)^2", sympy.Integer(4)), ("2^-1", sympy.Rational(1, 2)),
    ("1/2x", x / 2), ("2x+x", 3 * x), ("x y", x * y), ("xy", x * y), ("3(x+1)", 3 * x + 3),
    ("(x)(y)", x * y), ("\\sqrt{8}", 2 * sympy.sqrt(2)), ("sqrt(9)", sympy.Integer(3)), ("\\sqrt[3]{27}", 3),
    ("\\sqrt{x}", sympy.sqrt(x)), ("2\\pi", 2 * sympy.pi), ("π", sympy.pi), ("pi", sympy.pi),
    ("6÷3", 2), ("2×3", 6), ("2·3", 6), ("−5", -5), ("√4", 2), ("\\left(1+2\\right)", 3), ("$3$", 3),
    ("2\\cdot 3", 6), ("2\\times3", 6), ("6\\div 4", sympy.Rational(3, 2)), ("{1+1}", 2), ("[1+2]", 3),
    ("+5", 5), ("--5", 5), ("10-3-2", 5), ("12/2/3", 2), ("2^{10}", 1024), ("\\frac12", sympy.Rational(1, 2)),
])
def test_golden_parses(text, value):
    assert parse_math(text) == value


@pytest.mark.parametrize("a,b", [
    ("1/2", "0.5"), ("\\frac{1}{2}", "0.5"), ("2x+x", "3x"), ("sqrt(8)", "2*sqrt(2)"), ("x^2", "x**2"),
    ("\\frac{x^2-1}{x-1}", "x+1"), ("(x+1)^2", "x^2+2x+1"), ("(x+y)^2", "x^2+2xy+y^2"), ("2\\pi r", "2 pi r"),
    ("\\sqrt{2}/2", "1/\\sqrt{2}"), ("0.125", "1/8"), ("1e-3", "0.001"),
])
def test_golden_equivalences(a, b):
    assert equivalent(parse_math(a), parse_math(b))
    assert equivalent(parse_math(b), parse_math(a))


@pytest.mark.parametrize("a,b", [
    ("3", "4"), ("x", "y"), ("0.333333", "1/3"), ("x^2", "x^3"), ("-1/2", "1/2"), ("2x", "x+3"),
    ("\\sqrt{2}", "1.41421"), ("x y", "x+y"), ("1/(x+1)", "1/x + 1"), ("12", "1/2"), ("-3", "3"),
])
def test_golden_non_equivalences(a, b):
    assert not equivalent(parse_math(a), parse_math(b))


def test_values_that_cannot_be_evaluated_are_not_equal():
    """y^y^y^y^y overflows at the comparison points: such pairs are equal only when identical."""
    a = parse_math("y^y^y^y^y")
    assert equivalent(a, parse_math("y^y^y^y^y"))
    assert not equivalent(a, parse_math("y^y^y^y^y + x"))
    assert parse_math("0^0") == 1 and parse_math("0^2") == 0


def test_relative_tolerance_both_sides():
    big = parse_math("10^12")
    assert equivalent(big, big + sympy.Rational(1, 10**4))        # 1e-4 off 1e12: relative 1e-16
    assert not equivalent(big, big + 10**4)                        # relative 1e-8 > 1e-9
    assert equivalent(parse_math("0"), sympy.Rational(1, 10**10))  # |diff| 1e-10 < 1e-9 * max(1, ...)
    assert not equivalent(parse_math("0"), sympy.Rational(1, 10**8))
    assert not equivalent(parse_math("0"), sympy.Rational(3, 2 * 10**9))  # 1.5e-9: the floor of the scale is 1


@pytest.mark.parametrize("text", [
    "", "()", "(1", "1)", "1 000", "2 3", "1/0", "x/(x-x)", "0^-1", "\\foo", "a.b", "f(x)=2", "1,00", "1,2",
    "2^", "\\frac{1}", "\\sqrt", "x!", "'x'", "x_1", "\\sqrt[1]{2}", "\\sqrt[x]{2}", "\\sqrt[33]{2}", "#",
])
def test_refused(text):
    with pytest.raises(MathParseError):
        parse_math(text)


def test_bounds_at_and_over_the_limit(monkeypatch):
    assert parse_math("1" * mx.MAX_DIGITS) == int("1" * mx.MAX_DIGITS)
    with pytest.raises(MathParseError, match="digits"):
        parse_math("1" * (mx.MAX_DIGITS + 1))
    assert parse_math("1e100") == 10**100 and parse_math("1e-100") == sympy.Rational(1, 10**100)
    with pytest.raises(MathParseError, match="exponent"):
        parse_math("1e101")
    with pytest.raises(MathParseError, match="exponent"):
        parse_math("1e-101")
    tokenize("1+" * 79 + "1")  # 159 tokens
    tokenize("1+" * 80)        # 160 tokens
    with pytest.raises(MathParseError, match="tokens"):
        tokenize("1+" * 80 + "1")
    with pytest.raises(MathParseError, match="characters"):
        tokenize(" " * (mx.MAX_CHARS + 1))
    tokenize(" " * mx.MAX_CHARS)
    assert parse_math("(" * (mx.MAX_DEPTH - 1) + "1" + ")" * (mx.MAX_DEPTH - 1)) == 1
    with pytest.raises(MathParseError, match="nested"):
        parse_math("(" * mx.MAX_DEPTH + "1" + ")" * mx.MAX_DEPTH)
    with pytest.raises(MathParseError, match="nested"):
        parse_math("-" * mx.MAX_DEPTH + "1")
    assert parse_math("-" * (mx.MAX_DEPTH - 2) + "1") == 1  # the expression itself is one level
    letters = "abcdfghj"  # MAX_SYMBOLS = 8 distinct letters
    assert len(parse_math("+".join(letters)).free_symbols) == mx.MAX_SYMBOLS
    with pytest.raises(MathParseError, match="letters"):
        parse_math("+".join(letters + "k"))
    # Powers of rationals: |exponent| * bits(base) <= MAX_BITS. bits(2) = 2, bits(3) = 2, bits(1/2) = 2.
    assert parse_math("2^2048") == 2**2048 and parse_math("2^-2048") == sympy.Rational(1, 2**2048)
    with pytest.raises(MathParseError, match="bits"):
        parse_math("2^2049")
    with pytest.raises(MathParseError, match="bits"):
        parse_math("(1/2)^2049")
    with pytest.raises(MathParseError, match="bits"):
        parse_math("9^9^9")
    assert parse_math("x^32") == x**32 and parse_math("x^-32") == x**-32
    with pytest.raises(MathParseError, match="exponent"):
        parse_math("x^33")
    with pytest.raises(MathParseError, match="exponent"):
        parse_math("\\pi^-33")
    assert parse_math("2^(1/32)") == 2 ** sympy.Rational(1, 32)
    with pytest.raises(MathParseError, match="root"):
        parse_math("2^(1/33)")
    assert parse_math("\\sqrt[32]{2}") == 2 ** sympy.Rational(1, 32)
    assert parse_math("2^\\pi") == 2**sympy.pi
    assert parse_math("2^{\\sqrt{-1}}") == 2**sympy.I  # a complex exponent: |i| = 1 <= 32
    with pytest.raises(MathParseError, match="exponent"):
        parse_math("2^{40\\sqrt{-1}}")
    with pytest.raises(MathParseError, match="exponent"):
        parse_math("2^{11\\pi}")  # 34.6 > 32
    assert parse_math("2^{10\\pi}") == 2 ** (10 * sympy.pi)  # 31.4 <= 32


def test_tokens_and_boxed_extraction():
    assert tokenize("2x^{2}") == [("num", "2"), ("sym", "x"), ("^", "^"), ("{", "{"), ("num", "2"), ("}", "}")]
    assert tokenize("\\frac 12") == [("frac", "\\frac"), ("num", "12")]
    assert tokenize("a**b\\cdot c") == [("sym", "a"), ("^", "^"), ("sym", "b"), ("*", "\\cdot"), ("sym", "c")]
    assert parse_math("\\sqrt24") == 4 * sympy.sqrt(2) and parse_math("sqrt 16") == 4
    assert _boxed("so \\boxed{\\frac{1}{\\sqrt{2}}} and") == "\\frac{1}{\\sqrt{2}}"
    assert _boxed("\\boxed{1} then \\boxed{2}") == "2"
    assert _boxed("\\boxed{(") is None and _boxed("no box") is None
    assert _math_expr("The answer is 7.") == "7"
    assert _math_expr("x = 2*x/2 + 1") == "2*x/2 + 1"
    assert _math_expr("Answer: $5$") == "5"


def _judge(resp: str, ref: str) -> float | None:
    return MathEquivJudge().judge([JudgeItem(id="1", prompt="q", response=resp, reference=ref)])[0].value


@pytest.mark.parametrize("resp,ref,value", [
    ("The answer is \\boxed{\\frac{1}{2}}", "0.5", 1.0), ("12", "1/2", 0.0), ("-3", "3", 0.0),
    ("(1, 2)", "(1,2)", 1.0), ("(1, 2)", "(2, 1)", 0.0), ("Paris", "paris", 1.0), ("", "", 0.0),
    ("No solution", "no  solution", 1.0), ("1 2", "12", 0.0), ("\\sqrt{2}", "1.414213562", 1.0),
    ("\\boxed{\\frac{1}{\\sqrt{2}}}", "\\frac{\\sqrt{2}}{2}", 1.0),
])
def test_judge_verdicts(resp, ref, value):
    assert _judge(resp, ref) == value


def test_judge_record_names_the_grammar_version():
    v = MathEquivJudge().judge([JudgeItem(id="1", prompt="q", response="1", reference="1")])[0]
    assert v.records[0].judge_model == "rule:math_equiv@2"


@settings(max_examples=60, deadline=None)
@given(st.integers(-10**6, 10**6), st.integers(1, 10**4), st.sampled_from(["Answer: ", "The answer is ", "so x = "]),
       st.sampled_from(["", ".", " (final)"]))
def test_fraction_replies_with_distractors(n, d, lead, tail):
    """A reply with a fraction after a distractor prefix scores 1 against the exact value and 0 against value+1."""
    reply = f"Step 1 gives 17 and 23. {lead}{n}/{d}{tail}" if tail != " (final)" else f"{lead}\\boxed{{{n}/{d}}}{tail}"
    ref = str(sympy.Rational(n, d)) if n % d else str(n // d)
    assert _judge(reply, ref) == 1.0
    assert _judge(reply, f"{ref} + 1") == 0.0


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=60))
def test_any_text_is_a_parse_or_a_parse_error(text):
    try:
        value = parse_math(text)
    except MathParseError:
        return
    assert isinstance(value, sympy.Basic)


def test_depth_is_released_after_each_group():
    """Siblings do not add up to depth, and leaving a group frees exactly the level it took."""
    siblings = "(1)+-1+2^2+\\frac{1}{2}+\\sqrt{4}+" * 3
    deep_ok = "(" * (mx.MAX_DEPTH - 1) + "1" + ")" * (mx.MAX_DEPTH - 1)
    deep_bad = "(" * mx.MAX_DEPTH + "1" + ")" * mx.MAX_DEPTH
    assert parse_math(siblings + deep_ok) == 3 * (1 - 1 + 4 + sympy.Rational(1, 2) + 2) + 1
    with pytest.raises(MathParseError, match="nested"):
        parse_math(siblings + deep_bad)


def test_brackets_must_match_and_products_multiply():
    for text in ("(1]", "{1)", "[1}", "\\frac{1)(2}"):
        with pytest.raises(MathParseError):
            parse_math(text)
    assert parse_math("2*3*4") == 24 and parse_math("2(3)(4)") == 24 and parse_math("2\\frac{1}{2}") == 1
    assert parse_math("\\sqrt[2]{9}") == 3 and parse_math("3\\sqrt{4}") == 6 and parse_math("2\\pi") == 2 * sympy.pi
