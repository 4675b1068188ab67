"""Code of Part III (《AI大模型创业：如何实现未来盈利》): hardware peak, monetisation, small models.

Modules: :mod:`book.part3.hardware` (theoretical CPU peak from ``/proc/cpuinfo``),
:mod:`book.part3.economics` (break-even traffic of a model API).
The cost formulas themselves live in :mod:`book.cost` (shared with Parts IV and VI).
"""
