"""Settings that several Part VI chapters share, in one place (the chapters glue them into the prose).

* :data:`MIN_COUNT`, :data:`UNK` — the character vocabulary of chapters 02–05: a character
  seen fewer than ``MIN_COUNT`` times in the training text becomes ``UNK``;
* :data:`TINY_GPT` — chapter 02's model and training recipe (chosen there on validation text);
* :data:`QUANT_GPT` — chapter 04's model for int8 quantisation: small enough that five seeds
  train 2.5 times chapter 02's steps within the chapter's CPU budget;
* :data:`SCALING` — chapter 03's iso-FLOP experiment, which deliberately differs from
  :data:`TINY_GPT` (a coarser vocabulary, one constant learning rate for every size); the
  chapter glues both so that its prose says exactly how.

Changing a value here changes every chapter that uses it, and the prose follows (glued).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from .gpt import GPTConfig

__all__ = ["MIN_COUNT", "UNK", "Recipe", "TINY_GPT", "SCALING", "QUANT_GPT"]

MIN_COUNT = 10
UNK = "□"


@dataclass(frozen=True)
class Recipe:
    """A model size plus how :func:`book.part6.gpt.train_gpt` trains it."""

    block_size: int
    n_layer: int
    n_head: int
    d_model: int
    tie_weights: bool
    lr: float
    embed_lr_mult: float
    batch_size: int
    steps: int

    def config(self, vocab_size: int) -> GPTConfig:
        """The :class:`book.part6.gpt.GPTConfig` of this recipe for a vocabulary of ``vocab_size``."""
        return GPTConfig(vocab_size=vocab_size, block_size=self.block_size, n_layer=self.n_layer,
                         n_head=self.n_head, d_model=self.d_model, tie_weights=self.tie_weights)

    def train_kwargs(self) -> dict:
        """Keyword arguments of :func:`book.part6.gpt.train_gpt` (steps, batch, learning rates)."""
        return {"steps": self.steps, "batch_size": self.batch_size, "lr": self.lr,
                "embed_lr_mult": self.embed_lr_mult}

    def as_dict(self) -> dict:
        return asdict(self)


TINY_GPT = Recipe(block_size=32, n_layer=1, n_head=4, d_model=48, tie_weights=False, lr=1e-2,
                  embed_lr_mult=10, batch_size=16, steps=400)


#: Chapter 03: vocabulary threshold (widths 2–16 cannot afford a large output layer), the FLOP
#: budget, batch, context, layers, heads and one constant learning rate shared by every size.
SCALING = {"min_count": 40, "budget": 1.0e9, "batch_size": 16, "block_size": 32, "n_layer": 2,
           "n_head": 1, "lr": 6e-3, "sizes": (2, 3, 4, 6, 16), "n_seeds": 5}


#: Chapter 04: a model trained longer than chapter 02's before it is quantised (chapter 03's
#: vocabulary threshold, a third of chapter 02's width, half its context, 2.5 times its
#: steps; the rest as :data:`TINY_GPT`), so that five seeds fit the chapter's CPU budget.
QUANT_GPT = Recipe(block_size=16, n_layer=1, n_head=4, d_model=16, tie_weights=False, lr=1e-2,
                   embed_lr_mult=10, batch_size=16, steps=1000)
