"""TIFA over generated audio/video and the image instruction-following path, with media-reading fake judges."""

from pathlib import Path

import pytest

from eval_anything.media import encode_png_bytes, store_media
from eval_anything.registry import TaskRegistry
from eval_anything.scheduler import Scheduler
from eval_anything.tasks import Task, TaskContext
from eval_anything.types import Part, Response
from judge_fakes import RuleAdapter, media_adapter
from judges import JudgeEnv, JudgeItem
from judges.tifa import TifaJudge, lettered_choices, split_choices

REG = TaskRegistry()


def test_split_choices():
    assert split_choices("A. Cat\nB. Dog") == ["Cat", "Dog"]
    assert split_choices("A. Cat B. Dog C. Bird") == ["Cat", "Dog", "Bird"]
    assert split_choices(["x", "y"]) == ["x", "y"]
    assert lettered_choices("B. Dog\nA. Cat\nD) Cow") == [("B", "Dog"), ("A", "Cat"), ("D", "Cow")]
    assert lettered_choices(["Cat", "Dog"]) == [("A", "Cat"), ("B", "Dog")]


def _knowing_judge(tag):
    """Answers with the letter printed beside the option that names the true content (or fails the test)."""
    truth = {"animal?": "Dog", "sound?": "Bark"}

    def rule(req):
        text = req.messages[-1].text
        q = next(k for k in truth if f"Question: {k}" in text)
        lines = [ln for ln in text.splitlines() if ln.endswith(f". {truth[q]}")]
        assert len(lines) == 1, text
        return lines[0][0]
    return media_adapter(rule, tag=tag)


def test_tifa_letters_follow_the_data_not_the_position(tmp_path):
    questions = [{"question": "animal?", "choices": "C. Cat\nA. Dog\nB. Cow", "answer": "A"},  # letters out of order
                 {"question": "sound?", "choices": ["Meow", "Bark", "Moo"], "answer": "B"},  # no letters: A, B, C
                 {"question": "animal?", "choices": "A. Cat\nB. Dog", "answer": "A"}]  # the judge is right: 0
    item = JudgeItem(id="1", prompt="a dog barking", parts=(_fake_media(tmp_path, "audio"),),
                     variables={"questions": questions})
    [v] = TifaJudge().judge([item], JudgeEnv(_knowing_judge("letters")))
    assert v.detail["marks"] == [10.0, 10.0, 0.0] and v.value == pytest.approx(20 / 3)


def test_tifa_gold_letter_outside_the_options_is_an_error(tmp_path):
    item = JudgeItem(id="1", prompt="p", parts=(_fake_media(tmp_path, "audio"),),
                     variables={"questions": [{"question": "animal?", "choices": "A. Cat\nB. Dog", "answer": "E"}]})
    judge = _knowing_judge("gold-e")
    [v] = TifaJudge().judge([item], JudgeEnv(judge))
    assert v.value is None and "gold answer 'E' is not one of the options A, B" in v.error and judge.calls == []


def _fake_media(tmp_path, kind):
    p = tmp_path / f"gen.{ 'wav' if kind == 'audio' else 'mp4'}"
    p.write_bytes(b"not really media")
    return Part(type=kind, path=str(p), sha256=("a" if kind == "audio" else "b") * 64,
                mime="audio/wav" if kind == "audio" else "video/mp4")


@pytest.mark.parametrize("kind", ["audio", "video"])
def test_tifa_task_scores_ten_or_zero_per_question(tmp_path, kind):
    task = Task(REG.tasks[f"amg_if_{kind}"])
    samples = task.samples(TaskContext())[:3]
    assert all(len(s.metadata["questions"]) == 1 for s in samples)  # one sample per question
    # This "understanding model" always answers B; the gold letters decide the marks.
    judge = media_adapter(lambda r: "B", tag=f"always-b-{kind}")
    ctx = TaskContext(judge_adapter=judge, judge_spec="fake", scheduler=Scheduler())
    media = _fake_media(tmp_path, kind)
    responses = [[Response(text="", parts=(media,))], [Response(text="no media here")],
                 [Response(text="", parts=(media,))]]
    scores = task.score_all(samples, responses, ctx)
    expected = [10.0 if s.metadata["questions"][0]["answer"] == "B" else 0.0 for s in (samples[0], samples[2])]
    assert [scores[0].metrics["score"], scores[2].metrics["score"]] == expected
    assert scores[1].metrics["score"] is None and f"returned no {kind}" in scores[1].error
    assert len(judge.calls) == 2 and all(c.messages[0].parts[0] == media for c in judge.calls)


class _AudioModel(RuleAdapter):
    """An evaluated model that 'generates' the same audio part for every prompt."""

    def generate(self, requests, progress=None):
        self.calls.extend(requests)
        return [Response(text="", parts=(self.media,)) for _ in requests]


def test_tifa_task_value_is_the_per_question_mean(tmp_path):
    import json

    from eval_anything.models.base import Capabilities
    from eval_anything.registry import register_model
    from eval_anything.runner import run
    from eval_anything.config import RunConfig

    register_model("fakemedia", "judge_fakes:load_media_judge")  # answers "B" to every question
    model = _AudioModel(name="audio-model", tag="audio-model",
                        capabilities=Capabilities(frozenset({"text"}), frozenset({"text", "audio"}), False))
    model.media = _fake_media(tmp_path, "audio")
    config = RunConfig(model="adapter:audio", tasks=["amg_if_audio"], judge="fakemedia:", output=str(tmp_path / "r"),
                       use_cache=False, show_progress=False, bootstrap_iters=50)
    result = run(config, adapter=model)
    rows = [json.loads(x) for x in (Path(REG.tasks["amg_if_audio"].directory) / "data" / "audio_instruct.jsonl")
            .read_text().splitlines() if x.strip()]
    marks = [10.0 if r["answer"] == "B" else 0.0 for r in rows]
    by_prompt: dict = {}
    for r, m in zip(rows, marks):
        by_prompt.setdefault(r["prompt_id"], []).append(m)
    per_question = sum(marks) / len(marks)
    per_prompt = sum(sum(v) / len(v) for v in by_prompt.values()) / len(by_prompt)
    assert per_question != pytest.approx(per_prompt)  # the shipped data tells the two apart
    t = result.results["tasks"]["amg_if_audio"]
    assert t["metrics"]["score"]["value"] == pytest.approx(per_question) and t["n"] == len(rows)
    assert t["extra"]["score_per_prompt"] == pytest.approx(per_prompt) and t["extra"]["n_prompts"] == len(by_prompt)
    assert t["scale"]["range"] == [0, 10] and t["scale"]["normalised"] == pytest.approx(per_question / 10)
    assert len(model.calls) == len(by_prompt)  # identical requests per prompt: one model call each


def test_tifa_needs_a_judge_that_reads_the_media(tmp_path):
    item = JudgeItem(id="1", prompt="a dog barking", parts=(_fake_media(tmp_path, "audio"),),
                     variables={"questions": [{"question": "animal?", "choices": ["Cat", "Dog"], "answer": "B"}]})
    [v] = TifaJudge().judge([item], JudgeEnv(RuleAdapter(rule=lambda r: "B")))
    assert v.value is None and "cannot read audio" in v.error


def test_image_instruction_following_shows_the_image_to_the_judge(tmp_path):
    task = Task(REG.tasks["amg_if_image"])
    samples = task.samples(TaskContext())[:2]
    img = store_media(encode_png_bytes(__import__("numpy").zeros((8, 8, 3), "uint8")), "png", tmp_path)
    vlm = media_adapter(lambda r: "key elements 4, details 2, scene 2, extras 1 -> Score: 9", tag="vlm")
    ctx = TaskContext(judge_adapter=vlm, judge_spec="vlm", scheduler=Scheduler())
    scores = task.score_all(samples, [[Response(parts=(img,))], [Response(parts=(img,))]], ctx)
    assert [s.metrics["score"] for s in scores] == [9.0, 9.0]
    assert vlm.calls[0].messages[0].parts[0] == img and "key elements" in vlm.calls[0].messages[0].text.lower()
    text_only = RuleAdapter(rule=lambda r: "Score: 9")
    ctx = TaskContext(judge_adapter=text_only, judge_spec="t", scheduler=Scheduler())
    scores = task.score_all(samples[:1], [[Response(parts=(img,))]], ctx)
    assert scores[0].metrics["score"] is None and "cannot read image" in scores[0].error
