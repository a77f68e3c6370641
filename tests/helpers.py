"""Shared assertions for the unit tests."""
from __future__ import annotations

import pytest


def assert_rejects(fn, argname: str, *args, exc=(ValueError, TypeError), **kwargs):
    """``fn(*args, **kwargs)`` must raise ``exc`` with a message that names ``argname``."""
    with pytest.raises(exc) as info:
        fn(*args, **kwargs)
    assert argname in str(info.value), f"error does not name {argname!r}: {info.value}"
    return info.value
