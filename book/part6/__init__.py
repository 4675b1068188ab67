"""Code of Part VI (动手做一个小型大模型): only this part uses it, so it lives here (CONTRIBUTING's rule).

* :mod:`book.part6.corpus` — the book's prose as a corpus (chapters 01–07);
* :mod:`book.part6.gpt` — the tiny GPT and its data pipeline (chapters 02–07);
* :mod:`book.part6.bpe` — byte-level BPE from scratch and English text for ``01_tokenizer``;
* :mod:`book.part6.serve` — KV cache and int8 weight-only quantisation for ``04_serving``;
* :mod:`book.part6.finetune` — LoRA by hand and DDP on two processes for ``05_finetune_ddp``.
"""
