"""The one progress-bar helper: anything slow in a lecture shows a tqdm bar (``progress=True``)."""
from __future__ import annotations

from typing import Iterable, TypeVar

from course_lib.core.validate import check_bool

__all__ = ["progress"]

T = TypeVar("T")


def progress(iterable: Iterable[T], enabled: bool, desc: str, *, unit: str = "it", total: int | None = None,
             leave: bool = False) -> Iterable[T]:
    """``iterable`` wrapped in a notebook-aware tqdm bar when ``enabled``, else unchanged.

    tqdm is imported only when a bar is asked for (it costs ~0.1 s in a fresh kernel).
    """
    if not check_bool(enabled, "progress"):
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, desc=desc, unit=unit, total=total, leave=leave)
