"""align: train all-modality models (SFT, reward model, DPO, PPO, learning from language feedback).

Entry points: `align <algorithm> --config FILE.yaml` or `python -m align ...`; see docs/align.md.
Heavy libraries (torch, transformers, trl) are imported inside the functions that need them.
"""
