"""Explicit registries: a name -> ``"package.module:attribute"`` table, resolved on demand.

Who reads a registry (``make bench``, the tests, the website) sees every entry in one
literal table and imports only the entries it uses -- nothing is found by importing every
module for its side effects.  :data:`course_lib.catalog.WIDGETS` lists each lecture's widget
builder; ``benchmarks/registry.py`` lists the kernel benchmarks.
"""
from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any, Iterator

__all__ = ["Registry"]


class Registry(Mapping):
    """A read-only mapping whose values are imported when first looked up."""

    def __init__(self, kind: str, entries: dict[str, str]):
        for name, target in entries.items():
            module, sep, attr = target.partition(":")
            if not (isinstance(name, str) and name and sep and module and attr):
                raise ValueError(f"entries: {name!r} -> {target!r} is not 'package.module:attribute'")
        self.kind = kind
        self._entries = dict(entries)
        self._loaded: dict[str, Any] = {}

    def target(self, name: str) -> str:
        """The dotted ``module:attribute`` path behind ``name`` (no import)."""
        return self._entries[name]

    def __getitem__(self, name: str) -> Any:
        if name not in self._entries:
            raise KeyError(f"no {self.kind} named {name!r}; known: {', '.join(self._entries)}")
        if name not in self._loaded:
            module, _, attr = self._entries[name].partition(":")
            self._loaded[name] = getattr(importlib.import_module(module), attr)
        return self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {len(self)} entries)"
