"""Learning from language feedback (LLF), one command, each stage resumable with its data saved:

  1 feedback   SFT a feedback model on (prompt, response) -> "Critique: ... Refinement: ..."
  2 sample     the policy answers the prompts                          -> samples.jsonl
  3 critique   the feedback model critiques each answer                -> critiques.jsonl
  4 refine     the policy answers again, conditioned on the critique   -> refined.jsonl
  5 pairs      refined = chosen, original = rejected                   -> pairs.jsonl
  6 train      DPO on the pairs (final: dpo), or a reward model on them then PPO (final: rm_ppo)

A stage whose output exists is skipped, so an interrupted run resumes where it stopped; delete a stage's output
(or pass `llf.stages`) to redo it. Media prompts (image-text, audio-text) keep their media paths throughout.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Callable

from align.config import ConfigError, DataSpec, DPOConfig, LLFConfig, PPOConfig, RMConfig, SFTConfig
from align.data import Item, load_items, load_rows, media_paths

STAGES = ["feedback", "sample", "critique", "refine", "pairs", "train"]
TRAINING_STAGES = ("feedback", "train")  # run on every data-parallel rank; the others on rank 0 only
FEEDBACK_PROMPT = "Question: {question}\nAnswer: {response}\nCritique the answer and say how to improve it."
FEEDBACK_TARGET = "Critique: {critique}\nRefinement: {refinement}"
REFINE_PROMPT = "{question}\n\nA previous answer: {response}\nFeedback on it: {feedback}\nWrite an improved answer."


# ----- small file helpers --------------------------------------------------------------------------------------
def write_jsonl(path: Path, rows: list[dict]) -> None:
    """Atomic: a stage's output appears whole or not at all (that is what makes stages resumable)."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    tmp.replace(path)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _persist_images(item: Item, media_dir: Path) -> list[str]:
    """Image paths for JSONL; in-memory images are written once, named by content hash."""
    out = []
    for img in item.images:
        if isinstance(img, str):
            out.append(str(Path(img).resolve()))
            continue
        import io

        buf = io.BytesIO()
        img.save(buf, format="PNG")
        digest = hashlib.sha256(buf.getvalue()).hexdigest()
        media_dir.mkdir(parents=True, exist_ok=True)
        p = media_dir / f"{digest}.png"
        if not p.exists():
            p.write_bytes(buf.getvalue())
        out.append(str(p))
    return out


# ----- stage 1 data: feedback examples ----------------------------------------------------------------------------
def feedback_items(spec: DataSpec) -> list[Item]:
    """(prompt, response, critique, refinement) from feedback rows or align-anything rows (one per response)."""
    root = Path(spec.media_root) if spec.media_root else (Path(spec.path).parent if spec.path else None)
    out = []
    for i, row in enumerate(load_rows(spec)):
        question = row.get("prompt", row.get("question"))
        images, audios = media_paths(row, "image", root), media_paths(row, "audio", root)
        if "critique" in row:
            triples = [(row["response"], row["critique"], row.get("refinement", ""))]
        else:
            triples = [(row[f"response_{k}"], row.get(f"critique_{k}", row.get(f"text_critique_{k}")),
                        row.get(f"refinement_{k}", "")) for k in (1, 2) if f"response_{k}" in row]
            triples = [t for t in triples if t[1]]
        if question is None or not triples:
            raise ConfigError(f"llf.feedback_data row {i}: needs prompt/question, response and critique "
                              "(or align-anything response_k with critique_k)")
        for response, critique, refinement in triples:
            out.append(Item(FEEDBACK_PROMPT.format(question=question, response=response),
                            completion=FEEDBACK_TARGET.format(critique=critique, refinement=refinement),
                            images=images, audios=audios))
    return out


class LLFPipeline:
    def __init__(self, cfg: LLFConfig, on_stage: Callable[[str], None] | None = None) -> None:
        self.cfg, self.o = cfg, cfg.llf
        self.out = Path(self.o.output_dir)
        self.out.mkdir(parents=True, exist_ok=True)
        self.on_stage = on_stage or (lambda s: print(f"[llf] {s}", flush=True))
        unknown = set(self.o.stages) - set(STAGES)
        if unknown:
            raise ConfigError(f"llf.stages: unknown stage(s) {sorted(unknown)}; stages are {STAGES}")

    # paths of each stage's output
    @property
    def feedback_dir(self) -> Path:
        return self.out / "feedback_model"

    @property
    def policy_dir(self) -> Path:
        return self.out / "policy"

    def path(self, name: str) -> Path:
        return self.out / f"{name}.jsonl"

    def _done(self, stage: str) -> bool:
        target = {"feedback": self.feedback_dir / "config.json", "train": self.policy_dir / "config.json"}.get(
            stage, self.path({"sample": "samples", "critique": "critiques", "refine": "refined",
                              "pairs": "pairs"}.get(stage, stage)))
        return target.exists()

    def run(self) -> Path:
        from eval_anything.distributed import current

        dp = current()
        wanted = self.o.stages or STAGES
        for stage in STAGES:
            if stage not in wanted:
                continue
            if self._done(stage) and not self.o.stages:
                self.on_stage(f"{stage}: done already, skipped")
                continue
            self.on_stage(f"{stage}: running")
            # Training stages run on every data-parallel rank (DDP); the sampling and file stages on rank 0 alone,
            # so each file is written once.
            if stage in TRAINING_STAGES or dp.is_writer:
                getattr(self, f"stage_{stage}")()
            dp.barrier()
        return self.policy_dir

    # ----- stages -------------------------------------------------------------------------------------------------
    def stage_feedback(self) -> None:
        from align import sft

        spec = self.o.feedback_model or self.cfg.model
        cfg = SFTConfig(model=spec, data=self.o.feedback_data, train=self.cfg.feedback_train)
        trainer = sft.build_trainer(cfg, dataset=sft.make_dataset(spec.modality, feedback_items(self.o.feedback_data)))
        trainer.train()
        _save_atomic(trainer.model, trainer.processing_class, self.feedback_dir)

    def _policy(self):
        from align.models import load_policy

        return load_policy(self.cfg.model)

    def stage_sample(self) -> None:
        from align.generation import sample_texts

        items = load_items(self.o.prompts)
        model, proc = self._policy()
        texts = sample_texts(model, proc, items, self.o.max_new_tokens, self.o.temperature, self.o.batch_size,
                             seed=self.o.seed)
        media = self.out / "media"
        write_jsonl(self.path("samples"), [{"id": i, "prompt": it.prompt, "images": _persist_images(it, media),
                                            "audios": [str(Path(a).resolve()) for a in it.audios], "response": t}
                                           for i, (it, t) in enumerate(zip(items, texts))])

    def stage_critique(self) -> None:
        from align.generation import sample_texts
        from align.models import load_policy

        rows = read_jsonl(self.path("samples"))
        spec = (self.o.feedback_model or self.cfg.model).model_copy(update={"path": str(self.feedback_dir)})
        model, proc = load_policy(spec)
        items = [Item(FEEDBACK_PROMPT.format(question=r["prompt"], response=r["response"]), images=tuple(r["images"]),
                      audios=tuple(r["audios"])) for r in rows]
        texts = sample_texts(model, proc, items, self.o.max_new_tokens, 0.0, self.o.batch_size, seed=self.o.seed)
        write_jsonl(self.path("critiques"), [{**r, "feedback": t} for r, t in zip(rows, texts)])

    def stage_refine(self) -> None:
        from align.generation import sample_texts

        rows = read_jsonl(self.path("critiques"))
        model, proc = self._policy()
        items = [Item(REFINE_PROMPT.format(question=r["prompt"], response=r["response"], feedback=r["feedback"]),
                      images=tuple(r["images"]), audios=tuple(r["audios"])) for r in rows]
        texts = sample_texts(model, proc, items, self.o.max_new_tokens, self.o.temperature, self.o.batch_size,
                             seed=self.o.seed + 1)
        write_jsonl(self.path("refined"), [{**r, "refined": t} for r, t in zip(rows, texts)])

    def stage_pairs(self) -> None:
        rows = read_jsonl(self.path("refined"))
        pairs = [{"id": r["id"], "prompt": r["prompt"], "chosen": r["refined"], "rejected": r["response"],
                  **({"images": r["images"]} if r["images"] else {}),
                  **({"audios": r["audios"]} if r["audios"] else {}), "feedback": r["feedback"]}
                 for r in rows if r["refined"] and r["response"] and r["refined"] != r["response"]]
        if not pairs:
            raise ConfigError("llf: no usable pairs (every refinement was empty or equal to the original answer)")
        write_jsonl(self.path("pairs"), pairs)

    def stage_train(self) -> None:
        data = DataSpec(path=str(self.path("pairs")))
        train = self.cfg.train.model_copy(update={"output_dir": str(self.out / "train")})
        if self.o.final == "dpo":
            from align import dpo

            trainer = dpo.build_trainer(DPOConfig(model=self.cfg.model, data=data, train=train, dpo=self.cfg.dpo,
                                                  eval=self.cfg.eval))
            trainer.train()
            _save_atomic(trainer.model, trainer.processing_class, self.policy_dir)
            return
        from align import rm
        from align.ppo.trainer import PPOTrainer

        if self.cfg.model.modality != "text":
            raise ConfigError("llf.final rm_ppo needs a text policy (reward models here are text classifiers)")
        rm_dir = self.out / "reward_model"
        rm_train = train.model_copy(update={"output_dir": str(self.out / "rm_train")})
        trainer = rm.build_trainer(RMConfig(model=self.cfg.model, data=data, train=rm_train, rm=self.cfg.rm))
        trainer.train()
        _save_atomic(trainer.model, trainer.processing_class, rm_dir)
        ppo_cfg = PPOConfig(model=self.cfg.model, data=DataSpec(path=str(self.path("samples"))), train=train,
                            ppo=self.cfg.ppo, reward={"kind": "model", "model": str(rm_dir)}, eval=self.cfg.eval)
        ppo = PPOTrainer(ppo_cfg)
        ppo.train()
        _save_atomic(ppo.model, ppo.processor, self.policy_dir, save=lambda m, p, d: ppo.write_checkpoint(d))


def _save_atomic(model: Any, processor: Any, target: Path, save: Callable | None = None) -> None:
    """Write to a hidden sibling, then rename: a half-written model never looks finished to a resumed run.
    Called on every data-parallel rank; rank 0 alone writes."""
    import shutil

    from align.models import save_pretrained
    from eval_anything.distributed import current

    dp = current()
    dp.barrier()
    if dp.is_writer:
        tmp = target.with_name(f".{target.name}.tmp")
        if tmp.exists():
            shutil.rmtree(tmp)
        (save or save_pretrained)(model, processor, tmp)
        if target.exists():
            shutil.rmtree(target)
        tmp.replace(target)
    dp.barrier()


def run(cfg: LLFConfig) -> Path:
    return LLFPipeline(cfg).run()
