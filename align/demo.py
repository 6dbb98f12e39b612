"""End-to-end demo: a tiny random model learns the synthetic text suite on CPU in minutes.

    python -m align.demo --out demo

1. builds a seeded tiny Llama (demo/models/tiny-llama-base),
2. DPO-trains it on synth_text's `train` split (gold choice = chosen, a wrong choice = rejected) with the
   evaluation callback scoring the held-out `test` split before training and at every save (demo/runs),
3. evaluates the final checkpoint from disk through the harness, as `eval-anything run --model hf:...` would,
4. builds the leaderboard from the run directories (demo/site) and prints base vs trained with 95% CIs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

CONFIG = Path(__file__).resolve().parent / "configs" / "dpo_synth_text.yaml"


def _stat(results: dict) -> dict:
    m = results["tasks"]["synth_text"]["metrics"]["acc"]
    return {"acc": m["value"], "ci95": m["ci95"], "n": m["n"], "per_kind": results["tasks"]["synth_text"]["extra"]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m align.demo", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=Path("demo"))
    ap.add_argument("--epochs", type=float, default=1.0)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
    out = args.out.resolve()
    base = out / "models" / "tiny-llama-base"
    ckpt = out / "checkpoints" / "dpo-synth"
    runs = out / "runs"

    from eval_anything.models.default_model import build_tiny_llama

    if not (base / "config.json").exists():
        base.parent.mkdir(parents=True, exist_ok=True)
        build_tiny_llama(base, seed=0)

    from align import dpo
    from align.config import load_config

    cfg = load_config("dpo", CONFIG, [
        ("model.path", str(base)), ("train.output_dir", str(ckpt)), ("train.num_train_epochs", str(args.epochs)),
        ("train.num_threads", str(args.threads)), ("eval.output", str(runs)), ("eval.limit", "null"),
        ("eval.at_start", "true")])
    trainer = dpo.build_trainer(cfg)
    for cb in trainer.callback_handler.callbacks:
        if hasattr(cb, "options"):
            cb.options["use_cache"] = False  # every checkpoint's weights differ; nothing to reuse
    trainer.train()
    final = dpo.save_trained(trainer)  # train.output_dir is ckpt
    curve = [(r.step, r.metrics["eval/synth_text/acc"]) for cb in trainer.callback_handler.callbacks
             for r in getattr(cb, "history", [])]

    from eval_anything.registry import load_model
    from eval_anything.runner import evaluate

    adapter = load_model(f"hf:{final}")
    adapter.name = "tiny-llama-dpo-synth (final, from disk)"
    trained = evaluate(adapter, ["synth_text"], output=str(runs), show_progress=False, use_cache=False)
    base_run = next(r for cb in trainer.callback_handler.callbacks for r in getattr(cb, "history", []) if r.step == 0)
    base_results = json.loads((base_run.run_dir / "results.json").read_text())

    b, t = _stat(base_results), _stat(trained.results)
    site = out / "site"
    summary = {"base": b, "trained": t, "curve": curve, "ci_disjoint": b["ci95"][1] < t["ci95"][0],
               "runs": str(runs), "site": str(site / "index.html")}
    (out / "demo_summary.json").write_text(json.dumps(summary, indent=2))  # the numbers, even if the site fails

    from leaderboard.build import build_site

    build_site([runs], site)
    print(f"synth_text held-out accuracy (n={t['n']}):")
    print(f"  base     {b['acc']:.3f}  95% CI [{b['ci95'][0]:.3f}, {b['ci95'][1]:.3f}]")
    print(f"  trained  {t['acc']:.3f}  95% CI [{t['ci95'][0]:.3f}, {t['ci95'][1]:.3f}]")
    print(f"  curve (step, acc): {curve}")
    print(f"  CIs disjoint: {summary['ci_disjoint']}; leaderboard: {site / 'index.html'}")
    return 0 if summary["ci_disjoint"] else 1


if __name__ == "__main__":
    sys.exit(main())
