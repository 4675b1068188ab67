"""Device choice for PyTorch and TensorFlow (GPU when present, else CPU).

Every chapter asks this module for its device; no chapter writes ``.cuda()``.
"""
from __future__ import annotations

from typing import Any

_VALID = ("auto", "cpu", "cuda", "gpu")


def _check_name(name: str) -> str:
    if not isinstance(name, str):
        raise TypeError(f"设备名应为字符串（'auto'、'cpu'、'cuda' 或 'gpu'），收到 {type(name).__name__}")
    key = name.strip().lower()
    base = key.split(":")[0]
    if base not in _VALID:
        raise ValueError(f"未知设备名 {name!r}：应为 'auto'、'cpu'、'cuda'、'cuda:N' 或 'gpu'")
    if ":" in key:
        idx = key.split(":", 1)[1]
        if base not in ("cuda", "gpu") or not idx.isdigit():
            raise ValueError(f"设备名 {name!r} 的编号部分无效：应形如 'cuda:0'")
    return key


def torch_device(name: str = "auto") -> "Any":
    """Return a ``torch.device``: CUDA when available (for ``'auto'``), else CPU.

    ``name`` may be ``'auto'``, ``'cpu'``, ``'cuda'``/``'gpu'`` or ``'cuda:N'``.
    Asking for CUDA on a machine without it raises ``RuntimeError``.
    """
    import torch

    key = _check_name(name)
    if key == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if key == "cpu":
        return torch.device("cpu")
    key = key.replace("gpu", "cuda")
    if not torch.cuda.is_available():
        raise RuntimeError(f"请求了设备 {name!r}，但本机的 PyTorch 看不到 CUDA；请改用 'auto' 或 'cpu'")
    return torch.device(key)


def tf_device(name: str = "auto") -> str:
    """Return a TensorFlow device string (``'/GPU:0'`` or ``'/CPU:0'``) for ``tf.device``."""
    key = _check_name(name)
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if key == "auto":
        return "/GPU:0" if gpus else "/CPU:0"
    if key == "cpu":
        return "/CPU:0"
    idx = int(key.split(":")[1]) if ":" in key else 0
    if idx >= len(gpus):
        raise RuntimeError(f"请求了设备 {name!r}，但 TensorFlow 只看到 {len(gpus)} 块 GPU；请改用 'auto' 或 'cpu'")
    return f"/GPU:{idx}"


def describe_devices(*, tensorflow: bool = False, show: bool = True) -> dict[str, str]:
    """Report what compute devices were found, print one line, and return it as a dict.

    TensorFlow is only imported when ``tensorflow=True`` (it is slow to import).
    """
    import torch

    info: dict[str, str] = {
        "torch": torch.__version__,
        "torch_device": str(torch_device()),
    }
    if torch.cuda.is_available():
        info["torch_gpu"] = torch.cuda.get_device_name(0)
    if tensorflow:
        import tensorflow as tf

        info["tensorflow"] = tf.__version__
        info["tf_device"] = tf_device()
    if show:
        print("；".join(f"{k} = {v}" for k, v in info.items()))
    return info


def limit_cpu_threads(n: int = 1) -> None:
    """Limit PyTorch's and the BLAS libraries' CPU threads to ``n``.

    Returns ``None``, so that a call at the end of a cell echoes nothing.

    The book's models are tiny (matrices of a few hundred rows): on a small
    CPU, synchronising several threads costs more than it saves, and when the
    tests run chapters in parallel beside the book build, extra threads only
    fight over the same cores. This changes nothing on a GPU.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
        raise ValueError(f"线程数应为正整数，收到 {n!r}")
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(n)
    threadpool_limits(limits=n)
