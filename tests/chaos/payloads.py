"""A seeded, bounded corpus of hostile strings: what a model, a judge or a data file may write.

Every payload that would do something if it were executed touches MARKER_NAME in the folder given to `corpus()`,
so "nothing ran" is checked by that file's absence (and by the absence of the attribute set in a browser).
"""

from __future__ import annotations

import random

MARKER_NAME = "PWNED"


def code_execution(marker_dir: str) -> list[str]:
    """Strings that run code when handed to eval/exec/sympify/parse_expr, a Jinja environment, or a shell."""
    m = f"{marker_dir}/{MARKER_NAME}"
    return [
        f"__import__('os').system('touch {m}')",
        f"__import__(\"os\").system(\"touch {m}\")",
        f"(lambda: __import__('pathlib').Path('{m}').touch())()",
        f"open('{m}', 'w').write('x')",
        f"exec(\"open('{m}','w')\")",
        f"eval(\"open('{m}','w')\")",
        "().__class__.__bases__[0].__subclasses__()",
        f"[c for c in ().__class__.__base__.__subclasses__() if c.__name__ == 'Popen'][0](['touch', '{m}'])",
        f"Symbol('x').__class__.__init__.__globals__['__builtins__']['open']('{m}','w')",
        f"\\boxed{{__import__('os').system('touch {m}')}}",
        f"The answer is $__import__('os').system('touch {m}')$",
        f"{{{{ cycler.__init__.__globals__.os.system('touch {m}') }}}}",
        "{% for x in ().__class__.__base__.__subclasses__() %}{% endfor %}",
        f"$(touch {m})",
        f"`touch {m}`",
        f"; touch {m}",
        "import os; os.system('id')",
        "globals()", "locals()", "vars()", "getattr(1, '__class__')", "x.__dict__", "x.__class__",
        "lambda x: x", "exit()", "quit()", "breakpoint()", "help()",
        "Integer(5)", "S(5)", "Rational(1,2)", "sympify('5')", "N(pi)",
    ]


RESOURCE = [
    "9**9**9**9", "9^9^9^9", "10^10^10", "2^{2^{2^{2^{2}}}}", "(2^4096)^(2^4096)", "1e999999999",
    "9" * 5000, "(" * 5000 + "1" + ")" * 5000, "-" * 5000 + "1", "x^" * 2000 + "x", "\\frac{" * 500 + "1" + "}{2}" * 500,
    "\\sqrt{" * 300 + "2" + "}" * 300, "(x+y+z+w+a+b+c+d)^32", "((x+1)^32)^32", "2^(x^32)", "x^x^x^x^x^x",
    "1/0", "0^-1", "\\sqrt[1000000]{2}", "2^pi^pi^pi", "1" + "0" * 100 + "!",
]

MARKUP = [
    "<script>window.__pwned=1</script>",
    "</script><script>window.__pwned=1</script>",
    "<img src=x onerror=\"window.__pwned=1\">",
    "<svg onload=\"window.__pwned=1\"></svg>",
    "<a href=\"javascript:window.__pwned=1\">click</a>",
    "javascript:window.__pwned=1",
    "<iframe src=\"javascript:window.__pwned=1\"></iframe>",
    "\"><script>window.__pwned=1</script>",
    "'><body onload=window.__pwned=1>",
    "<!--", "]]>", "\u2028\u2029", "\\u003cscript\\u003e", "${window.__pwned=1}", "{{7*7}}",
]

PATHS = [
    "../../../../etc/passwd", "/etc/passwd", "..", "../", "~/.ssh/id_rsa", "samples/../../outside.jsonl",
    "media/../../../secret.png", "C:\\Windows\\win.ini", "\\\\server\\share", "file:///etc/passwd", "a\x00b",
    "media/%2e%2e/%2e%2e/x.png", "....//....//etc", "/proc/self/environ", "/dev/zero", "/dev/random",
]

# Task names that must be refused by the task-name rule before any path is built.
TASK_NAMES = ["../../../../tmp/x", "..", ".", "a/b", "a\\b", "", "x" * 300, "t\x00", "/abs", "~", "a b", "é/..",
              "a.b", "t\n", "con.jsonl"]


def oversized(rng: random.Random) -> list[str]:
    return ["A" * 1_000_000, "\U0001F600" * 50_000, "".join(rng.choice("{}[]()<>\"'\\") for _ in range(100_000))]


def corpus(marker_dir: str, seed: int = 0, n_random: int = 40) -> list[str]:
    """Every payload above plus `n_random` seeded mixtures of them (bounded in size)."""
    rng = random.Random(seed)
    base = code_execution(marker_dir) + RESOURCE + MARKUP + PATHS
    mixed = []
    for _ in range(n_random):
        k = rng.randint(2, 4)
        mixed.append(rng.choice([" ", "\n", "", "$", "\\boxed{"]).join(rng.sample(base, k))[:4000])
    return base + mixed
