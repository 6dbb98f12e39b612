"""Both-order pairwise judging: position bias cancels."""

from judge_fakes import RuleAdapter, answer_between
from judges import JudgeEnv, JudgeItem
from judges.pairwise import PairwiseJudge

ITEMS = [JudgeItem(id=str(i), prompt=f"question {i}", response=f"short {i}", other=f"a much longer answer {i}")
         for i in range(6)]


def test_always_first_position_gives_half_not_all():
    judge = RuleAdapter(rule=lambda r: "A is shown first, so: Verdict: [[A]]")
    verdicts = PairwiseJudge().judge(ITEMS, JudgeEnv(judge))
    assert len(judge.calls) == 2 * len(ITEMS)
    assert [v.value for v in verdicts] == [0.5] * len(ITEMS)
    win_rate = sum(v.value for v in verdicts) / len(verdicts)
    assert win_rate == 0.5  # 100% if only one order were asked
    assert all(v.detail["consistent"] is False for v in verdicts)


def test_consistent_preference_survives_both_orders():
    def longer(req):
        text = req.messages[-1].text
        a, b = answer_between(text, "[Answer A]", "[/Answer A]"), answer_between(text, "[Answer B]", "[/Answer B]")
        return "Verdict: [[A]]" if len(a) > len(b) else "Verdict: [[B]]"

    verdicts = PairwiseJudge().judge(ITEMS, JudgeEnv(RuleAdapter(rule=longer, tag="longer")))
    assert [v.value for v in verdicts] == [0.0] * len(ITEMS)  # `response` is always the shorter one
    assert all(v.detail["consistent"] for v in verdicts)


def test_ties_and_unparsable_orders():
    tie = PairwiseJudge().judge(ITEMS[:1], JudgeEnv(RuleAdapter(rule=lambda r: "[[tie]]", tag="tie")))
    assert tie[0].value == 0.5 and tie[0].detail["consistent"]
    bad = PairwiseJudge().judge(ITEMS[:1], JudgeEnv(RuleAdapter(rule=lambda r: "hmm", tag="bad")))
    assert bad[0].value is None and bad[0].parse_failed and len(bad[0].records) == 2
