"""Environment switches read by the rest of the package.

``BOOK_QUIET=1`` is set by the book's Sphinx extension (``_ext/book_env.py``)
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


def redirect_caches() -> dict[str, str]:
    """Point library caches and profiles (matplotlib, IPython, Keras, Jupyter's runtime files)
    into the system temp folder, unless the caller already set them.

    The book build (``_ext/book_env.py``) and the tests call this, so that building
    and testing write nothing outside the build folder and the temp folder.
    Returns the variables it set.
    """
    import tempfile

    base = os.path.join(tempfile.gettempdir(), "llm-startup-book")
    wanted = {
        "MPLCONFIGDIR": os.path.join(base, "matplotlib"),
        "IPYTHONDIR": os.path.join(base, "ipython"),
        "KERAS_HOME": os.path.join(base, "keras"),
        "JUPYTER_RUNTIME_DIR": os.path.join(base, "jupyter-runtime"),
    }
    done = {}
    for key, path in wanted.items():
        if key not in os.environ:
            os.makedirs(path, exist_ok=True)
            os.environ[key] = path
            done[key] = path
    return done
