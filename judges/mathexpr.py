"""A restricted math grammar: text a model wrote -> a sympy expression, built node by node, never evaluated.

sympy's `parse_expr` / `sympify` hand the string to Python's `eval`; a reply such as `__import__("os").system(...)`
would run. This module never calls eval/exec/sympify on text: a tokenizer accepts only the characters below and a
recursive-descent parser builds `sympy.Integer`, `Rational`, `Symbol`, `Add`, `Mul`, `Pow` and `sqrt` directly.
Anything else is a `MathParseError` (the reply is then not equivalent, never a guess).

Grammar (precedence from low to high):
  expr   := term (("+" | "-") term)*
  term   := unary (("*" | "/" | "\\cdot" | "\\times" | "\\div") unary | <implicit product> power)*
  unary  := ("+" | "-") unary | power
  power  := atom (("^" | "**") unary)?          right-associative: 2^3^2 = 2^(3^2); -x^2 = -(x^2)
  atom   := number | letter | "pi" | "\\pi" | "(" expr ")" | "{" expr "}" | "[" expr "]"
          | "\\frac" group group | "sqrt" group | "\\sqrt" ("[" expr "]")? group
  group  := "{" expr "}" | "(" expr ")" | atom    (after \\frac / \\sqrt an unbraced number gives one digit, as in TeX)
Numbers: 12, 0.5, .5, 1,000 (commas only as thousands separators), 1.5e3 (exponent digits required). Decimals
are exact rationals (0.5 == 1/2 exactly). Letters: each Latin letter is its own symbol ("xy" is x*y); `e` and `i`
are plain symbols, not constants. An implicit product ("2x", "3(x+1)", "2\\sqrt{2}") binds like "*" (left to right:
"1/2x" is x/2). Unicode: − × · ÷ π √ are read as - * * / pi sqrt. Ignored: $, \\left, \\right, \\displaystyle, \\!,
\\, \\; \\: and spaces.

Bounds (so a hostile reply cannot hang the judge): at most MAX_CHARS characters, MAX_NODES tokens, MAX_DEPTH nested
levels, MAX_DIGITS digits per number, MAX_SYMBOLS distinct letters; powers of rationals at most MAX_BITS bits;
integer exponents of symbolic bases at most MAX_SYMBOLIC_EXP; root indices and exponent denominators at most
MAX_ROOT. Division by zero is a parse error.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any

import sympy

MAX_CHARS = 256
MAX_NODES = 160
MAX_DEPTH = 24
MAX_DIGITS = 60
MAX_SYMBOLS = 8
MAX_BITS = 4096
MAX_SYMBOLIC_EXP = 32
MAX_ROOT = 32
MAX_SCI_EXP = 100


class MathParseError(ValueError):
    """The text is not an expression of the grammar above (or exceeds a bound)."""


_IGNORED = ("\\displaystyle", "\\left", "\\right", "\\!", "\\,", "\\;", "\\:", "$")
_UNICODE = {"\u2212": "-", "\u00d7": "*", "\u00b7": "*", "\u22c5": "*", "\u00f7": "/", "\u03c0": "\\pi",
            "\u221a": "\\sqrt"}
_TOKEN = re.compile(r"""
    (?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?(?:[eE][+-]?\d+(?![A-Za-z]))?|\.\d+(?:[eE][+-]?\d+(?![A-Za-z]))?)
  | (?P<cmd>\\[A-Za-z]+)
  | (?P<word>[A-Za-z]+)
  | (?P<op>\*\*|[-+*/^(){}\[\]])
  | (?P<space>\s+)
""", re.VERBOSE)
_COMMANDS = {"\\frac": "frac", "\\dfrac": "frac", "\\tfrac": "frac", "\\sqrt": "sqrt", "\\pi": "pi",
             "\\cdot": "*", "\\times": "*", "\\div": "/"}
_WORDS = {"sqrt": "sqrt", "pi": "pi"}
_OPEN = {"(": ")", "{": "}", "[": "]"}


def tokenize(text: str) -> list[tuple[str, str]]:
    """(kind, value) tokens; kind is num, sym, pi, frac, sqrt or an operator/bracket character."""
    if len(text) > MAX_CHARS:
        raise MathParseError(f"longer than {MAX_CHARS} characters")
    for k, v in _UNICODE.items():
        text = text.replace(k, v)
    for s in _IGNORED:
        text = text.replace(s, " ")
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise MathParseError(f"unexpected character {text[pos]!r} at {pos}")
        pos = m.end()
        kind = m.lastgroup
        value = m.group()
        if kind == "num":
            if out and out[-1][0] == "num":  # "1 000" or "2 3": a spaced number is ambiguous, not a product
                raise MathParseError(f"two numbers in a row at {m.start()}")
            out.append(("num", value))
        elif kind == "cmd":
            if value not in _COMMANDS:
                raise MathParseError(f"unknown command {value}")
            out.append((_COMMANDS[value], value))
        elif kind == "word":
            if value in _WORDS:
                out.append((_WORDS[value], value))
            else:  # a run of letters is a product of one-letter symbols
                out.extend(("sym", c) for c in value)
        elif kind == "op":
            out.append((value if value != "**" else "^", value if value != "**" else "^"))
        if len(out) > MAX_NODES:
            raise MathParseError(f"more than {MAX_NODES} tokens")
    return out


def _number(text: str) -> sympy.Rational:
    mantissa, _, exp = text.replace(",", "").lower().partition("e")
    if len(mantissa.replace(".", "")) > MAX_DIGITS:
        raise MathParseError(f"number with more than {MAX_DIGITS} digits")
    if exp and abs(int(exp)) > MAX_SCI_EXP:
        raise MathParseError(f"exponent beyond 1e±{MAX_SCI_EXP}")
    f = Fraction(mantissa if mantissa != "." else "0") * Fraction(10) ** int(exp or 0)
    return sympy.Rational(f.numerator, f.denominator)


def _bits(q: sympy.Rational) -> int:
    return max(int(abs(q.p)).bit_length(), int(q.q).bit_length(), 1)


def _power(base: Any, exp: Any) -> Any:
    """base**exp with sizes checked before sympy computes anything."""
    if exp.is_Rational:
        p, q = int(exp.p), int(exp.q)
        if q > MAX_ROOT:
            raise MathParseError(f"root index above {MAX_ROOT}")
        if base.is_Rational:
            if base == 0 and p < 0:
                raise MathParseError("division by zero")
            if abs(p) * _bits(base) > MAX_BITS:
                raise MathParseError(f"power larger than {MAX_BITS} bits")
        elif abs(p) > MAX_SYMBOLIC_EXP:
            raise MathParseError(f"exponent above {MAX_SYMBOLIC_EXP} on a non-rational base")
    elif not exp.free_symbols and exp.is_number and abs(complex(exp.evalf(15))) > MAX_SYMBOLIC_EXP:
        # An irrational or complex numeric exponent (2^pi, 2^i): sympy keeps it symbolic; cap its size by its value.
        raise MathParseError(f"exponent above {MAX_SYMBOLIC_EXP}")
    return sympy.Pow(base, exp)


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.toks = tokens
        self.i = 0
        self.depth = 0
        self.symbols: dict[str, sympy.Symbol] = {}

    def peek(self) -> str | None:
        return self.toks[self.i][0] if self.i < len(self.toks) else None

    def take(self, kind: str | None = None) -> tuple[str, str]:
        if self.i >= len(self.toks):
            raise MathParseError("unexpected end of expression")
        tok = self.toks[self.i]
        if kind is not None and tok[0] != kind:
            raise MathParseError(f"expected {kind!r}, found {tok[1]!r}")
        self.i += 1
        return tok

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise MathParseError(f"nested deeper than {MAX_DEPTH} levels")

    def parse(self) -> Any:
        if not self.toks:
            raise MathParseError("empty expression")
        value = self.expr()
        if self.i != len(self.toks):
            raise MathParseError(f"unexpected {self.toks[self.i][1]!r}")
        return value

    def expr(self) -> Any:
        self.enter()
        value = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()[0]
            rhs = self.term()
            value = sympy.Add(value, rhs if op == "+" else sympy.Mul(sympy.Integer(-1), rhs))
        self.depth -= 1
        return value

    def term(self) -> Any:
        value = self.unary()
        while True:
            kind = self.peek()
            if kind == "*":
                self.take()
                value = sympy.Mul(value, self.unary())
            elif kind == "/":
                self.take()
                value = _divide(value, self.unary())
            elif kind in ("num", "sym", "pi", "frac", "sqrt", "(", "{", "["):
                value = sympy.Mul(value, self.power())
            else:
                return value

    def unary(self) -> Any:
        if self.peek() in ("+", "-"):
            self.enter()
            op = self.take()[0]
            value = self.unary()
            self.depth -= 1
            return value if op == "+" else sympy.Mul(sympy.Integer(-1), value)
        return self.power()

    def power(self) -> Any:
        base = self.atom()
        if self.peek() == "^":
            self.take()
            self.enter()
            exp = self.unary()
            self.depth -= 1
            return _power(base, exp)
        return base

    def group(self, latex: bool) -> Any:
        kind = self.peek()
        if kind in ("{", "("):
            return self.bracketed()
        if latex and kind == "num" and len(self.toks[self.i][1]) > 1:
            # TeX takes one character as an unbraced argument: \frac12 is 1/2, \sqrt24 is sqrt(2)*4.
            value = self.toks[self.i][1]
            self.toks[self.i] = ("num", value[1:])
            return _number(value[0])
        return self.atom()

    def bracketed(self) -> Any:
        opener = self.take()[0]
        value = self.expr()
        self.take(_OPEN[opener])
        return value

    def atom(self) -> Any:
        kind = self.peek()
        if kind == "num":
            return _number(self.take()[1])
        if kind == "sym":
            name = self.take()[1]
            if name not in self.symbols:
                if len(self.symbols) >= MAX_SYMBOLS:
                    raise MathParseError(f"more than {MAX_SYMBOLS} distinct letters")
                self.symbols[name] = sympy.Symbol(name)
            return self.symbols[name]
        if kind == "pi":
            self.take()
            return sympy.pi
        if kind in _OPEN:
            return self.bracketed()
        if kind == "frac":
            latex = self.take()[1].startswith("\\")
            self.enter()
            num = self.group(latex)
            den = self.group(latex)
            self.depth -= 1
            return _divide(num, den)
        if kind == "sqrt":
            latex = self.take()[1].startswith("\\")
            self.enter()
            index = sympy.Integer(2)
            if self.peek() == "[":
                index = self.bracketed()
                if not (index.is_Integer and 2 <= index <= MAX_ROOT):
                    raise MathParseError(f"root index must be a whole number from 2 to {MAX_ROOT}")
            radicand = self.group(latex)
            self.depth -= 1
            return _power(radicand, sympy.Rational(1, int(index)))
        raise MathParseError("unexpected end of expression" if kind is None else f"unexpected {self.toks[self.i][1]!r}")


def _divide(num: Any, den: Any) -> Any:
    if den == 0:
        raise MathParseError("division by zero")
    return sympy.Mul(num, _power(den, sympy.Integer(-1)))


def parse_math(text: str) -> Any:
    """The sympy expression for `text`, or MathParseError. Never evaluates the text as code."""
    tokens = tokenize(text)
    try:
        return _Parser(tokens).parse()
    except MathParseError:
        raise
    except (TypeError, ValueError, ArithmeticError, RecursionError) as e:  # sympy refusing a value we built
        raise MathParseError(f"cannot build the expression ({type(e).__name__})") from None


# Points where expressions with letters are compared (fixed, so the same pair always gets the same verdict).
POINTS = (0.5772156649, 1.3247179572, 1.6180339887, 0.8414709848, 2.2360679775)
DIGITS = 30


def _numeric(expr: Any) -> complex | None:
    try:
        value = complex(expr.evalf(DIGITS))
    except (TypeError, ValueError, OverflowError, ZeroDivisionError):
        return None
    return value if math.isfinite(value.real) and math.isfinite(value.imag) else None


def equivalent(a: Any, b: Any, rel_tol: float = 1e-9) -> bool:
    """a == b: identical after sympy's automatic evaluation, or numerically equal (within rel_tol, relative to the
    larger of 1 and |a|, |b|) at every one of POINTS, each letter set to a different point.

    Numeric comparison instead of `simplify`: it costs time in proportion to the expression's size, so a bounded
    expression is compared in bounded time ((a+b+...+h)^32 is never expanded), and for polynomials and the usual
    closed forms a false "equal" at five unrelated irrational points does not happen in practice."""
    diff = a - b
    if diff == 0:
        return True
    names = sorted(diff.free_symbols | a.free_symbols | b.free_symbols, key=lambda s: s.name)
    rounds = len(POINTS) if names else 1
    for r in range(rounds):
        subs = {s: sympy.Float(POINTS[(r + k) % len(POINTS)] + k, DIGITS) for k, s in enumerate(names)}
        va, vb, vd = (_numeric(e.xreplace(subs)) for e in (a, b, diff))
        if va is None or vb is None or vd is None:
            return False
        if abs(vd) > rel_tol * max(1.0, abs(va), abs(vb)):
            return False
    return True
