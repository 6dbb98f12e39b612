"""Reading judge replies and structured model answers. One module, written rules, no guessing.

Every parser returns the intended value or raises ParseError; a ParseError sends a judge reply to the repair retry
(judges/engine.py) and, if that fails too, becomes a counted parse failure. Nothing here returns a default.

Judge scores (`parse_score(text, lo, hi)`)
  S1. An empty or None reply is a failure.
  S2. Verdict forms, strongest first; within a tier the verdict is the **last** one in the reply (a reasoning judge
      states its verdict at the end, after any rubric it quotes):
        tier 1: a JSON object's "score" / "rating" / "grade" field; `[[N]]`; a labelled score
                `Score: N`, `Final rating = N`, `**Grade:** N`, `Score - N`, `Score — N`, `The score is N`
                (label, then ':' '=' ' - ' or 'is'; markdown around the number is fine; `N/hi` or `N out of hi`
                may follow);
        tier 2: a bare fraction `N/hi` or `N out of hi` anywhere ("I give it 7/10");
        tier 3: a reply that is only a number ("8", "**8**", "8.").
  S3. Scale statements and remarks are never verdicts: "score of N", "a rating of N would ...", "on a scale of 1 to
      10", "Score: 1-10", "Score: 1 to 10", and any verdict form followed in the same clause by a conditional
      ("would", "could", "should", "if", "when", "only", "requires", "needs", "means", "indicates", "is for",
      "is reserved", "reserved") are skipped. "On a score of 1 to 10, I rate it 8." therefore has no verdict: it
      fails and goes to the repair retry.
  S4. A denominator other than `hi` ("3/5" on a 1-10 scale), a value outside [lo, hi] or a non-number is a
      failure, never clipped.

Option letters (`parse_option(text, n)`, TIFA answers): a JSON "answer"/"option"/"choice" field; `[[C]]`; the last
"answer/option/choice (is) C" (a lowercase letter only when nothing but punctuation follows it on its line, so "the
answer is a dog" is not A); "(b)" or a letter opening the reply, alone on its line or followed by ")", "." or ":"
("C", "**C**", "C. a dog", but not "A dog barks"). Anything else is a failure.

Structured all-modality answers (`parse_structured_answer(text)`), the paper's answer format for modality selection
and synergy: three sections, text response, image instruction, audio instruction.
  A1. Section headers: `[[response]]`, `[response]`, `[[image_instruction]]`, `[[audio_instruction]]` (also with a
      space or '-' for the underscore, any case, optional markdown) anywhere in the reply, on any line, in any order,
      several on one line; the unbracketed names `image instruction`, `audio instruction`, `text response` anywhere;
      the unbracketed `response` only at the start of a line (after markdown such as `**`, `#`, `-`, `>`). A header is
      followed by ':' (or the full-width '：'); after a double-bracketed header the colon may be left out.
  A2. A section's content runs to the next header or the end of the reply; a closing `[/output_format]` tag and the
      markdown/quotes around the content are not content. Text before the first header is not part of any section.
      A section given twice: the first one counts.
  A3. A section is **not chosen** when it is missing, empty (only whitespace, markdown or quotes), or a None
      spelling: `None`, `null`, `N/A`, `nil`, optionally wrapped in (), [], <>, quotes or markdown, optionally
      followed by a period, or followed only by a parenthetical ("None (text is enough)"); a None spelling on the
      section's first line makes the whole section not chosen (what follows it is a remark). Everything else is an
      answer: "No.", "Nothing.", "-", "0", "None of the options fit." are real text answers.
  A4. A reply with no header at all is a plain text answer (combination "t"); an empty reply chose nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any


class ParseError(ValueError):
    pass


_NUM = r"(\d+(?:\.\d+)?)"
_DENOM = r"(?:\s*(?:/|out\s+of)\s*(\d+(?:\.\d+)?))?"
# S3: what, following a verdict form in the same clause, makes it a remark or a scale statement.
_REMARK_AFTER = re.compile(
    r"(?i)^[^\S\n]*(?:(?:-|–|—|to)\s*\d|\**\s*(?:would|could|should|if|when|only|requires?|needs?|means|indicates|"
    r"is\s+(?:for|reserved|given\s+(?:to|when|if)|only)|reserved|stands\s+for)\b)")
_LABELLED = re.compile(
    r"(?i)(?<![\w])(?:score|rating|grade)(?!\s+of\b)\**[^\S\n]*(?:[:=：]|[^\S\n][-–—]{1,2}[^\S\n]|[^\S\n]is\b)[^\S\n]*\**[^\S\n]*"
    + _NUM + r"[^\S\n]*\**" + _DENOM)
_BRACKETED = re.compile(r"\[\[\s*" + _NUM + r"\s*\]\]")
_FRACTION = re.compile(r"(?<![\w./])" + _NUM + r"\s*(?:/|out\s+of)\s*(\d+(?:\.\d+)?)(?![\w/])")
_BARE = re.compile(r"\s*\**\s*" + _NUM + r"\s*\**\s*\.?\s*")


def _json_objects(text: str) -> list[tuple[int, int, dict]]:
    """Every JSON object embedded in the text, with its span (code fences and prose around it are fine)."""
    out, dec = [], json.JSONDecoder()
    for m in re.finditer(r"\{", text):
        try:
            obj, end = dec.raw_decode(text[m.start():])
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict):
            out.append((m.start(), m.start() + end, obj))
    return out


def _json_field(text: str, keys: tuple[str, ...]) -> Any:
    for _, _, obj in reversed(_json_objects(text)):
        lowered = {str(k).lower(): v for k, v in obj.items()}
        for k in keys:
            if k in lowered:
                return lowered[k]
    return None


def _is_remark(text: str, end: int) -> bool:
    return bool(_REMARK_AFTER.match(text[end:end + 60]))


def _tier1(text: str) -> list[tuple[int, str, str | None]]:
    found: list[tuple[int, str, str | None]] = []
    for start, end, obj in _json_objects(text):
        lowered = {str(k).lower(): v for k, v in obj.items()}
        for k in ("score", "rating", "grade"):
            if k in lowered and not isinstance(lowered[k], (dict, list, bool)) and lowered[k] is not None:
                value = str(lowered[k]).strip()
                frac = re.fullmatch(_NUM + _DENOM, value)  # "8" or "8/10" as a string
                found.append((start, frac.group(1), frac.group(2)) if frac else (start, value, None))
                break
    for m in _BRACKETED.finditer(text):
        if not _is_remark(text, m.end()):
            found.append((m.start(), m.group(1), None))
    for m in _LABELLED.finditer(text):
        if not _is_remark(text, m.end()):
            found.append((m.start(), m.group(1), m.group(2)))
    return sorted(found, key=lambda f: f[0])


def parse_score(text: str | None, lo: float = 1, hi: float = 10) -> float:
    """The judge's rating in [lo, hi] by rules S1-S4 of this module's docstring, or ParseError."""
    if text is None or not str(text).strip():
        raise ParseError("empty reply")
    text = str(text)
    candidates = _tier1(text)
    if not candidates:
        candidates = [(m.start(), m.group(1), m.group(2)) for m in _FRACTION.finditer(text)
                      if not _is_remark(text, m.end())]
    if not candidates:
        bare = _BARE.fullmatch(text)
        if bare:
            candidates = [(0, bare.group(1), None)]
    if not candidates:
        raise ParseError(f"no verdict score (e.g. 'Score: N') found in reply {text[:80]!r}")
    _, raw, denom = candidates[-1]
    try:
        score = float(raw)
    except ValueError:
        raise ParseError(f"score {raw!r} is not a number") from None
    if score != score:  # NaN
        raise ParseError("score is not a number")
    if denom is not None and float(denom) != float(hi):
        raise ParseError(f"score given out of {denom}, expected out of {hi:g}")
    if not lo <= score <= hi:
        raise ParseError(f"score {score:g} outside {lo:g}..{hi:g}")
    return score


_VERDICTS = {"a": "A", "b": "B", "tie": "tie", "c": "tie", "draw": "tie", "equal": "tie", "both": "tie"}


def parse_verdict(text: str | None) -> str:
    """A pairwise verdict "A", "B" or "tie" from `[[A]]`, `{"winner": "B"}`, `Winner: tie`, `Output (a)`, `B`."""
    if not text or not text.strip():
        raise ParseError("empty reply")
    value = _json_field(text, ("winner", "verdict", "better", "choice"))
    if isinstance(value, str) and value.strip().lower() in _VERDICTS:
        return _VERDICTS[value.strip().lower()]
    for pattern in (
        r"\[\[\s*(A|B|C|tie)\s*\]\]",
        r"(?i)\b(?:winner|verdict|better(?: response| answer)?|final answer)\b\s*(?:is)?\s*[:=\-]?\s*"
        r"(?:response|answer|output|assistant)?\s*\(?\s*(A|B|tie|draw)\b",
        r"(?i)\b(?:response|answer|output|assistant)\s*\(?(A|B)\)?\s+is\s+better",
    ):
        found = re.findall(pattern, text, flags=re.IGNORECASE)
        if found:
            return _VERDICTS[found[-1].lower()]
    bare = re.fullmatch(r"\s*\**\s*\(?(A|B|tie|draw)\)?\s*\**\s*\.?\s*", text, flags=re.IGNORECASE)
    if bare:
        return _VERDICTS[bare.group(1).lower()]
    raise ParseError(f"no verdict (A, B or tie) found in reply {text[:80]!r}")


def parse_option(text: str | None, n_options: int = 4) -> str:
    """A multiple-choice letter from `C`, `(C)`, `C. a dog`, `Answer: C`, `{"answer": "C"}`, `[[C]]`."""
    if not text or not text.strip():
        raise ParseError("empty reply")
    letters = "ABCDEFGHIJ"[:n_options]
    cls = f"[{letters}{letters.lower()}]"
    value = _json_field(text, ("answer", "option", "choice"))
    if isinstance(value, str) and len(value.strip()) >= 1 and value.strip()[0].upper() in letters:
        if len(value.strip()) == 1 or not value.strip()[1].isalpha():
            return value.strip()[0].upper()
    for pattern in (
        r"\[\[\s*(" + cls + r")\s*\]\]",
        # "Answer: C", "answer: (c)", "Answer: c." but not "the answer is a dog"
        r"\b(?i:answer|option|choice)\b\s*(?:is)?\s*[:=\-]?\s*\**(\((?i:[" + letters + r"])\)|[" + letters + r"]\b|["
        + letters.lower() + r"](?=[ \t.)*]*(?:\n|$)|[.)]))",
        r"^\s*\**\((" + cls + r")\)",  # "(b)"
        r"^\s*\**\(?([" + letters + r"])\**(?:[\)\.:]|[ \t]*(?:\n|$))",  # "C", "**C**", "(C)", "C. ..." not "A dog"
    ):
        found = re.findall(pattern, text.strip())
        if found:
            return found[-1].strip("()").upper()
    raise ParseError(f"no option letter ({', '.join(letters)}) found in reply {text[:80]!r}")


# ----- structured all-modality answers (rules A1-A4) -----------------------------------------------------------
SECTIONS = ("response", "image_instruction", "audio_instruction")
_SEP = r"[ _\-]"
_NAMES = r"(response|text" + _SEP + r"response|image" + _SEP + r"instruction|audio" + _SEP + r"instruction)"
_HEADER = re.compile(
    r"(?i)(?:\[\[\s*" + _NAMES + r"\s*\]\][ \t]*\**[ \t]*[:：]?"  # [[name]], colon optional
    r"|(?:\[\s*" + _NAMES + r"\s*\]"  # [name]
    r"|(?<![\w\[])(text" + _SEP + r"response|image" + _SEP + r"instruction|audio" + _SEP + r"instruction)(?![\w\]])"
    r"|(?:^|(?<=\n))[ \t>#*\-]*(response)(?![\w\]]))[ \t]*\**[ \t]*[:：])")
_NONE_WORD = r"(?:none|null|n/a|nil)"
_NONE = re.compile(r"(?i)[\s*_\"'`]*[(\[<]?[\s*_\"'`]*" + _NONE_WORD + r"[\s*_\"'`]*[)\]>]?[\s*_\"'`]*\.?"
                   r"(?:\s*\([^()]*\))?[\s*_\"'`.]*")
_DECORATION = " \t\r\n*_\"'`"


@dataclass(frozen=True)
class StructuredAnswer:
    text: str | None
    image_instruction: str | None
    audio_instruction: str | None
    structured: bool  # False: no section header found (plain text answer)

    @property
    def combination(self) -> str | None:
        c = "".join(k for k, v in (("t", self.text), ("i", self.image_instruction), ("a", self.audio_instruction)) if v)
        return c or None


def section_value(body: str | None) -> str | None:
    """A section's content, or None when it is not chosen (rule A3)."""
    if body is None:
        return None
    v = re.sub(r"(?is)\[/?output_format\].*$", "", body).strip(_DECORATION)
    if not v or _NONE.fullmatch(v.split("\n", 1)[0].strip()):
        return None
    return v


def parse_structured_answer(reply: str | None) -> StructuredAnswer:
    """The three sections of a structured answer by rules A1-A4 (this module's docstring)."""
    reply = reply or ""
    heads = list(_HEADER.finditer(reply))
    if not heads:
        return StructuredAnswer(section_value(reply), None, None, structured=False)
    found: dict[str, str] = {}
    for h, nxt in zip(heads, heads[1:] + [None]):
        name = re.sub(r"[ \-]", "_", next(g for g in h.groups() if g).lower())
        key = "response" if name in ("response", "text_response") else name
        found.setdefault(key, reply[h.end(): nxt.start() if nxt else len(reply)])
    return StructuredAnswer(section_value(found.get("response")), section_value(found.get("image_instruction")),
                            section_value(found.get("audio_instruction")), structured=True)
