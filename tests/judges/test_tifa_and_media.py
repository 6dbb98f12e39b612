"""TIFA over generated audio/video and the image instruction-following path, with media-reading fake judges."""

import pytest

from eval_anything.media import encode_png_bytes, store_media
from eval_anything.registry import TaskRegistry
from eval_anything.scheduler import Scheduler
from eval_anything.tasks import Task, TaskContext
from eval_anything.types import Part, Response
from judge_fakes import RuleAdapter, media_adapter
from judges import JudgeEnv, JudgeItem
from judges.tifa import TifaJudge, split_choices

REG = TaskRegistry()


def test_split_choices():
    assert split_choices("A. Cat\nB. Dog") == ["Cat", "Dog"]
    assert split_choices("A. Cat B. Dog C. Bird") == ["Cat", "Dog", "Bird"]
    assert split_choices(["x", "y"]) == ["x", "y"]


def _fake_media(tmp_path, kind):
    p = tmp_path / f"gen.{ 'wav' if kind == 'audio' else 'mp4'}"
    p.write_bytes(b"not really media")
    return Part(type=kind, path=str(p), sha256=("a" if kind == "audio" else "b") * 64,
                mime="audio/wav" if kind == "audio" else "video/mp4")


@pytest.mark.parametrize("kind", ["audio", "video"])
def test_tifa_task_scores_ten_or_zero_per_question(tmp_path, kind):
    task = Task(REG.tasks[f"amg_if_{kind}"])
    samples = task.samples(TaskContext())[:3]
    # This "understanding model" always answers B; the gold letters decide the marks.
    judge = media_adapter(lambda r: "B", tag=f"always-b-{kind}")
    ctx = TaskContext(judge_adapter=judge, judge_spec="fake", scheduler=Scheduler())
    media = _fake_media(tmp_path, kind)
    responses = [[Response(text="", parts=(media,))], [Response(text="no media here")], [Response(text="", parts=(media,))]]
    scores = task.score_all(samples, responses, ctx)
    expected = []
    for s in (samples[0], samples[2]):
        marks = [10.0 if q["answer"] == "B" else 0.0 for q in s.metadata["questions"]]
        expected.append(sum(marks) / len(marks))
    assert [scores[0].metrics["score"], scores[2].metrics["score"]] == pytest.approx(expected)
    assert scores[1].metrics["score"] is None and f"returned no {kind}" in scores[1].error
    asked = sum(len(s.metadata["questions"]) for s in (samples[0], samples[2]))
    assert len(judge.calls) == asked and all(c.messages[0].parts[0] == media for c in judge.calls)


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
