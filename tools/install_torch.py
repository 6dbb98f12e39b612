"""Install torch without pulling a multi-GB CUDA build onto a machine that has no NVIDIA GPU.

Linux wheels of torch on PyPI are CUDA builds that bring about twenty `nvidia-*` packages. This script asks pip what
it would install (`pip install --dry-run --report`); when that plan contains `nvidia-*` packages and the machine has
no NVIDIA driver (`nvidia-smi` absent), it installs from PyTorch's CPU wheel index instead. A machine whose pip already
resolves a CPU wheel (a local wheel, a mirror) installs as planned, and so does a GPU machine.

Usage: python tools/install_torch.py [SPEC]   (default SPEC: torch==2.13.0; env TORCH_INDEX_URL forces an index)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def planned_packages(spec: str) -> list[str]:
    """Names pip would install for `spec`, without installing anything."""
    out = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--report", "-", spec],
                         check=True, capture_output=True, text=True).stdout
    report = json.loads(out)
    return [item["metadata"]["name"].lower() for item in report.get("install", [])]


def needs_cpu_index(packages: list[str], has_nvidia_driver: bool) -> bool:
    return not has_nvidia_driver and any(name.startswith("nvidia-") for name in packages)


def main(argv: list[str]) -> int:
    spec = argv[0] if argv else "torch==2.13.0"
    pip = [sys.executable, "-m", "pip", "install", "-q"]
    forced = os.environ.get("TORCH_INDEX_URL")
    if forced:
        return subprocess.call([*pip, "--index-url", forced, spec])
    if needs_cpu_index(planned_packages(spec), shutil.which("nvidia-smi") is not None):
        print(f"install_torch: no NVIDIA driver and pip plans a CUDA build: using {CPU_INDEX}", file=sys.stderr)
        return subprocess.call([*pip, "--index-url", CPU_INDEX, spec])
    return subprocess.call([*pip, spec])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
