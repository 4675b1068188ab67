"""Progress bars that a reader sees in Jupyter but that stay silent in the built book."""
from __future__ import annotations

from typing import Iterable, TypeVar

from ._env import quiet

T = TypeVar("T")


def progress(iterable: Iterable[T], *, desc: str = "", total: int | None = None,
             enabled: bool | None = None) -> Iterable[T]:
    """Wrap ``iterable`` in a tqdm bar unless the book is being built (``BOOK_QUIET=1``).

    ``enabled`` forces the bar on or off.
    """
    on = (not quiet()) if enabled is None else bool(enabled)
    if not on:
        return iterable
    from tqdm import tqdm  # text bar: needs no ipywidgets

    return tqdm(iterable, desc=desc, total=total, leave=False)
