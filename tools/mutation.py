"""Mutation testing for the modules that decide published numbers or guard input.

For each module listed under [tool.mutation.modules] in pyproject.toml, this applies one small change at a time
(a mutant), runs that module's own test files with `pytest -x -q`, and counts the mutant as killed when the tests
fail (or time out). The score is killed / mutants. Everything happens in a copy of the tree in a temporary folder,
so the working tree is never modified, even when the run is interrupted.

Operators (on the AST, spliced back into the source text so the rest of the file is unchanged):
  compare   <  <=  >  >=  ==  !=  in  is   ->  <=  <  >=  >  !=  ==  not in  is not (and back)
  binop     +  -  *  /  //  **  (and augmented +=, -=, ...)  ->  -  +  /  *  /  *
  boolop    and <-> or          not x -> x          -x -> x
  constant  integer n -> n + 1, float x -> x + 1, True <-> False   (not in docstrings or annotations)
  call      min <-> max
  flow      continue <-> break;  return X -> return None
Strings are not mutated (messages would dominate the count). A line ending in `# pragma: no mutate` is skipped.

With coverage installed (the `dev` extra), mutants on lines the module's tests never execute are reported as
survivors without running them.

    python tools/mutation.py                                   # every module, every mutant
    python tools/mutation.py --module eval_anything/scoring.py --sample 40 --seed 1
    python tools/mutation.py --list --module leaderboard/stats.py   # show the mutants, run nothing
"""

from __future__ import annotations

import argparse
import ast
import copy
import fnmatch
import glob
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent

CMP_SWAP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
            ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is}
BIN_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div,
            ast.Pow: ast.Mult}
SYMBOL = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=", ast.In: "in",
          ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not", ast.Add: "+", ast.Sub: "-", ast.Mult: "*",
          ast.Div: "/", ast.FloorDiv: "//", ast.Pow: "**", ast.And: "and", ast.Or: "or"}


@dataclass(frozen=True)
class Mutant:
    module: str
    index: int          # position of the node in the pre-order walk
    variant: int        # which change at that node
    line: int
    end_line: int
    desc: str
    source: str         # the whole mutated module
    stmt_line: int = 0  # first line of the statement the change is in (what coverage records)

    @property
    def label(self) -> str:
        return f"{self.module}:{self.line}: {self.desc}"


# ----- finding mutants -------------------------------------------------------------------------------------------
def _walk(node: ast.AST, parent: ast.AST | None = None, field: str | None = None, idx: int | None = None
          ) -> Iterator[tuple[ast.AST, ast.AST | None, str | None, int | None]]:
    yield node, parent, field, idx
    for name, value in ast.iter_fields(node):
        if isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, ast.AST):
                    yield from _walk(item, node, name, i)
        elif isinstance(value, ast.AST):
            yield from _walk(value, node, name, None)


def _skipped_ids(tree: ast.Module) -> set[int]:
    """Nodes never mutated: docstrings, annotations, f-strings, `if TYPE_CHECKING:` blocks, __future__ imports."""
    skip: set[int] = set()

    def mark(n: ast.AST | None) -> None:
        if n is not None:
            skip.update(id(x) for x in ast.walk(n))

    for n in ast.walk(tree):
        if isinstance(n, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and n.body:
            first = n.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(
                    first.value.value, str):
                mark(first)
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
            mark(n.returns)
            for a in n.args.posonlyargs + n.args.args + n.args.kwonlyargs + [n.args.vararg, n.args.kwarg]:
                if a is not None:
                    mark(a.annotation)
        if isinstance(n, ast.AnnAssign):
            mark(n.annotation)
        if isinstance(n, ast.JoinedStr):
            mark(n)
        if isinstance(n, ast.If) and isinstance(n.test, ast.Name) and n.test.id == "TYPE_CHECKING":
            mark(n)
        if isinstance(n, ast.ImportFrom):
            mark(n)
    return skip


def _variants(node: ast.AST) -> list[tuple[str, Callable[[ast.AST], ast.AST]]]:
    """(description, function from a copy of the node to its replacement) for every change at this node."""
    out: list[tuple[str, Callable[[ast.AST], ast.AST]]] = []
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            new = CMP_SWAP.get(type(op))
            if new is not None:
                def f(n: ast.AST, i: int = i, new: type = new) -> ast.AST:
                    n.ops[i] = new()
                    return n
                out.append((f"{SYMBOL[type(op)]} -> {SYMBOL[new]}", f))
    elif isinstance(node, (ast.BinOp, ast.AugAssign)):
        new = BIN_SWAP.get(type(node.op))
        operands = (node.left, node.right) if isinstance(node, ast.BinOp) else (node.target, node.value)
        # `path / "name"` and `"-" * n` are not arithmetic: the swapped operator only raises a TypeError
        if any(isinstance(x, ast.JoinedStr) or (isinstance(x, ast.Constant) and isinstance(x.value, str))
               for x in operands):
            new = None
        if new is not None:
            def f(n: ast.AST, new: type = new) -> ast.AST:
                n.op = new()
                return n
            suffix = "=" if isinstance(node, ast.AugAssign) else ""
            out.append((f"{SYMBOL[type(node.op)]}{suffix} -> {SYMBOL[new]}{suffix}", f))
    elif isinstance(node, ast.BoolOp):
        new = ast.Or if isinstance(node.op, ast.And) else ast.And

        def f(n: ast.AST, new: type = new) -> ast.AST:
            n.op = new()
            return n
        out.append((f"{SYMBOL[type(node.op)]} -> {SYMBOL[new]}", f))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub)):
        out.append(("drop `not`" if isinstance(node.op, ast.Not) else "drop unary -", lambda n: n.operand))
    elif isinstance(node, ast.Constant) and not isinstance(node.value, str):
        v = node.value
        if isinstance(v, bool):
            out.append((f"{v} -> {not v}", lambda n: ast.Constant(value=not n.value)))
        elif isinstance(v, int):
            out.append((f"{v} -> {v + 1}", lambda n: ast.Constant(value=n.value + 1)))
        elif isinstance(v, float):
            out.append((f"{v!r} -> {v + 1!r}", lambda n: ast.Constant(value=n.value + 1.0)))
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("min", "max"):
        other = "max" if node.func.id == "min" else "min"

        def f(n: ast.AST, other: str = other) -> ast.AST:
            n.func = ast.Name(id=other, ctx=ast.Load())
            return n
        out.append((f"{node.func.id}() -> {other}()", f))
    elif isinstance(node, ast.Continue):
        out.append(("continue -> break", lambda n: ast.Break()))
    elif isinstance(node, ast.Break):
        out.append(("break -> continue", lambda n: ast.Continue()))
    elif isinstance(node, ast.Return) and node.value is not None and not (
            isinstance(node.value, ast.Constant) and node.value.value is None):
        out.append(("return X -> return None", lambda n: ast.Return(value=ast.Constant(value=None))))
    return out


def _inner(st: ast.stmt) -> Iterator[ast.AST]:
    """Nodes of a statement that belong to no nested statement."""
    todo = [c for c in ast.iter_child_nodes(st) if not isinstance(c, ast.stmt)]
    while todo:
        n = todo.pop()
        yield n
        todo += [c for c in ast.iter_child_nodes(n) if not isinstance(c, ast.stmt)]
    yield st


def _splice(lines: list[bytes], node: ast.AST, text: str) -> str:
    """The source with node's span (UTF-8 byte columns, as the AST gives them) replaced by `text`."""
    l0, c0, l1, c1 = node.lineno - 1, node.col_offset, node.end_lineno - 1, node.end_col_offset
    head, tail = lines[l0][:c0], lines[l1][c1:]
    return b"".join(lines[:l0] + [head + text.encode() + tail] + lines[l1 + 1:]).decode()


def find_mutants(module: str, source: str) -> list[Mutant]:
    tree = ast.parse(source)
    skip = _skipped_ids(tree)
    lines = source.encode().splitlines(keepends=True)
    src_lines = source.splitlines()
    mutants: list[Mutant] = []
    # Coverage records the first line of a statement, so a mutant counts as run when its statement's first line
    # ran: map every node to the innermost statement around it.
    stmt_line: dict[int, int] = {}
    for st in (x for x in ast.walk(tree) if isinstance(x, ast.stmt)):
        for n in _inner(st):
            stmt_line[id(n)] = st.lineno
    for index, (node, _parent, _field, _i) in enumerate(_walk(tree)):
        if id(node) in skip or not hasattr(node, "lineno"):
            continue
        if any("pragma: no mutate" in src_lines[k - 1] for k in range(node.lineno, node.end_lineno + 1)):
            continue
        for variant, (desc, change) in enumerate(_variants(node)):
            # Apply the change to a copy of the whole tree (the expected result), then splice the changed node's
            # text into the original source and check that it parses to exactly that tree.
            expected = copy.deepcopy(tree)
            target, parent, field, i = list(_walk(expected))[index]
            replacement = change(target)
            if parent is None:
                continue
            if i is None:
                setattr(parent, field, replacement)
            else:
                getattr(parent, field)[i] = replacement
            text = ast.unparse(replacement)
            if isinstance(replacement, ast.expr):
                text = f"({text})"
            mutated = _splice(lines, node, text)
            try:
                ok = ast.dump(ast.parse(mutated)) == ast.dump(expected)
            except SyntaxError:
                ok = False
            if ok:
                first = min(node.lineno, stmt_line.get(id(node), node.lineno))
                mutants.append(Mutant(module, index, variant, node.lineno, node.end_lineno, desc, mutated, first))
    return mutants


# ----- running them ----------------------------------------------------------------------------------------------
def load_config() -> tuple[dict[str, list[str]], dict]:
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutation"]
    return dict(cfg["modules"]), cfg


def mapped_tests(patterns: list[str]) -> list[str]:
    files: list[str] = []
    for pat in patterns:  # a pattern may match nothing yet (a test file still to come), but not all of them
        found = sorted(glob.glob(pat, root_dir=ROOT, recursive=True))
        files += [f for f in found if f not in files]
    if not files:
        raise SystemExit(f"mutation: no test file matches {patterns}")
    return files


def copy_tree(dest: Path) -> None:
    """Tracked and untracked-but-not-ignored files only (no venv, no caches, no runs)."""
    names = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                           capture_output=True).stdout.decode().split("\0")
    for name in filter(None, names):
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)


def _env(tree: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(tree)
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # a mutant of the same size in the same second must not reuse a .pyc
    env.setdefault("CI", "")
    return env


def run_tests(tree: Path, tests: list[str], timeout: float, cov_module: str | None = None) -> tuple[str, float]:
    """'pass', 'fail' or 'timeout', and the seconds it took."""
    cmd = [sys.executable]
    if cov_module:
        cmd += ["-m", "coverage", "run", f"--include={cov_module}", "--data-file=.mutation-coverage", "-m"]
    else:
        cmd += ["-m"]
    cmd += ["pytest", "-x", "-q", "-p", "no:cacheprovider", "--no-header", "-o", "addopts=--import-mode=importlib",
            *tests]
    t0 = time.monotonic()
    try:
        proc = subprocess.run(cmd, check=False, cwd=tree, env=_env(tree), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=timeout, start_new_session=True)
    except subprocess.TimeoutExpired:
        return "timeout", time.monotonic() - t0
    return _outcome(proc.returncode), time.monotonic() - t0


def _outcome(code: int) -> str:
    """pytest's exit code: 0 passed, 1 a test failed, 2 collection failed (say, the mutant does not import);
    anything else (internal or usage error, nothing collected) says nothing about the mutant."""
    return {0: "pass", 1: "fail", 2: "fail"}.get(code, f"error (exit {code})")


def preload(modules: list[str]) -> None:
    """Import heavy third-party modules once in this process, so that each forked test run starts warm."""
    import importlib

    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001, S110 - a module this machine lacks only makes runs slower
            pass
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        pass


def run_tests_forked(tree: Path, tests: list[str], timeout: float) -> tuple[str, float]:
    """Like run_tests, in a forked child of this (preloaded) process: no interpreter start, no heavy imports.

    Only third-party modules are preloaded; the project's own modules (the mutated one included) are imported
    fresh by each child from the tree copy.
    """
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:  # child
        code = 3
        try:
            os.setsid()
            os.chdir(tree)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            os.environ.update(_env(tree))
            sys.path.insert(0, str(tree))
            import pytest

            code = int(pytest.main(["-x", "-q", "-p", "no:cacheprovider", "--no-header",
                                    "-o", "addopts=--import-mode=importlib", *tests]))
        finally:
            os._exit(code)
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return _outcome(os.waitstatus_to_exitcode(status)), time.monotonic() - t0
        if time.monotonic() - t0 > timeout:
            try:
                os.killpg(pid, 9)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
            return "timeout", time.monotonic() - t0
        time.sleep(0.02)


def covered_lines(tree: Path, module: str) -> set[int] | None:
    try:
        import coverage  # noqa: F401
    except ImportError:
        return None
    out = subprocess.run([sys.executable, "-m", "coverage", "json", "--data-file=.mutation-coverage", "-o", "-"],
                         check=False, cwd=tree, env=_env(tree), capture_output=True, text=True)
    if out.returncode != 0:
        return None
    files = json.loads(out.stdout)["files"]
    for name, info in files.items():
        if (tree / name).resolve() == (tree / module).resolve():  # names are relative to the tree, or absolute
            return set(info["executed_lines"])
    return set()


def main(argv: list[str] | None = None) -> int:
    modules, cfg = load_config()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--module", action="append", default=[],
                    help="module path or glob from [tool.mutation.modules] (repeatable; default: all)")
    ap.add_argument("--sample", type=int, default=0, help="test a seeded random N mutants per module (0: all)")
    ap.add_argument("--seed", type=int, default=0, help="seed of --sample (default 0)")
    ap.add_argument("--timeout", type=float, default=None,
                    help="seconds per mutant (default: 3 x the module's clean test run + 10)")
    ap.add_argument("--no-fork", action="store_true",
                    help="start a fresh interpreter per mutant (slower; default: fork a preloaded process)")
    ap.add_argument("--list", action="store_true", help="list the mutants and exit")
    ap.add_argument("--json", type=Path, help="also write per-module results to this file")
    ap.add_argument("--fail-under", type=float, default=0.0, help="exit 1 when the overall score is below this %%")
    args = ap.parse_args(argv)
    # SIGTERM (a CI timeout, `kill`) unwinds like Ctrl-C, so the temporary tree copy is removed
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    chosen = [m for m in modules if not args.module or any(fnmatch.fnmatch(m, p) for p in args.module)]
    if not chosen:
        ap.error(f"no module matches {args.module}; configured: {', '.join(modules)}")

    report: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="mutation-") as tmp:
        tree = Path(tmp)
        if not args.list:
            copy_tree(tree)
            fork = hasattr(os, "fork") and not args.no_fork
            if fork:
                preload(list(cfg.get("preload", [])))
        for module in chosen:
            source = (ROOT / module).read_text(encoding="utf-8")
            mutants = find_mutants(module, source)
            total = len(mutants)
            if args.sample and args.sample < total:
                mutants = sorted(random.Random(f"{args.seed}:{module}").sample(mutants, args.sample),
                                 key=lambda m: (m.index, m.variant))
            if args.list:
                for m in mutants:
                    print(m.label)
                print(f"{module}: {len(mutants)} of {total} mutants")
                continue
            tests = mapped_tests(modules[module])
            status, took = run_tests(tree, tests, timeout=float(cfg.get("baseline_timeout", 900)), cov_module=module)
            if status != "pass":
                print(f"{module}: its tests do not pass unmutated ({status}); skipped", flush=True)
                report[module] = {"error": f"baseline {status}"}
                continue
            lines = covered_lines(tree, module)
            if fork and run_tests_forked(tree, tests, float(cfg.get("baseline_timeout", 900)))[0] != "pass":
                print(f"{module}: its tests fail in a forked run; using fresh interpreters", flush=True)
                fork = False
            timeout = args.timeout or 3 * took + 10
            killed, survivors = 0, []
            target = tree / module
            print(f"{module}: {len(mutants)} mutants (of {total}), tests {' '.join(tests)} "
                  f"(clean run {took:.1f}s, timeout {timeout:.0f}s)", flush=True)
            try:
                for n, m in enumerate(mutants, 1):
                    took = 0.0
                    if lines is not None and not lines & set(range(m.stmt_line or m.line, m.end_line + 1)):
                        outcome = "not covered"
                    else:
                        target.write_text(m.source, encoding="utf-8")
                        outcome, took = (run_tests_forked if fork else run_tests)(tree, tests, timeout)
                        target.write_text(source, encoding="utf-8")
                    dead = outcome in ("fail", "timeout")
                    killed += dead
                    if not dead:
                        survivors.append(f"{m.label} [{outcome}]")
                    print(f"  [{n}/{len(mutants)}] {'killed ' if dead else 'SURVIVED'} {m.label}"
                          f"{' (' + outcome + ')' if outcome not in ('fail', 'pass') else ''} [{took:.1f}s]",
                          flush=True)
            finally:
                target.write_text(source, encoding="utf-8")
            score = 100.0 * killed / len(mutants) if mutants else 100.0
            report[module] = {"mutants": len(mutants), "of": total, "killed": killed, "score": round(score, 1),
                              "survivors": survivors}
    if args.list:
        return 0
    print("\nmodule                                            killed / mutants   score")
    all_k = all_n = 0
    for module, r in report.items():
        if "error" in r:
            print(f"{module:<50} {r['error']}")
            continue
        all_k += r["killed"]
        all_n += r["mutants"]
        print(f"{module:<50} {r['killed']:>6} / {r['mutants']:<7}  {r['score']:5.1f}%")
    overall = 100.0 * all_k / all_n if all_n else 100.0
    print(f"{'overall':<50} {all_k:>6} / {all_n:<7}  {overall:5.1f}%")
    for module, r in report.items():
        for s in r.get("survivors", []):
            print(f"survivor: {s}")
    if args.json:
        args.json.write_text(json.dumps({"modules": report, "overall": round(overall, 1), "sample": args.sample,
                                         "seed": args.seed}, indent=2) + "\n")
    return 1 if overall < args.fail_under or any("error" in r for r in report.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
