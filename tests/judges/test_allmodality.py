"""Modality selection and S_AMG against hand-computed values on crafted responses."""

import pytest

from eval_anything.registry import TaskRegistry
from eval_anything.scheduler import Scheduler
from eval_anything.tasks import Task, TaskContext
from eval_anything.types import Response
from judge_fakes import RuleAdapter
from judges.allmodality import parse_structured_answer, s_amg_item

REG = TaskRegistry()


def _task(name):
    task = Task(REG.tasks[name])
    return task, {s.id: s for s in task.samples(TaskContext())}


def fmt(text, image, audio):
    return f"[[response]]: {text}\n[[image_instruction]]: {image}\n[[audio_instruction]]: {audio}"


@pytest.mark.parametrize("reply,combo", [
    (fmt("Paris.", "None", "None"), "t"),
    (fmt("See the mango.", "a ripe mango, cut open", "none"), "ti"),
    (fmt("None", "a lighthouse", "waves"), "ia"),
    ("Response: hello\nAudio instruction: a bell\nImage instruction: N/A", "ta"),
    ("**Response:** it rains\n**Image instruction:** rain on a roof\n**Audio instruction:** rain patter", "tia"),
    ("Just a plain answer.", "t"),
    ("", None),
])
def test_structured_answer_combination(reply, combo):
    assert parse_structured_answer(reply).combination == combo


def test_modality_selection_scores_equal_vote_shares():
    task, by_id = _task("modality_selection")
    crafted = {  # votes (of 24) in data/test.jsonl: t, i, a, ti, ta, ia, tia
        "sel-01": (fmt("Paris.", "None", "None"), 0.8333),  # t: 20/24
        "sel-02": (fmt("Sweet.", "a ripe mango", "None"), 0.7083),  # ti: 17/24
        "sel-03": ("Cuckoo, cuckoo, twelve times.", 0.125),  # plain text -> t: 3/24
        "sel-04": (fmt("Goodnight.", "a moonlit bedroom", "a soft lullaby"), 0.5833),  # tia: 14/24
        "sel-07": (fmt("None", "None", "rain on tin"), 0.3333),  # a: 8/24
        "sel-10": ("", 0.0),  # nothing chosen
    }
    samples = [by_id[k] for k in crafted]
    scores = task.score_all(samples, [[Response(text=r)] for r, _ in crafted.values()], TaskContext())
    assert [s.metrics["selection_score"] for s in scores] == pytest.approx([v for _, v in crafted.values()])
    assert [s.extracted for s in scores] == ["t", "ti", "t", "tia", "a", None]
    extra = task.aggregate_extra(samples, scores)
    assert extra["chose_t"] == pytest.approx(2 / 6) and extra["chose_tia"] == pytest.approx(1 / 6)


def _synergy_judge(req):
    text = req.messages[-1].text
    if "Rate their synergy" in text:
        has = {m: f"[{m} output]" in text for m in ("Text", "Image", "Audio")}
        if has["Text"] and has["Image"]:
            return "Score: 10"
        if has["Text"] and has["Audio"]:
            return "Score: 7"
        return "Score: 1"
    if "[Text output]" in text:
        return "Score: 8"
    if "[Image]" in text:
        return "Rating: 6/10"
    if "[Audio]" in text:
        return '{"score": 4}'
    raise AssertionError(text)


def test_s_amg_equals_hand_computed_values():
    task, by_id = _task("modality_synergy")
    replies = {
        "sel-04": fmt("Goodnight, little one.", "a moonlit bedroom", "a soft lullaby"),  # tia: 14/24 = 0.5833
        "sel-02": fmt("Sweet and juicy.", "a ripe mango, cut open", "None"),  # ti: 17/24 = 0.7083
        "sel-01": fmt("Paris.", "None", "None"),  # t: no pair
    }
    samples = [by_id[k] for k in replies]
    judge = RuleAdapter(rule=_synergy_judge)
    ctx = TaskContext(judge_adapter=judge, judge_spec="fake", scheduler=Scheduler())
    scores = task.score_all(samples, [[Response(text=r)] for r in replies.values()], ctx)
    # S_t = 8/10, S_i = 6/10, S_a = 4/10; S_ti = (10-1)/9 = 1, S_ta = (7-1)/9 = 2/3, S_ia = (1-1)/9 = 0.
    tia = 0.5 * (0.5833 / 3) * ((0.8 + 0.6) * 1 + (0.8 + 0.4) * (2 / 3) + (0.6 + 0.4) * 0)
    ti = 0.5 * 0.7083 * (0.8 + 0.6) * 1
    assert tia == pytest.approx(0.2138767, abs=1e-6) and ti == pytest.approx(0.495810, abs=1e-6)
    assert [s.metrics["s_amg"] for s in scores] == pytest.approx([tia, ti, 0.0])
    assert [s.metrics["synergy"] for s in scores[:2]] == pytest.approx([(1 + 2 / 3 + 0) / 3, 1.0])
    assert scores[2].metrics["synergy"] is None and scores[2].error is None
    assert len(scores[0].judge) == 6 and {r.template for r in scores[0].judge} == {
        "amg_text.jinja", "amg_image.jinja", "amg_audio.jinja", "synergy.jinja"}
    # 3 + 3 judge calls for tia, 2 + 1 for ti, 1 for t
    assert len(judge.calls) == 10
    extra = task.aggregate_extra(samples, scores)
    assert extra["S_pair_ti"] == pytest.approx(1.0) and extra["S_m_a"] == pytest.approx(0.4)
    assert extra["share_without_pair"] == pytest.approx(1 / 3)


def test_s_amg_formula_directly():
    sel = {"t": 0.1, "i": 0.0, "a": 0.0, "ti": 0.4, "ta": 0.2, "ia": 0.1, "tia": 0.3}
    s_m, s_pair = {"t": 1.0, "i": 0.5, "a": 0.0}, {"ti": 0.5, "ta": 1.0, "ia": 1.0}
    assert s_amg_item("ti", sel, s_m, s_pair) == pytest.approx(0.5 * 0.4 * 1.5 * 0.5)  # 0.15
    assert s_amg_item("ta", sel, s_m, s_pair) == pytest.approx(0.5 * 0.2 * 1.0 * 1.0)  # 0.1
    assert s_amg_item("tia", sel, s_m, s_pair) == pytest.approx(0.5 * 0.1 * (1.5 * 0.5 + 1.0 * 1.0 + 0.5 * 1.0))
    assert s_amg_item("t", sel, s_m, s_pair) == 0.0


def test_amu_overall_is_the_unweighted_mean_of_dimensions():
    task, by_id = _task("amu")
    per_dim = {"perception": "Score: 8", "reasoning": "[[6]]", "instruction-following": '{"score": 4}', "safety": "2/10"}

    def rule(req):
        text = req.messages[-1].text
        return next(v for d, v in per_dim.items() if f"Evaluation dimension: {d}." in text)

    samples = [by_id["amu-01"], by_id["amu-04"], by_id["amu-05"], by_id["amu-06"]]  # 1 perception, 3 reasoning
    ctx = TaskContext(judge_adapter=RuleAdapter(rule=rule, tag="dims"), judge_spec="dims", scheduler=Scheduler())
    scores = task.score_all(samples, [[Response(text="an answer")]] * 4, ctx)
    assert [s.metrics["score"] for s in scores] == [8.0, 6.0, 6.0, 6.0]
    extra = task.aggregate_extra(samples, scores)
    assert extra["perception"] == 8.0 and extra["reasoning"] == 6.0 and extra["safety"] is None
    assert extra["overall"] == 7.0  # (8 + 6) / 2, not the item mean 6.5
