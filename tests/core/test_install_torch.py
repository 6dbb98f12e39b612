"""The torch installer picks PyTorch's CPU index exactly when a CUDA build would land on a machine without a GPU."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("install_torch", Path(__file__).parents[2] / "tools" / "install_torch.py")
assert _spec and _spec.loader
install_torch = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(install_torch)


def test_cuda_plan_without_driver_uses_cpu_index():
    assert install_torch.needs_cpu_index(["torch", "nvidia-cudnn-cu13", "sympy"], has_nvidia_driver=False) is True


def test_cuda_plan_with_driver_installs_as_planned():
    assert install_torch.needs_cpu_index(["torch", "nvidia-cudnn-cu13"], has_nvidia_driver=True) is False


def test_cpu_plan_installs_as_planned():
    assert install_torch.needs_cpu_index(["torch", "sympy", "filelock"], has_nvidia_driver=False) is False


def test_name_containing_nvidia_elsewhere_is_not_a_cuda_package():
    assert install_torch.needs_cpu_index(["torch", "pynvidia-tools"], has_nvidia_driver=False) is False
