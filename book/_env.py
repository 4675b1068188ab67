"""Environment switches read by the rest of the package.

``BOOK_QUIET=1`` is set by the book's Sphinx extension (``book.sphinxext``)
before any notebook kernel starts, so that progress bars stay silent in the
built HTML; a reader running a notebook in Jupyter or Colab sees them.
"""
from __future__ import annotations

import os

# Library start-up logs are silenced at their source, before TensorFlow loads.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


def quiet() -> bool:
    """Return True when output meant for an interactive reader should be suppressed."""
    return os.environ.get("BOOK_QUIET", "0") not in ("", "0", "false", "False")
