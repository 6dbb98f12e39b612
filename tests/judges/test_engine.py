"""Repair retry, recorded parse failures, judge caching, missing judge, media capability checks."""

from eval_anything.cache import ResponseCache
from eval_anything.registry import TaskRegistry
from eval_anything.scheduler import Scheduler
from eval_anything.tasks import Task, TaskContext
from eval_anything.types import Part, Response
from judge_fakes import RuleAdapter, media_adapter
from judges import JudgeEnv, JudgeItem, NEEDS_JUDGE
from judges.llm import PointwiseJudge


def _amu():
    return Task(TaskRegistry().tasks["amu"])


def test_repair_retry_recovers_then_failure_is_recorded_and_counted():
    # First reply unreadable everywhere; the repair reply is readable only for perception items.
    def rule(req):
        if len(req.messages) == 1:
            return "A thoughtful answer overall."
        first_prompt = req.messages[0].text
        return "Score: 6" if "Evaluation dimension: perception" in first_prompt else "still no number"

    judge = RuleAdapter(rule=rule)
    task, ctx = _amu(), TaskContext(judge_spec="fake-judge", scheduler=Scheduler())
    ctx.judge_adapter = judge
    samples = task.samples(ctx)
    scores = task.score_all(samples, [[Response(text="an answer")] for _ in samples], ctx)
    n_perception = sum(s.metadata["dimension"] == "perception" for s in samples)
    assert len(judge.calls) == 2 * len(samples)  # one first try + one repair each, nothing more
    ok = [sc for s, sc in zip(samples, scores) if s.metadata["dimension"] == "perception"]
    bad = [sc for s, sc in zip(samples, scores) if s.metadata["dimension"] != "perception"]
    assert len(ok) == n_perception == 3
    assert all(sc.metrics["score"] == 6.0 and sc.error is None and sc.judge[0].attempts == 2 for sc in ok)
    for sc in bad:
        assert sc.metrics["score"] is None  # never a silent zero
        assert sc.error.startswith("judge parse failure")
        rec = sc.judge[0]
        assert rec.attempts == 2 and rec.parsed is None and rec.parse_error == sc.error
        assert "A thoughtful answer overall." in rec.raw_output and "still no number" in rec.raw_output
        assert rec.template == "amu.jinja" and len(rec.template_hash) == 64 and rec.judge_model == "fake-judge"
    extra = task.aggregate_extra(samples, scores)
    assert extra["judge_parse_failures"] == 9
    assert extra["perception"] == 6.0 and extra["safety"] is None and extra["overall"] == 6.0


def test_judge_calls_are_cached(tmp_path):
    judge = RuleAdapter(rule=lambda r: "Score: 8")
    task = _amu()
    samples = task.samples(TaskContext())
    responses = [[Response(text="an answer")] for _ in samples]
    for run in range(2):
        ctx = TaskContext(judge_adapter=judge, judge_spec="j", scheduler=Scheduler(ResponseCache(tmp_path / "c.sqlite")))
        scores = task.score_all(samples, responses, ctx)
        assert [s.metrics["score"] for s in scores] == [8.0] * len(samples)
        assert len(judge.calls) == len(samples)  # the second run is served from the cache
    assert judge.calls[0].generation.max_new_tokens == 256 and judge.calls[0].kind == "judge"  # from amu's task.yaml
    assert ctx.scheduler.stats["cache_hits"] == len(samples) and ctx.scheduler.stats["computed"] == 0


def test_no_judge_gives_clear_error():
    task = _amu()
    samples = task.samples(TaskContext())[:2]
    scores = task.score_all(samples, [[Response(text="x")]] * 2, TaskContext())
    assert all(s.error == NEEDS_JUDGE == "needs a judge: pass --judge MODEL" for s in scores)
    assert all(s.metrics["score"] is None for s in scores)


def test_model_error_is_not_judged():
    judge = RuleAdapter(rule=lambda r: "Score: 8")
    task = _amu()
    samples = task.samples(TaskContext())[:2]
    ctx = TaskContext(judge_adapter=judge, scheduler=Scheduler())
    scores = task.score_all(samples, [[Response.failed("boom")], [Response(text="ok")]], ctx)
    assert scores[0].error == "boom" and scores[1].metrics["score"] == 8.0 and len(judge.calls) == 1


def test_text_only_judge_refuses_media_items(tmp_path):
    img = tmp_path / "x.png"
    img.write_bytes(b"fake")
    part = Part(type="image", path=str(img), sha256="0" * 64, mime="image/png")
    text_judge = RuleAdapter(rule=lambda r: "Score: 9")
    [v] = PointwiseJudge().judge([JudgeItem(id="1", prompt="draw", response="x", parts=(part,))], JudgeEnv(text_judge))
    assert v.value is None and "cannot read image" in v.error and text_judge.calls == []
    vlm = media_adapter(lambda r: "Score: 9")
    [v] = PointwiseJudge().judge([JudgeItem(id="1", prompt="draw", response="x", parts=(part,))], JudgeEnv(vlm))
    assert v.value == 9.0 and vlm.calls[0].messages[0].parts[0] == part
