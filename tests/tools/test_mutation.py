"""The mutation-testing driver: which mutants it makes, that each one is exactly one change, and its config."""

from __future__ import annotations

import ast
from pathlib import Path

from tools import mutation

SOURCE = '''"""Docstring with 1 number."""
from __future__ import annotations

LIMIT: int = 3


def f(xs: list[int], flag: bool = True) -> float | None:
    """Inner docstring 2."""
    total = 0
    for x in xs:
        if x < 0 and not flag:
            continue
        if x >= LIMIT:
            break
        total += x * 2
    label = f"{total + 1}"
    return min(total / len(xs), -1.5) if xs else None
'''


def _descs(source: str) -> list[tuple[int, str]]:
    return [(m.line, m.desc) for m in mutation.find_mutants("m.py", source)]


def test_operators_and_what_is_left_alone():
    got = _descs(SOURCE)
    assert got == [
        (4, "3 -> 4"),
        (7, "True -> False"),
        (9, "0 -> 1"),
        (11, "and -> or"), (11, "< -> <="), (11, "0 -> 1"), (11, "drop `not`"),
        (12, "continue -> break"),
        (13, ">= -> >"),
        (14, "break -> continue"),
        (15, "+= -> -="), (15, "* -> /"), (15, "2 -> 3"),
        (17, "return X -> return None"), (17, "min() -> max()"), (17, "/ -> *"), (17, "drop unary -"),
        (17, "1.5 -> 2.5"),
    ]  # docstrings, annotations, f-strings and the __future__ import are never mutated


def test_each_mutant_differs_from_the_original_in_one_place():
    original = ast.parse(SOURCE)
    for m in mutation.find_mutants("m.py", SOURCE):
        mutated = ast.parse(m.source)
        diffs = [(a, b) for a, b in zip(ast.walk(original), ast.walk(mutated))
                 if type(a) is not type(b) or getattr(a, "value", None) != getattr(b, "value", None)
                 or getattr(a, "id", None) != getattr(b, "id", None)]
        assert diffs, m.label
        # every line outside the mutated node's lines is byte-for-byte the original
        before, after = SOURCE.splitlines(), m.source.splitlines()
        assert before[:m.line - 1] == after[:m.line - 1] and before[m.end_line:] == after[m.end_line:], m.label


def test_pragma_skips_a_line_and_paths_are_not_arithmetic():
    src = 'from pathlib import Path\nA = Path("x") / "y"\nB = "-" * 3\nC = 1 + 1  # pragma: no mutate\nD = 2 - 1\n'
    assert _descs(src) == [(3, "3 -> 4"), (5, "- -> +"), (5, "2 -> 3"), (5, "1 -> 2")]


def test_non_ascii_lines_splice_at_the_right_columns():
    src = 'def f(v):\n    return "–" if v < 1 else "é"\n'
    (ret, lt, one) = mutation.find_mutants("m.py", src)
    assert lt.source == 'def f(v):\n    return "–" if (v <= 1) else "é"\n'
    assert one.source == 'def f(v):\n    return "–" if v < (2) else "é"\n'
    assert ret.source == 'def f(v):\n    return None\n'


def test_configured_modules_and_their_tests_exist():
    modules, cfg = mutation.load_config()
    root = Path(mutation.ROOT)
    assert len(modules) >= 15
    for module, patterns in modules.items():
        assert (root / module).is_file(), module
        assert mutation.mapped_tests(patterns), module
    assert cfg["baseline_timeout"] > 0


def test_exit_codes():
    assert mutation._outcome(0) == "pass"
    assert mutation._outcome(1) == "fail" and mutation._outcome(2) == "fail"
    assert mutation._outcome(5) == "error (exit 5)"
