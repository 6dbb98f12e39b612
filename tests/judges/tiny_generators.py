"""Tiny random media generators built offline (seeded): a diffusers Stable-Diffusion-style pipeline (16 px images)
and a transformers VITS text-to-waveform model (8 kHz). About 0.6 MB and 0.1 MB."""

from __future__ import annotations

import json
import string
from pathlib import Path


def build_tiny_sd(path: Path, seed: int = 0) -> Path:
    import torch
    from diffusers import AutoencoderKL, DDIMScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    from eval_anything.models.default_model import build_tokenizer

    tok = build_tokenizer()
    tok.model_max_length = 32
    torch.manual_seed(seed)
    unet = UNet2DConditionModel(sample_size=8, in_channels=4, out_channels=4, layers_per_block=1,
                                block_out_channels=(8, 16), down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
                                up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), cross_attention_dim=16,
                                attention_head_dim=2, norm_num_groups=4)
    vae = AutoencoderKL(block_out_channels=(8, 16), in_channels=3, out_channels=3, latent_channels=4,
                        down_block_types=("DownEncoderBlock2D",) * 2, up_block_types=("UpDecoderBlock2D",) * 2,
                        norm_num_groups=4, sample_size=16)
    text = CLIPTextModel(CLIPTextConfig(hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2,
                                        vocab_size=len(tok), max_position_embeddings=32, bos_token_id=tok.bos_token_id,
                                        eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id))
    pipe = StableDiffusionPipeline(vae=vae, text_encoder=text, tokenizer=tok, unet=unet, scheduler=DDIMScheduler(clip_sample=False),
                                   safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    pipe.save_pretrained(path)
    return path


def build_tiny_vits(path: Path, seed: int = 0) -> Path:
    import torch
    from transformers import VitsConfig, VitsModel, VitsTokenizer

    path.mkdir(parents=True, exist_ok=True)
    chars = ["<pad>", " "] + list(string.ascii_lowercase) + list(".,!?'")
    vocab = path / "vocab.json"
    vocab.write_text(json.dumps({c: i for i, c in enumerate(chars)}))
    tok = VitsTokenizer(str(vocab), pad_token="<pad>", unk_token=None, add_blank=True, normalize=True, phonemize=False)
    config = VitsConfig(vocab_size=len(chars), hidden_size=16, num_hidden_layers=1, num_attention_heads=2, ffn_dim=32,
                        flow_size=16, spectrogram_bins=17, upsample_initial_channel=16, upsample_rates=[4, 4],
                        upsample_kernel_sizes=[8, 8], resblock_kernel_sizes=[3], resblock_dilation_sizes=[[1, 3]],
                        prior_encoder_num_flows=1, prior_encoder_num_wavenet_layers=1,
                        posterior_encoder_num_wavenet_layers=1, duration_predictor_num_flows=1,
                        duration_predictor_filter_channels=16, depth_separable_num_layers=1, sampling_rate=8000,
                        use_stochastic_duration_prediction=False, window_size=2)
    torch.manual_seed(seed)
    VitsModel(config).eval().save_pretrained(path)
    tok.save_pretrained(path)
    return path
