"""Modality selection, S_AMG and AMU against hand-computed values on crafted responses.

The fake judges check what they were sent (the right description per modality, the media attached, the references
and the model's answer) and fail the test when it is missing or wrong.
"""

import pytest

from eval_anything.registry import TaskRegistry
from eval_anything.scheduler import Scheduler
from eval_anything.tasks import Task, TaskContext
from eval_anything.types import Part, Response
from judge_fakes import RuleAdapter, answer_between, media_adapter
from judges.allmodality import VoteDataError, check_votes, s_amg_item, selection_score

REG = TaskRegistry()
VOTES = {"t": 0.1, "i": 0.0, "a": 0.0, "ti": 0.4, "ta": 0.2, "ia": 0.1, "tia": 0.2}


def _task(name):
    task = Task(REG.tasks[name])
    return task, {s.id: s for s in task.samples(TaskContext())}


def fmt(text, image, audio):
    return f"[[response]]: {text}\n[[image_instruction]]: {image}\n[[audio_instruction]]: {audio}"


def test_modality_selection_scores_equal_vote_shares():
    task, by_id = _task("modality_selection")
    crafted = {  # votes (of 24) in data/test.jsonl: t, i, a, ti, ta, ia, tia
        "sel-01": (fmt("No.", "None", "None"), 0.8333),  # "No." is a text answer: t = 20/24
        "sel-02": ("[[response]]: Sweet. [[image_instruction]]: a ripe mango [[audio_instruction]]: None", 0.7083),
        "sel-03": ("Cuckoo, cuckoo, twelve times.", 0.125),  # plain text -> t: 3/24
        "sel-04": ("[[audio_instruction]]: a soft lullaby\n[[response]]: Goodnight.\n"
                   "[[image_instruction]]: a moonlit bedroom", 0.5833),  # reordered, tia: 14/24
        "sel-07": (fmt("(none)", "N/A", "rain on tin"), 0.3333),  # a: 8/24
        "sel-10": ("", 0.0),  # nothing chosen
    }
    samples = [by_id[k] for k in crafted]
    scores = task.score_all(samples, [[Response(text=r)] for r, _ in crafted.values()], TaskContext())
    assert [s.metrics["selection_score"] for s in scores] == pytest.approx([v for _, v in crafted.values()])
    assert [s.extracted for s in scores] == ["t", "ti", "t", "tia", "a", None]
    extra = task.aggregate_extra(samples, scores)
    assert extra["chose_t"] == pytest.approx(2 / 6) and extra["chose_tia"] == pytest.approx(1 / 6)
    assert extra["chose_none"] == pytest.approx(1 / 6)


@pytest.mark.parametrize("votes,problem", [
    ({k: v for k, v in VOTES.items() if k != "ti"}, "no share for ti"),
    ({**VOTES, "ti": None}, "no share for ti"),
    ({**VOTES, "ti": 1.4, "t": 0.0, "tia": 0.0}, "not a number in [0, 1]"),
    ({**VOTES, "ti": "0.4"}, "not a number in [0, 1]"),
    ({**VOTES, "ti": 0.9}, "sum to 1.5000"),
    ({**VOTES, "xyz": 0.0}, "unknown combination"),
    ([0.1, 0.9], "expected a mapping"),
])
def test_malformed_vote_data_is_an_error_never_a_number(votes, problem):
    with pytest.raises(VoteDataError, match="malformed vote data") as e:
        selection_score("ti", votes)
    assert problem in str(e.value)
    with pytest.raises(VoteDataError):
        s_amg_item("ti", votes, {"t": 1.0, "i": 1.0}, {"ti": 1.0})


def test_a_combination_without_votes_scores_its_share_not_one():
    votes = {**VOTES, "i": 0.0}
    assert selection_score("i", votes) == 0.0 and selection_score("ti", votes) == 0.4
    assert s_amg_item("ia", votes, {"i": 1.0, "a": 1.0}, {"ia": 1.0}) == pytest.approx(0.5 * 0.1 * 2.0)
    zero_pair = {**VOTES, "ia": 0.0, "tia": 0.3}
    assert s_amg_item("ia", zero_pair, {"i": 1.0, "a": 1.0}, {"ia": 1.0}) == 0.0
    assert check_votes(VOTES) == VOTES


def test_malformed_rows_become_sample_errors_in_both_tasks():
    for name in ("modality_selection", "modality_synergy"):
        task, by_id = _task(name)
        sample = by_id["sel-01"]
        broken = type(sample)(id=sample.id, messages=sample.messages, target={"t": 1.0},
                              metadata=sample.metadata)
        judge = RuleAdapter(rule=lambda r: "Score: 5", tag="unused")
        ctx = TaskContext(judge_adapter=judge, judge_spec="fake", scheduler=Scheduler(),
                          options={"synergy_input": "instructions"})
        [score] = task.score_all([broken], [[Response(text=fmt("Paris.", "None", "None"))]], ctx)
        assert score.error and "malformed vote data: no share for i, a, ti, ta, ia, tia" in score.error
        assert all(v is None for v in score.metrics.values()) and judge.calls == []


# ----- synergy / S_AMG -----------------------------------------------------------------------------------------
ANSWERS = {  # sample -> (text, image instruction, audio instruction)
    "sel-04": ("Goodnight, little one.", "a moonlit bedroom", "a soft lullaby"),  # tia: 14/24 = 0.5833
    "sel-02": ("Sweet and juicy.", "a ripe mango, cut open", "None"),  # ti: 17/24 = 0.7083
    "sel-01": ("Paris.", "None", "None"),  # t: no pair
}
SYNERGY = {("Text", "Image"): 10, ("Text", "Audio"): 7, ("Image", "Audio"): 1}
IF_SCORE = {"Text": "Score: 8", "Image": "Rating: 6/10", "Audio": '{"score": 4}'}


def _media(kind, sid):
    return Part(type=kind, path=f"/nonexistent/{sid}.{kind}", sha256=(sid[-1] + kind[0]) * 32,
                mime="image/png" if kind == "image" else "audio/wav")


def _checking_judge(mode, answers, instructions):
    """A judge that answers only when each modality is described as it must be (by text, attached media, or the
    written instruction) and the right media are attached; anything else fails the test."""

    def expect(label, content, sid, req):
        text, image, audio = answers[sid]
        attached = {p.type: p for m in req.messages for p in m.parts if p.type != "text"}
        if label == "Text":
            assert content == text, (label, content)
            return
        kind = label.lower()
        if mode == "media":
            assert content == f"[the generated {kind}, attached above]", (label, content)
            assert attached.get(kind) == _media(kind, sid), f"{kind} of {sid} not attached"
        else:
            instr = image if kind == "image" else audio
            assert content == f"[a {kind} to be generated from this instruction: {instr}]", (label, content)
            assert not attached

    def rule(req):
        text = req.messages[-1].text
        [sid] = [s for s in answers if f"[Instruction]\n{instructions[s]}\n" in text
                 or f"[Request]\n{instructions[s]}\n" in text]
        if "work together" in text:
            labels = [lab for lab in ("Text", "Image", "Audio") if f"[{lab} output]" in text]
            assert len(labels) == 2, text
            for lab in labels:
                expect(lab, answer_between(text, f"[{lab} output]", f"[/{lab} output]"), sid, req)
            return f"Score: {SYNERGY[tuple(labels)]}"
        for lab, (start, end) in {"Text": ("[Text output]", "[/Text output]"), "Image": ("[Image]", "[/Image]"),
                                  "Audio": ("[Audio]", "[/Audio]")}.items():
            if start in text:
                expect(lab, answer_between(text, start, end), sid, req)
                others = {"Image": "audio", "Audio": "image"}.get(lab)
                assert others not in {p.type for m in req.messages for p in m.parts}, "another modality's media"
                return IF_SCORE[lab]
        raise AssertionError(text)

    return rule


def _expected_s_amg():
    # S_t = 8/10, S_i = 6/10, S_a = 4/10; S_ti = (10-1)/9 = 1, S_ta = (7-1)/9 = 2/3, S_ia = (1-1)/9 = 0.
    tia = 0.5 * (0.5833 / 3) * ((0.8 + 0.6) * 1 + (0.8 + 0.4) * (2 / 3) + (0.6 + 0.4) * 0)
    ti = 0.5 * 0.7083 * (0.8 + 0.6) * 1
    assert tia == pytest.approx(0.2138767, abs=1e-6) and ti == pytest.approx(0.495810, abs=1e-6)
    return [tia, ti, 0.0]


@pytest.mark.parametrize("mode", ["media", "instructions"])
def test_s_amg_equals_hand_computed_values(mode):
    task, by_id = _task("modality_synergy")
    samples = [by_id[k] for k in ANSWERS]
    responses = []
    for sid, (text, image, audio) in ANSWERS.items():
        parts = tuple(_media(k, sid) for k, instr in (("image", image), ("audio", audio)) if instr != "None")
        responses.append([Response(text=fmt(text, image, audio), parts=parts if mode == "media" else ())])
    instructions = {k: by_id[k].metadata["instruction"] for k in ANSWERS}
    judge = media_adapter(_checking_judge(mode, ANSWERS, instructions), tag=f"synergy-{mode}")
    ctx = TaskContext(judge_adapter=judge, judge_spec="fake", scheduler=Scheduler(),
                      options={} if mode == "media" else {"synergy_input": "instructions"})
    scores = task.score_all(samples, responses, ctx)
    assert [s.error for s in scores] == [None, None, None]
    assert [s.metrics["s_amg"] for s in scores] == pytest.approx(_expected_s_amg())
    assert [s.metrics["synergy"] for s in scores[:2]] == pytest.approx([(1 + 2 / 3 + 0) / 3, 1.0])
    assert scores[2].metrics["synergy"] is None
    assert all(s.extracted["judged_on"] == mode for s in scores)
    assert len(scores[0].judge) == 6 and {r.template for r in scores[0].judge} == {
        "amg_text.jinja", "amg_image.jinja", "amg_audio.jinja", "synergy.jinja"}
    assert len(judge.calls) == 10  # 3 + 3 judge calls for tia, 2 + 1 for ti, 1 for t
    extra = task.aggregate_extra(samples, scores)
    assert extra["S_pair_ti"] == pytest.approx(1.0) and extra["S_m_a"] == pytest.approx(0.4)
    assert extra["share_without_pair"] == pytest.approx(1 / 3) and extra["judged_on"] == mode


def test_an_unknown_synergy_input_stops_before_any_model_call():
    from eval_anything.config import ConfigError

    task = Task(REG.tasks["modality_synergy"])
    with pytest.raises(ConfigError, match="synergy_input='plans': use one of media, instructions"):
        task.samples(TaskContext(options={"synergy_input": "plans"}))


def test_media_mode_without_media_is_an_error_not_a_silent_fallback():
    task, by_id = _task("modality_synergy")
    judge = media_adapter(lambda r: "Score: 9", tag="never")
    ctx = TaskContext(judge_adapter=judge, judge_spec="fake", scheduler=Scheduler())
    [score] = task.score_all([by_id["sel-02"]], [[Response(text=fmt("Sweet.", "a mango", "None"))]], ctx)
    assert score.metrics["s_amg"] is None and "produced no image" in score.error
    assert "synergy_input=instructions" in score.error and judge.calls == []


def test_a_failed_model_response_is_the_sample_error_and_nobody_is_judged():
    task, by_id = _task("modality_synergy")
    judge = media_adapter(lambda r: "Score: 9", tag="never2")
    ctx = TaskContext(judge_adapter=judge, judge_spec="fake", scheduler=Scheduler())
    scores = task.score_all([by_id["sel-02"], by_id["sel-01"]],
                            [[Response.failed("model crashed")], [Response(text=fmt("Paris.", "None", "None"))]], ctx)
    assert scores[0].error == "model crashed" and scores[0].metrics == {"s_amg": None, "synergy": None}
    assert scores[1].error is None and scores[1].metrics["s_amg"] == 0.0
    assert len(judge.calls) == 1  # only sel-01's text was judged


def test_a_judge_failure_on_one_pair_fails_the_sample():
    task, by_id = _task("modality_synergy")
    rule = _checking_judge("instructions", ANSWERS, {k: by_id[k].metadata["instruction"] for k in ANSWERS})
    judge = RuleAdapter(rule=lambda r: "no idea" if "work together" in r.messages[0].text else rule(r),
                        tag="garbled-pairs")
    ctx = TaskContext(judge_adapter=judge, judge_spec="fake", scheduler=Scheduler(),
                      options={"synergy_input": "instructions"})
    [score] = task.score_all([by_id["sel-02"]], [[Response(text=fmt(*ANSWERS["sel-02"]))]], ctx)
    assert score.metrics["s_amg"] is None and score.error.startswith("judge parse failure")


def test_s_amg_formula_directly():
    sel = {"t": 0.1, "i": 0.0, "a": 0.0, "ti": 0.4, "ta": 0.2, "ia": 0.1, "tia": 0.2}
    s_m, s_pair = {"t": 1.0, "i": 0.5, "a": 0.0}, {"ti": 0.5, "ta": 1.0, "ia": 1.0}
    assert s_amg_item("ti", sel, s_m, s_pair) == pytest.approx(0.5 * 0.4 * 1.5 * 0.5)  # 0.15
    assert s_amg_item("ta", sel, s_m, s_pair) == pytest.approx(0.5 * 0.2 * 1.0 * 1.0)  # 0.1
    assert s_amg_item("tia", sel, s_m, s_pair) == pytest.approx(0.5 * (0.2 / 3) * (1.5 * 0.5 + 1.0 * 1.0 + 0.5 * 1.0))
    assert s_amg_item("t", sel, s_m, s_pair) == 0.0 and s_amg_item(None, sel, s_m, s_pair) == 0.0


# ----- AMU -----------------------------------------------------------------------------------------------------
def test_amu_overall_is_the_unweighted_mean_of_the_dimensions_it_names():
    task, by_id = _task("amu")
    per_dim = {"perception": "Score: 8", "reasoning": "[[6]]", "instruction-following": '{"score": 4}',
               "safety": "2/10"}
    samples = [by_id["amu-01"], by_id["amu-04"], by_id["amu-05"], by_id["amu-06"]]  # 1 perception, 3 reasoning
    answers = {s.id: f"answer to {s.id}" for s in samples}

    def rule(req):
        text = req.messages[-1].text
        graded = answer_between(text, "[Answer to grade]", "[/Answer to grade]")
        sid = next(k for k, a in answers.items() if a == graded)  # the model's own answer, or the test fails
        row = by_id[sid].metadata["row"]
        for a in row["annotations"]:  # every reference with its keywords is shown
            assert a["answer"] in text and all(k in text for k in a["keywords"]["visual"] + a["keywords"]["auditory"])
        return next(v for d, v in per_dim.items() if f"Evaluation dimension: {d}." in text)

    ctx = TaskContext(judge_adapter=RuleAdapter(rule=rule, tag="dims"), judge_spec="dims", scheduler=Scheduler())
    scores = task.score_all(samples, [[Response(text=answers[s.id])] for s in samples], ctx)
    assert [s.metrics["score"] for s in scores] == [8.0, 6.0, 6.0, 6.0]
    extra = task.aggregate_extra(samples, scores)
    assert extra["perception"] == 8.0 and extra["reasoning"] == 6.0 and extra["safety"] is None
    assert extra["overall"] == 7.0  # (8 + 6) / 2, not the item mean 6.5
    assert extra["dimensions_averaged"] == ["perception", "reasoning"]
    assert extra["dimensions_missing"] == ["instruction-following", "safety"]


def test_amu_judge_without_references_or_answer_would_fail():
    task, by_id = _task("amu")
    seen = []
    judge = RuleAdapter(rule=lambda r: seen.append(r.messages[-1].text) or "Score: 5", tag="amu-seen")
    ctx = TaskContext(judge_adapter=judge, judge_spec="seen", scheduler=Scheduler())
    [score] = task.score_all([by_id["amu-01"]], [[Response(text="a red circle and a steady tone")]], ctx)
    assert score.metrics["score"] == 5.0
    text = seen[0]
    assert "[Reference 1]" in text and "[Reference 3]" in text and "[Reference 4]" not in text  # duplicates merged
    assert answer_between(text, "[Answer to grade]", "[/Answer to grade]") == "a red circle and a steady tone"
