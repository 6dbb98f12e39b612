"""Synth task hooks: all logic lives in ../synthlib.py; this task's options pick the family and variant."""

import importlib.util
import sys
from pathlib import Path

_NAME = "eval_anything_synthlib"
if _NAME not in sys.modules:
    _spec = importlib.util.spec_from_file_location(_NAME, Path(__file__).resolve().parent.parent / "synthlib.py")
    _module = importlib.util.module_from_spec(_spec)
    sys.modules[_NAME] = _module
    _spec.loader.exec_module(_module)
_lib = sys.modules[_NAME]

load_rows = _lib.load_rows
doc_to_sample = _lib.doc_to_sample
score = _lib.score
aggregate = _lib.aggregate
