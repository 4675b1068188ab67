"""Code of Part VI (动手做一个小型大模型) used by one chapter each.

* :mod:`book.part6.bpe` — byte-level BPE from scratch and English text for ``01_tokenizer``;
* :mod:`book.part6.serve` — KV cache and int8 weight-only quantisation for ``04_serving``;
* :mod:`book.part6.finetune` — LoRA by hand and DDP on two processes for ``05_finetune_ddp``.

Code shared by several chapters stays at the top level: :mod:`book.corpus` (the book's
prose as a corpus) and :mod:`book.gpt` (the tiny GPT and its data pipeline).
"""
