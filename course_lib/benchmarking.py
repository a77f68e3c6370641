"""Registry of kernel benchmarks that ``make bench`` runs besides lecture times and widgets.

A topic module registers a zero-argument function that returns a dict of figures::

    @register_benchmark("07 sgld: batched vs loop over chains")
    def _bench_sgld():
        ...
        return {"batched_s": t1, "loop_s": t2, "speedup": t2 / t1}
"""
from __future__ import annotations

from typing import Callable

__all__ = ["BENCHMARKS", "register_benchmark"]

BENCHMARKS: dict[str, Callable[[], dict]] = {}


def register_benchmark(name: str):
    def deco(fn: Callable[[], dict]):
        BENCHMARKS[name] = fn
        return fn

    return deco
