"""Judges: one small protocol, LLM/VLM judges with jinja2 templates, reward-model judges and rule judges.

Every judge takes `JudgeItem`s and returns `Verdict`s (a value or None, the judge records, an error). LLM judges
call their model through the run's scheduler (cached, batched or concurrent like model calls).
"""

from judges.base import Judge, JudgeEnv, JudgeItem, Verdict, NEEDS_JUDGE
from judges.templates import JudgeTemplate, load_template

__all__ = ["Judge", "JudgeEnv", "JudgeItem", "Verdict", "NEEDS_JUDGE", "JudgeTemplate", "load_template"]


def _register() -> None:
    from eval_anything.registry import MODEL_ADAPTERS, register_judge, register_model

    # `--judge rm:PATH`: a reward model as the run's judge (benchmark hooks import judges before judges load).
    if "rm" not in MODEL_ADAPTERS:
        register_model("rm", "judges.reward_model:load")

    for name, target in {
        "pointwise": "judges.llm:PointwiseJudge",
        "reference": "judges.llm:ReferenceJudge",
        "pairwise": "judges.pairwise:PairwiseJudge",
        "tifa": "judges.tifa:TifaJudge",
        "reward_model": "judges.reward_model:RewardModelJudge",
        "exact_match": "judges.rules:ExactMatchJudge",
        "numeric": "judges.rules:NumericJudge",
        "math_equiv": "judges.rules:MathEquivJudge",
    }.items():
        register_judge(name, target)


_register()
