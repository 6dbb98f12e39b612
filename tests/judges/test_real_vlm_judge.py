"""A real transformers VLM (tiny random LLaVA built offline) as the judge: the image reaches the model, and its
unreadable replies end as recorded parse failures after one repair, not as crashes or zeros."""

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from eval_anything.media import encode_png_bytes, store_media  # noqa: E402
from eval_anything.scheduler import Scheduler  # noqa: E402
from judges import JudgeEnv, JudgeItem  # noqa: E402
from judges.llm import PointwiseJudge  # noqa: E402


def test_tiny_llava_judges_an_image(tmp_path):
    from eval_anything.models.hf_multimodal import HFMultimodal
    from tests.fixtures.tiny_multimodal import build_tiny_llava

    adapter = HFMultimodal.from_path(str(build_tiny_llava(tmp_path / "llava")), {})
    assert "image" in adapter.capabilities.input_modalities
    img = store_media(encode_png_bytes(np.full((32, 32, 3), 200, np.uint8)), "png", tmp_path / "store")
    items = [JudgeItem(id="1", prompt="Draw a grey square.", response="[the generated image attached above]",
                       parts=(img,))]
    env = JudgeEnv(adapter, Scheduler(), model_name="hf:tiny-llava", max_new_tokens=8)
    [v] = PointwiseJudge("amg_image.jinja").judge(items, env)
    rec = v.records[0]
    assert rec.judge_model == "hf:tiny-llava" and rec.template == "amg_image.jinja"
    if v.value is None:  # a random model almost never writes a score
        assert v.error.startswith("judge parse failure") and rec.attempts == 2 and rec.raw_output
    else:
        assert 1 <= v.value <= 10
    assert env.scheduler.stats["errors"] == 0
