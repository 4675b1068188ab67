"""Break-even of a model API: how much traffic pays for the fixed costs.

Used by ``chapters/part3/01_unit_economics`` and ``05_applications``. The model is the
simplest honest one: GPUs are rented by the hour as traffic needs them (so serving cost is
proportional to tokens), plus a fixed monthly cost (staff, training amortised, …):

    profit(T) = T · (price − serving cost) / 10⁶ − fixed,      T = tokens per month,

so the break-even traffic is ``fixed / (price − cost) · 10⁶`` tokens, and infinite when the
price does not cover the serving cost. The tokens per second a GPU delivers come from the
cost calculator's roofline (:func:`book.cost.decode_step`, with the KV-cache reads and the
memory capacity), not from here.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..cost import _number, serving_cost_per_million_tokens

__all__ = ["ApiPlan", "break_even_tokens", "monthly_profit"]


@dataclass(frozen=True)
class ApiPlan:
    """A hypothetical model API.

    ``price_per_million``: what a customer pays per million tokens; ``gpu_tokens_per_second``:
    tokens one GPU produces per second at full load (batched); ``gpu_price_per_hour``: its rent;
    ``load``: the average share of that capacity actually used (traffic is not flat), in (0, 1];
    ``fixed_per_month``: costs that do not grow with traffic.
    """

    price_per_million: float
    gpu_tokens_per_second: float
    gpu_price_per_hour: float
    fixed_per_month: float = 0.0
    load: float = 0.5

    def __post_init__(self) -> None:
        _number("price_per_million（每百万 token 售价）", self.price_per_million, allow_zero=True)
        _number("gpu_tokens_per_second（每卡每秒 token 数）", self.gpu_tokens_per_second)
        _number("gpu_price_per_hour（每卡每小时租金）", self.gpu_price_per_hour, allow_zero=True)
        _number("fixed_per_month（每月固定成本）", self.fixed_per_month, allow_zero=True)
        load = _number("load（平均负载）", self.load)
        if load > 1:
            raise ValueError(f"load（平均负载）应在 (0, 1] 内，收到 {self.load!r}")

    @property
    def cost_per_million(self) -> float:
        """Serving cost of one million tokens at the average load."""
        return serving_cost_per_million_tokens(self.gpu_tokens_per_second * self.load, self.gpu_price_per_hour)


def monthly_profit(plan: ApiPlan, tokens_per_month: float) -> float:
    """Profit of one month with ``tokens_per_month`` tokens served (negative = loss)."""
    if not isinstance(plan, ApiPlan):
        raise ValueError(f"plan 应为 ApiPlan，收到 {type(plan).__name__}")
    t = _number("tokens_per_month（每月 token 数）", tokens_per_month, allow_zero=True)
    return t / 1e6 * (plan.price_per_million - plan.cost_per_million) - plan.fixed_per_month


def break_even_tokens(plan: ApiPlan) -> float:
    """月利润为零时每月的 token 数；
    价格不高于服务成本时为 ``math.inf``。

    Tokens per month at which the profit is zero; ``math.inf`` if the price
    does not exceed the serving cost."""
    if not isinstance(plan, ApiPlan):
        raise ValueError(f"plan 应为 ApiPlan，收到 {type(plan).__name__}")
    margin = plan.price_per_million - plan.cost_per_million
    if margin <= 0:
        return math.inf
    return plan.fixed_per_month / margin * 1e6
