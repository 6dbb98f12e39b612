"""Modality synergy + S_AMG: judge each produced modality and each produced pair, combine per answer.

What the judge sees (task option `synergy_input`, recorded in every sample's `extracted` and in `extra`):
  media (default)  the media the model produced: images and audio as attached parts (a VLM / audio judge, or the
                   reward model over the media). A section the model chose but produced no media for is that
                   sample's error (never a silent switch to the instruction).
  instructions     the written image/audio instructions, for models without media output (the paper's
                   instruction-only setting). Chosen explicitly with `--task-option synergy_input=instructions`.

S_m = rating / hi (instruction following, 1..10 -> 0.1..1, as the paper's 0..10 judge scale divided by 10);
S_pair = (rating - lo) / (hi - lo) maps the 1..10 synergy rating onto [0, 1]. With a reward model as judge
(`--judge rm:PATH`), both are sigmoid(reward). Formula: judges/allmodality.py and docs/all-modality.md.
"""

from __future__ import annotations

from eval_anything.config import ConfigError
from eval_anything.types import Message, Sample, Score
from judges.allmodality import PAIRS, VoteDataError, check_votes, pair_alphas, parse_structured_answer, s_amg_item
from judges.base import NEEDS_JUDGE, JudgeItem
from judges.benchmark import judge_env, parse_failure_count, response_error
from judges.llm import PointwiseJudge
from judges.reward_model import RewardModelAdapter, RewardModelJudge

LABEL = {"t": "text", "i": "image", "a": "audio"}
MODES = ("media", "instructions")


def doc_to_sample(task, row, index, ctx):
    input_mode(ctx)  # a wrong --task-option synergy_input stops the run before any model call
    sid = str(row.get("instruction_uid", index))
    selection = row.get("selection")
    return Sample(id=sid, messages=(Message.user(task.render_question(row)),),
                  target=dict(selection) if isinstance(selection, dict) else selection,
                  metadata={"row": row, "index": index, "instruction": row["instruction"]})


def input_mode(ctx) -> str:
    mode = str((getattr(ctx, "options", None) or {}).get("synergy_input", "media"))
    if mode not in MODES:
        raise ConfigError(f"--task-option synergy_input={mode!r}: use one of {', '.join(MODES)}")
    return mode


def _outputs(response, mode: str) -> tuple[str | None, dict, str | None]:
    """(combination, per chosen modality what the judge sees, error). Text is shown as text; image/audio as the
    produced media part (media mode) or the written instruction (instructions mode)."""
    ans = parse_structured_answer(response.text)
    media = {p.type: p for p in response.parts if p.type in ("image", "audio")}
    out: dict = {}
    if ans.text:
        out["t"] = {"text": ans.text, "part": None}
    for key, kind, instr in (("i", "image", ans.image_instruction), ("a", "audio", ans.audio_instruction)):
        if not instr:
            continue
        if mode == "instructions":
            out[key] = {"text": instr, "part": None}
        elif kind not in media:
            return None, {}, (f"the answer chose {kind} but the model produced no {kind}; use a model with {kind} "
                              f"output, or --task-option synergy_input=instructions to judge the written instructions")
        else:
            out[key] = {"text": instr, "part": media[kind]}
    combination = "".join(k for k in "tia" if k in out) or None
    return combination, out, None


def describe(m: str, out: dict) -> str:
    """What stands for modality m in a judge prompt: the text itself, the attached media, or the instruction."""
    o = out[m]
    if m == "t":
        return o["text"]
    if o["part"] is not None:
        return f"[the generated {LABEL[m]}, attached above]"
    return f"[a {LABEL[m]} to be generated from this instruction: {o['text']}]"


def score_batch(task, samples, responses, ctx):
    cfg = task.spec.judge or {}
    lo, hi = cfg.get("scale", [1, 10])
    mode = input_mode(ctx)
    env = judge_env(task, ctx)
    rm = env is not None and isinstance(env.adapter, RewardModelAdapter)
    plans, if_items, pair_items = [], {"t": [], "i": [], "a": []}, []
    for s, resp in zip(samples, responses):
        err = response_error(resp)
        if err or env is None:
            plans.append({"error": err or NEEDS_JUDGE})
            continue
        try:
            check_votes(s.target)
        except VoteDataError as e:
            plans.append({"error": f"sample {s.id}: {e}"})
            continue
        combination, out, err = _outputs(resp[0], mode)
        if err:
            plans.append({"error": err})
            continue
        instruction = s.metadata["instruction"]
        for m in out:
            parts = (out[m]["part"],) if out[m]["part"] is not None else ()
            if_items[m].append((s.id, JudgeItem(id=f"{s.id}:{m}", prompt=instruction, response=describe(m, out),
                                                parts=parts, variables={"modality": LABEL[m]})))
        for pair in pair_alphas(combination, s.target):
            parts = tuple(out[m]["part"] for m in pair if out[m]["part"] is not None)
            pair_items.append((s.id, JudgeItem(
                id=f"{s.id}:{pair}", prompt=instruction,
                response=f"{describe(pair[0], out)}\n\n{describe(pair[1], out)}",
                parts=parts, variables={"first": LABEL[pair[0]], "second": LABEL[pair[1]],
                                        "first_content": describe(pair[0], out),
                                        "second_content": describe(pair[1], out)})))
        plans.append({"combination": combination})
    results: dict = {}  # (sample id, "t" | "ti" ...) -> Verdict
    templates = cfg.get("modality_templates", {})
    for m, entries in if_items.items():
        if entries:
            judge = RewardModelJudge(adapter=env.adapter) if rm else PointwiseJudge(templates.get(m), lo=lo, hi=hi)
            for (sid, _), v in zip(entries, judge.judge([it for _, it in entries], env)):
                results[(sid, m)] = v
    if pair_items:
        template = ctx.options.get("judge_template") or cfg.get("template")
        judge = RewardModelJudge(adapter=env.adapter) if rm else PointwiseJudge(template, lo=lo, hi=hi)
        for (sid, it), v in zip(pair_items, judge.judge([it for _, it in pair_items], env)):
            results[(sid, it.id.rsplit(":", 1)[1])] = v
    if_norm = (lambda x: x) if rm else (lambda x: x / hi)
    pair_norm = (lambda x: x) if rm else (lambda x: (x - lo) / (hi - lo))
    return [_score(s, plan, results, if_norm, pair_norm, mode) for s, plan in zip(samples, plans)]


def _score(sample, plan, results, if_norm, pair_norm, mode) -> Score:
    if "error" in plan:
        return Score(metrics={"s_amg": None, "synergy": None}, error=plan["error"])
    c = plan["combination"]
    keys = [m for m in "tia" if c and m in c] + [p for p in pair_alphas(c, sample.target)]
    verdicts = {k: results[(sample.id, k)] for k in keys}
    records = tuple(r for v in verdicts.values() for r in v.records)
    errors = [v.error for v in verdicts.values() if v.error]
    if errors:
        return Score(metrics={"s_amg": None, "synergy": None}, extracted={"combination": c, "judged_on": mode},
                     judge=records, error=errors[0])
    s_m = {m: if_norm(verdicts[m].value) for m in "tia" if m in verdicts}
    s_pair = {p: pair_norm(verdicts[p].value) for p in PAIRS if p in verdicts}
    value = s_amg_item(c, sample.target, s_m, s_pair)
    synergy = sum(s_pair.values()) / len(s_pair) if s_pair else None
    return Score(metrics={"s_amg": value, "synergy": synergy},
                 extracted={"combination": c, "judged_on": mode, "S_m": s_m, "S_pair": s_pair}, judge=records)


def aggregate(task, samples, scores):
    """Means of S_m and S_pair over answers that produced them, the share of answers with no pair, and what the
    judge was shown (`judged_on`: media or instructions)."""
    out: dict = {"judge_parse_failures": parse_failure_count(scores)}
    ok = [s.extracted for s in scores if s.error is None and isinstance(s.extracted, dict)]
    for key, field in [(m, "S_m") for m in "tia"] + [(p, "S_pair") for p in PAIRS]:
        vals = [e[field][key] for e in ok if key in e[field]]
        out[f"{field}_{key}"] = sum(vals) / len(vals) if vals else None
    out["share_without_pair"] = sum(1 for e in ok if not e["S_pair"]) / len(ok) if ok else None
    modes = sorted({e["judged_on"] for e in ok})
    out["judged_on"] = modes[0] if len(modes) == 1 else (modes or None)
    return out
