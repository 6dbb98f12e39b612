"""Property tests for judges/parse.py: generated replies with distractors parse to the intended value or fail.

Judge replies: a verdict in one of the accepted forms, surrounded by quoted rubrics, scale statements, trailing
remarks, markdown and mixed case. Structured answers: three sections in any order, on one line or several, with
None spellings, empty sections and short real answers such as "No.".
"""

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from judges.parse import ParseError, parse_score, parse_structured_answer

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ----- judge scores --------------------------------------------------------------------------------------------
VERDICT_FORMS = [
    "Score: {v}", "score: {v}", "SCORE: {v}", "**Score:** {v}", "**Score: {v}**", "Score: **{v}**", "Rating = {v}",
    "Final score - {v}", "Final rating: {v}/10", "Grade: {v} out of 10", "[[{v}]]", "Score: [[{v}]]",
    '{{"score": {v}}}', "Score — {v}", '```json\n{{"rating": {v}, "reason": "fine"}}\n```', "### Score: {v}",
    "The score is {v}.",
]
# Scale statements and quoted rubric lines (before the verdict); {w} is any other number on the scale.
BEFORE = [
    "On a scale of 1 to 10, here is my assessment.", "A score of {w} means the answer is flawless.",
    "Rubric: key elements (4), details (3), scene (2), extras (1).", "Scores range from 1 to 10.",
    "Score: 1-10, where 10 is best.", "The rating is 1 to 10.", "the grading scale: 1 (worst) to 10 (best)",
    "A rating of {w} would require citations.", "The answer covers 3 of the 4 elements.",
]
# Remarks after the verdict.
AFTER = [
    "A score of {w} would need more detail.", "A rating of {w} would require sources.", "(a {w}/10 would need more)",
    "Scores above {w} are for perfect answers.", "I hope this helps.", "Note: 2 details were missing.",
    "Rating: {w} only if the tone were right.", "Score: {w} would be too generous.",
    "A Score: {w} would need citations.", "Score: {w} if it were longer.",
]


@st.composite
def judge_reply(draw):
    v = draw(st.integers(1, 10))
    w = draw(st.integers(1, 10))
    form = draw(st.sampled_from(VERDICT_FORMS)).format(v=v)
    before = [s.format(w=w) for s in draw(st.lists(st.sampled_from(BEFORE), max_size=3))]
    after = [s.format(w=w) for s in draw(st.lists(st.sampled_from(AFTER), max_size=3))]
    sep = draw(st.sampled_from(["\n", " ", "\n\n"]))
    return sep.join(before + ["The answer is mostly right.", form] + after), v


@SETTINGS
@given(judge_reply())
def test_a_verdict_with_distractors_parses_to_the_verdict(case):
    reply, v = case
    assert parse_score(reply, 1, 10) == v


@SETTINGS
@given(st.lists(st.sampled_from(BEFORE + AFTER), min_size=1, max_size=4), st.integers(1, 10))
def test_scale_statements_and_remarks_alone_are_parse_failures(parts, w):
    reply = " ".join(p.format(w=w) for p in parts if "of the 4" not in p)
    with pytest.raises(ParseError):
        parse_score(reply or "A score of 5 would need more.", 1, 10)


@SETTINGS
@given(st.text(max_size=80))
def test_any_text_is_a_failure_or_a_number_it_contains_in_range(text):
    try:
        value = parse_score(text, 1, 10)
    except ParseError:
        return
    assert 1 <= value <= 10
    assert re.search(rf"(?<!\d){int(value)}(?:\.0+)?(?!\d)" if value == int(value) else re.escape(repr(value)), text)


@pytest.mark.parametrize("reply,expected", [
    ("Score: 8\nA score of 10 would need citations.", 8.0),
    ("Rating: 3 -- a rating of 5 would need a clearer answer.", 3.0),
    ("Score: 6\nOn reflection the details are right.\nFinal score: 8", 8.0),  # the last verdict, not the first
    ("[[4]] ... wait, revisiting: [[7]]", 7.0),
    ("Score — 6. It would need sources to reach 9.", 6.0),
    ('{"score": "8/10", "why": "a score of 10 would need more"}', 8.0),
    ("Score: 7 would be too generous. Score: 5", 5.0),
    ("Rating: [[5]]", 5.0),
    ("Score: 4/4 for accuracy, 2/3 for detail.\nTotal score: 8/10", 8.0),
])
def test_issue_examples(reply, expected):
    assert parse_score(reply, 1, 10) == expected


@pytest.mark.parametrize("reply", [
    "On a score of 1 to 10, I rate it 8.", None, "", "   ", "Score: 11", "Score: 0", "Score: 8/5", "Score: 1-10",
    "A score of 10 would need more detail.", '{"score": "8/5"}', "Score: 7/10 if it cited sources.",
])
def test_ambiguous_or_invalid_replies_fail(reply):
    with pytest.raises(ParseError):
        parse_score(reply, 1, 10)


def test_a_none_reply_is_a_counted_parse_failure_not_an_attribute_error():
    from eval_anything.scheduler import Scheduler
    from eval_anything.types import Response
    from judge_fakes import RuleAdapter
    from judges import JudgeEnv, JudgeItem
    from judges.llm import PointwiseJudge

    class NoneText(RuleAdapter):
        def generate(self, requests, progress=None):
            self.calls.extend(requests)
            return [Response(text=None) for _ in requests]

    judge = NoneText(tag="none-text")
    [v] = PointwiseJudge().judge([JudgeItem(id="1", prompt="q", response="a")], JudgeEnv(judge, Scheduler()))
    assert v.value is None and v.parse_failed and v.records[0].attempts == 2 and len(judge.calls) == 2


def test_an_ambiguous_reply_goes_to_repair_then_counts_as_a_failure():
    from eval_anything.scheduler import Scheduler
    from judge_fakes import RuleAdapter
    from judges import JudgeEnv, JudgeItem
    from judges.llm import PointwiseJudge

    replies = iter(["On a score of 1 to 10, I rate it 8.", "Score: 8"])
    judge = RuleAdapter(rule=lambda r: next(replies), tag="repair-once")
    [v] = PointwiseJudge().judge([JudgeItem(id="1", prompt="q", response="a")], JudgeEnv(judge, Scheduler()))
    assert v.value == 8.0 and v.records[0].attempts == 2
    assert "Score: N" in judge.calls[1].messages[-1].text  # the repair prompt restates the format
    stuck = RuleAdapter(rule=lambda r: "On a score of 1 to 10, I rate it 8.", tag="repair-fails")
    [v] = PointwiseJudge().judge([JudgeItem(id="1", prompt="q", response="a")], JudgeEnv(stuck, Scheduler()))
    assert v.value is None and v.parse_failed


# ----- structured answers --------------------------------------------------------------------------------------
NONE_SPELLINGS = ["None", "none", "NONE.", "(None)", "<none>", "[none]", "N/A", "null", "**None**", "None (not needed)",
                  "nil", "", "   ", "None\nI hope this helps."]
ANSWERS = ["No.", "Nothing.", "-", "0", "no", "None of the options fit, so here is a poem.", "Paris is the capital.",
           "a red ball bouncing on a wooden floor", "soft rain on a tin roof, 10 seconds", "Yes: it works."]
HEADS = {
    "response": ["[[response]]", "[[Response]]", "[response]", "**Response**", "Response", "[[text response]]",
                 "Text response", "[[RESPONSE]]"],
    "image_instruction": ["[[image_instruction]]", "[[Image Instruction]]", "**Image instruction**",
                          "[[image-instruction]]",
                          "Image instruction", "[image_instruction]", "IMAGE_INSTRUCTION"],
    "audio_instruction": ["[[audio_instruction]]", "[[Audio instruction]]", "**Audio instruction:**",
                          "Audio instruction", "[audio_instruction]"],
}


@st.composite
def structured_reply(draw):
    one_line = draw(st.booleans())
    order = draw(st.permutations(["response", "image_instruction", "audio_instruction"]))
    present = [k for k in order if draw(st.integers(0, 3))] or list(order)  # a missing section is not chosen
    sections, chosen = [], {}
    for i, key in enumerate(present):
        if draw(st.booleans()):
            content = draw(st.sampled_from(ANSWERS))
            chosen[key] = content.strip()
        else:
            content = draw(st.sampled_from(NONE_SPELLINGS))
            if one_line:
                content = content.replace("\n", " ") if "\n" not in content else "None"
        head = draw(st.sampled_from(HEADS[key]))
        if key == "response" and head in ("**Response**", "Response") and (one_line and i > 0):
            head = "[[response]]"  # an unbracketed "Response" header counts only at a line start (rule A1)
        colon = "" if head.endswith(":**") or (head.startswith("[[") and draw(st.booleans())) else ":"
        sections.append(f"{head}{colon} {content}")
    preamble = draw(st.sampled_from(["", "Sure, here is my answer.", "Here you go!"]))
    body = (" " if one_line else "\n").join(sections)
    reply = f"{preamble}\n{body}" if preamble else body
    return reply, chosen


@SETTINGS
@given(structured_reply())
def test_structured_answers_give_the_sections_a_careful_reader_sees(case):
    reply, chosen = case
    ans = parse_structured_answer(reply)
    want = "".join(k for k, key in (("t", "response"), ("i", "image_instruction"), ("a", "audio_instruction"))
                   if key in chosen) or None
    assert ans.combination == want, reply
    assert ans.text == chosen.get("response") and ans.image_instruction == chosen.get("image_instruction")
    assert ans.audio_instruction == chosen.get("audio_instruction")


@pytest.mark.parametrize("reply,combo", [
    ("[[response]]: No. [[image_instruction]]: None [[audio_instruction]]: None", "t"),
    ("[[response]]: Nothing.\n[[image_instruction]]: (none)\n[[audio_instruction]]: -", "ta"),
    ("[[audio_instruction]]: a bell\n[[response]]: Listen.\n[[image_instruction]]: a church tower", "tia"),
    ("[[response]]: ... [[image_instruction]]: a cat [[audio_instruction]]: a purr", "tia"),
    ("[[response]]: None\n[[image_instruction]]: N/A\n[[audio_instruction]]:", None),
    ("[output_format]\n[[response]] Yes.\n[[image_instruction]] a dog\n[[audio_instruction]] None\n"
     "[/output_format]", "ti"),
    ("Just a plain answer.", "t"),
    ("No.", "t"),
    ("", None),
])
def test_structured_examples(reply, combo):
    assert parse_structured_answer(reply).combination == combo


# ----- option letters (TIFA) -----------------------------------------------------------------------------------
OPTION_FORMS = ["{x}", "({x})", "**{x}**", "{x}.", "{x}. {text}", "Answer: {x}", "The answer is {x}.",
                "answer: ({x})", '{{"answer": "{x}"}}', "[[{x}]]", "Option {x}", "{x})"]
OPTION_BEFORE = ["", "Listening closely to the clip.", "I hear it clearly.", "Looking at the video:"]
OPTION_AFTER = ["", "It is clearly audible.", "That matches what is heard.", "Hope this helps."]


@SETTINGS
@given(st.sampled_from("ABCD"), st.sampled_from(OPTION_FORMS), st.sampled_from(OPTION_BEFORE),
       st.sampled_from(OPTION_AFTER), st.sampled_from(["\n", " "]), st.booleans())
def test_option_letters_with_surrounding_prose(x, form, before, after, sep, lower):
    from judges.parse import parse_option

    body = form.format(x=x.lower() if lower and form.startswith(("(", "Answer", "The", "answer")) else x, text="a dog")
    starts = form.startswith(("{x}", "({x})", "**"))
    if form in ("{x}", "**{x}**") or lower:
        sep = "\n"  # a letter followed on its line by prose ("A It is", "answer: a dog") reads as prose: a failure
    reply = sep.join(p for p in ((before if not starts else ""), body, after) if p)
    assert parse_option(reply, 4) == x
