"""AMG instruction following, one task per output modality (options.modality).

text: pointwise judge on the text. image: a vision judge sees the generated image. audio/video: TIFA, an
understanding judge answers the data set's multiple-choice questions about the generated media (10 or 0 each).
Audio/video rows come one per question (the hub schema) and each question is one sample, so the task's score is the
paper's per-question mean; the prompt is generated once (identical requests share one model call) and
`extra.score_per_prompt` gives the mean of per-prompt means.
"""

from __future__ import annotations

from eval_anything.types import Message, Sample, Score
from judges.base import JudgeItem
from judges.benchmark import judge_scores, parse_failure_count, response_error
from judges.llm import PointwiseJudge
from judges.tifa import TifaJudge


def doc_to_sample(task, row, index, ctx):
    if task.spec.options["modality"] in ("text", "image"):
        return Sample(id=str(row["prompt_id"]), messages=(Message.user(task.render_question(row)),),
                      metadata={"row": row, "index": index, "prompt_id": str(row["prompt_id"])})
    question = {"question_id": row.get("question_id"), "question": row["question"], "choices": row["choice"],
                "answer": row["answer"]}
    sid = str(row.get("question_id") or f"{row['prompt_id']}:q{index}")
    return Sample(id=sid, messages=(Message.user(task.render_question(row)),),
                  metadata={"row": row, "index": index, "prompt_id": str(row["prompt_id"]), "questions": [question]})


def score_batch(task, samples, responses, ctx):
    modality = task.spec.options["modality"]
    cfg = task.spec.judge or {}
    template = ctx.options.get("judge_template") or cfg.get("template")
    if modality == "text":
        lo, hi = cfg.get("scale", [1, 10])
        items = [JudgeItem(id=s.id, prompt=s.messages[-1].text, response=r[0].text if r else None)
                 for s, r in zip(samples, responses)]
        return judge_scores(PointwiseJudge(template, lo=lo, hi=hi), items, responses, ctx, "score", task=task)
    scores: list[Score | None] = [None] * len(samples)
    keep, items = [], []
    for k, (s, r) in enumerate(zip(samples, responses)):
        media = [p for p in (r[0].parts if r and not response_error(r) else ()) if p.type == modality]
        if not response_error(r) and not media:
            scores[k] = Score(metrics={"score": None},
                              error=f"the model returned no {modality}; this task needs a model with {modality} output")
            continue
        keep.append(k)
        if modality == "image":
            items.append(JudgeItem(id=s.id, prompt=s.messages[-1].text, response="[the generated image attached above]",
                                   parts=tuple(media[:1])))
        else:
            items.append(JudgeItem(id=s.id, prompt=s.messages[-1].text, parts=tuple(media[:1]),
                                   variables={"questions": s.metadata["questions"]}))
    if modality == "image":
        lo, hi = cfg.get("scale", [1, 10])
        judge = PointwiseJudge(template, lo=lo, hi=hi)
    else:
        judge = TifaJudge(template, correct=float(cfg.get("correct", 10)))
    judged = judge_scores(judge, items, [responses[k] for k in keep], ctx, "score", task=task)
    for k, sc in zip(keep, judged):
        scores[k] = sc
    return scores


def aggregate(task, samples, scores):
    out: dict = {"judge_parse_failures": parse_failure_count(scores)}
    if task.spec.options["modality"] in ("audio", "video"):
        by_prompt: dict[str, list[float]] = {}
        for s, sc in zip(samples, scores):
            if sc.error is None and sc.metrics.get("score") is not None:
                by_prompt.setdefault(s.metadata["prompt_id"], []).append(sc.metrics["score"])
        means = [sum(v) / len(v) for v in by_prompt.values()]
        out["score_per_prompt"] = sum(means) / len(means) if means else None
        out["n_prompts"] = len(by_prompt)
        out["averaged_over"] = "questions (score); prompts (score_per_prompt)"
    return out
