import pytest

from judges.parse import ParseError, parse_option, parse_score, parse_verdict


@pytest.mark.parametrize("reply,expected", [
    ("Score: 7", 7.0),
    ("The answer is thorough.\nRating: 8", 8.0),
    ("7/10", 7.0),
    ("I would give it 6 out of 10.", 6.0),
    ('{"score": 9, "reason": "good"}', 9.0),
    ('```json\n{"Score": 3}\n```', 3.0),
    ("Mostly right. [[5]]", 5.0),
    ("Rating: [[4]]", 4.0),
    ("  2  ", 2.0),
    ("**10**", 10.0),
    ("Score: 7.5", 7.5),
    ("At first 3/10, but on reflection Score: 8/10", 8.0),
    ("Final rating - **6**/10", 6.0),
    ("On a score from 1 to 10, I give it 7/10.", 7.0),
    ("The score is 9", 9.0),
])
def test_score_formats(reply, expected):
    assert parse_score(reply, 1, 10) == expected


@pytest.mark.parametrize("reply", ["", "great answer!", "Score: 11", "Score: 0", "3/5", "Score: -2", "seven"])
def test_score_failures_raise(reply):
    with pytest.raises(ParseError):
        parse_score(reply, 1, 10)


@pytest.mark.parametrize("reply,expected", [
    ("Verdict: [[A]]", "A"), ("[[B]]", "B"), ("[[tie]]", "tie"), ("[[C]]", "tie"),
    ('{"winner": "b"}', "B"), ("Winner: tie", "tie"), ("Answer B is better.", "B"), ("A", "A"),
    ("The better response is (A)", "A"),
])
def test_verdict_formats(reply, expected):
    assert parse_verdict(reply) == expected


@pytest.mark.parametrize("reply", ["", "both are fine I guess", "Verdict: maybe"])
def test_verdict_failures(reply):
    with pytest.raises(ParseError):
        parse_verdict(reply)


@pytest.mark.parametrize("reply,expected", [
    ("C", "C"), ("(b)", "B"), ("B. a dog", "B"), ("Answer: D", "D"), ('{"answer": "A"}', "A"), ("[[C]]", "C"),
    ("The answer is B.", "B"), ("The answer is (c)", "C"), ("**B**", "B"), ("**C.** Dog", "C"),
])
def test_option_formats(reply, expected):
    assert parse_option(reply, 4) == expected


@pytest.mark.parametrize("reply", ["A dog is barking", "The answer is a dog", "E", "none of these", ""])
def test_option_failures(reply):
    with pytest.raises(ParseError):
        parse_option(reply, 4)
