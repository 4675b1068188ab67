"""One start-up call for every chapter: plot style, seeds, CPU threads, device.

Every chapter's first code cell is::

    import book
    device = book.start(seed=0)

which replaces the four set-up lines (and the paragraph explaining the thread
limit) that each chapter used to repeat.
"""
from __future__ import annotations

from typing import Any

from ._checks import check_positive_int
from .device import limit_cpu_threads, torch_device
from .plotting import use_book_style
from .seed import seed_everything, seed_for


def start(seed: int = 0, *, threads: int | None = 1, device: str = "auto") -> Any:
    """Prepare a chapter and return the ``torch.device`` it should compute on.

    * the book's plot style (CJK font, sharp SVG figures in Jupyter);
    * :func:`book.seed_everything` with ``book.seed_for(seed)``: ``seed`` shifted by the seed
      switch ``BOOK_SEED_OFFSET`` (see :func:`book.seed_offset`) — Python, NumPy, PyTorch,
      TensorFlow when it is imported;
    * ``threads`` CPU threads for PyTorch and the BLAS libraries (``None`` leaves
      them alone). The book's models are tiny: on a 2-core CPU one thread is
      faster than two that wait for each other; on a GPU this changes nothing;
    * the device: CUDA when PyTorch sees a GPU (``device="auto"``), else the CPU.
    """
    if threads is not None:
        check_positive_int("threads", threads)
    use_book_style()
    seed_everything(seed_for(seed))
    if threads is not None:
        limit_cpu_threads(threads)
    return torch_device(device)
