"""AMU: samples carry the visual and auditory inputs; a reference-guided judge rates each answer 1..10."""

from __future__ import annotations

from eval_anything.media import media_part
from eval_anything.types import Message, Sample
from judges.benchmark import judge_scores, media_path, parse_failure_count
from judges.base import JudgeItem
from judges.llm import ReferenceJudge


def doc_to_sample(task, row, index, ctx):
    sid = str(row.get("question_id", index))
    visual = media_part(media_path(task, ctx, row["visual_modality_path"]), sample_id=sid, missing_ok=True)
    audio = media_part(media_path(task, ctx, row["auditory_modality_path"]), sample_id=sid, missing_ok=True)
    refs = tuple(a["answer"] for a in row.get("annotations", []))
    return Sample(id=sid, messages=(Message.user(visual, audio, task.render_question(row)),), target=None,
                  references=refs, metadata={"dimension": row["evaluation_dimension"], "row": row, "index": index})


def _references(row: dict) -> list[dict]:
    seen, out = set(), []
    for a in row.get("annotations", []):  # identical references add nothing for the judge
        key = (a["answer"], tuple(a["keywords"]["visual"]), tuple(a["keywords"]["auditory"]))
        if key not in seen:
            seen.add(key)
            out.append({"answer": a["answer"], "visual": a["keywords"]["visual"], "auditory": a["keywords"]["auditory"]})
    return out


def score_batch(task, samples, responses, ctx):
    judge_cfg = task.spec.judge or {}
    lo, hi = judge_cfg.get("scale", [1, 10])
    judge = ReferenceJudge(template=ctx.options.get("judge_template") or judge_cfg.get("template"), lo=lo, hi=hi)
    items = [JudgeItem(id=s.id, prompt=s.messages[-1].text, response=r[0].text if r else None,
                       variables={"dimension": s.metadata["dimension"], "references": _references(s.metadata["row"])})
             for s, r in zip(samples, responses)]
    return judge_scores(judge, items, responses, ctx, metric="score", task=task)


def aggregate(task, samples, scores):
    """Mean per evaluation dimension, and overall = unweighted mean of the dimensions that have scored samples;
    `dimensions_averaged` / `dimensions_missing` say which (overall over fewer than all four is not the paper's)."""
    dims = task.spec.options.get("dimensions", [])
    out: dict = {}
    for d in dims:
        vals = [sc.metrics.get("score") for s, sc in zip(samples, scores) if s.metadata.get("dimension") == d]
        vals = [v for v in vals if v is not None]
        out[d] = sum(vals) / len(vals) if vals else None
    present = [d for d in dims if out[d] is not None]
    out["overall"] = sum(out[d] for d in present) / len(present) if present else None
    out["dimensions_averaged"] = present
    out["dimensions_missing"] = [d for d in dims if out[d] is None]
    others = sorted({str(s.metadata.get("dimension")) for s in samples} - set(dims))
    if others:
        out["dimensions_unknown"] = others  # in the data but not in options.dimensions: left out of overall
    out["judge_parse_failures"] = parse_failure_count(scores)
    return out
