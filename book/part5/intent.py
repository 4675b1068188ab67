"""A generated Chinese customer-service corpus: intents, templates with slots, and an FAQ.

The data (slot values, templates, FAQ) live in ``intent.yml`` next to this module.

Part V, chapter 04 (the article's §5.4 "智能客服"). Every question is a template of its intent filled with
slot values. Evaluation is honest only when whole templates are held out: a random split of the filled
questions puts the same template on both sides, and the classifier is then tested on wordings it has seen.
"""
from __future__ import annotations

import string
from pathlib import Path
from typing import Sequence

import numpy as np

from .._checks import check_positive_int

CORPUS = Path(__file__).with_name("intent.yml")


def load_corpus_spec(path: str | Path = CORPUS) -> tuple[dict[str, list[str]], dict[str, list[str]],
                                                         dict[str, tuple[str, str]]]:
    """Read slots, templates and FAQ from ``path`` (YAML) and check that they fit together.

    Every ``{slot}`` in a template must be a known slot, every intent needs at least two templates and
    exactly one FAQ entry (question, answer). Returns ``(slots, templates, faq)``.
    """
    import yaml

    spec = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(spec, dict) or set(spec) != {"slots", "templates", "faq"}:
        raise ValueError(f"{path}: 应有且只有 slots、templates、faq 三个键")
    slots = {k: [str(v) for v in (vs or [])] for k, vs in spec["slots"].items()}
    templates = {k: [str(t) for t in ts] for k, ts in spec["templates"].items()}
    for intent, ts in templates.items():
        if len(ts) < 2:
            raise ValueError(f"{path}: 意图 {intent} 至少需要 2 个模板")
        unknown = {name for t in ts for _, name, _, _ in string.Formatter().parse(t) if name} - set(slots)
        if unknown:
            raise ValueError(f"{path}: 意图 {intent} 的模板用到了未定义的槽位 {sorted(unknown)}")
    if set(spec["faq"]) != set(templates):
        raise ValueError(f"{path}: FAQ 的意图与模板的意图不一致")
    faq = {k: (str(spec["faq"][k]["question"]), str(spec["faq"][k]["answer"])) for k in templates}
    return slots, templates, faq


SLOTS, TEMPLATES, FAQ = load_corpus_spec()


def fill(template: str, rng: np.random.Generator) -> str:
    """Fill the slots of one template with random values."""
    values = {k: (str(rng.integers(10**9, 10**10)) if k == "order" else str(rng.choice(v)))
              for k, v in SLOTS.items()}
    return template.format(**values)


def fill_templates(templates: dict[str, Sequence[str]], per_template: int, *, seed: int,
                   tag: str = "") -> list[dict]:
    """Fill each template of ``templates`` (``{intent: [template, …]}``) with up to ``per_template``
    distinct questions; each row: text, intent, template id ``intent/{tag}k``.

    A template may use only the slots in ``SLOTS``; one without slots gives one question. Rows come
    intent by intent, template by template, texts sorted; the same ``seed`` gives the same rows.
    """
    check_positive_int("per_template", per_template)
    if not isinstance(templates, dict) or not templates:
        raise ValueError("templates 应为非空的 {意图: [模板, …]} 字典")
    rng = np.random.default_rng(seed)
    rows = []
    for intent, ts in templates.items():
        if isinstance(ts, str) or not ts:
            raise ValueError(f"意图 {intent} 的模板应为非空的字符串序列")
        for k, t in enumerate(ts):
            names = {name for _, name, _, _ in string.Formatter().parse(t) if name is not None}
            unknown = names - set(SLOTS)
            if unknown:
                raise ValueError(f"模板 {t!r} 用到了未定义的槽位 {sorted(unknown)}；可用的有 {sorted(SLOTS)}")
            texts = {fill(t, rng) for _ in range(per_template * 3)} if names else {t}
            for text in sorted(texts)[:per_template]:
                rows.append({"text": text, "intent": intent, "template": f"{intent}/{tag}{k}"})
    return rows


def make_corpus(per_template: int = 20, *, seed: int = 0) -> list[dict]:
    """Fill every template ``per_template`` times; each row: text, intent, template id (``intent/k``)."""
    return fill_templates(TEMPLATES, per_template, seed=seed)


def template_split(rows: list[dict], n_test_templates: int = 2, *, seed: int = 0) -> tuple[list[dict], list[dict]]:
    """Hold out ``n_test_templates`` whole templates of every intent: (train rows, test rows)."""
    check_positive_int("n_test_templates", n_test_templates)
    rng = np.random.default_rng(seed)
    held = set()
    for intent, templates in TEMPLATES.items():
        if n_test_templates >= len(templates):
            raise ValueError(f"意图 {intent} 只有 {len(templates)} 个模板，不能留出 {n_test_templates} 个")
        for k in rng.choice(len(templates), n_test_templates, replace=False):
            held.add(f"{intent}/{k}")
    return [r for r in rows if r["template"] not in held], [r for r in rows if r["template"] in held]
